//! A service's router served on a free loopback port by a runtime of its own, for the service's
//! tests; it stops when dropped.

use std::net::SocketAddr;
use std::time::Duration;

/// A service's run, until it is stopped.
type Served = std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<()>> + Send>>;

pub struct Serving {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Serving {
    /// Serves `router` (as `chancery serve` does, through `chancery::server::serve`).
    pub fn start(router: axum::Router) -> Self {
        Self::on_a_free_port(|listener, stopped| {
            Box::pin(chancery::server::serve(listener, router, stopped))
        })
    }

    /// Serves `router` over TLS with `config` (as `chancery serve --tls-cert` does, through
    /// `chancery::server::serve_tls`).
    #[allow(dead_code)]
    pub fn start_tls(router: axum::Router, config: std::sync::Arc<rustls::ServerConfig>) -> Self {
        Self::on_a_free_port(|listener, stopped| {
            let listener = chancery::server::TlsListener::new(listener, config).unwrap();
            Box::pin(chancery::server::serve_tls(listener, router, stopped))
        })
    }

    /// A runtime of its own running `serving` (made inside it) on a free loopback port until
    /// the future it is given completes.
    fn on_a_free_port(
        serving: impl FnOnce(
            tokio::net::TcpListener,
            std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
        ) -> Served,
    ) -> Self {
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
        let future = {
            let _inside = runtime.enter();
            serving(
                listener,
                Box::pin(async {
                    let _ = stopped.await;
                }),
            )
        };
        let served = runtime.spawn(future);
        Self {
            addr,
            stop: Some(stop),
            served: Some(served),
            runtime: Some(runtime),
        }
    }

    /// A service someone else runs at `addr` (a `chancery serve` process), to talk to through
    /// the same helpers; stopping it is the caller's business.
    #[allow(dead_code)]
    pub fn at(addr: SocketAddr) -> Self {
        Self {
            addr,
            stop: None,
            served: None,
            runtime: None,
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
