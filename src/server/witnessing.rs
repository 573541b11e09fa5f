//! The log's side of the C2SP tlog-witness protocol (SPEC §25): each checkpoint the service
//! signs is submitted to its witnesses with a consistency proof from the size each last
//! cosigned, and the cosignatures that verify are attached to the checkpoint, which is kept
//! again with them, so that receipts, `/checkpoint` and presentations carry real witness
//! cosignatures.

use crate::checkpoint::{
    AddCheckpoint, Note, NoteSignature, NoteVerifier, VerifierKind, WitnessPolicy, MAX_SIGNATURES,
};
use crate::storage::{CheckpointLog, Store};
use crate::Ledger;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use std::time::Duration;

/// How long the service waits for a witness's answer by default.
pub const DEFAULT_WITNESS_TIMEOUT: Duration = Duration::from_millis(500);

/// The largest witness answer read (a few cosignature lines).
const MAX_ANSWER: usize = 16 * 1024;

/// A witness the service asks to cosign: its cosigner verifier key and its submission prefix.
#[derive(Debug, Clone)]
pub struct WitnessEndpoint {
    /// The witness's cosigner verifier key (C2SP vkey, type `0x04`).
    pub verifier: NoteVerifier,
    /// The submission prefix: `http://host:port[/path]`, to which `/add-checkpoint` is added.
    pub url: String,
}

impl WitnessEndpoint {
    /// Parses `VKEY=URL` (the URL starts at the first `=http://`, since a vkey's base64 may end
    /// in `=`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let at = text
            .find("=http://")
            .ok_or_else(|| format!("{text:?}: expected VKEY=http://HOST:PORT[/PATH]"))?;
        let verifier = NoteVerifier::parse(&text[..at])
            .map_err(|e| format!("{text:?}: the witness's verifier key: {e}"))?;
        if verifier.kind() != VerifierKind::Cosignature {
            return Err(format!(
                "{text:?}: not a witness cosigner key (type 0x04; `chancery key show --cosigner \
                 NAME` prints one)"
            ));
        }
        Ok(Self {
            verifier,
            url: text[at + 1..].trim_end_matches('/').to_owned(),
        })
    }
}

/// What became of one witness's part in cosigning a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitnessOutcome {
    /// It cosigned, and its cosignature verifies.
    Cosigned,
    /// It was not asked: the note already carries its cosignature.
    AlreadyCosigned,
    /// It did not cosign: why (its status and answer, a timeout, a cosignature that does not
    /// verify, or a witness that has cosigned a larger tree of this log than the ledger holds).
    Failed(String),
}

/// The witnesses of a service, asked in parallel for each checkpoint with a timeout each; the
/// size each last cosigned is remembered (learnt from a `409` at first).
#[derive(Debug)]
pub struct Witnesses {
    endpoints: Vec<(WitnessEndpoint, Option<u64>)>,
    runtime: tokio::runtime::Runtime,
    client: Client<HttpConnector, Full<Bytes>>,
    timeout: Duration,
}

