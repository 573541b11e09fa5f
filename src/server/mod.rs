//! The ledger as a network service (feature `server`; SPEC §25): the C2SP tlog-tiles read API
//! over HTTP/1.1 and HTTP/2 — the newest checkpoint the operator kept, the Merkle tree's hash
//! tiles and, if opened, the entry bundles — so that any tlog-tiles client, witness or monitor
//! can follow and verify the ledger without access to its store.
//!
//! A [`Service`] holds the ledger and answers each request on tokio's blocking pool (the ledger
//! is synchronous); [`Service::router`] is its axum router and [`serve`] runs it on a listener
//! until a shutdown signal, letting the requests in flight finish. Before it answers, the
//! service takes in the entries other writers appended to the store since (each checked as a
//! replay checks it, [`Ledger::catch_up`]): it serves only what the ledger has verified, and
//! every byte of an entry bundle is checked against the tree's leaf before it is sent.
//!
//! A service made with [`Service::with_writer`] also takes signed statements (`POST /v1/add`):
//! a committer thread gathers the submissions that arrive within the batch window, records them
//! as one durable batch with one checkpoint signed for it, and answers each only then, with its
//! receipts and inclusion proofs to that checkpoint ([`Service::add`]). `/healthz` and
//! `/metrics` ([`Metrics`], Prometheus text) are served by both.
//!
//! [`serve_tls`] serves the same router over TLS ([`TlsFiles`], [`TlsListener`]), with client
//! certificates if asked (mTLS, [`Peer`]).
//!
//! Witnessing, both ways (C2SP tlog-witness): [`Witnesses`] has each commit's checkpoint
//! cosigned by the service's witnesses and keeps the cosigned note; [`WitnessService`] is a
//! witness over HTTP (`chancery witness serve`).
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use chancery::server::{kept_in, serve, Options, Service};
//! use chancery::{FileStore, Ledger, SystemClock};
//!
//! let dir = std::path::PathBuf::from("ledger");
//! let ledger = Ledger::open(FileStore::open_read_only(&dir)?, SystemClock)?;
//! let service = Service::new(ledger, kept_in(&dir), Options::default());
//! let runtime = tokio::runtime::Runtime::new()?;
//! runtime.block_on(async {
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//!     serve(listener, service.router(), async {
//!         let _ = tokio::signal::ctrl_c().await;
//!     })
//!     .await
//! })?;
//! # Ok(())
//! # }
//! ```

mod add;
mod api;
mod metrics;
pub mod openapi;
mod page;
mod remote;
mod tls;
mod witness;
mod witnessing;
mod writer;

pub use add::{
    AddError, Added, Commit, Outcome, Refusal, Submission, SubmissionError, DEFAULT_BATCH_WINDOW,
    MAX_QUEUED_BYTES, MAX_STATEMENTS,
};
pub use api::UseRequest;
pub use metrics::Metrics;
pub use remote::{
    audit_remote, watch, Remote, RemoteAudit, RemoteAuditError, RemoteError, WatchError,
};
pub use tls::{Peer, TlsError, TlsFiles, TlsListener, HANDSHAKE_TIMEOUT};
pub use witness::{WitnessService, WitnessStateError};
pub use witnessing::{WitnessEndpoint, WitnessOutcome, Witnesses, DEFAULT_WITNESS_TIMEOUT};
pub use writer::FileCommitter;

