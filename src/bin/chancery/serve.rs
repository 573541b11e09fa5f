//! `chancery serve`: the ledger over HTTP (SPEC §25).

use crate::{keyfile, open, open_reader, CliError};
use chancery::checkpoint::NoteVerifier;
use chancery::server::{
    kept_in, serve, serve_tls, FileCommitter, Options, Service, Stamping, TlsFiles, TlsListener,
    WitnessEndpoint, WitnessService, Witnesses,
};
use std::net::SocketAddr;
use std::path::Path;

/// Serves the ledger in `store` on `listen` until Ctrl-C or SIGTERM; with `operator_key`, as
/// the store's writer taking submissions, each commit's checkpoint cosigned by `witnesses`
/// (each answer awaited at most the duration given), and with `stamp_hours` issuing stamps
/// valid that long at most, signed with that key.
pub fn run(
    store: &Path,
    listen: SocketAddr,
    operator_key: Option<&Path>,
    witnesses: (Vec<WitnessEndpoint>, std::time::Duration),
    tls: Option<TlsFiles>,
    stamp_hours: Option<u64>,
    mut options: Options,
) -> Result<u8, CliError> {
    // Followed at every request: `chancery checkpoint` may keep new ones while this serves.
    let latest = kept_in(store);
    let taking = if operator_key.is_some() {
        ", taking submissions"
    } else {
        ""
    };
    let (service, origin) = match operator_key {
        None => {
            let ledger = open_reader(store)?;
            let origin = ledger.origin().to_owned();
            (Service::new(ledger, latest, options), origin)
        }
        Some(path) => {
            let key = keyfile::read_secret(path)?;
            let ledger = open(store)?;
            // Refused at start rather than at the first submission.
            if !ledger.signs_checkpoints_now(&key) {
                return Err(CliError::usage(format!(
                    "{} does not sign this ledger's checkpoints now (an active operator key \
                     does, or a root key while the ledger has none)",
                    path.display()
                )));
            }
            let origin = ledger.origin().to_owned();
            options.stamps = stamp_hours.map(|max_hours| Stamping {
                key: std::sync::Arc::new(key.clone()),
                max_hours,
            });
            let (endpoints, timeout) = witnesses;
            let witnesses = Witnesses::new(endpoints, timeout)
                .map_err(|e| CliError::usage(format!("cannot start the witness client: {e}")))?;
            let mut committer = FileCommitter::new(store, key)?
                .with_witnesses(witnesses)
                .reporting(note_to_operator);
            let service = Service::with_writer(ledger, latest, options, move |ledger, batch| {
                committer.commit(ledger, batch)
            });
            (service, origin)
        }
    };
    listen_and_serve(listen, tls, service.router(), |url| {
        eprintln!("serving {origin} on {url}/{taking} (Ctrl-C to stop)");
    })
}

/// Serves `router` on `listen` (HTTPS with `tls`) until Ctrl-C or SIGTERM, having told
/// `banner` the URL bound (`http://ADDR` or `https://ADDR`: the first line a caller waiting for
/// the service reads).
fn listen_and_serve(
    listen: SocketAddr,
    tls: Option<TlsFiles>,
    router: axum::Router,
    banner: impl FnOnce(String),
) -> Result<u8, CliError> {
    // Refused before anything listens.
    let config = tls
        .map(|t| t.server_config())
        .transpose()
        .map_err(|e| CliError::usage(e.to_string()))?;
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::usage(format!("cannot start the service's runtime: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| CliError::usage(format!("cannot listen on {listen}: {e}")))?;
        let bound = listener
            .local_addr()
            .map_err(|e| CliError::usage(e.to_string()))?;
        let failed = |e: std::io::Error| CliError::usage(format!("the service failed: {e}"));
        match config {
            None => {
                banner(format!("http://{bound}"));
                serve(listener, router, stopped()).await.map_err(failed)
            }
            Some(config) => {
                let listener = TlsListener::new(listener, config).map_err(failed)?;
                banner(format!("https://{bound}"));
                serve_tls(listener, router, stopped()).await.map_err(failed)
            }
        }
    })?;
    Ok(0)
}

