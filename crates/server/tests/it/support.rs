//! In-process helpers: a router over a fresh store, JSON calls through `oneshot`.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use limber_app::App;
use limber_app::store::{SqliteStore, UserId};
use limber_server::Service;
use limber_server::{Access, AppState, Registry, auth, router};
use serde_json::{Value, json};
use tower::ServiceExt;

pub struct Fixture {
    pub _dir: tempfile::TempDir,
    pub app: Arc<App>,
    pub router: Service,
    pub live: Registry,
    pub _stop: tokio::sync::watch::Sender<bool>,
}

/// A server over a fresh store; `tokens` makes it require bearer tokens.
pub async fn fixture(tokens: bool) -> Fixture {
    fixture_with(tokens, limber_server::IDLE_LIMIT).await
}

/// [`fixture`] that ends sessions left waiting after `idle`.
pub async fn fixture_with(tokens: bool, idle: std::time::Duration) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let app = Arc::new(App::new(limber_app::load_library(None).unwrap(), Arc::new(store)));
    let access = if tokens { Access::Tokens } else { Access::Open { local: app.local_user().await.unwrap() } };
    let live = Registry::new(&app).with_idle_limit(idle);
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let router = router(AppState { app: app.clone(), live: live.clone(), access, shutdown });
    Fixture { _dir: dir, app, router, live, _stop: stop }
}

impl Fixture {
    /// A new user with a token.
    pub async fn user(&self, name: &str) -> (UserId, String) {
        let id = self.app.store().create_user(name).await.unwrap();
        let token = auth::new_token().unwrap();
        self.app.store().set_token_hash(id, &auth::hash_token(&token)).await.unwrap();
        (id, token)
    }

    /// A raw request, naming this machine as its host unless it names one (as every HTTP/1.1
    /// client does).
    pub async fn send(&self, mut request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        if !request.headers().contains_key("host") {
            request.headers_mut().insert("host", axum::http::HeaderValue::from_static("127.0.0.1:8080"));
        }
        self.send_exactly(request).await
    }

    /// A raw request exactly as given.
    pub async fn send_exactly(&self, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec();
        (status, headers, body)
    }

    /// A JSON call, as `token`'s user when given.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let request = match body {
            Some(b) => request.header("content-type", "application/json").body(Body::from(b.to_string())).unwrap(),
            None => request.body(Body::empty()).unwrap(),
        };
        let (status, _, bytes) = self.send(request).await;
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, value)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, token, Some(body)).await
    }

    /// Starts `routine` at `speed` with no pain prompts; returns its id.
    pub async fn start(&self, routine: &str, speed: f64, token: Option<&str>) -> String {
        let body = json!({"routine": routine, "speed": speed, "pain-before": {"prompt": "skip"}, "pain-after": {"prompt": "skip"}});
        let (status, v) = self.post("/api/v1/sessions", token, body).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        v["id"].as_str().unwrap().to_owned()
    }

    /// Presses start on the intents path `path` until the count to the hold begins (each press
    /// while cautions are left has the next one said first); returns the last answer.
    pub async fn ready(&self, path: &str) -> Value {
        for _ in 0..10 {
            let (status, v) = self.post(path, None, json!({"intent": "start"})).await;
            assert_eq!(status, StatusCode::OK, "{v}");
            if v["view"]["phase"]["phase"] == "get-ready" {
                return v;
            }
        }
        panic!("start never began the count");
    }

    /// Answers the screening questions the way that raises no flag.
    pub async fn screen(&self, id: &str, token: Option<&str>) -> Value {
        let path = format!("/api/v1/sessions/{id}/intents");
        loop {
            let (_, state) = self.get(&format!("/api/v1/sessions/{id}"), token).await;
            let intent = match state["view"]["phase"]["phase"].as_str().unwrap() {
                // Has a clinician already looked at the pain: "yes", or the screening stops there.
                "screening" if state["view"]["question"].as_str().is_some_and(|q| q.contains("already looked at")) => {
                    "yes"
                }
                "screening" => "no",
                _ => return state,
            };
            let (status, v) = self.post(&path, token, json!({"intent": intent})).await;
            assert_eq!(status, StatusCode::OK, "{v}");
        }
    }
}

/// The error code of an error answer.
pub fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("<no error code>")
}