use crate::crypto::leaf_hash;
use crate::ledger::ProvenReceipt;
use crate::merkle::{Tile, TileKind, TILE_WIDTH};
use crate::storage::{StorageError, Store};
use crate::Ledger;
use add::GroupCommit;
use axum::body::Bytes;
use axum::extract::{MatchedPath, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use serde_json::json;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a request may take before it is answered `408 Request Timeout`.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest request body a route takes, but `POST /v1/verify/document` ([`MAX_DOCUMENT`]).
pub const MAX_BODY: usize = 1 << 20;

/// The largest form `POST /verify/photo` takes (16 MiB: a phone camera's photo).
pub const MAX_PHOTO: usize = 16 << 20;

/// The largest document `POST /v1/verify/document` takes (256 MiB; it is hashed as it
/// arrives, never held whole).
pub const MAX_DOCUMENT: usize = 256 << 20;

/// `Cache-Control` of a full tile: its bytes never change (C2SP tlog-tiles).
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `Cache-Control` of what changes as the ledger grows: the checkpoint and partial tiles.
const FRESH: &str = "no-cache";

/// What a service serves beyond the public read API, and how it commits.
#[derive(Debug, Clone)]
pub struct Options {
    /// The trust lists presentations are verified against (`POST /v1/verify/presentation`);
    /// without them that route is refused (`403`).
    pub trust: Option<Arc<crate::present::trust::Trust>>,
    /// Serve the entry bundles (`/tile/entries/…`). Off by default: the entries carry the
    /// consent and use records (who checked which license, when), which under China's
    /// personal-information law a ledger publishes only by choice (SPEC §25).
    pub public_entries: bool,
    /// How long a group commit waits, after the first submission, for others to commit with
    /// it ([`DEFAULT_BATCH_WINDOW`]).
    pub batch_window: Duration,
    /// The most bytes of statements that may wait for a commit ([`MAX_QUEUED_BYTES`]): a
    /// submission past it is refused (`503` `Busy`) rather than queued, so a flood of
    /// submissions cannot exhaust memory.
    pub max_queued_bytes: usize,
    /// The most requests one client (one peer address) may have in flight at once
    /// ([`DEFAULT_PER_CLIENT`]); past it a request is refused `429` (`TooManyRequests`).
    pub per_client: usize,
    /// The key and limits of status and sealing stamps the service issues
    /// (`POST /v1/licenses/{id}/stamp`, `POST /v1/documents/{digest}/stamp`), to clients with
    /// a certificate (mTLS) only; `None` (the default): those routes are refused (`403`).
    pub stamps: Option<Stamping>,
}

/// How the service issues stamps ([`Options::stamps`]).
#[derive(Debug, Clone)]
pub struct Stamping {
    /// The operator key that signs them: one that signs the ledger's checkpoints now (SPEC
    /// §16); a stamp is refused (`503`) while it does not.
    pub key: Arc<crate::SecretKey>,
    /// The longest a stamp issued is valid, in hours, and the default
    /// ([`DEFAULT_STAMP_HOURS`]).
    pub max_hours: u64,
}

/// The default of [`Stamping::max_hours`]: a day, as `chancery present` makes them.
pub const DEFAULT_STAMP_HOURS: u64 = 24;

/// The default of [`Options::per_client`].
pub const DEFAULT_PER_CLIENT: usize = 256;

impl Default for Options {
    fn default() -> Self {
        Self {
            trust: None,
            public_entries: false,
            batch_window: DEFAULT_BATCH_WINDOW,
            max_queued_bytes: MAX_QUEUED_BYTES,
            per_client: DEFAULT_PER_CLIENT,
            stamps: None,
        }
    }
}

/// Where the service reads the newest checkpoint the operator kept (the text of its signed
/// note), each time it serves `/checkpoint`: another process may sign one meanwhile.
pub type LatestCheckpoint = dyn Fn() -> Result<Option<String>, StorageError> + Send + Sync;

/// The newest checkpoint kept in the file checkpoint log of the store in `dir`, for
/// [`Service::new`]: a reader of the log that takes in, at each call, only what the writer
/// appended since (the cost of `/checkpoint` does not grow with the log).
pub fn kept_in(
    dir: impl AsRef<std::path::Path>,
) -> impl Fn() -> Result<Option<String>, StorageError> + Send + Sync + 'static {
    let dir = dir.as_ref().to_path_buf();
    let log = Mutex::new(None::<crate::FileCheckpointLog>);
    move || {
        use crate::storage::CheckpointLog;
        let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
        match log.as_mut() {
            Some(log) => log.refresh()?,
            None => *log = Some(crate::FileCheckpointLog::open_read_only(&dir)?),
        }
        log.as_ref().map_or(Ok(None), |l| l.last_checkpoint())
    }
}

/// A request the service cannot answer with what it was asked for.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServeError {
    /// No such resource: a path that is not a canonical tile path, a tile the tree does not
    /// yet hold, no checkpoint kept yet (`404 Not Found`).
    #[error("not found: {0}")]
    NotFound(String),
    /// The entry bundles are not public on this service, and the client presented no client
    /// certificate (`403 Forbidden`).
    #[error("the entry bundles are not public on this service (it was not started with --public-entries; over mTLS a client certificate of its client CA opens them)")]
    EntriesNotPublic,
    /// The store could not be read, or what it holds does not verify (`503 Service
    /// Unavailable`: nothing unverified is served).
    #[error("the ledger cannot be served: {0}")]
    Unavailable(String),
}

