//! limber-server: limber over HTTP — a JSON API on the engine's own types, live sessions on the
//! server's clock, Server-Sent Events, bearer tokens, and a web page with no build step.
//!
//! [`router`] is the whole service, testable in process with `tower::ServiceExt::oneshot`;
//! `main.rs` adds the listener, the command line and graceful shutdown.

#![forbid(unsafe_code)]

pub mod api;
pub mod auth;
pub mod error;
pub mod live;
pub mod openapi;
pub mod serve;
pub mod web;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, StatusCode};
use axum::routing::{MethodRouter, get};
use limber_app::App;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

pub use auth::Access;
pub use live::{IDLE_LIMIT, LIVE_PER_PERSON, Registry, STREAMS_PER_SESSION};

/// The largest request body most routes take.
pub const BODY_LIMIT: usize = 64 * 1024;
/// The largest import file.
pub const IMPORT_LIMIT: usize = 16 * 1024 * 1024;
/// How many imports one instance reads at once (others wait their turn, their bodies unread):
/// each holds its whole file in memory.
pub const IMPORTS_AT_ONCE: usize = 2;
/// The longest request target (path and query) taken: a longer one is answered 414. (hyper's
/// own bare 414 is left only for targets over 64 KiB.)
pub const URI_LIMIT: usize = 8 * 1024;
/// The most bytes a request's header fields (names and values) may hold: more is answered 431,
/// except on an intent. (hyper answers a bare 431 itself beyond 100 fields or about 400 KiB.)
pub const HEADER_LIMIT: usize = 32 * 1024;
/// How long a request may take before its answer (event streams run on after it).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What every handler shares. The router holds it behind one `Arc`, so each request and each
/// extractor clones one pointer, not every field.
#[derive(Clone)]
pub struct AppState {
    /// Content and store.
    pub app: Arc<App>,
    /// The live sessions.
    pub live: Registry,
    /// Who may call.
    pub access: Access,
    /// Turns true when the server shuts down: event streams end.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
}

/// Every API route: its path and methods. The router is built from this list (with
/// `route`), and a test checks each is in the OpenAPI document and each documented path answers.
pub const ROUTES: &[(&str, &[Method])] = &[
    ("/healthz", &[Method::GET]),
    ("/api/v1/openapi.json", &[Method::GET]),
    ("/api/v1/stretches", &[Method::GET]),
    ("/api/v1/stretches/{id}", &[Method::GET]),
    ("/api/v1/routines", &[Method::GET]),
    ("/api/v1/precautions", &[Method::GET]),
    ("/api/v1/tips", &[Method::GET]),
    ("/api/v1/faq", &[Method::GET]),
    ("/api/v1/screening/questions", &[Method::GET]),
    ("/api/v1/source", &[Method::GET]),
    ("/api/v1/sessions", &[Method::GET, Method::POST]),
    ("/api/v1/sessions/{id}", &[Method::GET]),
    ("/api/v1/sessions/{id}/intents", &[Method::POST]),
    ("/api/v1/sessions/{id}/events", &[Method::GET]),
    ("/api/v1/history", &[Method::GET]),
    ("/api/v1/stats", &[Method::GET]),
    ("/api/v1/export", &[Method::GET]),
    ("/api/v1/import", &[Method::POST]),
    ("/api/v1/profile", &[Method::GET, Method::PATCH]),
    ("/api/v1/profile/flags/{stretch}", &[Method::DELETE]),
    ("/api/v1/screening", &[Method::GET, Method::POST]),
];

/// The handlers of one path from [`ROUTES`].
fn route(path: &str) -> Option<MethodRouter<Arc<AppState>>> {
    use axum::routing::{delete, post};
    Some(match path {
        "/healthz" => get(api::health),
        "/api/v1/openapi.json" => get(openapi::document),
        "/api/v1/stretches" => get(api::stretches),
        "/api/v1/stretches/{id}" => get(api::stretch),
        "/api/v1/routines" => get(api::routines),
        "/api/v1/precautions" => get(api::precautions),
        "/api/v1/tips" => get(api::tips),
        "/api/v1/faq" => get(api::faq),
        "/api/v1/screening/questions" => get(api::screening_questions),
        "/api/v1/source" => get(api::source),
        "/api/v1/sessions" => get(api::list_sessions).post(api::create_session),
        "/api/v1/sessions/{id}" => get(api::get_session),
        "/api/v1/sessions/{id}/intents" => post(api::send_intent),
        "/api/v1/sessions/{id}/events" => get(api::events),
        "/api/v1/history" => get(api::history),
        "/api/v1/stats" => get(api::stats),
        "/api/v1/export" => get(api::export),
        "/api/v1/import" => post(api::import)
            .layer::<_, std::convert::Infallible>(DefaultBodyLimit::max(IMPORT_LIMIT))
            .layer(tower::limit::ConcurrencyLimitLayer::new(IMPORTS_AT_ONCE)),
        "/api/v1/profile" => get(api::profile).patch(api::update_profile),
        "/api/v1/profile/flags/{stretch}" => delete(api::clear_flag),
        "/api/v1/screening" => get(api::latest_screening).post(api::start_screening),
        _ => return None,
    })
}

