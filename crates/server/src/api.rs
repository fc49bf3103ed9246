//! The handlers of `/api/v1`: content, live sessions and their event streams, and a person's
//! history, stats, export/import, profile and screening.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use limber_app::store::{Cursor, HistoryPage, HistoryQuery, ImportReport, SessionId};
use limber_app::{ProfileChange, StartRequest, Stats};
use limber_core::{Equipment, Intent, IntentKind, PainPrompt, Position, Rejected, Timing};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{Caller, TokenHash};
use crate::error::ApiError;
use crate::live::{IntentError, Kind, Live, NewLive, SessionState, now_ms};

/// A JSON body whose rejections answer in the API's error shape (415 not JSON, 413 over the
/// limit, 400 malformed, 422 a list or unknown or wrong fields).
pub struct Body<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        // Not JSON is said before the body is read.
        if !is_json(req.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "send the body as JSON, with `Content-Type: application/json`",
            ));
        }
        Ok(Body(parse(&read_body(req, state).await?)?))
    }
}

/// Whether a request says its body is JSON: `application/json`, with any parameters, or a
/// `+json` type.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers.get(axum::http::header::CONTENT_TYPE) else { return false };
    // The usual one at once; anything else through a full media-type parse.
    value == "application/json"
        || value.to_str().ok().and_then(|v| v.parse::<mime::Mime>().ok()).is_some_and(|m| {
            m.type_() == mime::APPLICATION && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
        })
}

/// A request's whole body, up to the route's limit (413 over it).
async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|e| ApiError::from(axum::extract::rejection::JsonRejection::from(e)))
}

/// A JSON body's bytes, without the byte-order mark some Windows tools put first.
fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Parses a JSON body: 400 malformed, 422 a list or not what the route takes.
fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let bytes = without_bom(bytes);
    refuse_list(bytes)?;
    Ok(Json::<T>::from_bytes(bytes)?.0)
}

/// A body that is a well-formed JSON list: serde reads a struct from a list too, its fields in
/// order (`["desk"]` as `{"routine": "desk"}`), which no client means. Every body is an object.
/// (A list that is not well-formed is left to the parser, which says where it breaks.)
fn refuse_list(bytes: &[u8]) -> Result<(), ApiError> {
    if bytes.trim_ascii_start().starts_with(b"[") && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() {
        return Err(ApiError::invalid("the body is a JSON list: send a JSON object (`{…}`)"));
    }
    Ok(())
}

/// An intent's body, checked as [`IntentBody`], except that a safety report is never refused over
/// what surrounds it: `{"intent":"sharp-pain","during":70000}` or one with an unknown field
/// still stops the session (a safety report is acted on wherever it is given), whatever JSON
/// media type the client sends it as.
pub struct IntentJson(pub Intent);

impl<S: Send + Sync> FromRequest<S> for IntentJson {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        // A safety report is taken whatever media type it came with, or none (curl's `-d` says
        // it is a form): refused, the session would run on. (A form from another site is
        // refused before this, by the origin check, or for want of a token.)
        let json = is_json(req.headers());
        let bytes = read_body(req, state).await?;
        let report = || serde_json::from_slice(without_bom(&bytes)).ok().and_then(|v| safety_report(&v));
        if !json {
            return report().map(IntentJson).ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-media-type",
                    "send the intent as JSON, with `Content-Type: application/json`",
                )
            });
        }
        let checked = parse::<IntentBody>(&bytes).and_then(IntentBody::into_intent);
        checked.or_else(|refused| report().ok_or(refused)).map(IntentJson)
    }
}

/// The safety report a body names as its `intent` (`sharp-pain`, with a `during` kept only when
/// it is a stretch's number, or `chest`), however the rest of it is wrong.
fn safety_report(value: &serde_json::Value) -> Option<Intent> {
    // Also as a list, its fields in the body's order (intent, score, during): a list is refused
    // as a body, but never a safety report in one.
    let (intent, during) = match value {
        serde_json::Value::Object(fields) => (fields.get("intent")?, fields.get("during")),
        serde_json::Value::Array(items) => (items.first()?, items.get(2)),
        _ => return None,
    };
    match intent.as_str()? {
        "sharp-pain" => {
            let during = during.and_then(serde_json::Value::as_u64).and_then(|n| u16::try_from(n).ok());
            Some(Intent::SharpPain { during: during.filter(|&n| n > 0) })
        }
        "chest" => Some(Intent::Chest),
        _ => None,
    }
}

/// A path parameter whose rejection is a 404, like an unknown id.
pub struct Id<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> axum::extract::FromRequestParts<S> for Id<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, ApiError> {
        Ok(Id(Path::<T>::from_request_parts(parts, state).await?.0))
    }
}

fn json<T: Serialize>(value: &T) -> Response {
    Json(value).into_response()
}

