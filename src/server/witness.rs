//! A witness over HTTP (SPEC §16, §25; `chancery witness serve`): the C2SP tlog-witness
//! protocol's `POST /add-checkpoint` for the logs it follows, cosigning a checkpoint only if it
//! extends the last one it cosigned for that log, which it keeps on disk before answering.

use crate::checkpoint::{
    request_origin, AddCheckpoint, AddCheckpointError, Checkpoint, Note, NoteVerifier,
    VerifierKind, Witness, MAX_ADD_CHECKPOINT_LEN,
};
use crate::crypto::{sha256, SecretKey};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The witness's state could not be read at start.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum WitnessStateError {
    /// The state directory or a log's file cannot be read or made.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A log's file holds no checkpoint of that log: the witness refuses to start rather than
    /// forget what it cosigned.
    #[error("{path}: not a checkpoint of {origin}: {reason}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// The log's origin.
        origin: String,
        /// What is wrong.
        reason: String,
    },
    /// A witness name that cannot name a cosigner key, or no log to follow.
    #[error("{0}")]
    Config(String),
}

/// A witness of one or more logs served over HTTP. The last checkpoint cosigned for each log is
/// kept in `DIR/<hex SHA-256 of the origin>.checkpoint` (the log's signed note with this
/// witness's cosignature), replaced atomically and synced before a cosignature is returned.
#[derive(Debug)]
pub struct WitnessService {
    dir: PathBuf,
    name: String,
    /// One lock for check-and-keep: two requests for one log never both pass the old-size check
    /// against the same state (C2SP tlog-witness's rollback race).
    logs: Mutex<BTreeMap<String, Witness>>,
    vkey: String,
}

impl WitnessService {
    /// A witness named `name` signing with `key`, following each log of `logs` (verifier keys
    /// of the logs' checkpoint signers, C2SP vkeys; a log's origin is the key name, several
    /// keys of one origin all verify it), with its state in `dir` (made if missing).
    pub fn open(
        dir: &Path,
        name: &str,
        key: SecretKey,
        logs: Vec<NoteVerifier>,
    ) -> Result<Self, WitnessStateError> {
        let vkey = NoteVerifier::cosigner(name, &key.public_key())
            .map_err(|e| WitnessStateError::Config(format!("witness name {name:?}: {e}")))?
            .to_vkey();
        if let Some(v) = logs.iter().find(|v| v.kind() != VerifierKind::Ed25519) {
            return Err(WitnessStateError::Config(format!(
                "{}: not a log's checkpoint key (a cosigner key, type 0x04)",
                v.to_vkey()
            )));
        }
        if logs.is_empty() {
            return Err(WitnessStateError::Config(
                "a witness follows at least one log".into(),
            ));
        }
        if !dir.is_dir() {
            // Made durably: its entry in the parent synced too.
            std::fs::create_dir_all(dir)
                .and_then(
                    |()| match dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                        Some(parent) => std::fs::File::open(parent)?.sync_all(),
                        None => Ok(()),
                    },
                )
                .map_err(|source| WitnessStateError::Io {
                    path: dir.to_owned(),
                    source,
                })?;
        }
        let mut by_origin: BTreeMap<String, Vec<NoteVerifier>> = BTreeMap::new();
        for v in logs {
            by_origin.entry(v.name().to_owned()).or_default().push(v);
        }
        let mut witnesses = BTreeMap::new();
        for (origin, verifiers) in by_origin {
            let path = state_file(dir, &origin);
            let last = read_last(&path, &origin)?;
            let witness = Witness::new(name, key.clone(), &origin, verifiers, last)
                .map_err(|e| WitnessStateError::Config(format!("witness name {name:?}: {e}")))?;
            witnesses.insert(origin, witness);
        }
        Ok(Self {
            dir: dir.to_owned(),
            name: name.to_owned(),
            logs: Mutex::new(witnesses),
            vkey,
        })
    }

    /// The witness's cosigner verifier key (C2SP vkey, type `0x04`): what logs and relying
    /// parties name it by.
    pub fn vkey(&self) -> &str {
        &self.vkey
    }

    /// The size of the last checkpoint cosigned for `origin`, if it follows that log.
    pub fn last_size(&self, origin: &str) -> Option<u64> {
        let logs = self.logs.lock().unwrap_or_else(|p| p.into_inner());
        logs.get(origin).map(|w| w.last().map_or(0, |cp| cp.size))
    }

    /// Answers an `add-checkpoint` request body at `now` (seconds since the epoch): the
    /// cosignature line, or why not (C2SP tlog-witness; [`AddCheckpointError::status`]).
    pub fn add_checkpoint(&self, body: &[u8], now: u64) -> Result<String, AddCheckpointError> {
        let request = AddCheckpoint::parse(body)?;
        let origin = request_origin(&request)?;
        let mut logs = self.logs.lock().unwrap_or_else(|p| p.into_inner());
        let witness = logs
            .get_mut(&origin)
            .ok_or_else(|| AddCheckpointError::UnknownLog(origin.clone()))?;
        let path = state_file(&self.dir, &origin);
        let signature =
            witness.add_checkpoint(&request, now, |_, note| replace(&self.dir, &path, note))?;
        Ok(signature.to_line())
    }

    /// The witness's router: `POST /add-checkpoint` and `GET /healthz`.
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/add-checkpoint", post(add_checkpoint))
            .route("/healthz", get(healthz))
            .fallback(|| async { (StatusCode::NOT_FOUND, "no such route\n") })
            .layer(tower_http::limit::RequestBodyLimitLayer::new(
                MAX_ADD_CHECKPOINT_LEN,
            ))
            .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                super::REQUEST_TIMEOUT,
            ))
            .with_state(self)
    }
}