impl Witnesses {
    /// The witnesses `endpoints`, each answer awaited at most `timeout`.
    pub fn new(endpoints: Vec<WitnessEndpoint>, timeout: Duration) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let client = Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
        Ok(Self {
            endpoints: endpoints.into_iter().map(|e| (e, None)).collect(),
            runtime,
            client,
            timeout,
        })
    }

    /// The witnesses' URL prefixes, in order.
    pub fn urls(&self) -> Vec<String> {
        self.endpoints.iter().map(|(e, _)| e.url.clone()).collect()
    }

    /// How many witnesses there are.
    pub fn len(&self) -> usize {
        self.endpoints.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.endpoints.is_empty()
    }

    /// Has every witness cosign `note`, a checkpoint of `ledger` (each with a consistency
    /// proof from the size it last cosigned, retried once from the size a `409` names), and
    /// returns the note with every cosignature that verifies, and each witness's outcome.
    pub fn cosign<S: Store>(
        &mut self,
        ledger: &Ledger<S>,
        note: &str,
    ) -> (String, Vec<WitnessOutcome>) {
        let Ok(mut parsed) = Note::parse(note.as_bytes()) else {
            let failed = WitnessOutcome::Failed("the checkpoint is not a signed note".into());
            return (note.to_owned(), vec![failed; self.endpoints.len()]);
        };
        let size = crate::checkpoint::Checkpoint::parse_text(&parsed.text).map_or(0, |c| c.size);
        let mut outcomes = vec![None; self.endpoints.len()];
        let mut pending: Vec<usize> = Vec::new();
        for (i, (w, _)) in self.endpoints.iter().enumerate() {
            match alone(&w.verifier).check(&parsed) {
                Ok(_) => outcomes[i] = Some(WitnessOutcome::AlreadyCosigned),
                Err(_) => pending.push(i),
            }
        }
        for round in 0..2 {
            if pending.is_empty() {
                break;
            }
            let requests: Vec<(usize, Result<String, String>)> = pending
                .iter()
                .map(|&i| {
                    let old = self.endpoints[i].1.unwrap_or(0).min(size);
                    (i, request_body(ledger, old, size, note))
                })
                .collect();
            let answers = self.ask(requests);
            pending.clear();
            for (i, answer) in answers {
                let endpoint = &mut self.endpoints[i];
                match answer {
                    Answer::Cosigned(lines) => {
                        match verified_cosignature(&parsed, &endpoint.0.verifier, &lines) {
                            // A note holds at most MAX_SIGNATURES lines; past it the
                            // cosignature is not attached (the note must still read back).
                            Ok(_) if parsed.signatures.len() >= MAX_SIGNATURES => {
                                endpoint.1 = Some(size);
                                outcomes[i] = Some(WitnessOutcome::Failed(
                                    "cosigned, but the note holds as many signatures as a \
                                     note may"
                                        .into(),
                                ));
                            }
                            Ok(signature) => {
                                parsed.signatures.push(signature);
                                endpoint.1 = Some(size);
                                outcomes[i] = Some(WitnessOutcome::Cosigned);
                            }
                            Err(e) => outcomes[i] = Some(WitnessOutcome::Failed(e)),
                        }
                    }
                    Answer::Conflict(latest) if latest > size => {
                        endpoint.1 = Some(latest);
                        outcomes[i] = Some(WitnessOutcome::Failed(format!(
                            "the witness has cosigned size {latest} of this log, larger than \
                             the ledger's {size}"
                        )));
                    }
                    Answer::Conflict(latest) if round == 0 => {
                        endpoint.1 = Some(latest);
                        pending.push(i);
                    }
                    Answer::Conflict(latest) => {
                        outcomes[i] = Some(WitnessOutcome::Failed(format!(
                            "409 again, the witness at size {latest}"
                        )))
                    }
                    Answer::Failed(e) => outcomes[i] = Some(WitnessOutcome::Failed(e)),
                }
            }
        }
        let outcomes = outcomes
            .into_iter()
            .map(|o| o.unwrap_or(WitnessOutcome::Failed("not asked".into())))
            .collect();
        (parsed.to_text(), outcomes)
    }

    /// [`Witnesses::cosign`], then keeps the cosigned note in `log` after `note` (the same
    /// checkpoint with more signatures) if any witness cosigned. Returns the note to answer
    /// with: the cosigned one if it was kept, else `note`.
    pub fn cosign_and_keep<S: Store>(
        &mut self,
        ledger: &Ledger<S>,
        note: &str,
        log: &mut impl CheckpointLog,
    ) -> (String, Vec<WitnessOutcome>) {
        let (cosigned, mut outcomes) = self.cosign(ledger, note);
        if !outcomes.contains(&WitnessOutcome::Cosigned) {
            return (note.to_owned(), outcomes);
        }
        // Kept only if it reads back as a note: the log's last note is read before every
        // signing, and one that does not parse would stop them all.
        let kept = match Note::parse(cosigned.as_bytes()) {
            Ok(_) => log
                .keep_checkpoint(&cosigned, Some(note))
                .map_err(|e| e.to_string()),
            Err(e) => Err(format!("the cosigned note would not read back: {e}")),
        };
        match kept {
            Ok(()) => (cosigned, outcomes),
            Err(e) => {
                for o in &mut outcomes {
                    if *o == WitnessOutcome::Cosigned {
                        *o = WitnessOutcome::Failed(format!("cosigned, but not kept: {e}"));
                    }
                }
                (note.to_owned(), outcomes)
            }
        }
    }

    /// Sends each request body to its witness, all at once, each with the timeout.
    fn ask(&self, requests: Vec<(usize, Result<String, String>)>) -> Vec<(usize, Answer)> {
        self.runtime.block_on(async {
            let mut tasks = tokio::task::JoinSet::new();
            for (i, body) in requests {
                let body = match body {
                    Ok(b) => b,
                    Err(e) => {
                        tasks.spawn(async move { (i, Answer::Failed(e)) });
                        continue;
                    }
                };
                let url = format!("{}/add-checkpoint", self.endpoints[i].0.url);
                let client = self.client.clone();
                let timeout = self.timeout;
                tasks.spawn(async move {
                    let answer = tokio::time::timeout(timeout, post(client, url, body))
                        .await
                        .unwrap_or_else(|_| {
                            Answer::Failed(format!("no answer within {} ms", timeout.as_millis()))
                        });
                    (i, answer)
                });
            }
            let mut answers = Vec::new();
            while let Some(done) = tasks.join_next().await {
                if let Ok(a) = done {
                    answers.push(a);
                }
            }
            answers
        })
    }
}