/// A session's state as JSON, written into a buffer sized for it at once (a state is a few
/// kilobytes; growing from axum's default of 128 bytes copies it several times).
fn session_json(state: &SessionState) -> Response {
    let mut body = Vec::with_capacity(4096);
    match serde_json::to_writer(&mut body, state) {
        // A static header value: one from a `&str` is checked and copied for every answer.
        Ok(()) => {
            let mut response = body.into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Err(e) => ApiError::internal(&e).into_response(),
    }
}

// ---------------------------------------------------------------- health and content

/// Health of the server.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct Health {
    /// `ok` when the server answers and its database does; `unavailable` (with a 503) when the
    /// database does not.
    pub status: String,
    /// This limber-server's version.
    pub version: &'static str,
    /// How long this instance has been up, in seconds.
    pub uptime_seconds: u64,
    /// Live sessions held by this instance (those over stay an hour, readable).
    pub live_sessions: usize,
    /// The database.
    pub database: DatabaseHealth,
}

/// The database as the server sees it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct DatabaseHealth {
    /// `sqlite` or `postgres`.
    #[schema(value_type = String)]
    pub kind: limber_app::store::Backend,
    /// Whether it answered a trivial query within a second.
    pub reachable: bool,
    /// Whether other instances may share it (live sessions are loaded on demand and followed).
    pub shared: bool,
}

/// Whether the server and its database are up: 200, or 503 when the database does not answer
/// (so a load balancer sends requests to another instance).
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn health(State(st): State<Arc<AppState>>) -> Response {
    let store = st.app.store();
    let reachable =
        tokio::time::timeout(std::time::Duration::from_secs(1), store.ping()).await.is_ok_and(|r| r.is_ok());
    let health = Health {
        status: if reachable { "ok" } else { "unavailable" }.into(),
        version: env!("CARGO_PKG_VERSION"),
        uptime_seconds: st.live.age().as_secs(),
        live_sessions: st.live.len(),
        database: DatabaseHealth { kind: store.backend(), reachable, shared: st.live.is_shared() },
    };
    let status = if reachable { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(health)).into_response()
}

/// Every stretch.
#[utoipa::path(get, path = "/api/v1/stretches", tag = "content", responses((status = 200, body = serde_json::Value)))]
pub async fn stretches(State(st): State<Arc<AppState>>) -> Response {
    let lib = st.app.library();
    json(&lib.stretches.iter().map(|s| StretchEntry::new(s, lib)).collect::<Vec<_>>())
}

/// A stretch as the API gives it: the content's fields, and the words every front end shows
/// with them, so a client never composes them itself.
#[derive(Serialize)]
struct StretchEntry<'a> {
    #[serde(flatten)]
    stretch: &'a limber_core::Stretch,
    /// Its dose in words ("hold 15–30 seconds, 3 times").
    dose_text: String,
    /// Where it comes from: the article's credit, or "Not from the article: …" and what it
    /// rests on.
    credit: String,
}

impl<'a> StretchEntry<'a> {
    fn new(stretch: &'a limber_core::Stretch, lib: &limber_core::Library) -> StretchEntry<'a> {
        StretchEntry { stretch, dose_text: stretch.dose.describe(), credit: stretch.credit(&lib.source) }
    }
}

/// One stretch, with its steps.
#[utoipa::path(get, path = "/api/v1/stretches/{id}", tag = "content",
    params(("id" = String, Path, description = "A stretch id, e.g. `seated-twist`")),
    responses((status = 200, body = serde_json::Value), (status = 404, body = crate::error::ErrorBody)))]
pub async fn stretch(State(st): State<Arc<AppState>>, Id(id): Id<String>) -> Result<Response, ApiError> {
    Ok(json(&StretchEntry::new(st.app.stretch(&id)?, st.app.library())))
}

/// Every routine.
#[utoipa::path(get, path = "/api/v1/routines", tag = "content", responses((status = 200, body = serde_json::Value)))]
pub async fn routines(State(st): State<Arc<AppState>>) -> Response {
    json(&st.app.library().routines)
}

/// The precautions.
#[utoipa::path(get, path = "/api/v1/precautions", tag = "content", responses((status = 200, body = serde_json::Value)))]
pub async fn precautions(State(st): State<Arc<AppState>>) -> Response {
    json(&st.app.library().precautions)
}

/// The tips.
#[utoipa::path(get, path = "/api/v1/tips", tag = "content", responses((status = 200, body = serde_json::Value)))]
pub async fn tips(State(st): State<Arc<AppState>>) -> Response {
    json(&st.app.library().tips)
}

/// Questions and answers.
#[utoipa::path(get, path = "/api/v1/faq", tag = "content", responses((status = 200, body = serde_json::Value)))]
pub async fn faq(State(st): State<Arc<AppState>>) -> Response {
    json(&st.app.library().faq)
}

/// The screening questions, emergency ones first.
#[utoipa::path(get, path = "/api/v1/screening/questions", tag = "content", responses((status = 200, body = serde_json::Value)))]
pub async fn screening_questions(State(st): State<Arc<AppState>>) -> Response {
    json(&st.app.library().screening)
}

/// The source article's credit, the background and the safety advice.
#[utoipa::path(get, path = "/api/v1/source", tag = "content", responses((status = 200, body = serde_json::Value)))]
pub async fn source(State(st): State<Arc<AppState>>) -> Response {
    let lib = st.app.library();
    json(&serde_json::json!({ "source": lib.source, "background": lib.background, "advice": lib.advice }))
}

// ---------------------------------------------------------------- sessions