/// `chancery witness serve`: a witness of the logs whose checkpoint verifier keys are `logs`,
/// named `name` with the key in `key`, its state in `state`, on `listen` until Ctrl-C or
/// SIGTERM.
pub fn witness(
    listen: SocketAddr,
    key: &Path,
    name: &str,
    logs: &[String],
    state: &Path,
    tls: Option<TlsFiles>,
) -> Result<u8, CliError> {
    let key = keyfile::read_secret(key)?;
    let logs = logs
        .iter()
        .map(|v| NoteVerifier::parse(v).map_err(|e| CliError::usage(format!("--log {v:?}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let service =
        WitnessService::open(state, name, key, logs).map_err(|e| CliError::usage(e.to_string()))?;
    let vkey = service.vkey().to_owned();
    listen_and_serve(listen, tls, std::sync::Arc::new(service).router(), |url| {
        eprintln!("witness {name} on {url}/add-checkpoint (Ctrl-C to stop)");
        eprintln!("cosigner verifier key: {vkey}");
    })
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM.
async fn stopped() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    () = interrupt => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => interrupt.await,
        }
    }
    #[cfg(not(unix))]
    interrupt.await;
}

/// `chancery audit --url URL [--since FILE]`: the served log audited from genesis with no store
/// access (`server::audit_remote`); `--since` must still be covered (same root at its size).
pub fn audit_url(
    url: &str,
    since: Option<&Path>,
    out: &crate::report::Out,
) -> Result<u8, CliError> {
    use chancery::server::{audit_remote, Remote, RemoteAuditError};
    let since = since
        .map(|p| crate::files::read(p).map(|b| (p, b)))
        .transpose()?;
    let remote = Remote::new(url).map_err(|e| CliError::usage(e.to_string()))?;
    let started = std::time::Instant::now();
    let progress = crate::report::Progress::entries("auditing", 0);
    let audited = audit_remote(&remote, |n| progress.set_entries(n));
    progress.finish();
    let audited = audited.map_err(|e| match e {
        RemoteAuditError::Remote(chancery::server::RemoteError::Status { status: 403, .. }) => {
            CliError::usage(format!(
                "{e}: the service does not publish its entries (it serves them with \
                 --public-entries)"
            ))
        }
        RemoteAuditError::Remote(e) => CliError::usage(e.to_string()),
        other => CliError::invalid(other.to_string()),
    })?;
    crate::common::set_zone(audited.state.policy().utc_offset);
    let origin = audited.checkpoint.origin.clone();
    if let Some((path, bytes)) = since {
        chancery::ledger::check_checkpoint(&bytes, &origin, &audited.state, &audited.tree)
            .map_err(|e| {
                CliError::invalid(format!(
                    "the ledger does not match the checkpoint in {}: {e}",
                    path.display()
                ))
            })?;
    }
    let elapsed = started.elapsed();
    crate::report::Summary::of(&origin, &audited.state, audited.checkpoint.root)
        .with_checkpoints(1)
        .print("audit passed", elapsed, out);
    Ok(0)
}

/// `chancery monitor URL --log-key VKEY… [--state FILE] [--once] [--every SECS]`: looks at the
/// served log's newest checkpoint (`server::watch`), keeping the last one trusted in `state`;
/// exit code 1 on a fork (both notes printed) or a checkpoint the log's keys did not sign.
pub fn monitor(
    url: &str,
    log_keys: &[String],
    state: Option<&Path>,
    once: bool,
    every: u64,
    out: &crate::report::Out,
) -> Result<u8, CliError> {
    use chancery::checkpoint::{Monitor, MonitorError};
    use chancery::server::{watch, Remote, WatchError};
    use serde_json::json;
    let keys = log_keys
        .iter()
        .map(|v| {
            NoteVerifier::parse(v).map_err(|e| CliError::usage(format!("--log-key {v:?}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut last = match state {
        Some(p) if p.exists() => Some(
            String::from_utf8(crate::files::read(p)?)
                .map_err(|_| CliError::invalid(format!("{}: not a signed note", p.display())))?,
        ),
        _ => None,
    };
    let mut monitor = Monitor::new(keys, last.as_deref()).map_err(|e| {
        CliError::invalid(format!(
            "{}: not a checkpoint of this log: {e}",
            state.map(|p| p.display().to_string()).unwrap_or_default()
        ))
    })?;
    let remote = std::sync::Arc::new(Remote::new(url).map_err(|e| CliError::usage(e.to_string()))?);
    loop {
        match watch(&remote, &mut monitor) {
            Ok(cp) => {
                if let (Some(p), Some(note)) = (state, monitor.last_note()) {
                    if last.as_deref() != Some(note) {
                        keep_note(p, note)?;
                        last = Some(note.to_owned());
                    }
                }
                out.print(
                    &format!("{url}: checkpoint {} {} consistent", cp.size, cp.root),
                    json!({ "url": url, "size": cp.size, "root": cp.root.to_hex(), "consistent": true }),
                );
            }
            Err(WatchError::Monitor(MonitorError::Fork(evidence))) => {
                out.print(
                    &format!(
                        "FORK: {url} signed checkpoints that do not fit together ({})\n\
                         trusted before:\n{}\nserved now:\n{}",
                        evidence.reason, evidence.earlier, evidence.later
                    ),
                    json!({
                        "url": url, "consistent": false, "reason": evidence.reason.to_string(),
                        "earlier": evidence.earlier, "later": evidence.later,
                    }),
                );
                return Ok(1);
            }
            Err(WatchError::Monitor(e)) => {
                return Err(CliError::invalid(format!(
                    "{url}: the checkpoint served: {e}"
                )))
            }
            Err(e) if once => return Err(CliError::usage(e.to_string())),
            // A log that cannot be reached now is looked at again later.
            Err(e) => note_to_operator(&e.to_string()),
        }
        if once {
            return Ok(0);
        }
        std::thread::sleep(std::time::Duration::from_secs(every));
    }
}

/// Replaces the monitor's state file with `note`, so that a crash leaves the old or the new,
/// and a power loss after it returns the new: a synced `FILE.partial` renamed over it, and the
/// directory synced.
fn keep_note(path: &Path, note: &str) -> Result<(), CliError> {
    let mut temp = path.as_os_str().to_owned();
    temp.push(".partial");
    let temp = std::path::PathBuf::from(temp);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::write(&temp, note)
        .and_then(|()| std::fs::File::open(&temp)?.sync_all())
        .and_then(|()| std::fs::rename(&temp, path))
        .and_then(|()| std::fs::File::open(&dir)?.sync_all())
        .map_err(|e| CliError::io(path, e))
}

/// A line on standard error for the operator, from a service that runs on: one whose reader
/// went away (a closed pipe) must not stop it, as `eprintln!` would by panicking.
fn note_to_operator(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}
