//! limber-server: limber over HTTP — a JSON API on the engine's own types, live sessions on the
//! server's clock, Server-Sent Events, bearer tokens, and a web page with no build step.
//!
//! [`router`] is the whole service, testable in process with `tower::ServiceExt::oneshot`;
//! `main.rs` adds the listener, the command line and graceful shutdown.

#![forbid(unsafe_code)]

pub mod api;
pub mod around;
pub mod auth;
pub mod deadline;
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

/// The whole service: the API and the web page in their router, with what happens around every
/// request ([`around`]: JSON errors, limits, timeout, request logs).
pub type Service = around::Around<Router>;

/// The whole service ([`Service`]) with the default limits.
pub fn router(state: AppState) -> Service {
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
pub fn router_with(state: AppState, limits: Limits) -> Service {
    let mut router = Router::new();
    for (path, _) in ROUTES {
        if let Some(handlers) = route(path) {
            router = router.route(path, handlers);
        }
    }
    let router = router
        .merge(web::routes())
        .fallback(|| async { error::ApiError::new(StatusCode::NOT_FOUND, "not-found", "there is nothing here") })
        .with_state(Arc::new(state));
    // Around the whole router, not each route (the body limits among it): see `around`.
    tower::Layer::layer(&around::AroundLayer { limits }, router)
}