/// What to start: a routine and the plan options (anything left out comes from the profile).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CreateSession {
    /// The routine's id (`full`, `desk`, `no-kneel`, …).
    pub routine: String,
    /// Equipment at hand today.
    #[schema(value_type = Option<Vec<String>>)]
    pub equipment: Option<Vec<Equipment>>,
    /// Positions to avoid today.
    #[schema(value_type = Option<Vec<String>>)]
    pub avoid: Option<Vec<Position>>,
    /// Seconds per hold (10–60) instead of progression.
    pub hold: Option<u32>,
    /// Leave out the warm-up.
    #[serde(default)]
    pub no_warm_up: bool,
    /// Wait for `start` before each stretch.
    #[serde(default)]
    pub wait_for_start: bool,
    /// Ask the screening questions again.
    #[serde(default)]
    pub rescreen: bool,
    /// Pain before: `{"prompt":"ask"}` (default), `{"prompt":"given","score":3}` or `{"prompt":"skip"}`.
    #[schema(value_type = Option<Object>)]
    pub pain_before: Option<PainPrompt>,
    /// Pain after, the same way.
    #[schema(value_type = Option<Object>)]
    pub pain_after: Option<PainPrompt>,
    /// Phase timings other than the defaults.
    #[schema(value_type = Option<Object>)]
    pub timing: Option<Timing>,
    /// Session seconds per wall-clock second, 0.1 to 1000 (1 by default), as `limber run --speed`:
    /// previews and tests.
    pub speed: Option<f64>,
}

fn speed_of(speed: Option<f64>) -> Result<f64, ApiError> {
    let range = limber_app::SPEED_RANGE;
    match speed {
        None => Ok(1.0),
        Some(s) if range.contains(&s) => Ok(s),
        Some(s) => {
            // A number far out of range is shown short (1e308, not 309 digits).
            let shown = if s.abs() >= 1e6 || (s != 0.0 && s.abs() < 1e-3) { format!("{s:e}") } else { s.to_string() };
            Err(ApiError::invalid(format!("speed must be between {} and {}, not {shown}", range.start(), range.end())))
        }
    }
}