/// A witness's answer.
enum Answer {
    Cosigned(String),
    Conflict(u64),
    Failed(String),
}

/// The `add-checkpoint` body for a witness at `old`.
fn request_body<S: Store>(
    ledger: &Ledger<S>,
    old: u64,
    size: u64,
    note: &str,
) -> Result<String, String> {
    let proof = match old {
        0 => vec![],
        o if o == size => vec![],
        o => {
            ledger
                .prove_consistency(o, size)
                .map_err(|e| format!("no consistency proof from {o} to {size}: {e}"))?
                .path
        }
    };
    Ok(AddCheckpoint {
        old_size: old,
        proof,
        note: note.to_owned(),
    }
    .to_text())
}

async fn post(client: Client<HttpConnector, Full<Bytes>>, url: String, body: String) -> Answer {
    let request = match hyper::Request::post(&url)
        .header(hyper::header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Full::new(Bytes::from(body)))
    {
        Ok(r) => r,
        Err(e) => return Answer::Failed(format!("{url}: {e}")),
    };
    let response = match client.request(request).await {
        Ok(r) => r,
        Err(e) => return Answer::Failed(format!("{url}: {e}")),
    };
    let status = response.status();
    let body = match http_body_util::Limited::new(response.into_body(), MAX_ANSWER)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(e) => return Answer::Failed(format!("{url}: reading the answer: {e}")),
    };
    let text = String::from_utf8_lossy(&body).into_owned();
    match status.as_u16() {
        200 => Answer::Cosigned(text),
        409 => match text.strip_suffix('\n').and_then(|t| t.parse().ok()) {
            Some(size) => Answer::Conflict(size),
            None => Answer::Failed(format!("409: {}", text.trim_end())),
        },
        s => Answer::Failed(format!("{s}: {}", text.trim_end())),
    }
}

/// The one cosignature attached from a witness's answer `lines`: the first line that is
/// `witness`'s (name and key id) and verifies on `note`'s text by itself. An answer that is not
/// signature lines only (a blank line, say, which would move the text a note's signatures
/// cover), or holds none of the witness's that verifies, is refused.
fn verified_cosignature(
    note: &Note,
    witness: &NoteVerifier,
    lines: &str,
) -> Result<NoteSignature, String> {
    if lines.is_empty() || !lines.ends_with('\n') {
        return Err("the answer is not signature lines".into());
    }
    for line in lines.split_terminator('\n') {
        if !line.starts_with("\u{2014} ") {
            return Err("the answer is not signature lines".into());
        }
        let Ok(parsed) = Note::parse(format!("{}\n{line}\n", note.text).as_bytes()) else {
            return Err("the answer is not signature lines".into());
        };
        let Some(signature) = parsed.signatures.into_iter().next() else {
            continue;
        };
        if signature.name != witness.name() || signature.key_id != witness.key_id() {
            continue;
        }
        let alone_on_text = Note {
            text: note.text.clone(),
            signatures: vec![signature.clone()],
        };
        return match alone(witness).check(&alone_on_text) {
            Ok(_) => Ok(signature),
            Err(e) => Err(format!("its cosignature does not verify: {e}")),
        };
    }
    Err("the answer holds no cosignature of this witness".into())
}

/// The policy of one witness cosigning.
fn alone(witness: &NoteVerifier) -> WitnessPolicy {
    WitnessPolicy {
        witnesses: vec![witness.clone()],
        threshold: 1,
    }
}
