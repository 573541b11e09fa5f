//! Issuing status and sealing stamps and checking stamps against the log (SPEC §17): the claims
//! the ledger makes, from and against its state; the stamp formats and their signatures are
//! `crate::stamp`'s.
//! The tree given always holds exactly the state's entries, so its head is the claim's.

use super::{BadEntry, Ledger, ReadError, SignCheckpointError, CHUNK};
use crate::audit::{PipelineError, Replay, Signatures};
use crate::crypto::Digest32;
use crate::id::LicenseId;
use crate::merkle::MerkleTree;
use crate::stamp::StatusStamp;
use crate::stamp::{IssueStampError, SealingClaim, StampError, StampKind, StatusClaim};
use crate::state::State;
use crate::storage::{CheckpointLog, StorageError, Store};
use crate::time::Timestamp;

/// The claim a ledger makes about `license`: its state and tree are those of the first
/// `state.size()` entries, the status is taken at `this_update`.
pub(crate) fn claim_for(
    origin: &str,
    state: &State,
    tree: &MerkleTree,
    kind: StampKind,
    license: &LicenseId,
    this_update: Timestamp,
    next_update: Timestamp,
) -> Result<StatusClaim, IssueStampError> {
    let unknown = || IssueStampError::UnknownLicense(license.clone());
    let record = state.license(license).ok_or_else(unknown)?;
    let seq = record.recorded.seq;
    let size = state.size();
    // A termination the ledger already holds, taking effect inside the window, ends the
    // window: the stamp may not vouch for the status past a change the ledger knows of.
    let next_update = state
        .lineage(license)
        .and_then(|l| state.termination(l))
        .map(|t| t.effective)
        .filter(|e| *e > this_update)
        .map_or(next_update, |e| next_update.min(e));
    Ok(StatusClaim {
        kind,
        origin: origin.to_owned(),
        size,
        root: tree.head().root,
        license: license.clone(),
        entry_seq: seq,
        entry_hash: tree.leaf(seq).ok_or_else(unknown)?,
        status: state.status(license, this_update),
        this_update,
        next_update,
        holder: state
            .holder_key(license)
            .and_then(|k| state.key(&k))
            .map(|r| r.public),
    })
}

/// Checks a claim against the log: `state` and `tree` must be those of exactly the claim's
/// `size` first entries (a replay of that prefix); the claim must be what [`claim_for`] gives
/// (so its next update does not reach past a termination the log holds), and a current one
/// may not be dated before the last of those entries.
pub(crate) fn check_claim(
    origin: &str,
    claim: &StatusClaim,
    state: &State,
    tree: &MerkleTree,
) -> Result<(), StampError> {
    if state.size() != claim.size {
        return Err(StampError::Mismatch("checkpoint size"));
    }
    let expected = claim_for(
        origin,
        state,
        tree,
        claim.kind,
        &claim.license,
        claim.this_update,
        claim.next_update,
    )
    .map_err(|_| StampError::Mismatch("license (not on the ledger at the stamp's size)"))?;
    // A current stamp is about the present at its size: not before the last entry it covers
    // (else a change that entry records would be dated after the stamp).
    let field = if expected.origin != claim.origin {
        "origin"
    } else if expected.root != claim.root {
        "checkpoint root"
    } else if expected.entry_seq != claim.entry_seq || expected.entry_hash != claim.entry_hash {
        "entry"
    } else if claim.kind == StampKind::Current && claim.this_update < state.last_time() {
        "this update (a current stamp dated before its checkpoint's last entry)"
    } else if expected.status != claim.status {
        "status"
    } else if expected.next_update != claim.next_update {
        "next update"
    } else if expected.holder != claim.holder {
        "holder key"
    } else {
        return Ok(());
    };
    Err(StampError::Mismatch(field))
}