fn created(live: &Live, state: SessionState) -> Response {
    let mut response = (StatusCode::CREATED, Json(state)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/sessions/{}", live.id)) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// Starts a session from a routine; it runs on the server's clock from now on. Refused (409
/// `too-many-sessions`) while the caller has as many under way as the server allows, and (409
/// `emergency-today`) on a day the caller reported an emergency sign.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions", request_body = CreateSession,
    responses((status = 201, body = SessionState), (status = 400, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_session(
    State(st): State<Arc<AppState>>,
    Caller(user): Caller,
    Body(req): Body<CreateSession>,
) -> Result<Response, ApiError> {
    let speed = speed_of(req.speed)?;
    let request = StartRequest {
        routine: req.routine,
        equipment: req.equipment,
        avoid: req.avoid,
        hold: req.hold,
        no_warm_up: req.no_warm_up,
        wait_for_start: req.wait_for_start,
        rescreen: req.rescreen,
        pain_before: req.pain_before.unwrap_or(PainPrompt::Ask),
        pain_after: req.pain_after.unwrap_or(PainPrompt::Ask),
        timing: req.timing,
        also_set_aside: Vec::new(),
        also_emergency_at: None,
    };
    let started = st.app.start(user, &request, now_ms()).await?;
    let adjustments = started.notes(st.app.library());
    let live = st
        .live
        .start(NewLive {
            user,
            kind: Kind::Routine,
            session: started.session,
            screening: started.screening,
            started_at_ms: started.started_at_ms,
            speed,
        })
        .await
        .map_err(ApiError::from)?;
    let state = SessionState { adjustments, ..live.snapshot(st.app.library()).await };
    Ok(created(&live, state))
}

/// The caller's sessions held by this server (live, or over since it started), oldest first.
#[utoipa::path(get, path = "/api/v1/sessions", tag = "sessions", responses((status = 200, body = Vec<SessionState>)))]
pub async fn list_sessions(
    State(st): State<Arc<AppState>>,
    Caller(user): Caller,
) -> Result<Json<Vec<SessionState>>, ApiError> {
    let mut out = Vec::new();
    for live in st.live.of_user(user).await.map_err(ApiError::from)? {
        out.push(live.snapshot(st.app.library()).await);
    }
    Ok(Json(out))
}

async fn find(st: &AppState, user: limber_app::store::UserId, id: SessionId) -> Result<Arc<Live>, ApiError> {
    match st.live.get(user, id).await.map_err(ApiError::from)? {
        Some(live) => Ok(live),
        None => Err(not_live(st, user, id).await),
    }
}

/// The answer for a session no instance holds: 410 `over`, with its record, when it is in the
/// person's history (it ended before this server started, or was let go since), else 404.
async fn not_live(st: &AppState, user: limber_app::store::UserId, id: SessionId) -> ApiError {
    match st.app.store().session(user, id).await {
        Ok(Some(record)) => {
            let mut e = ApiError::new(StatusCode::GONE, "over", "the session is over: it is recorded in your history");
            let session = HistoryEntry::from(record);
            e.detail = serde_json::to_value(&session).ok().map(|session| serde_json::json!({ "session": session }));
            e
        }
        Ok(None) => ApiError::not_found("session with that id"),
        Err(e) => ApiError::from(e),
    }
}

/// A session's state at the server's now.
#[utoipa::path(get, path = "/api/v1/sessions/{id}", tag = "sessions",
    params(("id" = String, Path)),
    responses((status = 200, body = SessionState), (status = 404, body = crate::error::ErrorBody),
              (status = 410, body = crate::error::ErrorBody)))]
pub async fn get_session(
    State(st): State<Arc<AppState>>,
    Caller(user): Caller,
    Id(id): Id<SessionId>,
) -> Result<Response, ApiError> {
    Ok(session_json(&find(&st, user, id).await?.snapshot(st.app.library()).await))
}

/// An intent as the API takes it: `{"intent":"pause"}`, `{"intent":"pain","score":7}`, …
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct IntentBody {
    /// What the person meant: `yes`, `no`, `start`, `pause`, `resume`, `toggle-pause`, `skip`,
    /// `swap`, `discomfort`, `comfortable`, `pain`, `sharp-pain`, `chest` or `quit`.
    #[schema(value_type = String, example = "pause")]
    #[serde(deserialize_with = "intent_name")]
    pub intent: IntentKind,
    /// The rating, 0 (none) to 10 (worst imaginable): with `pain`, and only with it. (Read as
    /// any whole number, so that -1 and 11 are both refused as `bad-score`.)
    #[schema(minimum = 0, maximum = 10)]
    pub score: Option<i64>,
    /// With `sharp-pain`, and only with it: the stretch the person was doing when they pressed,
    /// by its number in the session (the view's `number`). A client that may be behind the
    /// session (its connection dropped) sends it, so that stretch is set aside even if the
    /// session has moved on to the next one meanwhile.
    #[schema(minimum = 1)]
    pub during: Option<u16>,
}

/// An intent's name, read as a string first: serde_json reads a number or a list where an
/// enum's name goes as broken JSON (400 "expected value"), when it is JSON of the wrong kind (422).
fn intent_name<'de, D: serde::Deserializer<'de>>(d: D) -> Result<IntentKind, D::Error> {
    struct Name;
    impl serde::de::Visitor<'_> for Name {
        type Value = IntentKind;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str(r#"an intent's name as a string, such as "pause""#)
        }
        fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<IntentKind, E> {
            IntentKind::deserialize(serde::de::value::StrDeserializer::new(name))
        }
    }
    d.deserialize_str(Name)
}

impl IntentBody {
    fn into_intent(self) -> Result<Intent, ApiError> {
        // A rating of 11 to 255 the engine refuses; one that is not even a byte is refused here,
        // in the same words and with the same code.
        let score = match self.score.map(u8::try_from) {
            None => None,
            Some(Ok(score)) => Some(score),
            Some(Err(_)) => {
                let n = self.score.unwrap_or_default();
                let mut e = ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "bad-score",
                    format!("a pain rating is from 0 to 10, not {n}"),
                );
                e.detail = Some(serde_json::json!({"rejected": "bad-score", "score": n}));
                return Err(e);
            }
        };
        let intent = self.intent.with_score(score).ok_or_else(|| {
            ApiError::invalid(if self.intent == IntentKind::Pain {
                "a `pain` intent needs a `score` from 0 to 10"
            } else {
                "only a `pain` intent has a `score`"
            })
        })?;
        match (intent, self.during) {
            (_, None) => Ok(intent),
            (Intent::SharpPain { .. }, Some(0)) => {
                Err(ApiError::invalid("`during` is a stretch's number in the session, from 1"))
            }
            (Intent::SharpPain { .. }, during) => Ok(Intent::SharpPain { during }),
            _ => Err(ApiError::invalid("only a `sharp-pain` intent names the stretch it was `during`")),
        }
    }
}

/// Sends an intent (the engine's: `{"intent":"pause"}`, `{"intent":"pain","score":7}`, …).
/// Persisted before the answer; 409 with the engine's typed rejection when it does not apply now.
/// A safety report (`sharp-pain`, `chest`) is never refused for how it is sent: with any media
/// type or none, as a list, after a byte-order mark, or with fields that are wrong.
#[utoipa::path(post, path = "/api/v1/sessions/{id}/intents", tag = "sessions",
    params(("id" = String, Path)), request_body = IntentBody,
    responses((status = 200, body = SessionState), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn send_intent(
    State(st): State<Arc<AppState>>,
    Caller(user): Caller,
    Id(id): Id<SessionId>,
    IntentJson(intent): IntentJson,
) -> Result<Response, ApiError> {
    // A recorded session refuses an intent as a held one that is over does (409 `over`).
    let live = find(&st, user, id)
        .await
        .map_err(|e| if e.code == "over" { ApiError { status: StatusCode::CONFLICT, ..e } } else { e })?;
    match st.live.intent(&live, intent).await {
        Ok(state) => Ok(session_json(&state)),
        Err(IntentError::Rejected(why)) => {
            let (status, code) = match why {
                Rejected::NotNow { .. } => (StatusCode::CONFLICT, "not-now"),
                Rejected::Over { .. } => (StatusCode::CONFLICT, "over"),
                Rejected::BadScore { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "bad-score"),
                Rejected::NoAlternative { .. } => (StatusCode::CONFLICT, "no-alternative"),
            };
            let mut e = ApiError::new(status, code, why.to_string());
            e.detail = serde_json::to_value(&why).ok();
            Err(e)
        }
        // A read-only or full database, or a removed person, keeps its own answer (503, 410).
        Err(IntentError::Store(e)) => Err(ApiError::from(e)),
        Err(IntentError::Gone) => {
            Err(ApiError::new(StatusCode::CONFLICT, "over", "the session is over: it has been recorded"))
        }
    }
}

/// Where an event stream resumes: after this cue (or the `Last-Event-ID` header).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Send cues after this sequence number.
    pub after: Option<u64>,
    /// A bearer token, for clients (`EventSource`) that cannot send headers.
    #[serde(rename = "access_token")]
    pub access_token: Option<String>,
}

