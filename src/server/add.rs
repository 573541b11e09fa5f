//! The write path (SPEC §25): `POST /v1/add` takes one signed statement or a batch, the
//! submissions that arrive within a short window are group-committed — one durable append and
//! one checkpoint signed for all of them — and each is answered, only once its entries are
//! durable, with its receipts and their inclusion proofs to that checkpoint.

use super::metrics::Metrics;
use crate::encoding::{Canonical, Decoder};
use crate::event::SignedStatement;
use crate::ledger::{AppendError, ProvenBatch, ProvenReceipt};
use crate::state::Rejection;
use crate::storage::Store;
use crate::{DecodeError, Ledger};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The most statements one request may carry.
pub const MAX_STATEMENTS: usize = 1_000;

/// How long the committer waits, after a submission arrives, for more to commit with it.
pub const DEFAULT_BATCH_WINDOW: Duration = Duration::from_millis(2);

/// The most statements one group commit takes (it may pass this by one request's worth).
const MAX_GROUP: usize = 4_096;

/// The default of [`super::Options::max_queued_bytes`].
pub const MAX_QUEUED_BYTES: usize = 64 << 20;

/// How the service records a group of statements: a durable append with a checkpoint signed
/// and kept for it, as [`Ledger::append_batch_proven`] (a file store and its checkpoint log) or
/// [`Ledger::append_batch_proven_in_store`] (PostgreSQL) does.
pub type Commit<S> =
    dyn FnMut(&mut Ledger<S>, Vec<SignedStatement>) -> Result<ProvenBatch, AppendError> + Send;

/// A request body of `POST /v1/add`: one signed statement (SPEC §4) or a CBOR array of 1 to
/// [`MAX_STATEMENTS`] of them, each in its canonical encoding.
#[derive(Debug, Clone)]
pub enum Submission {
    /// One signed statement: refused alone, it is answered with an error.
    One(Box<SignedStatement>),
    /// A batch: one result per statement.
    Batch(Vec<SignedStatement>),
}

/// A request body that is not a submission.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmissionError {
    /// Not the canonical encoding of a signed statement or of an array of them.
    #[error("malformed submission: {0}")]
    Decode(#[from] DecodeError),
    /// An empty batch, or one of more than [`MAX_STATEMENTS`].
    #[error("a batch holds 1 to {MAX_STATEMENTS} statements, this one {0}")]
    BatchSize(usize),
}

impl Submission {
    /// Strictly decodes a request body: a signed statement (whose first item is its version)
    /// or an array of signed statements (whose first item is an array).
    pub fn decode(bytes: &[u8]) -> Result<Self, SubmissionError> {
        let mut d = Decoder::new(bytes);
        let items = d.array_any()?;
        if !d.peek_is_array()? {
            return Ok(Self::One(Box::new(SignedStatement::from_canonical(bytes)?)));
        }
        if bytes.len() > super::MAX_BODY {
            return Err(DecodeError::TooLarge {
                len: bytes.len(),
                limit: super::MAX_BODY,
            }
            .into());
        }
        // The count first: nothing is decoded or reserved for a batch that is refused anyway.
        match usize::try_from(items) {
            Ok(1..=MAX_STATEMENTS) => {}
            _ => {
                return Err(SubmissionError::BatchSize(
                    usize::try_from(items).unwrap_or(usize::MAX),
                ))
            }
        }
        // A statement's own size is a rule (its entry is refused past 64 KiB, SPEC §8): it is
        // refused in its place, the others go on.
        let batch = Vec::<SignedStatement>::from_stored(bytes)?;
        Ok(Self::Batch(batch))
    }

    /// Its statements, in order.
    pub fn into_statements(self) -> Vec<SignedStatement> {
        match self {
            Self::One(s) => vec![*s],
            Self::Batch(b) => b,
        }
    }
}

/// What one statement of a submission came to.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Recorded (or recorded before: a resubmission), with its proof to the checkpoint.
    Recorded(ProvenReceipt),
    /// Refused by a rule or its signature; nothing of it was written.
    Refused(Refusal),
}

/// Why a statement was refused: the rule as SPEC names it, and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The name of the rule (SPEC §8: `UnknownKey`, `KeyRetired`, `NoMajority`, …; `Signature`
    /// for a signature that does not verify; `Invalid.<field>` for a malformed field;
    /// `ChangesCheckpointKeys` for an event the service does not take, SPEC §25).
    pub rule: String,
    /// What the rule says of this statement.
    pub message: String,
}

impl Refusal {
    /// The refusal of `rejection`.
    pub fn of(rejection: &Rejection) -> Self {
        let rule = match rejection {
            Rejection::Signature(_) => "Signature".to_owned(),
            Rejection::Rule(crate::RuleError::Invalid(field)) => {
                format!("Invalid.{}", variant(&format!("{field:?}")))
            }
            Rejection::Rule(rule) => variant(&format!("{rule:?}")).to_owned(),
        };
        Self {
            rule,
            message: rejection.to_string(),
        }
    }

