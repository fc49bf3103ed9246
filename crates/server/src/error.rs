//! One JSON error shape for every failure: `{"error": {"code": "...", "message": "..."}}`.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answered to a client: a status, a stable code and a message. Internal errors are
/// logged in full and answered with a generic message.
#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable, kebab-case code clients can match on.
    pub code: &'static str,
    /// What went wrong, for a person.
    pub message: String,
    /// Typed detail, e.g. the engine's rejection of an intent.
    pub detail: Option<serde_json::Value>,
}

/// The body of every error answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorInfo,
}

/// What went wrong.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorInfo {
    /// A stable, kebab-case code: `malformed-json`, `invalid-body`, `not-found`, `not-now`,
    /// `unauthorized`, `payload-too-large`, `timeout`, `internal` and others.
    pub code: String,
    /// What went wrong, in words.
    pub message: String,
    /// Typed detail when there is any (an intent's rejection, as the engine gives it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub detail: Option<serde_json::Value>,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), detail: None }
    }

    /// 404 for anything that does not exist, or is not the caller's.
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", format!("there is no {what} here"))
    }

    /// 422 for a well-formed request that asks for something impossible.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-body", message)
    }

    /// 500, logging the real error.
    pub fn internal(e: &dyn std::error::Error) -> ApiError {
        tracing::error!(error = %e, source = ?e.source(), "internal error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "something went wrong on the server")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let body =
            ErrorBody { error: ErrorInfo { code: self.code.to_owned(), message: self.message, detail: self.detail } };
        let mut response = (status, Json(body)).into_response();
        if self.code == "storage-busy" || self.code == "storage-unreachable" {
            // When to try again (RFC 9110 §10.2.3), in seconds: about one busy timeout.
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("10"));
        }
        if status == StatusCode::UNAUTHORIZED {
            // How to authenticate (RFC 9110 §11.6.1): a bearer token.
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"limber\""),
            );
        }
        response
    }
}

impl From<limber_app::Error> for ApiError {
    fn from(e: limber_app::Error) -> ApiError {
        use limber_app::Error as E;
        match &e {
            E::UnknownRoutine { .. } | E::UnknownStretch { .. } => {
                ApiError::new(StatusCode::NOT_FOUND, "not-found", e.to_string())
            }
            E::HoldOutOfRange(_)
            | E::PainOutOfRange(_)
            | E::TimingOutOfRange(_)
            | E::GoalOutOfRange(_)
            | E::Plan(_)
            | E::NothingFits { .. } => ApiError::invalid(e.to_string()),
            E::Import(_) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-import", e.to_string()),
            E::NotOver => ApiError::new(StatusCode::CONFLICT, "not-over", e.to_string()),
            // The person's to mend, by sending both lists anew (PATCH /api/v1/profile).
            E::ProfileUnreadable(_) => ApiError::new(StatusCode::CONFLICT, "profile-unreadable", e.to_string()),
            // Not a mistake in the request: no session starts today, whatever it asks for.
            E::EmergencyToday { at_ms, until_ms, .. } => ApiError {
                detail: Some(
                    serde_json::to_value(crate::api::SafetyStop::new(*at_ms, *until_ms, &e)).unwrap_or_default(),
                ),
                ..ApiError::new(StatusCode::CONFLICT, "emergency-today", e.to_string())
            },
            // The person an open server acts for was removed while it ran (`limber-server user
            // remove local`): say so, rather than fail every call as an internal error.
            E::Store(limber_app::store::Error::UnknownUser(_)) => ApiError::new(
                StatusCode::GONE,
                "user-removed",
                "the person this request acts for has been removed (limber-server user remove); an open server acts \
                 for a new local person once restarted",
            ),
            // The operator's to fix, and said so: nothing was stored.
            E::Store(limber_app::store::Error::ReadOnly { engine } | limber_app::store::Error::DiskFull { engine }) => {
                tracing::error!(error = %e, engine, "the database cannot be written");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "storage-unavailable", e.to_string())
            }
            // Held by another program: worth trying again soon (the answer says when).
            E::Store(limber_app::store::Error::Busy { engine }) => {
                tracing::warn!(error = %e, engine, "the database is held by another program");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "storage-busy", e.to_string())
            }
            // Down or out of reach (PostgreSQL): worth trying again soon too.
            E::Store(limber_app::store::Error::Unreachable { engine }) => {
                tracing::error!(error = %e, engine, "the database is not answering");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "storage-unreachable", e.to_string())
            }
            E::Store(_) | E::Content(_) | E::Write(_) | E::UnreadablePage(_) => ApiError::internal(&e),
        }
    }
}

