//! A served log read over HTTP with no store access (SPEC §25): its checkpoint, its hash tiles
//! as a [`TileSource`] (so that proofs between any two sizes are computed from what it serves
//! and checked against signed roots) and its entry bundles, for `chancery monitor` and
//! `chancery audit --url`. Nothing read is trusted: every use checks it against a signature or
//! a root.

use crate::crypto::Digest32;
use crate::merkle::{Tile, TileKind, TileSource, TILE_WIDTH};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use std::time::Duration;

/// The largest answer read: a full entry bundle of the largest entries.
const MAX_ANSWER: usize = TILE_WIDTH as usize * (2 + u16::MAX as usize);

/// How long one request may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Reading a served log failed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    /// The URL is not `http://host:port[/path]`.
    #[error("{0}: expected http://HOST:PORT[/PATH]")]
    BadUrl(String),
    /// The request failed or timed out.
    #[error("{url}: {reason}")]
    Unreachable {
        /// What was asked for.
        url: String,
        /// Why.
        reason: String,
    },
    /// The service answered with another status than 200.
    #[error("{url}: {status} {message}")]
    Status {
        /// What was asked for.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The first line of its answer.
        message: String,
    },
    /// An answer is not what the route serves (a tile of the wrong length, a bundle that does
    /// not parse or holds another number of entries).
    #[error("{url}: {reason}")]
    Malformed {
        /// What was asked for.
        url: String,
        /// What is wrong.
        reason: String,
    },
}

/// A log served at a URL prefix (C2SP tlog-tiles paths under it).
#[derive(Debug)]
pub struct Remote {
    base: String,
    runtime: tokio::runtime::Runtime,
    client: Client<HttpConnector, Empty<Bytes>>,
}

impl Remote {
    /// The log served at `url` (`http://host:port[/path]`).
    pub fn new(url: &str) -> Result<Self, RemoteError> {
        if !url.starts_with("http://") || url.len() <= "http://".len() {
            return Err(RemoteError::BadUrl(url.to_owned()));
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| RemoteError::Unreachable {
                url: url.to_owned(),
                reason: format!("cannot start a runtime: {e}"),
            })?;
        Ok(Self {
            base: url.trim_end_matches('/').to_owned(),
            runtime,
            client: Client::builder(hyper_util::rt::TokioExecutor::new()).build_http(),
        })
    }

    /// `GET base/path`: the body of a `200`.
    pub fn get(&self, path: &str) -> Result<Vec<u8>, RemoteError> {
        let url = format!("{}/{}", self.base, path.trim_start_matches('/'));
        let unreachable = |reason: String| RemoteError::Unreachable {
            url: url.clone(),
            reason,
        };
        let uri: hyper::Uri = url.parse().map_err(|e| unreachable(format!("{e}")))?;
        let (status, body) = self.runtime.block_on(async {
            let answer = tokio::time::timeout(TIMEOUT, async {
                let response = self
                    .client
                    .get(uri)
                    .await
                    .map_err(|e| unreachable(e.to_string()))?;
                let status = response.status().as_u16();
                let body = http_body_util::Limited::new(response.into_body(), MAX_ANSWER)
                    .collect()
                    .await
                    .map_err(|e| unreachable(format!("reading the answer: {e}")))?
                    .to_bytes();
                Ok::<_, RemoteError>((status, body.to_vec()))
            })
            .await;
            answer.unwrap_or_else(|_| Err(unreachable(format!("no answer within {TIMEOUT:?}"))))
        })?;
        if status != 200 {
            let message = String::from_utf8_lossy(&body)
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect();
            return Err(RemoteError::Status {
                url,
                status,
                message,
            });
        }
        Ok(body)
    }

    /// The newest checkpoint served (`/checkpoint`), unverified.
    pub fn checkpoint(&self) -> Result<Vec<u8>, RemoteError> {
        self.get("checkpoint")
    }