struct Follow {
    live: Arc<Live>,
    /// Names the stretches of the session's outcome.
    library: Arc<limber_core::Library>,
    /// The token the stream was opened with, checked every [`TOKEN_RECHECK`].
    token: Option<TokenCheck>,
    seq: u64,
    changed: tokio::sync::watch::Receiver<u64>,
    shutdown: tokio::sync::watch::Receiver<bool>,
    queue: VecDeque<Event>,
    first: bool,
    done: bool,
}

impl Follow {
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Follow)> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Some((Ok(event), self));
            }
            if self.done || *self.shutdown.borrow() {
                return None;
            }
            if !self.first {
                let recheck = async {
                    match &self.token {
                        Some(check) => tokio::time::sleep_until(check.next).await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    r = self.changed.changed() => if r.is_err() { return None },
                    _ = self.shutdown.changed() => return None,
                    () = recheck => {
                        let check = self.token.as_mut()?;
                        if !check.still_valid().await {
                            return None; // rotated, or its person removed
                        }
                        continue;
                    }
                }
            }
            self.first = false;
            self.changed.borrow_and_update();
            let state = self.live.state.lock().await;
            for cue in state.session.cues_since(self.seq) {
                let event = Event::default().id(cue.seq.to_string()).event("cue");
                self.queue.push_back(event.json_data(cue).unwrap_or_else(|_| Event::default().comment("cue")));
                self.seq = cue.seq;
            }
            let snapshot = self.live.snapshot_of(&self.library, &state.session);
            self.done = state.recorded;
            drop(state);
            let view = Event::default().event("view");
            self.queue.push_back(view.json_data(&snapshot).unwrap_or_else(|_| Event::default().comment("view")));
        }
    }
}

/// How often an event stream opened with a token checks that the token still lets it in.
const TOKEN_RECHECK: std::time::Duration = std::time::Duration::from_secs(5);

/// A token to check again: its hash, whose it was, and when next.
struct TokenCheck {
    app: Arc<limber_app::App>,
    hash: String,
    user: limber_app::store::UserId,
    next: tokio::time::Instant,
}

impl TokenCheck {
    /// Whether the token still names the same person (a store that cannot answer now is given
    /// the benefit of the doubt until the next check).
    async fn still_valid(&mut self) -> bool {
        self.next = tokio::time::Instant::now() + TOKEN_RECHECK;
        match self.app.store().user_by_token_hash(&self.hash).await {
            Ok(found) => found == Some(self.user),
            Err(e) => {
                tracing::warn!(error = %e, "cannot check an event stream's token");
                true
            }
        }
    }
}

/// Server-Sent Events: `cue` events (SSE id = the cue's sequence number) and `view` events (the
/// session's state after them). Resumes after `Last-Event-ID` without a gap or a repeat; ends
/// once the session is over and recorded.
#[utoipa::path(get, path = "/api/v1/sessions/{id}/events", tag = "sessions",
    params(("id" = String, Path), EventsQuery,
           ("Last-Event-ID" = Option<u64>, Header, description = "The last cue seen")),
    responses((status = 200, content_type = "text/event-stream", body = String),
              (status = 400, description = "`bad-query`: a parameter it does not take, or `after` not a number",
               body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 410, body = crate::error::ErrorBody),
              (status = 429, description = "`too-many-streams`: as many streams follow this session here as one may have",
               body = crate::error::ErrorBody)))]
pub async fn events(
    State(st): State<Arc<AppState>>,
    Caller(user): Caller,
    TokenHash(hash): TokenHash,
    Id(id): Id<SessionId>,
    query: Result<Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let Query(query) = query?;
    let Some((live, changed)) = st.live.watch(user, id).await.map_err(ApiError::from)? else {
        return Err(not_live(&st, user, id).await);
    };
    let last = headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    let follow = Follow {
        library: st.app.shared_library(),
        seq: last.or(query.after).unwrap_or(0),
        token: hash.map(|hash| TokenCheck {
            app: st.app.clone(),
            hash,
            user,
            next: tokio::time::Instant::now() + TOKEN_RECHECK,
        }),
        changed,
        shutdown: st.shutdown.clone(),
        live,
        queue: VecDeque::new(),
        first: true,
        done: false,
    };
    let stream = futures_util::stream::unfold(follow, Follow::next);
    // A reverse proxy must pass each event on as it comes (nginx buffers answers by default,
    // which would hold cues back for seconds).
    let unbuffered = [(header::HeaderName::from_static("x-accel-buffering"), HeaderValue::from_static("no"))];
    Ok((unbuffered, Sse::new(stream).keep_alive(KeepAlive::default())))
}

// ---------------------------------------------------------------- a person's records

