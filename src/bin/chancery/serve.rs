//! `chancery serve`: the ledger over HTTP (SPEC §25).

use crate::{keyfile, open, open_reader, CliError};
use chancery::server::{kept_in, serve, Options, Service};
use chancery::FileCheckpointLog;
use std::net::SocketAddr;
use std::path::Path;

/// Serves the ledger in `store` on `listen` until Ctrl-C or SIGTERM; with `operator_key`, as
/// the store's writer taking submissions.
pub fn run(
    store: &Path,
    listen: SocketAddr,
    operator_key: Option<&Path>,
    options: Options,
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
            let mut log = FileCheckpointLog::open(store)?;
            let service = Service::with_writer(ledger, latest, options, move |ledger, batch| {
                ledger.append_batch_proven(batch, &key, &mut log)
            });
            (service, origin)
        }
    };
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::usage(format!("cannot start the service's runtime: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| CliError::usage(format!("cannot listen on {listen}: {e}")))?;
        let bound = listener
            .local_addr()
            .map_err(|e| CliError::usage(e.to_string()))?;
        eprintln!("serving {origin} on http://{bound}/{taking} (Ctrl-C to stop)");
        serve(listener, service.router(), stopped())
            .await
            .map_err(|e| CliError::usage(format!("the service failed: {e}")))
    })?;
    Ok(0)
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