impl ServeError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::EntriesNotPublic => StatusCode::FORBIDDEN,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for ServeError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), format!("{self}\n")).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    }
}

/// A served resource: its bytes, and whether they never change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    /// The response body.
    pub bytes: Vec<u8>,
    /// A full tile (cached forever) rather than something the ledger's growth changes.
    pub immutable: bool,
}

/// The ledger as a service: what each route answers, without HTTP (the router calls these).
pub struct Service<S: Store> {
    ledger: Arc<Mutex<Ledger<S>>>,
    checkpoint: Box<LatestCheckpoint>,
    options: Options,
    /// The group committer, if the service takes submissions.
    writer: Option<GroupCommit>,
    metrics: Arc<Metrics>,
    /// The ledger's civil time zone (SPEC §23), for the times the API reads and writes.
    zone: crate::UtcOffset,
    /// Requests in flight, by client address.
    in_flight: Arc<Mutex<std::collections::HashMap<Client, usize>>>,
}

impl<S: Store + Send + 'static> Service<S> {
    /// The read-only service of `ledger`, its newest kept checkpoint read through
    /// `checkpoint`: `POST /v1/add` is refused (`403`).
    pub fn new(
        ledger: Ledger<S>,
        checkpoint: impl Fn() -> Result<Option<String>, StorageError> + Send + Sync + 'static,
        options: Options,
    ) -> Arc<Self> {
        Arc::new(Self {
            zone: ledger.state().policy().utc_offset,
            ledger: Arc::new(Mutex::new(ledger)),
            checkpoint: Box::new(checkpoint),
            options,
            writer: None,
            metrics: Arc::default(),
            in_flight: Arc::default(),
        })
    }

    /// The service of `ledger` that also takes submissions (`POST /v1/add`), recording each
    /// group of them with `commit` — a durable append and a checkpoint signed and kept for it,
    /// which `checkpoint` then reads:
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use chancery::server::{kept_in, Options, Service};
    /// use chancery::{FileCheckpointLog, FileStore, Ledger, SecretKey, SystemClock};
    ///
    /// let dir = std::path::PathBuf::from("ledger");
    /// let key = SecretKey::from_seed([7; 32]); // the operator key, read from its file
    /// let ledger = Ledger::open(FileStore::open(&dir)?, SystemClock)?;
    /// let mut log = FileCheckpointLog::open(&dir)?;
    /// let service = Service::with_writer(
    ///     ledger,
    ///     kept_in(&dir),
    ///     Options::default(),
    ///     move |ledger, statements| ledger.append_batch_proven(statements, &key, &mut log),
    /// );
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_writer(
        ledger: Ledger<S>,
        checkpoint: impl Fn() -> Result<Option<String>, StorageError> + Send + Sync + 'static,
        options: Options,
        commit: impl FnMut(
                &mut Ledger<S>,
                Vec<crate::SignedStatement>,
            ) -> Result<crate::ledger::ProvenBatch, crate::AppendError>
            + Send
            + 'static,
    ) -> Arc<Self> {
        let zone = ledger.state().policy().utc_offset;
        let ledger = Arc::new(Mutex::new(ledger));
        let metrics = Arc::<Metrics>::default();
        let writer = GroupCommit::start(
            Arc::clone(&ledger),
            Box::new(commit),
            &options,
            Arc::clone(&metrics),
        );
        Arc::new(Self {
            ledger,
            checkpoint: Box::new(checkpoint),
            options,
            writer: Some(writer),
            metrics,
            zone,
            in_flight: Arc::default(),
        })
    }

    /// The service's present: its ledger's clock (never before the ledger's last entry).
    pub fn now(&self) -> crate::Timestamp {
        self.ledger.lock().unwrap_or_else(|p| p.into_inner()).now()
    }

    /// The service's counters.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Records `submission` with the next group commit and answers once it is durable: each
    /// statement's receipt and inclusion proof to the checkpoint signed for the commit, or why
    /// it was refused (SPEC §25).
    pub async fn add(&self, submission: Submission) -> Result<Added, AddError> {
        match &self.writer {
            Some(writer) => writer.add(submission).await,
            None => Err(AddError::NotAccepting),
        }
    }

    /// `/healthz`: whether the ledger can be served (the store reads and verifies) and, on a
    /// service that takes submissions, whether the last group commit succeeded.
    pub fn health(&self) -> Result<Served, ServeError> {
        if let Some(why) = self.writer.as_ref().and_then(GroupCommit::failing) {
            return Err(ServeError::Unavailable(format!(
                "the last commit failed: {why}"
            )));
        }
        let ledger = self.ledger()?;
        Ok(Served {
            bytes: format!("ok {} entries\n", ledger.len()).into_bytes(),
            immutable: false,
        })
    }

    /// The ledger, with the entries appended to its store since taken in.
    fn ledger(&self) -> Result<MutexGuard<'_, Ledger<S>>, ServeError> {
        // A panic while the ledger was held leaves it as consistent as any reader's: each
        // catch-up keeps every entry it checked and none after.
        let mut ledger = self.ledger.lock().unwrap_or_else(|p| p.into_inner());
        ledger
            .catch_up()
            .map_err(|e| ServeError::Unavailable(e.to_string()))?;
        Ok(ledger)
    }

    /// `/checkpoint`: the newest checkpoint the operator kept, once the ledger is checked to
    /// hold it (the same tree head at its size).
    pub fn checkpoint(&self) -> Result<Served, ServeError> {
        let note = (self.checkpoint)()
            .map_err(|e| ServeError::Unavailable(e.to_string()))?
            .ok_or_else(|| ServeError::NotFound("no checkpoint has been signed yet".into()))?;
        self.ledger()?
            .check_kept_checkpoint(note.as_bytes())
            .map_err(|e| {
                ServeError::Unavailable(format!("the kept checkpoint is not this ledger's: {e}"))
            })?;
        Ok(Served {
            bytes: note.into_bytes(),
            immutable: false,
        })
    }

    /// `/<path>` for a C2SP tile path (`tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`):
    /// the tile's hashes, or the bundle of its entries (each as a big-endian 16-bit length and
    /// the entry's bytes), if the ledger holds all of it.
    pub fn tile(&self, path: &str) -> Result<Served, ServeError> {
        self.tile_for(path, false)
    }

    /// [`Service::tile`] for a client that presented a certificate the client CA signed
    /// (`certified`): the entry bundles are served to it even when they are not public.
    pub fn tile_for(&self, path: &str, certified: bool) -> Result<Served, ServeError> {
        let tile = Tile::parse(path).map_err(|e| ServeError::NotFound(e.to_string()))?;
        let immutable = tile.partial.is_none();
        let beyond = || ServeError::NotFound(format!("{path}: the ledger does not hold it yet"));
        let bytes = match tile.kind {
            TileKind::Hashes(_) => self
                .ledger()?
                .tree()
                .tile_hashes(&tile)
                .ok_or_else(beyond)?,
            TileKind::Entries if !self.options.public_entries && !certified => {
                return Err(ServeError::EntriesNotPublic)
            }
            TileKind::Entries => {
                let ledger = self.ledger()?;
                let width = tile.partial.map_or(TILE_WIDTH, u64::from);
                let start = tile.index.checked_mul(TILE_WIDTH).ok_or_else(beyond)?;
                let end = start.checked_add(width).ok_or_else(beyond)?;
                if end > ledger.len() {
                    return Err(beyond());
                }
                bundle(&ledger, start, end)?
            }
        };
        Ok(Served { bytes, immutable })
    }

    /// The service's axum router: `GET /checkpoint`, `GET /tile/…`, `POST /v1/add`,
    /// `GET /healthz` and `GET /metrics`, with a request timeout ([`REQUEST_TIMEOUT`]) and a
    /// body limit ([`MAX_BODY`]).
    pub fn router(self: Arc<Self>) -> Router {
        openapi::ROUTES
            .iter()
            .fold(Router::new(), |router, route| {
                // axum writes a path's rest as `{*name}`.
                let at = route.path.replace("{tile}", "{*rest}");
                // Both limits: tower-http's on the body as it is read, axum's on what its
                // extractors buffer (2 MiB by default, which a photo's form may pass).
                router.route(
                    &at,
                    handler::<S>(route)
                        .layer::<_, std::convert::Infallible>(axum::extract::DefaultBodyLimit::max(
                            route.max_body,
                        ))
                        .layer(tower_http::limit::RequestBodyLimitLayer::new(
                            route.max_body,
                        )),
                )
            })
            .fallback(no_route)
            .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                REQUEST_TIMEOUT,
            ))
            .layer(axum::middleware::from_fn_with_state(
                Arc::clone(&self),
                limited::<S>,
            ))
            // Outermost, so that timeouts, refused bodies and refused clients are counted too.
            .layer(axum::middleware::from_fn_with_state(
                Arc::clone(&self),
                counted::<S>,
            ))
            .with_state(self)
    }
}