    /// A statement whose event changes which keys sign checkpoints: the service signs each
    /// batch's checkpoint with its own key, which such an event may retire (SPEC §25).
    fn changes_checkpoint_keys() -> Self {
        Self {
            rule: "ChangesCheckpointKeys".to_owned(),
            message: AppendError::ChangesCheckpointKeys.to_string(),
        }
    }
}

/// The variant name at the start of a `Debug` rendering (`KeyRetired { .. }` → `KeyRetired`).
fn variant(debug: &str) -> &str {
    let end = debug
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(debug.len());
    &debug[..end]
}

/// A submission's answer: the signed checkpoint its proofs lead to and one outcome per
/// statement, in order.
#[derive(Debug, Clone)]
pub struct Added {
    /// The checkpoint (signed note text) signed for the group commit.
    pub checkpoint: Arc<str>,
    /// One outcome per statement.
    pub outcomes: Vec<Outcome>,
}

/// A submission was not committed: nothing of it is acknowledged.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddError {
    /// The service takes no submissions (started without a checkpoint key).
    #[error("this service does not take submissions (it was started without an operator key)")]
    NotAccepting,
    /// The group commit failed: the store, the checkpoint key or the checkpoint log. What the
    /// message says was recorded is recorded (submitting again returns its receipts); nothing
    /// was acknowledged.
    #[error("the submission was not acknowledged: {0}")]
    Failed(String),
    /// The service is stopping.
    #[error("the service is stopping; submit again")]
    Stopping,
    /// Too much is waiting for a commit ([`super::Options::max_queued_bytes`]); nothing of
    /// it was queued.
    #[error("the service is busy: too much is waiting to be committed; submit again shortly")]
    Busy,
}

/// One request's statements waiting for the next group commit.
struct Pending {
    statements: Vec<SignedStatement>,
    /// The bytes it counts in [`Queued`].
    bytes: usize,
    reply: tokio::sync::oneshot::Sender<Result<ProvenBatch, AddError>>,
}

/// The group committer: a thread that takes the submissions as they arrive and commits them
/// together. Dropping it lets it finish what it holds, then joins it.
pub(super) struct GroupCommit {
    queue: Option<mpsc::Sender<Pending>>,
    /// Bytes of statements sent to the committer and not yet taken into a commit.
    queued: Arc<AtomicUsize>,
    max_queued: usize,
    /// Why the last group commit failed, until one succeeds.
    failing: Arc<Mutex<Option<String>>>,
    thread: Option<JoinHandle<()>>,
    metrics: Arc<Metrics>,
}