    /// The entries of bundle `index` (entries `index·256` on), `width` of them (1–256).
    pub fn entry_bundle(&self, index: u64, width: u16) -> Result<Vec<Vec<u8>>, RemoteError> {
        let path = tile_path(TileKind::Entries, index, width);
        let body = self.get(&path)?;
        let malformed = |reason: &str| RemoteError::Malformed {
            url: format!("{}/{path}", self.base),
            reason: reason.to_owned(),
        };
        let mut entries = Vec::with_capacity(usize::from(width));
        let mut rest = &body[..];
        while let Some((len, after)) = rest.split_first_chunk::<2>() {
            let len = usize::from(u16::from_be_bytes(*len));
            if after.len() < len {
                return Err(malformed("an entry is cut short"));
            }
            entries.push(after[..len].to_vec());
            rest = &after[len..];
        }
        if !rest.is_empty() {
            return Err(malformed("a length is cut short"));
        }
        if entries.len() != usize::from(width) {
            return Err(malformed(&format!(
                "{} entries, not {width}",
                entries.len()
            )));
        }
        Ok(entries)
    }

    /// The entries `0..size`, one bundle at a time, in order.
    pub fn entries(
        &self,
        size: u64,
    ) -> impl Iterator<Item = Result<Vec<Vec<u8>>, RemoteError>> + '_ {
        let width = TILE_WIDTH;
        (0..size.div_ceil(width)).map(move |index| {
            let w = (size - index * width).min(width) as u16;
            self.entry_bundle(index, w)
        })
    }
}

/// The path of tile `index` of `kind`, `width` wide (full at 256).
fn tile_path(kind: TileKind, index: u64, width: u16) -> String {
    Tile {
        kind,
        index,
        partial: u8::try_from(width)
            .ok()
            .filter(|&w| u64::from(w) < TILE_WIDTH),
    }
    .path()
}

/// The served hash tiles, for [`crate::merkle::MerkleTree::stored`]: a tile that cannot be
/// fetched, or is not `width` hashes, is `None`.
impl TileSource for Remote {
    fn tile(&self, level: u8, index: u64, width: u16) -> Option<Vec<Digest32>> {
        let body = self
            .get(&tile_path(TileKind::Hashes(level), index, width))
            .ok()?;
        if body.len() != usize::from(width) * 32 {
            return None;
        }
        Some(
            body.chunks_exact(32)
                .map(|h| Digest32(h.try_into().unwrap_or([0; 32])))
                .collect(),
        )
    }
}

/// Why a look at a served log failed (`watch`).
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The log could not be read.
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// The hash tiles needed for the consistency proof could not be read, or do not make the
    /// larger signed root, so nothing was proven either way.
    #[error("the hash tiles of the tree of {0} entries could not be read or do not make its signed root")]
    Tiles(u64),
    /// The checkpoint is not signed by the log, or does not extend the last one trusted
    /// (with both notes as evidence).
    #[error(transparent)]
    Monitor(#[from] crate::checkpoint::MonitorError),
}

/// One look at a served log by `monitor`: its newest checkpoint, accepted only if it is signed
/// by the log and extends the last one the monitor trusted, with the consistency proof
/// computed from the log's own hash tiles (and so checked against both signed roots). Returns
/// the checkpoint now trusted.
pub fn watch(
    remote: &std::sync::Arc<Remote>,
    monitor: &mut crate::checkpoint::Monitor,
) -> Result<crate::checkpoint::Checkpoint, WatchError> {
    use crate::checkpoint::MonitorError;
    let note = remote.checkpoint()?;
    // Signed first: no tile is fetched for a checkpoint the log's keys did not sign.
    let served = monitor.open(&note).map_err(MonitorError::Note)?;
    let proof = match monitor.last() {
        Some(last) if last.size != served.size && last.size.min(served.size) > 0 => {
            let (small, large) = match last.size < served.size {
                true => (last, &served),
                false => (&served, last),
            };
            let source: std::sync::Arc<dyn TileSource> = remote.clone();
            let tree = crate::merkle::MerkleTree::stored(source, large.size)
                .ok_or(WatchError::Tiles(large.size))?;
            // Tiles that do not make the larger signed root prove nothing either way: only
            // tiles that do, whose tree then holds another root at the smaller size than the
            // one signed, show a fork.
            if tree.root(large.size).ok() != Some(large.root) {
                return Err(WatchError::Tiles(large.size));
            }
            Some(
                tree.prove_consistency(small.size, large.size)
                    .map_err(|_| WatchError::Tiles(large.size))?,
            )
        }
        _ => None,
    };
    Ok(monitor.update(&note, proof.as_ref())?)
}