/// The handler of `route` (the table in [`openapi::ROUTES`]).
fn handler<S: Store + Send + 'static>(
    route: &openapi::Route,
) -> axum::routing::MethodRouter<Arc<Service<S>>> {
    match (route.method, route.path) {
        ("GET", "/checkpoint") => get(checkpoint::<S>),
        ("GET", "/tile/{tile}") => get(tile::<S>),
        ("POST", "/v1/add") => post(add::<S>),
        ("GET", "/v1/licenses/{id}") => get(api::license::<S>),
        ("GET", "/v1/licenses/{id}/status") => get(api::status::<S>),
        ("GET", "/v1/seals/{es_id}/status") => get(api::seal_status::<S>),
        ("POST", "/v1/verify/document") => post(api::verify_document::<S>),
        ("POST", "/v1/verify/disclosure") => post(api::verify_disclosure::<S>),
        ("POST", "/v1/uses") => post(api::record_use::<S>),
        ("POST", "/v1/licenses/{id}/stamp") => post(api::license_stamp::<S>),
        ("POST", "/v1/documents/{digest}/stamp") => post(api::sealing_stamp::<S>),
        ("GET", "/v1/proofs/inclusion") => get(api::inclusion::<S>),
        ("GET", "/v1/proofs/consistency") => get(api::consistency::<S>),
        ("POST", "/v1/verify/presentation") => post(api::verify_presentation::<S>),
        ("GET", "/healthz") => get(healthz::<S>),
        ("GET", "/metrics") => get(metrics::<S>),
        ("GET", "/") => get(page::index),
        ("POST", "/verify") => post(page::verify::<S>),
        ("POST", "/verify/photo") => post(page::verify_photo::<S>),
        ("GET", "/openapi.json") => {
            get(|| async { json_response(StatusCode::OK, &openapi::document()) })
        }
        (method, path) => unreachable!("no handler for the route {method} {path}"),
    }
}