impl From<crate::live::LiveError> for ApiError {
    /// A store error the API has words for keeps them (a removed person); anything else a live
    /// session meets is the server's own problem.
    fn from(e: crate::live::LiveError) -> ApiError {
        match e {
            crate::live::LiveError::App(
                e @ limber_app::Error::Store(
                    limber_app::store::Error::UnknownUser(_)
                    | limber_app::store::Error::ReadOnly { .. }
                    | limber_app::store::Error::DiskFull { .. }
                    | limber_app::store::Error::Busy { .. }
                    | limber_app::store::Error::Unreachable { .. },
                ),
            ) => ApiError::from(e),
            crate::live::LiveError::App(e @ limber_app::Error::EmergencyToday { .. }) => ApiError::from(e),
            e @ crate::live::LiveError::TooMany { .. } => {
                ApiError::new(StatusCode::CONFLICT, "too-many-sessions", e.to_string())
            }
            e @ crate::live::LiveError::TooManyStreams => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too-many-streams", e.to_string())
            }
            e => ApiError::internal(&e),
        }
    }
}

impl From<limber_app::store::Error> for ApiError {
    fn from(e: limber_app::store::Error) -> ApiError {
        ApiError::from(limber_app::Error::Store(e))
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> ApiError {
        let (code, status) = match &r {
            JsonRejection::JsonSyntaxError(_) => ("malformed-json", StatusCode::BAD_REQUEST),
            JsonRejection::JsonDataError(_) => ("invalid-body", StatusCode::UNPROCESSABLE_ENTITY),
            JsonRejection::MissingJsonContentType(_) => ("unsupported-media-type", StatusCode::UNSUPPORTED_MEDIA_TYPE),
            _ if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", TOO_LARGE);
            }
            _ => ("bad-request", StatusCode::BAD_REQUEST),
        };
        ApiError::new(status, code, in_words(&r.body_text()))
    }
}

/// What a 413 says: the limits, in numbers.
pub(crate) const TOO_LARGE: &str = "the request body is over the limit: 64 KiB (16 MiB for an import)";