impl GroupCommit {
    pub(super) fn start<S: Store + Send + 'static>(
        ledger: Arc<Mutex<Ledger<S>>>,
        mut commit: Box<Commit<S>>,
        options: &super::Options,
        metrics: Arc<Metrics>,
    ) -> Self {
        let window = options.batch_window;
        let (queue, arrivals) = mpsc::channel::<Pending>();
        let counters = Arc::clone(&metrics);
        let queued = Arc::new(AtomicUsize::new(0));
        let taken = Arc::clone(&queued);
        let failing = Arc::new(Mutex::new(None));
        let failed = Arc::clone(&failing);
        let thread = std::thread::Builder::new()
            .name("chancery-commit".into())
            .spawn(move || {
                while let Ok(first) = arrivals.recv() {
                    let group = gather(first, &arrivals, window);
                    let bytes: usize = group.iter().map(|p| p.bytes).sum();
                    taken.fetch_sub(bytes, Ordering::AcqRel);
                    commit_group(&ledger, &mut *commit, group, &counters, &failed);
                }
            })
            .ok();
        Self {
            queue: Some(queue),
            queued,
            max_queued: options.max_queued_bytes,
            failing,
            thread,
            metrics,
        }
    }

    /// Why the last group commit failed, if it did (and none has succeeded since).
    pub(super) fn failing(&self) -> Option<String> {
        self.failing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Records `submission` with the next group commit; answers once it is durable.
    pub(super) async fn add(&self, submission: Submission) -> Result<Added, AddError> {
        let statements = submission.into_statements();
        // Events that change the checkpoint keys are not committed here (SPEC §25): they are
        // refused in place and the others go on.
        let refused: Vec<bool> = statements
            .iter()
            .map(|s| s.statement().event.changes_checkpoint_keys())
            .collect();
        self.metrics
            .refused_early(refused.iter().filter(|r| **r).count());
        let admitted: Vec<SignedStatement> = statements
            .into_iter()
            .zip(&refused)
            .filter(|(_, r)| !**r)
            .map(|(s, _)| s)
            .collect();
        let (checkpoint, mut receipts) = if admitted.is_empty() {
            (None, Vec::new().into_iter())
        } else {
            let admitted_count = admitted.len();
            let (reply, answer) = tokio::sync::oneshot::channel();
            let queue = self.queue.as_ref().ok_or(AddError::Stopping)?;
            let bytes = admitted
                .iter()
                .map(|s| s.statement_bytes().len() + 64)
                .sum();
            let before = self.queued.fetch_add(bytes, Ordering::AcqRel);
            // One submission is always taken when nothing waits, whatever its size.
            if before > 0 && before + bytes > self.max_queued {
                self.queued.fetch_sub(bytes, Ordering::AcqRel);
                return Err(AddError::Busy);
            }
            let sent = queue.send(Pending {
                statements: admitted,
                bytes,
                reply,
            });
            if sent.is_err() {
                self.queued.fetch_sub(bytes, Ordering::AcqRel);
                return Err(AddError::Stopping);
            }
            let batch = answer.await.map_err(|_| AddError::Stopping)??;
            if batch.receipts.len() != admitted_count {
                return Err(AddError::Failed(format!(
                    "the commit returned {} results for {admitted_count} statements",
                    batch.receipts.len()
                )));
            }
            (Some(batch.checkpoint), batch.receipts.into_iter())
        };
        let outcomes = refused
            .iter()
            .map(|r| match r {
                true => Outcome::Refused(Refusal::changes_checkpoint_keys()),
                // As many results as statements admitted, checked above.
                false => match receipts.next() {
                    Some(Ok(proven)) => Outcome::Recorded(proven),
                    Some(Err(rejection)) => Outcome::Refused(Refusal::of(&rejection)),
                    None => unreachable!("counted above"),
                },
            })
            .collect();
        Ok(Added {
            checkpoint: checkpoint.unwrap_or_default().into(),
            outcomes,
        })
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        // Closing the queue ends the thread once it has committed what it holds.
        self.queue = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What a submitter is told of a failed commit.
fn told(e: &AppendError) -> &'static str {
    match e {
        AppendError::Unproven(_) => {
            "the statements were recorded, but no checkpoint was kept for them: submit them \
             again later for their receipts"
        }
        AppendError::NotExtending(_) | AppendError::NotACheckpointKey => {
            "the service cannot sign a checkpoint now; nothing was recorded"
        }
        AppendError::Storage(_) => {
            "the store failed; nothing of the batch was acknowledged (what it recorded, \
             submitting again tells)"
        }
        _ => "the commit failed; nothing was acknowledged",
    }
}

/// `first` and what else arrives within `window` of it, up to [`MAX_GROUP`] statements.
fn gather(first: Pending, arrivals: &mpsc::Receiver<Pending>, window: Duration) -> Vec<Pending> {
    let deadline = Instant::now() + window;
    let mut count = first.statements.len();
    let mut group = vec![first];
    while count < MAX_GROUP {
        let left = deadline.saturating_duration_since(Instant::now());
        match arrivals.recv_timeout(left) {
            Ok(next) => {
                count += next.statements.len();
                group.push(next);
            }
            Err(_) => break,
        }
    }
    group
}

/// Commits `group` as one batch and answers each of its submissions with its share. Why the
/// commit failed (or `None`) is put in `failing` before anyone is answered, so that a submitter
/// told of a failure and then asking `/healthz` finds it there.
fn commit_group<S: Store>(
    ledger: &Mutex<Ledger<S>>,
    commit: &mut Commit<S>,
    group: Vec<Pending>,
    metrics: &Metrics,
    failing: &Mutex<Option<String>>,
) {
    let mut shares = Vec::with_capacity(group.len());
    let mut statements = Vec::new();
    for pending in group {
        shares.push((pending.statements.len(), pending.reply));
        statements.extend(pending.statements);
    }
    let count = statements.len();
    let started = Instant::now();
    let outcome = {
        // A panic while the ledger was held leaves it as any failed append does: its state
        // reloaded from the store, or the changes of the batch undone. The committer goes on.
        let mut ledger = ledger.lock().unwrap_or_else(|p| p.into_inner());
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            commit(&mut ledger, statements)
        }))
        .unwrap_or_else(|panic| {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(AppendError::Storage(crate::StorageError::Io {
                op: "commit",
                path: Default::default(),
                source: std::io::Error::other(format!("the commit panicked: {why}")),
            }))
        })
    };
    metrics.committed(count, started.elapsed(), outcome.as_ref().ok());
    *failing.lock().unwrap_or_else(|p| p.into_inner()) =
        outcome.as_ref().err().map(|e| e.to_string());
    match outcome {
        Ok(batch) => {
            let mut receipts = batch.receipts.into_iter();
            for (len, reply) in shares {
                let _ = reply.send(Ok(ProvenBatch {
                    receipts: receipts.by_ref().take(len).collect(),
                    checkpoint: batch.checkpoint.clone(),
                }));
            }
        }
        Err(e) => {
            // The submitters are told what became of their statements, not the server's
            // paths or system errors; `/healthz` keeps the whole reason for the operator.
            let failed = AddError::Failed(told(&e).to_owned());
            for (_, reply) in shares {
                let _ = reply.send(Err(failed.clone()));
            }
        }
    }
}