/// An unknown path: `404` (`NoRoute`).
async fn no_route() -> Response {
    json_error(
        StatusCode::NOT_FOUND,
        "NoRoute",
        &"no such route (see /openapi.json)",
    )
}

/// Entries `start..end` of the ledger as a C2SP entry bundle, each record's bytes checked
/// against the tree's leaf (a store that changed under the ledger is not served).
fn bundle<S: Store>(ledger: &Ledger<S>, start: u64, end: u64) -> Result<Vec<u8>, ServeError> {
    let records = ledger
        .store()
        .read(start, end)
        .map_err(|e| ServeError::Unavailable(e.to_string()))?;
    let mut out = Vec::new();
    for (seq, record) in (start..).zip(&records) {
        let leaf = ledger.tree().leaf(seq);
        if leaf != Some(leaf_hash(&record.bytes)) {
            return Err(ServeError::Unavailable(format!(
                "entry {seq} in the store is not the entry the ledger verified"
            )));
        }
        // Entries are at most 64 KiB (SPEC §1): one that does not fit a 16-bit length is not
        // served rather than cut.
        let len = u16::try_from(record.bytes.len()).map_err(|_| {
            ServeError::Unavailable(format!("entry {seq} is too long for an entry bundle"))
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&record.bytes);
    }
    Ok(out)
}

/// Runs `work` on the blocking pool and makes its answer a response.
async fn blocking<S: Store + Send + 'static>(
    service: Arc<Service<S>>,
    content_type: &'static str,
    work: impl FnOnce(&Service<S>) -> Result<Served, ServeError> + Send + 'static,
) -> Response {
    let answer = tokio::task::spawn_blocking(move || work(&service))
        .await
        .unwrap_or_else(|e| Err(ServeError::Unavailable(format!("the request failed: {e}"))));
    match answer {
        Ok(served) => {
            let cache = if served.immutable { IMMUTABLE } else { FRESH };
            (
                [
                    (header::CONTENT_TYPE, content_type),
                    (header::CACHE_CONTROL, cache),
                ],
                served.bytes,
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn checkpoint<S: Store + Send + 'static>(State(service): State<Arc<Service<S>>>) -> Response {
    blocking(service, "text/plain; charset=utf-8", Service::checkpoint).await
}

async fn tile<S: Store + Send + 'static>(
    State(service): State<Arc<Service<S>>>,
    Path(rest): Path<String>,
    extensions: axum::http::Extensions,
) -> Response {
    let certified = certified(&extensions);
    blocking(service, "application/octet-stream", move |s| {
        s.tile_for(&format!("tile/{rest}"), certified)
    })
    .await
}

/// Whether the request came with a client certificate the service's CA signed (mTLS).
fn certified(extensions: &axum::http::Extensions) -> bool {
    extensions
        .get::<axum::extract::ConnectInfo<Peer>>()
        .is_some_and(|c| c.0.client.is_some())
}

async fn healthz<S: Store + Send + 'static>(State(service): State<Arc<Service<S>>>) -> Response {
    blocking(service, "text/plain; charset=utf-8", Service::health).await
}

async fn metrics<S: Store + Send + 'static>(State(service): State<Arc<Service<S>>>) -> Response {
    blocking(
        service,
        "text/plain; version=0.0.4; charset=utf-8",
        |s: &Service<S>| {
            let entries = s.ledger()?.len();
            Ok(Served {
                bytes: s.metrics.render(entries).into_bytes(),
                immutable: false,
            })
        },
    )
    .await
}

