//! `chancery serve`: the ledger over HTTP (SPEC §25).

use crate::{open_reader, CliError};
use chancery::server::{serve, Options, Service};
use chancery::storage::CheckpointLog;
use chancery::FileCheckpointLog;
use std::net::SocketAddr;
use std::path::Path;

/// Serves the ledger in `store` on `listen` until Ctrl-C or SIGTERM.
pub fn run(store: &Path, listen: SocketAddr, public_entries: bool) -> Result<u8, CliError> {
    let ledger = open_reader(store)?;
    let origin = ledger.origin().to_owned();
    // Re-read at every request: `chancery checkpoint` keeps new ones while this serves.
    let dir = store.to_path_buf();
    let service = Service::new(
        ledger,
        move || FileCheckpointLog::open_read_only(&dir)?.last_checkpoint(),
        Options { public_entries },
    );
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::usage(format!("cannot start the service's runtime: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| CliError::usage(format!("cannot listen on {listen}: {e}")))?;
        let bound = listener
            .local_addr()
            .map_err(|e| CliError::usage(e.to_string()))?;
        eprintln!("serving {origin} on http://{bound}/ (Ctrl-C to stop)");
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