/// `POST /add-checkpoint`: the cosignature line (`200`), or the protocol's status with one
/// line saying why; a `409` for an old size that is not the last cosigned is that size
/// (`text/x.tlog.size`).
async fn add_checkpoint(State(w): State<Arc<WitnessService>>, body: Bytes) -> Response {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Keeping the checkpoint syncs a file: off the async workers.
    let answer = tokio::task::spawn_blocking(move || w.add_checkpoint(&body, now)).await;
    let text = |status: StatusCode, ty: &'static str, body: String| {
        (status, [(header::CONTENT_TYPE, ty)], body).into_response()
    };
    match answer {
        Ok(Ok(line)) => text(StatusCode::OK, "text/plain; charset=utf-8", line),
        Ok(Err(AddCheckpointError::Conflict { latest, .. })) => text(
            StatusCode::CONFLICT,
            "text/x.tlog.size",
            format!("{latest}\n"),
        ),
        Ok(Err(e)) => text(
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "text/plain; charset=utf-8",
            match e {
                // The operator reads the path in the witness's own output, not the client.
                AddCheckpointError::NotKept(e) => {
                    // Not `eprintln!`: a closed standard error must not panic the witness.
                    let _ = writeln!(
                        std::io::stderr(),
                        "witness: cannot record a checkpoint: {e}"
                    );
                    "cannot record the checkpoint\n".into()
                }
                other => format!("{other}\n"),
            },
        ),
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain; charset=utf-8",
            "the witness failed\n".into(),
        ),
    }
}

async fn healthz(State(w): State<Arc<WitnessService>>) -> Response {
    let count = w.logs.lock().map_or(0, |l| l.len());
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("ok {} following {count} logs\n", w.name),
    )
        .into_response()
}

/// The file of the last checkpoint cosigned for `origin`.
fn state_file(dir: &Path, origin: &str) -> PathBuf {
    dir.join(format!("{}.checkpoint", sha256(origin.as_bytes()).to_hex()))
}

/// The last checkpoint cosigned, from its file (none if there is no file).
fn read_last(path: &Path, origin: &str) -> Result<Option<Checkpoint>, WitnessStateError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(WitnessStateError::Io {
                path: path.to_owned(),
                source,
            })
        }
    };
    let damaged = |reason: String| WitnessStateError::Damaged {
        path: path.to_owned(),
        origin: origin.to_owned(),
        reason,
    };
    let note = Note::parse(&bytes).map_err(|e| damaged(e.to_string()))?;
    let cp = Checkpoint::parse_text(&note.text).map_err(|e| damaged(e.to_string()))?;
    if cp.origin != origin {
        return Err(damaged(format!("it names {:?}", cp.origin)));
    }
    Ok(Some(cp))
}

/// Replaces `path` with `text` so that a crash leaves the old file or the new one, and the new
/// one survives a power loss once this returns: a temporary file written and synced, renamed
/// over `path`, and the directory synced.
fn replace(dir: &Path, path: &Path, text: &str) -> std::io::Result<()> {
    let temp = path.with_extension("checkpoint.tmp");
    let mut file = std::fs::File::create(&temp)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temp, path)?;
    std::fs::File::open(dir)?.sync_all()
}