/// A JSON rejection's message with serde's names for Rust types put in the API's words: a
/// client knows `{"prompt": "given", "score": 3}`, not `internally tagged enum PainPrompt`.
pub(crate) fn in_words(message: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        (
            "internally tagged enum PainPrompt",
            r#"an object: {"prompt": "given", "score": 0-10}, {"prompt": "ask"} or {"prompt": "skip"}"#,
        ),
        ("internally tagged enum", "an object naming its kind"),
        ("expected u8", "expected a whole number from 0 to 255"),
        ("expected u16", "expected a whole number from 0 to 65535"),
        ("expected u32", "expected a whole number from 0 to 4294967295"),
        ("expected u64", "expected a whole number, 0 or more"),
        ("expected i64", "expected a whole number"),
        ("expected f64", "expected a number"),
    ];
    // axum's own preamble names Rust's "target type": what follows it is what a client needs.
    let message = message.strip_prefix("Failed to deserialize the JSON body into the target type: ").unwrap_or(message);
    // Its words for a body that is no JSON at all, lower case as every other message begins.
    let mut said = match message.strip_prefix("Failed to parse the request body as JSON: ") {
        Some(why) => format!("the body is not valid JSON: {why}"),
        None => message.to_owned(),
    };
    // Every pain score is a u8 of 0 to 10: the type's own range would mislead.
    if said.starts_with("score: ") || said.contains(".score: ") {
        said = said.replace("expected u8", "expected a whole number from 0 to 10");
    }
    // So are a hold's seconds and a weekly goal's sessions.
    for (field, range) in [
        ("hold", "a whole number of seconds from 10 to 60"),
        ("weekly-goal", "a whole number of sessions from 1 to 14"),
    ] {
        if said.starts_with(&format!("{field}: ")) || said.contains(&format!(".{field}: ")) {
            said = said.replace("expected u32", &format!("expected {range}"));
        }
    }
    for (rust, api) in WORDS {
        said = said.replace(rust, api);
    }
    // "expected struct CreateSession" (null, a number or a string sent for an object), and
    // "… with 11 elements" after it (a list).
    if let Some(at) = said.find("expected struct ") {
        let name = at + "expected struct ".len();
        let mut end = name + said[name..].find(|c: char| !c.is_alphanumeric() && c != '_').unwrap_or(said.len() - name);
        if let Some(rest) = said[end..].strip_prefix(" with ")
            && let Some(elements) = rest.find(" elements")
            && rest[..elements].chars().all(|c| c.is_ascii_digit())
        {
            end += " with ".len() + elements + " elements".len();
        }
        said.replace_range(at + "expected ".len()..end, "a JSON object");
    }
    // "expected one of `Chair`, `chair`, `FoamRoller`, `foam-roller`": the content files' own
    // spellings of a value (capitalised) are not the API's.
    if let Some(at) = said.find("expected one of ") {
        let list = at + "expected one of ".len();
        let end = said[list..].find(" at line ").map_or(said.len(), |e| list + e);
        let names: Vec<&str> = said[list..end]
            .split(", ")
            .filter(|n| !n.trim_start_matches('`').starts_with(char::is_uppercase))
            .collect();
        if !names.is_empty() {
            let kept = names.join(", ");
            said.replace_range(list..end, &kept);
        }
    }
    said
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> ApiError {
        // A session id that is not even a UUID names nothing: the same answer as an unknown id.
        ApiError::not_found("such thing")
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> ApiError {
        // axum's preamble again, and the standard library's words for a number that is not one.
        let text = r.body_text();
        let message = text.strip_prefix("Failed to deserialize query string: ").unwrap_or(&text);
        let said = in_words(message)
            .replace("invalid digit found in string", "expected a whole number")
            .replace("cannot parse integer from empty string", "expected a whole number, not nothing");
        ApiError::new(StatusCode::BAD_REQUEST, "bad-query", format!("in the query string, {said}"))
    }
}