/// Which page of history.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Only sessions started at or after this moment, Unix milliseconds.
    pub since_ms: Option<i64>,
    /// The `next` cursor of the previous page.
    pub before: Option<String>,
    /// Sessions per page (1–500, 50 by default).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// One page of history as the API answers it: [`HistoryPage`] with each session's counts and
/// outcome in words, so no client counts them itself.
#[derive(Serialize)]
pub struct HistoryAnswer {
    /// The sessions, newest first.
    pub sessions: Vec<HistoryEntry>,
    /// Where the next (older) page starts, or `None` when this is the last page.
    pub next: Option<Cursor>,
    /// Stored sessions in this stretch of history that could not be read.
    pub unreadable: u64,
}

impl From<HistoryPage> for HistoryAnswer {
    fn from(page: HistoryPage) -> HistoryAnswer {
        HistoryAnswer {
            sessions: page.sessions.into_iter().map(HistoryEntry::from).collect(),
            next: page.next,
            unreadable: page.unreadable,
        }
    }
}

/// A session of the history, with what its line says: stretches done of those planned, and how
/// it ended (as `limber history` says them).
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct HistoryEntry {
    /// The session as stored (and exported).
    #[serde(flatten)]
    pub session: limber_app::store::SessionRecord,
    /// Its stretches done in full.
    pub done: usize,
    /// Its stretches planned (one swapped out for another counts once).
    pub planned: usize,
    /// How it ended: "finished", "ended early", "stopped: sharp pain", ….
    pub outcome: &'static str,
}

impl From<limber_app::store::SessionRecord> for HistoryEntry {
    fn from(session: limber_app::store::SessionRecord) -> HistoryEntry {
        HistoryEntry { done: session.done(), planned: session.planned(), outcome: session.outcome(), session }
    }
}

/// One page of the caller's history, newest first.
#[utoipa::path(get, path = "/api/v1/history", tag = "records", params(HistoryParams),
    responses((status = 200, body = serde_json::Value), (status = 400, body = crate::error::ErrorBody)))]
pub async fn history(
    State(st): State<Arc<AppState>>,
    Caller(user): Caller,
    query: Result<Query<HistoryParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<HistoryAnswer>, ApiError> {
    let Query(q) = query?;
    let before = match q.before {
        Some(text) => Some(
            text.parse::<Cursor>().map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad-cursor", e.to_string()))?,
        ),
        None => None,
    };
    let limit = q.limit.unwrap_or(50);
    if !(1..=HistoryQuery::MAX_LIMIT).contains(&limit) {
        let message = format!("limit must be 1 to {}, not {limit}", HistoryQuery::MAX_LIMIT);
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "bad-query", message));
    }
    let query = HistoryQuery { since_ms: q.since_ms, before, limit };
    Ok(Json(st.app.history(user, query).await?.into()))
}

/// This week against the goal, the streak, holds and the pain trend.
#[utoipa::path(get, path = "/api/v1/stats", tag = "records",
    responses((status = 200, body = serde_json::Value), (status = 409, body = crate::error::ErrorBody)))]
pub async fn stats(State(st): State<Arc<AppState>>, Caller(user): Caller) -> Result<Json<Stats>, ApiError> {
    Ok(Json(st.app.stats(user).await?))
}

/// What an export takes in its query: nothing (it is JSON only: `limber export --format csv`
/// writes CSV), so a parameter is refused rather than ignored.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {}

/// Every session as a limber export file (JSON, format 6: the sessions, then each stretch's
/// progression and the profile), oldest first, streamed as the store reads it.
#[utoipa::path(get, path = "/api/v1/export", tag = "records", params(ExportParams),
    responses((status = 200, body = serde_json::Value), (status = 400, body = crate::error::ErrorBody)))]
pub async fn export(
    State(st): State<Arc<AppState>>,
    Caller(user): Caller,
    query: Result<Query<ExportParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    query?;
    // A task reads and writes; the body follows through a small channel, so a slow client holds
    // back the reading instead of the whole history piling up in memory. The store is read a
    // page at a time: a client that reads slowly (or not at all) keeps no read transaction
    // open on the store (nor a PostgreSQL connection from the pool) while it waits.
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(4);
    // The first page is read before the answer starts (and a history of one page written
    // whole), so a store that cannot be read is a 503 (or whatever it is) rather than a 200
    // that stops short.
    let (first_read, first) = tokio::sync::oneshot::channel::<limber_app::Result<()>>();
    let app = st.app.clone();
    tokio::spawn(async move {
        // A damaged session is left out (and logged); the rest of the history still leaves
        // with the person.
        let left_out =
            |e: &limber_app::Error| tracing::warn!(error = %e, "left out of an export: it could not be read");
        let written = async {
            let mut export = app.export_json(user, Vec::new())?;
            let mut more = match export.page(left_out).await {
                Ok(true) => {
                    let _ = first_read.send(Ok(()));
                    true
                }
                // The whole history in one page (most people's): the file is ended before the
                // answer starts, so nothing can fail after a 200.
                Ok(false) => {
                    match export.finish(left_out).await {
                        Ok((whole, _)) => {
                            let _ = first_read.send(Ok(()));
                            let _ = tx.send(Ok(whole)).await;
                        }
                        Err(e) => {
                            let _ = first_read.send(Err(e));
                        }
                    }
                    return Ok(());
                }
                Err(e) => {
                    let _ = first_read.send(Err(e));
                    return Ok(());
                }
            };
            while more {
                if tx.send(Ok(export.take())).await.is_err() {
                    return Ok(()); // the client went away
                }
                more = export.page(left_out).await?;
            }
            let (rest, _) = export.finish(left_out).await?;
            let _ = tx.send(Ok(rest)).await;
            Ok::<_, limber_app::Error>(())
        }
        .await;
        if let Err(e) = written {
            tracing::error!(error = %e, "export failed part way");
            let _ = tx.send(Err(std::io::Error::other(e))).await;
        }
    });
    match first.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(ApiError::from(e)),
        Err(_) => return Err(ApiError::internal(&std::io::Error::other("the export stopped before it began"))),
    }
    let chunks = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"limber-export.json\""),
        ],
        axum::body::Body::from_stream(chunks),
    )
        .into_response())
}