/// A served log audited from genesis (`audit_remote`).
#[derive(Debug)]
pub struct RemoteAudit {
    /// The state every entry served rebuilt.
    pub state: crate::State,
    /// The tree of the entries served.
    pub tree: crate::merkle::MerkleTree,
    /// The checkpoint served, checked to belong to that ledger.
    pub checkpoint: crate::checkpoint::Checkpoint,
    /// Its signed note, as served.
    pub note: String,
}

/// Why a served log's audit failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum RemoteAuditError {
    /// The log could not be read (its entry bundles are not public, say: `403`).
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// The checkpoint served is of the empty tree: there is no ledger to audit.
    #[error("the log serves no entries")]
    Empty,
    /// The checkpoint served is not a signed checkpoint.
    #[error("the checkpoint served is malformed: {0}")]
    Note(crate::checkpoint::NoteError),
    /// An entry served is bad (the first, by sequence number): damage, or a rule broken.
    #[error(transparent)]
    Entry(crate::audit::ReplayError),
    /// The checkpoint served does not belong to the ledger its entries make: not signed by
    /// its checkpoint keys, of another origin, or of another root.
    #[error("the checkpoint served does not belong to the ledger served: {0}")]
    Checkpoint(crate::checkpoint::CheckpointError),
}

/// Audits the log served by `remote` with no store access: reads its checkpoint, then every
/// entry up to the checkpoint's size from the entry bundles, replays them from genesis with
/// every signature and rule checked (as `chancery audit` does, SPEC §13), and checks that the
/// checkpoint belongs to the ledger so rebuilt (signed by its checkpoint keys, its origin, its
/// root at that size). `progress` is told the entries replayed so far.
pub fn audit_remote(
    remote: &Remote,
    mut progress: impl FnMut(u64),
) -> Result<RemoteAudit, RemoteAuditError> {
    use crate::checkpoint::{Checkpoint, Note};
    let bytes = remote.checkpoint()?;
    let note = Note::parse(&bytes).map_err(RemoteAuditError::Note)?;
    let size = Checkpoint::parse_text(&note.text)
        .map_err(RemoteAuditError::Note)?
        .size;
    let mut done = 0u64;
    let chunks = remote.entries(size).inspect(|chunk| {
        if let Ok(c) = chunk {
            done += c.len() as u64;
            progress(done);
        }
    });
    // The size is the server's word until the entries are checked: room is reserved for at
    // most a million entries up front.
    let expected = size.min(1 << 20);
    let (state, tree) =
        crate::audit::replay_chunks(chunks, crate::audit::Signatures::Verify, expected).map_err(
            |e| match e {
                crate::audit::PipelineError::Source(e) => RemoteAuditError::Remote(e),
                crate::audit::PipelineError::Entry(e) => RemoteAuditError::Entry(e),
            },
        )?;
    let origin = state.origin().ok_or(RemoteAuditError::Empty)?.to_owned();
    let checkpoint = crate::ledger::check_checkpoint(&bytes, &origin, &state, &tree)
        .map_err(RemoteAuditError::Checkpoint)?;
    Ok(RemoteAudit {
        state,
        tree,
        checkpoint,
        note: String::from_utf8_lossy(&bytes).into_owned(),
    })
}