/// Counts every request by its route's pattern (never the path asked for: a path may name a
/// license) and status.
async fn counted<S: Store + Send + 'static>(
    State(service): State<Arc<Service<S>>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    service
        .metrics
        .request(&route, response.status().as_u16(), started.elapsed());
    response
}

/// Refuses a request (`429`) while its client has [`Options::per_client`] others in flight.
/// The client is the connection's peer address (served through [`serve`]; a router served
/// without it is not limited).
async fn limited<S: Store + Send + 'static>(
    State(service): State<Arc<Service<S>>>,
    request: Request,
    next: Next,
) -> Response {
    // A client with a certificate is itself, wherever it connects from; others are their
    // address.
    let Some(peer) = request
        .extensions()
        .get::<axum::extract::ConnectInfo<Peer>>()
        .map(|c| match c.0.client {
            Some(cert) => Client::Certificate(cert),
            None => Client::Address(c.0.addr.ip()),
        })
    else {
        return next.run(request).await;
    };
    {
        let mut in_flight = service.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        let n = in_flight.entry(peer).or_default();
        if *n >= service.options.per_client {
            drop(in_flight);
            let mut r = json_error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                &"too many requests in flight from this client; try again shortly",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return r;
        }
        *n += 1;
    }
    // Released however the request ends, a client that hangs up included.
    let _release = Release {
        in_flight: Arc::clone(&service.in_flight),
        peer,
    };
    next.run(request).await
}

/// Who the per-client limit counts: the client certificate's hash over mTLS, else the
/// address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Client {
    Certificate(crate::crypto::Digest32),
    Address(std::net::IpAddr),
}

/// Counts a request out of its client's in-flight number when dropped.
struct Release {
    in_flight: Arc<Mutex<std::collections::HashMap<Client, usize>>>,
    peer: Client,
}

impl Drop for Release {
    fn drop(&mut self) {
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = in_flight.get_mut(&self.peer) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                in_flight.remove(&self.peer);
            }
        }
    }
}

/// The media type of a submission (RFC 8949).
const CBOR: &str = "application/cbor";