/// Adds the sessions of an export file that are not here yet (all or none).
#[utoipa::path(post, path = "/api/v1/import", tag = "records", request_body = serde_json::Value,
    responses((status = 200, body = serde_json::Value),
              (status = 400, description = "`bad-request`: the body could not be read", body = crate::error::ErrorBody),
              (status = 413, description = "`payload-too-large`: over 16 MiB", body = crate::error::ErrorBody),
              (status = 422, description = "`invalid-import`: not a limber export, or a session in it is wrong \
                (named by its position); nothing was imported", body = crate::error::ErrorBody)))]
pub async fn import(
    State(st): State<Arc<AppState>>,
    Caller(user): Caller,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<ImportReport>, ApiError> {
    // JSON only, said so: a web page can send any other type without asking first.
    if !is_json(&headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "an import is a limber JSON export sent with `Content-Type: application/json`",
        ));
    }
    let body = body.map_err(|r| match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", crate::error::TOO_LARGE)
        }
        status => ApiError::new(status, "bad-request", r.body_text()),
    })?;
    Ok(Json(st.app.import(user, std::io::Cursor::new(body)).await?))
}

/// The profile and the stretches flagged after sharp pain.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct ProfileAnswer {
    /// Equipment, avoided positions, weekly goal, voice, sound.
    pub profile: ProfileView,
    /// Stretches left out of plans until cleared.
    #[schema(value_type = Vec<String>)]
    pub flagged: Vec<limber_core::StretchId>,
    /// A day after an emergency sign, why no session starts and until when; else null.
    pub safety_stop: Option<SafetyStop>,
    /// What the profile's lists and goal may hold, for a form to offer every choice.
    pub choices: ProfileChoices,
}

/// Every choice a profile has, with its words, and the weekly goal's range: a form built from
/// these offers a new position or piece of equipment as soon as limber knows it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct ProfileChoices {
    /// Each piece of equipment (`id` as in `profile.equipment`, `label` in words).
    #[schema(value_type = Vec<Object>)]
    pub equipment: Vec<Choice<Equipment>>,
    /// Each position that can be avoided (`id` as in `profile.avoid`, `label` in words).
    #[schema(value_type = Vec<Object>)]
    pub avoid: Vec<Choice<Position>>,
    /// The fewest and the most sessions a week a goal may be.
    pub weekly_goal: GoalRange,
}

/// One choice of a profile list: its id and its words ("a foam roller", "lying on your back").
#[derive(Serialize)]
pub struct Choice<T> {
    /// The id the profile holds.
    pub id: T,
    /// In words.
    pub label: &'static str,
}

/// The range of a weekly goal.
#[derive(Serialize, utoipa::ToSchema)]
pub struct GoalRange {
    /// The fewest sessions a week.
    pub min: u32,
    /// The most.
    pub max: u32,
}

impl ProfileChoices {
    fn all() -> ProfileChoices {
        let goals = limber_app::WEEKLY_GOALS;
        ProfileChoices {
            equipment: Equipment::ALL.into_iter().map(|id| Choice { id, label: id.label() }).collect(),
            avoid: Position::ALL.into_iter().map(|id| Choice { id, label: id.label() }).collect(),
            weekly_goal: GoalRange { min: *goals.start(), max: *goals.end() },
        }
    }
}

/// A day after an emergency sign, when no session starts: the `safety-stop` of a profile, and the
/// `detail` of an `emergency-today` error.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct SafetyStop {
    /// When the emergency sign was reported, in milliseconds since the Unix epoch.
    pub reported_at_ms: i64,
    /// When sessions may start again, in milliseconds since the Unix epoch.
    pub until_ms: i64,
    /// The same in words, with the advice (times in the server's time zone: a client can say
    /// them in its own from the two above).
    pub message: String,
}

impl SafetyStop {
    pub(crate) fn new(reported_at_ms: i64, until_ms: i64, said: &limber_app::Error) -> SafetyStop {
        SafetyStop { reported_at_ms, until_ms, message: said.to_string() }
    }
}

/// The caller's profile.
#[utoipa::path(get, path = "/api/v1/profile", tag = "records",
    responses((status = 200, body = ProfileAnswer), (status = 409, body = crate::error::ErrorBody)))]