/// The claim a ledger makes about the sealing of `document` at `seq`: its state and tree are
/// those of the first `state.size()` entries, the verdict is judged with them.
pub(crate) fn sealing_claim_for(
    origin: &str,
    state: &State,
    tree: &MerkleTree,
    document: &Digest32,
    seq: u64,
    this_update: Timestamp,
    next_update: Timestamp,
) -> Result<SealingClaim, IssueStampError> {
    let unknown = IssueStampError::UnknownSealing { seq };
    let sealing = state
        .sealings_of(document)
        .iter()
        .find(|u| u.recorded.seq == seq)
        .ok_or(unknown.clone())?;
    let size = state.size();
    Ok(SealingClaim {
        origin: origin.to_owned(),
        size,
        root: tree.head().root,
        entry_seq: seq,
        entry_hash: tree.leaf(seq).ok_or(unknown)?,
        document: *document,
        valid: crate::verify::sealing_verdict(state, sealing).is_valid(),
        this_update,
        next_update,
    })
}

impl<S: Store> Ledger<S> {
    /// A current status stamp (SPEC §17) for `license` at `this_update`, which must be the
    /// ledger's present: not after it ([`IssueStampError::Future`]), within the clock skew before it
    /// and not before the last entry's ledger time ([`IssueStampError::NotPresent`]), valid
    /// until `next_update`, as of the ledger's current size, signed with the operator's `key`
    /// (an active root key). A stamp about the past is [`Ledger::stamp_as_of`].
    pub fn stamp(
        &self,
        license: &LicenseId,
        this_update: Timestamp,
        next_update: Timestamp,
        key: &crate::crypto::SecretKey,
        log: &impl CheckpointLog,
    ) -> Result<StatusStamp, IssueStampError> {
        self.check_present(this_update)?;
        self.sign_stamp(
            StampKind::Current,
            license,
            this_update,
            next_update,
            key,
            log,
        )
    }

    /// Only a key that signs checkpoints now signs stamps (SPEC §16), and only while the
    /// ledger holds the last checkpoint kept in `log`: a stamp signs the ledger's size and
    /// root as a checkpoint does, so a rolled-back or rewritten ledger gets no stamp either.
    fn may_sign_stamp(
        &self,
        key: &crate::crypto::SecretKey,
        log: &impl CheckpointLog,
    ) -> Result<(), IssueStampError> {
        if !self.signs_checkpoints_now(key) {
            return Err(IssueStampError::NotAStampKey);
        }
        match self.check_log(log) {
            Ok(_) => Ok(()),
            Err(SignCheckpointError::Inconsistent(e)) => Err(IssueStampError::Inconsistent(e)),
            Err(other) => Err(IssueStampError::Log(other.to_string())),
        }
    }

    /// A current stamp's time is the ledger's present: not after it, not before the last
    /// entry (a change it records would be dated after the stamp), and within the skew of it.
    fn check_present(&self, this_update: Timestamp) -> Result<(), IssueStampError> {
        let present = self.now();
        if this_update > present {
            return Err(IssueStampError::Future(this_update));
        }
        if this_update < self.state.last_time()
            || present.0 - this_update.0 > self.state.policy().max_skew_ms
        {
            return Err(IssueStampError::NotPresent {
                at: this_update,
                present,
            });
        }
        Ok(())
    }

    /// A sealing stamp (SPEC §17) for the sealing of `document` recorded at `seq`: its verdict
    /// (§18) judged now with the whole ledger, at `this_update` (the ledger's present, as for
    /// [`Ledger::stamp`]), valid until `next_update`, signed with the operator's `key`.
    pub fn stamp_sealing(
        &self,
        document: &Digest32,
        seq: u64,
        this_update: Timestamp,
        next_update: Timestamp,
        key: &crate::crypto::SecretKey,
        log: &impl CheckpointLog,
    ) -> Result<crate::stamp::SealingStamp, IssueStampError> {
        self.check_present(this_update)?;
        self.may_sign_stamp(key, log)?;
        let claim = sealing_claim_for(
            &self.origin,
            &self.state,
            &self.tree,
            document,
            seq,
            this_update,
            next_update,
        )?;
        crate::stamp::SealingStamp::sign(claim, key)
    }

