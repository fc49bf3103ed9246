//! The HTTP/1 server loop: accepts connections, gives each one to hyper with a time limit on
//! reading a request's headers, and on shutdown lets the requests under way finish.

use std::future::Future;
use std::time::Duration;

use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

use crate::deadline::ConnectionTimer;

/// How long a client has to send a request's headers, from the connection's start or the end of
/// its previous request; a connection that sends nothing, or stalls in the middle, is closed.
/// Bodies have the router's own limit (408 after 30 s).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves `service` (the [`router`](crate::router)) on `listener` until `shutdown` completes, then waits for the connections
/// still open to finish their requests (streams end on the router's own shutdown signal).
pub async fn serve(listener: TcpListener, service: crate::Service, shutdown: impl Future<Output = ()>) {
    let mut http = hyper::server::conn::http1::Builder::new();
    // An answer's head and body are copied into one buffer and sent with one `write`, not
    // gathered by `writev`: a view (a few kilobytes) went 3 % faster under load.
    http.header_read_timeout(HEADER_READ_TIMEOUT).writev(false);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was taken:
                    // wait a moment rather than spin, and go on.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Each request knows the address it came from, for the request log.
        // One timer for the connection's deadlines, hyper's and the router's (see `deadline`).
        let timer = ConnectionTimer::new();
        let service = TowerToHyperService::new(service.clone().for_connection(peer.ip(), timer.clone()));
        let mut http = http.clone();
        http.timer(timer);
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "a connection ended with an error");
            }
        });
    }
    drop(listener);
    // A client that stopped reading (a streamed export) does not hold the exit up for long.
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after {SHUTDOWN_GRACE:?} are dropped");
    }
}

/// How long requests under way are given to finish once the server is asked to stop.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