/// Gives error answers made by layers (405, 408, 413 and the like) the JSON shape, leaving
/// answers that already have a body alone.
pub fn json_errors(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return response;
    }
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => ("method-not-allowed", "this path does not answer that method"),
        StatusCode::REQUEST_TIMEOUT => ("timeout", "the request took too long"),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload-too-large", TOO_LARGE),
        StatusCode::NOT_FOUND => ("not-found", "there is nothing here"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("unsupported-media-type", "send JSON with Content-Type: application/json")
        }
        s if s.is_server_error() => ("internal", "something went wrong on the server"),
        _ => ("bad-request", "the request could not be understood"),
    };
    let mut out = ApiError::new(status, code, message).into_response();
    for (name, value) in response.headers() {
        if name == axum::http::header::ALLOW {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use limber_app::store::Error as StoreError;

    #[test]
    fn serdes_names_for_rust_types_are_put_in_the_apis_words() {
        assert_eq!(
            in_words(
                "Failed to deserialize the JSON body into the target type: weekly-goal: invalid value: integer \
                 `99999999999`, expected u32 at line 1 column 27"
            ),
            "weekly-goal: invalid value: integer `99999999999`, expected a whole number of sessions from 1 to 14 at line 1 column 27"
        );
        let said = in_words("pain-before: expected internally tagged enum PainPrompt at line 1 column 20");
        assert_eq!(
            said,
            r#"pain-before: expected an object: {"prompt": "given", "score": 0-10}, {"prompt": "ask"} or {"prompt": "skip"} at line 1 column 20"#
        );
        assert_eq!(
            in_words("invalid type: sequence, expected struct CreateSession with 11 elements at line 1 column 2"),
            "invalid type: sequence, expected a JSON object at line 1 column 2"
        );
        assert_eq!(
            in_words("invalid type: null, expected struct CreateSession at line 1 column 4"),
            "invalid type: null, expected a JSON object at line 1 column 4"
        );
        assert_eq!(
            in_words(
                "unknown variant `sofa`, expected one of `Chair`, `chair`, `FoamRoller`, `foam-roller` at line 1 column 20"
            ),
            "unknown variant `sofa`, expected one of `chair`, `foam-roller` at line 1 column 20"
        );
        assert_eq!(in_words("unknown field `x`"), "unknown field `x`");
        // A pain score's range is the API's, not the type's.
        assert_eq!(
            in_words(r#"score: invalid type: string "3", expected u8 at line 1 column 28"#),
            r#"score: invalid type: string "3", expected a whole number from 0 to 10 at line 1 column 28"#
        );
        assert!(in_words("pain-before.score: invalid value: integer `300`, expected u8").ends_with("from 0 to 10"));
        // A hold and a weekly goal sent as strings are told their own ranges, not a u32's.
        let hold = in_words(r#"hold: invalid type: string "20", expected u32 at line 1 column 31"#);
        assert!(hold.contains("expected a whole number of seconds from 10 to 60"), "{hold}");
        let goal = in_words(r#"weekly-goal: invalid type: string "3", expected u32 at line 1 column 19"#);
        assert!(goal.contains("from 1 to 14"), "{goal}");
    }

    #[test]
    fn a_body_too_large_names_the_limits_the_server_has() {
        let kib = format!("{} KiB", crate::BODY_LIMIT / 1024);
        let mib = format!("{} MiB", crate::IMPORT_LIMIT / (1024 * 1024));
        assert!(TOO_LARGE.contains(&kib) && TOO_LARGE.contains(&mib), "{TOO_LARGE}");
    }

    #[test]
    fn a_database_the_operator_must_fix_is_a_503_in_words_and_anything_else_a_500() {
        for (store, status, code) in [
            (
                StoreError::ReadOnly { engine: "attempt to write a readonly database".into() },
                503,
                "storage-unavailable",
            ),
            (StoreError::DiskFull { engine: "database or disk is full".into() }, 503, "storage-unavailable"),
            (StoreError::Busy { engine: "database is locked".into() }, 503, "storage-busy"),
            (
                StoreError::Unreachable { engine: "pool timed out while waiting for an open connection".into() },
                503,
                "storage-unreachable",
            ),
            (StoreError::Decode { what: "plan", detail: "eof".into() }, 500, "internal"),
        ] {
            let said = store.to_string();
            let e = ApiError::from(limber_app::Error::Store(store));
            assert_eq!((e.status.as_u16(), e.code), (status, code), "{said}");
            if status == 503 {
                assert_eq!(e.message, said, "the operator is told what to fix");
                assert!(
                    !e.message.contains("readonly")
                        && !e.message.contains("disk is full")
                        && !e.message.contains("locked")
                        && !e.message.contains("pool"),
                    "{}",
                    e.message
                );
                let retry = e.into_response().headers().get(axum::http::header::RETRY_AFTER).cloned();
                let again = code == "storage-busy" || code == "storage-unreachable";
                assert_eq!(retry.is_some(), again, "{code}: try again later only when busy or out of reach");
                continue;
            }
        }
    }
}