/// `POST /v1/add`: a submission's receipts and proofs once durable, or why not, as JSON.
async fn add<S: Store + Send + 'static>(
    State(service): State<Arc<Service<S>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if service.writer.is_none() {
        return json_error(
            StatusCode::FORBIDDEN,
            "NotAccepting",
            &AddError::NotAccepting,
        );
    }
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    if !media.is_some_and(|m| m.eq_ignore_ascii_case(CBOR)) {
        return json_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            &format!("a submission is sent as {CBOR}"),
        );
    }
    let submission = match Submission::decode(&body) {
        Ok(s) => s,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, "Malformed", &e),
    };
    let single = matches!(submission, Submission::One(_));
    match service.add(submission).await {
        Ok(added) => added_response(added, single),
        Err(e) => add_error(e),
    }
}

/// The answer to a submission that was not committed.
fn add_error(e: AddError) -> Response {
    match e {
        AddError::NotAccepting => json_error(StatusCode::FORBIDDEN, "NotAccepting", &e),
        AddError::Failed(_) => json_error(StatusCode::SERVICE_UNAVAILABLE, "NotCommitted", &e),
        AddError::Stopping => json_error(StatusCode::SERVICE_UNAVAILABLE, "Stopping", &e),
        AddError::Busy => json_error(StatusCode::SERVICE_UNAVAILABLE, "Busy", &e),
    }
}

/// The answer to a committed submission: for one statement its receipt (`200`) or its refusal
/// (`422`); for a batch, one result per statement (`200`).
fn added_response(added: Added, single: bool) -> Response {
    let checkpoint = &*added.checkpoint;
    if single {
        return match added.outcomes.into_iter().next() {
            Some(Outcome::Recorded(proven)) => json_response(
                StatusCode::OK,
                &json!({ "checkpoint": checkpoint, "receipt": receipt_json(&proven) }),
            ),
            Some(Outcome::Refused(refusal)) => {
                json_response(StatusCode::UNPROCESSABLE_ENTITY, &refusal_json(&refusal))
            }
            None => json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal",
                &"the submission had no outcome",
            ),
        };
    }
    let results: Vec<_> = added
        .outcomes
        .iter()
        .map(|o| match o {
            Outcome::Recorded(proven) => json!({ "receipt": receipt_json(proven) }),
            Outcome::Refused(refusal) => refusal_json(refusal),
        })
        .collect();
    let recorded = added
        .outcomes
        .iter()
        .any(|o| matches!(o, Outcome::Recorded(_)));
    let checkpoint = recorded.then_some(checkpoint);
    json_response(
        StatusCode::OK,
        &json!({ "checkpoint": checkpoint, "results": results }),
    )
}

/// A receipt and its inclusion proof (hashes in standard base64, as `prove inclusion`).
fn receipt_json(proven: &ProvenReceipt) -> serde_json::Value {
    let r = &proven.receipt;
    json!({
        "seq": r.seq,
        "entry_hash": r.entry_hash.to_hex(),
        "ledger_time": r.ledger_time.millis(),
        "resubmitted": r.resubmission.is_some(),
        "inclusion_proof": {
            "leaf_index": proven.proof.index,
            "tree_size": proven.proof.tree_size,
            "hashes": path_b64(&proven.proof.path),
        },
    })
}

/// A hash in standard base64, as `prove inclusion` prints it.
fn b64(hash: &crate::Digest32) -> String {
    base64::engine::general_purpose::STANDARD.encode(hash.0)
}

/// An RFC 9162 proof path, each hash in standard base64.
fn path_b64(path: &[crate::Digest32]) -> Vec<String> {
    path.iter().map(b64).collect()
}

fn refusal_json(refusal: &Refusal) -> serde_json::Value {
    json!({ "error": "Refused", "rule": refusal.rule, "message": refusal.message })
}

/// A JSON answer; `no-cache`, as what it tells changes as the ledger grows (a status, a proof
/// to the newest size), unless the caller makes it stricter.
fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut text = body.to_string();
    text.push('\n');
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, FRESH),
        ],
        text,
    )
        .into_response()
}

fn json_error(status: StatusCode, code: &str, message: &dyn std::fmt::Display) -> Response {
    json_response(
        status,
        &json!({ "error": code, "message": message.to_string() }),
    )
}

/// Serves `router` on `listener` (HTTP/1.1 and HTTP/2) until `shutdown` completes, then lets
/// the requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // With each connection's peer, for the per-client limit.
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<Peer>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// [`serve`] over TLS: each connection's handshake done by `listener`, and its client
/// certificate, if any, known to the routes ([`Peer`]).
pub async fn serve_tls(
    listener: TlsListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<Peer>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