    /// An as-of status stamp (SPEC §17): the status of `license` at a past moment `at` (not
    /// after the ledger's present) as the ledger's current size gives it, for auditors and
    /// courts. Verifiers of presentations never accept it as current.
    pub fn stamp_as_of(
        &self,
        license: &LicenseId,
        at: Timestamp,
        next_update: Timestamp,
        key: &crate::crypto::SecretKey,
        log: &impl CheckpointLog,
    ) -> Result<StatusStamp, IssueStampError> {
        self.sign_stamp(StampKind::AsOf, license, at, next_update, key, log)
    }

    fn sign_stamp(
        &self,
        kind: StampKind,
        license: &LicenseId,
        this_update: Timestamp,
        next_update: Timestamp,
        key: &crate::crypto::SecretKey,
        log: &impl CheckpointLog,
    ) -> Result<StatusStamp, IssueStampError> {
        if this_update > self.now() {
            return Err(IssueStampError::Future(this_update));
        }
        self.may_sign_stamp(key, log)?;
        let claim = claim_for(
            &self.origin,
            &self.state,
            &self.tree,
            kind,
            license,
            this_update,
            next_update,
        )?;
        StatusStamp::sign(claim, key)
    }

    /// Checks status stamps against the log: each must be signed by a root key and say what the
    /// ledger said at the stamp's size, which is found by replaying the store up to it (one
    /// pass for all stamps, in size order; entry signatures are trusted here: [`Ledger::open`]
    /// verified them, and [`Ledger::audit`] re-checks them). Returns the index of the first
    /// stamp (in size order) that fails, with the reason.
    pub fn check_stamps(&self, stamps: &[StatusStamp]) -> Result<(), StampCheckError> {
        let mut order: Vec<usize> = (0..stamps.len()).collect();
        order.sort_by_key(|&i| stamps[i].claim.size);
        let mut replay = Replay::from_genesis(Signatures::Trust, 0);
        for i in order {
            let stamp = &stamps[i];
            let size = stamp.claim.size;
            if size > self.len() || size == 0 {
                return Err(StampCheckError::Stamp(
                    i,
                    StampError::Mismatch("checkpoint size"),
                ));
            }
            // Replay up to the stamp's size (stamps are taken in size order).
            let from = replay.len();
            let chunks = (from..size)
                .step_by(CHUNK as usize)
                .map(|at| self.store.read(at, (at + CHUNK).min(size)));
            replay.feed(chunks).map_err(|e| match e {
                PipelineError::Source(e) => StampCheckError::Storage(e),
                PipelineError::Entry(error) => StampCheckError::BadEntry(Box::new(BadEntry {
                    location: self.store.locate(error.seq),
                    error,
                })),
            })?;
            let (state, tree) = replay.parts();
            // Signed by a key that could sign at its this update (judged with all the ledger
            // knows now), and not dated after the next entry, which a stamp at this size
            // ignores (an honest one is made before that entry is recorded).
            let after_next = match size < self.len() {
                true => {
                    let next = self
                        .entry(size)
                        .map_err(|e| StampCheckError::Read(Box::new(e)))?
                        .ledger_time;
                    stamp.claim.this_update.0
                        > next.0.saturating_add(self.state.policy().max_skew_ms)
                }
                false => false,
            };
            // A current stamp is signed at its this update; an as-of one when the ledger had
            // `size` entries (at or after the last of them).
            let signed_at = match stamp.claim.kind {
                StampKind::Current => stamp.claim.this_update,
                StampKind::AsOf => state.last_time(),
            };
            stamp
                .verify(&self.state.checkpoint_keys(signed_at))
                .and_then(|claim| {
                    if after_next {
                        return Err(StampError::Mismatch(
                            "this update (after the next entry, which a stamp at this size ignores)",
                        ));
                    }
                    check_claim(&self.origin, claim, state, tree)
                })
                .map_err(|e| StampCheckError::Stamp(i, e))?;
        }
        Ok(())
    }
}

/// Checking status stamps against the log failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum StampCheckError {
    /// Stamp `.0` (an index into the stamps given) is false or not the operator's.
    #[error("status stamp {0}: {1}")]
    Stamp(usize, StampError),
    /// Reading the store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A stored entry is bad.
    #[error(transparent)]
    BadEntry(Box<BadEntry>),
    /// The entry after a stamp's size could not be read.
    #[error(transparent)]
    Read(Box<ReadError>),
}
