//! A service's router served on a free loopback port by a runtime of its own, for the service's
//! tests; it stops when dropped.

use std::net::SocketAddr;
use std::time::Duration;

pub struct Serving {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Serving {
    /// Serves `router` (as `chancery serve` does, through `chancery::server::serve`).
    pub fn start(router: axum::Router) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = runtime.spawn(chancery::server::serve(listener, router, async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            stop: Some(stop),
            served: Some(served),
            runtime: Some(runtime),
        }
    }

    /// Asks the service to stop, as SIGTERM does, and waits until it has.
    pub fn stop(&mut self) {
        let _ = self.stop.take().unwrap().send(());
        let served = self.served.take().unwrap();
        self.runtime
            .as_ref()
            .unwrap()
            .block_on(served)
            .unwrap()
            .unwrap();
    }

    pub fn get(&self, path: &str) -> super::http::Response {
        super::http::request(self.addr, "GET", path)
    }

    pub fn request(&self, method: &str, path: &str) -> super::http::Response {
        super::http::request(self.addr, method, path)
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(5));
        }
    }
}
