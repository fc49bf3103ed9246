//! What happens around every request: the request log line, the answer's safety headers, the
//! JSON shape of error answers, the size limits of a request's target, header fields and body,
//! and the time limit on a request that waits.
//!
//! One service around the whole router, not `axum::middleware::from_fn` and tower-http's
//! `TimeoutLayer` and `RequestBodyLimitLayer` on each route: those box a future, a body and a
//! route per request and start a timer for every request, which made a session's view a fifth
//! slower under load (`cargo xtask bench server`). Here the timer starts only once the handler
//! has to wait (for a body, the database, a lock): an answer made at once, as most views are,
//! never needs one, and one that waits (an intent, for its commit) sets the connection's one
//! timer ([`crate::deadline`]) rather than entering a timer of its own.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::http::{HeaderValue, Method, Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use http_body_util::Limited;

use crate::deadline::{ConnectionTimer, Deadline};
use crate::error::{ApiError, TOO_LARGE, json_errors};
use crate::{HEADER_LIMIT, IMPORT_LIMIT, Limits, URI_LIMIT};

/// [`tower::Layer`] giving a service the [`Around`] of every request, within `limits`.
#[derive(Clone, Copy, Debug)]
pub struct AroundLayer {
    /// The body limit (an import's is [`IMPORT_LIMIT`]) and the request timeout.
    pub limits: Limits,
}

impl<S> tower::Layer<S> for AroundLayer {
    type Service = Around<S>;

    fn layer(&self, inner: S) -> Around<S> {
        Around { inner, limits: self.limits, client: None, timer: None }
    }
}

/// A service (the router) with the log, headers, error shape and limits of [`AroundLayer`].
#[derive(Clone, Debug)]
pub struct Around<S> {
    inner: S,
    limits: Limits,
    /// The address of the connection's client, for the log.
    client: Option<std::net::IpAddr>,
    /// The connection's timer, for the 408 (without one, as in tests, each request that waits
    /// starts its own).
    timer: Option<ConnectionTimer>,
}

impl<S> Around<S> {
    /// This service for one connection, from `client`, with the connection's `timer`.
    pub fn for_connection(mut self, client: std::net::IpAddr, timer: ConnectionTimer) -> Around<S> {
        self.client = Some(client);
        self.timer = Some(timer);
        self
    }
}

impl<S, B> tower::Service<Request<B>> for Around<S>
where
    S: tower::Service<Request<Limited<B>>, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = AroundFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let started = Instant::now();
        let read = matches!(*request.method(), Method::GET | Method::HEAD);
        let personal = is_personal(request.uri().path());
        // The URI is shared, not copied; its path is read only when a line is written.
        let logged = tracing::enabled!(tracing::Level::WARN).then(|| (request.method().clone(), request.uri().clone()));
        let body_limit = if request.uri().path() == "/api/v1/import" { IMPORT_LIMIT } else { self.limits.body };
        let (inner, refused) = match oversized(&request, body_limit) {
            Some(refused) => (None, Some(refused.into_response())),
            None => (Some(self.inner.call(request.map(|body| Limited::new(body, body_limit)))), None),
        };
        AroundFuture {
            inner,
            timer: self.timer.clone(),
            sleep: None,
            refused,
            deadline: started + self.limits.timeout,
            done: Done { started, read, personal, client: self.client, logged },
        }
    }
}

pin_project_lite::pin_project! {
    /// The answer of [`Around`]: the inner service's, timed out once it has waited too long.
    pub struct AroundFuture<F> {
        #[pin]
        inner: Option<F>,
        // Started at the first time `inner` waits.
        timer: Option<ConnectionTimer>,
        sleep: Option<Deadline>,
        // The answer to a request refused before the router saw it.
        refused: Option<Response>,
        deadline: Instant,
        done: Done,
    }
}