/// The whole service: the API, the web page, and the layers (JSON errors, body limit, timeout,
/// request logs), with the default limits.
pub fn router(state: AppState) -> Router {
    router_with(state, Limits::default())
}

/// Request limits.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The largest request body most routes take.
    pub body: usize,
    /// How long a request may take before its answer starts.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { body: BODY_LIMIT, timeout: REQUEST_TIMEOUT }
    }
}

/// [`router`] with other limits (tests use a short timeout).
pub fn router_with(state: AppState, limits: Limits) -> Router {
    let mut router = Router::new();
    for (path, _) in ROUTES {
        if let Some(handlers) = route(path) {
            // A body declared too large (its Content-Length) is answered 413 at once, before it
            // is sent, rather than waited for; one that says nothing is cut off as it comes.
            let limit = if *path == "/api/v1/import" { IMPORT_LIMIT } else { limits.body };
            router = router.route(path, handlers.layer(RequestBodyLimitLayer::new(limit)));
        }
    }
    router
        .merge(web::routes())
        .fallback(|| async { error::ApiError::new(StatusCode::NOT_FOUND, "not-found", "there is nothing here") })
        .layer(DefaultBodyLimit::max(limits.body))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limits.timeout))
        // Outside the timeout, so that its 408 gets the JSON shape and the log line too.
        .layer(axum::middleware::from_fn(requests))
        .with_state(Arc::new(state))
}

/// The answer to a request whose target or header fields are over [`URI_LIMIT`] or
/// [`HEADER_LIMIT`], in the API's JSON shape; `None` for one within them.
fn oversized(request: &axum::extract::Request) -> Option<error::ApiError> {
    let target = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > URI_LIMIT {
        let message = format!("the path and query are {target} bytes long, over the limit of {URI_LIMIT}");
        return Some(error::ApiError::new(StatusCode::URI_TOO_LONG, "uri-too-long", message));
    }
    // An intent (a sharp-pain or chest report among them) is never refused for the cookies a
    // browser sends with it: hyper's own, far larger limit still holds.
    if request.uri().path().ends_with("/intents") {
        return None;
    }
    let headers: usize = request.headers().iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
    (headers > HEADER_LIMIT).then(|| {
        let message = format!("the header fields hold {headers} bytes, over the limit of {HEADER_LIMIT}");
        error::ApiError::new(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "headers-too-large", message)
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

/// Around every request: gives error answers the JSON shape ([`error::json_errors`]) and logs one
/// line per request — method, path (never the query: it may carry a token), status, time taken
/// and the client's address (what a reverse proxy in front says it is relayed for is not
/// trusted: that is the proxy's own log's to say). A request that changes something or fails is logged at INFO (a server error at WARN);
/// a read that succeeds (`GET`, `HEAD`) at DEBUG, as tower-http's request traces are, so that a
/// page or script reading often does not flood the log at the default level.
async fn requests(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let read = matches!(*request.method(), Method::GET | Method::HEAD);
    let personal = is_personal(request.uri().path());
    // The URI is shared, not copied; its path is read only when a line is written.
    let client = request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    let logged = tracing::enabled!(tracing::Level::WARN)
        .then(|| (request.method().clone(), request.uri().clone(), std::time::Instant::now()));
    let mut response = match oversized(&request) {
        Some(refused) => axum::response::IntoResponse::into_response(refused),
        None => error::json_errors(next.run(request).await),
    };
    // Every answer is what its Content-Type says, never sniffed into something else.
    response
        .headers_mut()
        .insert(axum::http::header::X_CONTENT_TYPE_OPTIONS, axum::http::HeaderValue::from_static("nosniff"));
    // A person's health data is kept by no cache: not the browser's (a shared computer), not a
    // proxy's.
    if personal {
        response
            .headers_mut()
            .insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    }
    if let Some((method, uri, started)) = logged {
        let path = uri.path();
        let status = response.status();
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let code = status.as_u16();
        let client = client.map(tracing::field::display);
        if status.is_server_error() {
            tracing::warn!(%method, %path, status = code, micros, client, "request failed");
        } else if !read || status.is_client_error() {
            tracing::info!(%method, %path, status = code, micros, client, "request");
        } else {
            tracing::debug!(%method, %path, status = code, micros, client, "request");
        }
    }
    response
}