pub async fn profile(State(st): State<Arc<AppState>>, Caller(user): Caller) -> Result<Json<ProfileAnswer>, ApiError> {
    let (p, flagged) = st.app.profile(user).await?;
    let safety_stop = match st.app.emergency_refusal(user, now_ms()).await? {
        Some(e @ limber_app::Error::EmergencyToday { at_ms, until_ms, .. }) => {
            Some(SafetyStop::new(at_ms, until_ms, &e))
        }
        _ => None,
    };
    let profile = ProfileView {
        equipment: p.equipment,
        avoid: p.avoid,
        weekly_goal: p.weekly_goal,
        voice: p.voice,
        sound: p.sound,
    };
    Ok(Json(ProfileAnswer { profile, flagged, safety_stop, choices: ProfileChoices::all() }))
}

/// A person's profile, in the API's kebab-case.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub struct ProfileView {
    /// Equipment owned.
    #[schema(value_type = Vec<String>)]
    pub equipment: Vec<Equipment>,
    /// Positions avoided.
    #[schema(value_type = Vec<String>)]
    pub avoid: Vec<Position>,
    /// Sessions wanted per week.
    #[schema(minimum = 1, maximum = 14)]
    pub weekly_goal: u32,
    /// Speak cues by default.
    pub voice: bool,
    /// Beep at the start, the last seconds and the end of each hold.
    pub sound: bool,
}

/// A change to the profile; fields left out stay as they are.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ProfileUpdate {
    /// Equipment owned.
    #[schema(value_type = Option<Vec<String>>)]
    pub equipment: Option<Vec<Equipment>>,
    /// Positions to avoid.
    #[schema(value_type = Option<Vec<String>>)]
    pub avoid: Option<Vec<Position>>,
    /// Sessions wanted per week (1–14).
    #[schema(minimum = 1, maximum = 14)]
    pub weekly_goal: Option<u32>,
    /// Speak cues by default.
    pub voice: Option<bool>,
    /// Beep at the start, the last seconds and the end of each hold.
    pub sound: Option<bool>,
}

/// Changes the caller's profile.
#[utoipa::path(patch, path = "/api/v1/profile", tag = "records", request_body = ProfileUpdate,
    responses((status = 200, body = ProfileAnswer), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_profile(
    State(st): State<Arc<AppState>>,
    Caller(user): Caller,
    Body(change): Body<ProfileUpdate>,
) -> Result<Json<ProfileAnswer>, ApiError> {
    let change = ProfileChange {
        equipment: change.equipment,
        avoid: change.avoid,
        weekly_goal: change.weekly_goal,
        voice: change.voice,
        sound: change.sound,
    };
    st.app.update_profile(user, change).await?;
    profile(State(st), Caller(user)).await
}

/// Whether a flag was cleared.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Cleared {
    /// Whether the stretch was flagged.
    pub cleared: bool,
}

/// Clears the sharp-pain flag of a stretch (the person chose to try it again).
#[utoipa::path(delete, path = "/api/v1/profile/flags/{stretch}", tag = "records",
    params(("stretch" = String, Path)),
    responses((status = 200, body = Cleared), (status = 404, body = crate::error::ErrorBody)))]
pub async fn clear_flag(
    State(st): State<Arc<AppState>>,
    Caller(user): Caller,
    Id(stretch): Id<String>,
) -> Result<Json<Cleared>, ApiError> {
    Ok(Json(Cleared { cleared: st.app.clear_flag(user, &stretch).await? }))
}

/// The caller's latest screening answers, or `null`.
#[utoipa::path(get, path = "/api/v1/screening", tag = "records", responses((status = 200, body = serde_json::Value)))]
pub async fn latest_screening(State(st): State<Arc<AppState>>, Caller(user): Caller) -> Result<Response, ApiError> {
    Ok(json(&st.app.store().latest_screening(user).await?))
}

/// The body of a request that takes no options: `{}`, refusing any field.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoOptions {}

/// Starts the safety questions on their own, answered with intents like any session; the
/// answers are stored when complete. Refused (409 `too-many-sessions`) when the caller runs as
/// many sessions as allowed. Within a day of an emergency sign they are still asked, and clear
/// answers are saved for once that day has passed (the closing cue says so).
#[utoipa::path(post, path = "/api/v1/screening", tag = "records",
    responses((status = 201, body = SessionState), (status = 400, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn start_screening(
    State(st): State<Arc<AppState>>,
    Caller(user): Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    // It takes no options: no body, `{}` or `null`. Anything else is a mistake worth saying (400
    // malformed, 422 an option it does not have) rather than a 201 that ignored it.
    if !body.iter().all(u8::is_ascii_whitespace) {
        let _ = parse::<Option<NoOptions>>(&body)?;
    }
    // Within a day of an emergency sign they are still asked (clear answers count once the day
    // has passed, and the session's closing words say so); the profile's `safety-stop` says until when.
    let limber_app::ScreeningStart { session, .. } =
        st.app.start_screening(user, now_ms(), st.live.reported_emergency(user)).await?;
    let live = st
        .live
        .start(NewLive { user, kind: Kind::Screening, session, screening: None, started_at_ms: now_ms(), speed: 1.0 })
        .await
        .map_err(ApiError::from)?;
    let state = live.snapshot(st.app.library()).await;
    Ok(created(&live, state))
}