impl<F: Future<Output = Result<Response, Infallible>>> Future for AroundFuture<F> {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let response = if let Some(refused) = this.refused.take() {
            refused
        } else {
            match this.inner.as_mut().as_pin_mut().map(|inner| inner.poll(cx)) {
                Some(Poll::Ready(Ok(response))) => json_errors(response),
                Some(Poll::Ready(Err(never))) => match never {},
                Some(Poll::Pending) => {
                    let deadline = (*this.deadline).into();
                    let timer = this.timer.get_or_insert_with(ConnectionTimer::new);
                    let sleep = this.sleep.get_or_insert_with(|| timer.until(deadline));
                    ready!(Pin::new(sleep).poll(cx));
                    // The handler is dropped (as a client hanging up would drop it).
                    this.inner.set(None);
                    json_errors(StatusCode::REQUEST_TIMEOUT.into_response())
                }
                // Polled again after its answer: as `Option::take` above, never in practice.
                None => json_errors(StatusCode::INTERNAL_SERVER_ERROR.into_response()),
            }
        };
        Poll::Ready(Ok(this.done.finish(response)))
    }
}

/// What [`Around`] notes of a request as it comes, to finish its answer and log line.
struct Done {
    started: Instant,
    read: bool,
    personal: bool,
    client: Option<std::net::IpAddr>,
    /// Method and target, when a log line may be written.
    logged: Option<(Method, Uri)>,
}

impl Done {
    /// Adds the safety headers to `response` and logs one line: method, path (never the query: it
    /// may carry a token), status, time taken and the client's address (what a reverse proxy in
    /// front says it is relayed for is not trusted: that is the proxy's own log's to say). A
    /// request that changes something or fails is logged at INFO (a server error at WARN); a
    /// read that succeeds (`GET`, `HEAD`) at DEBUG, as tower-http's request traces are, so that
    /// a page or script reading often does not flood the log at the default level.
    fn finish(&mut self, mut response: Response) -> Response {
        // Every answer is what its Content-Type says, never sniffed into something else.
        response.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        // A person's health data is kept by no cache: not the browser's (a shared computer), not
        // a proxy's.
        if self.personal {
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        if let Some((method, uri)) = self.logged.take() {
            let path = uri.path();
            let status = response.status();
            let micros = u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX);
            let code = status.as_u16();
            let client = self.client.map(tracing::field::display);
            if status.is_server_error() {
                tracing::warn!(%method, %path, status = code, micros, client, "request failed");
            } else if !self.read || status.is_client_error() {
                tracing::info!(%method, %path, status = code, micros, client, "request");
            } else {
                tracing::debug!(%method, %path, status = code, micros, client, "request");
            }
        }
        response
    }
}

/// The answer to a request whose target or header fields are over [`URI_LIMIT`] or
/// [`HEADER_LIMIT`], or whose body is declared (its Content-Length) over `body_limit`, in the
/// API's JSON shape; `None` for one within them. A body declared too large is answered at once,
/// before it is sent, rather than waited for; one that says nothing is cut off as it comes.
fn oversized<B>(request: &Request<B>, body_limit: usize) -> Option<ApiError> {
    let target = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > URI_LIMIT {
        let message = format!("the path and query are {target} bytes long, over the limit of {URI_LIMIT}");
        return Some(ApiError::new(StatusCode::URI_TOO_LONG, "uri-too-long", message));
    }
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > body_limit as u64) {
        return Some(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", TOO_LARGE));
    }
    // An intent (a sharp-pain or chest report among them) is never refused for the cookies a
    // browser sends with it: hyper's own, far larger limit still holds.
    if request.uri().path().ends_with("/intents") {
        return None;
    }
    let headers: usize = request.headers().iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
    (headers > HEADER_LIMIT).then(|| {
        let message = format!("the header fields hold {headers} bytes, over the limit of {HEADER_LIMIT}");
        ApiError::new(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "headers-too-large", message)
    })
}

/// Whether `path` answers with a person's own data (sessions, history, stats, export, profile,
/// screening answers), as opposed to the content every caller reads alike.
fn is_personal(path: &str) -> bool {
    const PERSONAL: [&str; 6] =
        ["/api/v1/sessions", "/api/v1/history", "/api/v1/stats", "/api/v1/export", "/api/v1/import", "/api/v1/profile"];
    path == "/api/v1/screening"
        || PERSONAL.iter().any(|p| path.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
}
