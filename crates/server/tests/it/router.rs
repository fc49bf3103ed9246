//! The router in process: every route, every error class, user isolation, and resuming.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::support::{code, fixture};

#[tokio::test]
async fn content_routes_answer_without_a_token_even_on_a_token_server() {
    let f = fixture(true).await;
    for path in [
        "/api/v1/stretches",
        "/api/v1/routines",
        "/api/v1/precautions",
        "/api/v1/tips",
        "/api/v1/faq",
        "/api/v1/screening/questions",
    ] {
        let (status, v) = f.get(path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!v.as_array().unwrap().is_empty(), "{path} lists something");
    }
    let (status, v) = f.get("/api/v1/stretches/seated-twist", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!v["steps"].as_array().unwrap().is_empty(), "a stretch comes with its steps: {v}");
    // With the words a client shows beside them: its dose, and where it comes from.
    assert_eq!(v["dose_text"], "hold 15–30 seconds, once on each side", "{v}");
    assert!(v["credit"].as_str().unwrap().starts_with("Source: \"Stretches for Mid Back Pain"), "{v}");
    let (_, all) = f.get("/api/v1/stretches", None).await;
    let addition = all.as_array().unwrap().iter().find(|s| s["origin"] != "Article").expect("an addition");
    assert!(addition["credit"].as_str().unwrap().starts_with("Not from the article: "), "{addition}");
    let (status, v) = f.get("/api/v1/source", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(v["source"].is_object(), "{v}");
    let (status, v) = f.get("/api/v1/stretches/no-such-stretch", None).await;
    assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, "not-found"));
    let (status, v) = f.get("/healthz", None).await;
    assert_eq!((status, v["status"].as_str()), (StatusCode::OK, Some("ok")));
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"), "{v}");
    assert!(v["uptime-seconds"].is_u64(), "{v}");
}

#[tokio::test]
async fn a_session_is_created_read_paused_and_resumed() {
    let f = fixture(false).await;
    let body = json!({"routine": "desk", "pain-before": {"prompt": "skip"}, "pain-after": {"prompt": "skip"}});
    let request = Request::post("/api/v1/sessions")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, headers, bytes) = f.send(request).await;
    assert_eq!(status, StatusCode::CREATED);
    let created: Value = serde_json::from_slice(&bytes).unwrap();
    let id = created["id"].as_str().unwrap();
    assert_eq!(headers["location"], format!("/api/v1/sessions/{id}").as_str());
    assert_eq!(created["view"]["phase"]["phase"], "screening", "no screening stored yet: {created}");
    assert_eq!(created["phase-word"], json!({"word": "SAFETY QUESTIONS", "moment": "ask"}));
    assert!(created["view"]["allowed"].as_array().unwrap().contains(&json!("sharp-pain")));
    let state = f.screen(id, None).await;
    assert_eq!(state["view"]["phase"]["phase"], "warm-up", "{state}");

    let (status, v) = f.post(&format!("/api/v1/sessions/{id}/intents"), None, json!({"intent": "pause"})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["view"]["paused"], true);
    assert_eq!(v["phase-word"], json!({"word": "PAUSED", "moment": "warm-up"}), "the big word, in the phase's colour");
    let left = v["view"]["remaining-ms"].as_u64().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (_, v) = f.get(&format!("/api/v1/sessions/{id}"), None).await;
    assert_eq!(v["view"]["remaining-ms"].as_u64().unwrap(), left, "a paused session keeps its time left");
    assert_eq!(
        v["view"]["allowed"],
        json!(["resume", "toggle-pause", "pain", "discomfort", "sharp-pain", "chest", "quit"])
    );

    // Not applicable now: 409 with the engine's typed rejection.
    let (status, v) = f.post(&format!("/api/v1/sessions/{id}/intents"), None, json!({"intent": "swap"})).await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "not-now"), "{v}");
    assert_eq!(v["error"]["detail"]["rejected"], "not-now");
    assert_eq!(v["error"]["detail"]["intent"], "swap");
    let (status, v) = f.post(&format!("/api/v1/sessions/{id}/intents"), None, json!({"intent": "resume"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["view"]["paused"], false);
    assert_eq!(v["phase-word"], json!({"word": "WARM-UP", "moment": "warm-up"}));
    let (_, list) = f.get("/api/v1/sessions", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(created.get("adjustments").is_none(), "nothing changed from the desk routine: {created}");
}

#[tokio::test]
async fn a_new_session_says_what_its_plan_changed_from_the_routine() {
    let f = fixture(false).await;
    let (status, v) =
        f.post("/api/v1/sessions", None, json!({"routine": "full", "equipment": ["chair", "towel"]})).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let notes = v["adjustments"].as_array().unwrap_or_else(|| panic!("adjustments: {v}"));
    assert_eq!(notes.len(), 1, "{v}");
    let note = notes[0].as_str().unwrap();
    assert!(note.starts_with("Upper-back foam rolling needs a foam roller: doing "), "{note}");
    assert!(note.ends_with(" instead."), "{note}");
    // Said once, before it starts: reading the session again does not repeat it.
    let (_, again) = f.get(&format!("/api/v1/sessions/{}", v["id"].as_str().unwrap()), None).await;
    assert!(again.get("adjustments").is_none(), "{again}");
}

#[tokio::test]
async fn every_class_of_bad_input_gets_its_own_4xx_in_one_shape() {
    let f = fixture(false).await;
    let id = f.start("desk", 1.0, None).await;
    let (_, before) = f.get(&format!("/api/v1/sessions/{id}"), None).await;
    let intents = format!("/api/v1/sessions/{id}/intents");
    let raw = |method: Method, path: &str, content_type: &str, body: String| {
        Request::builder().method(method).uri(path).header("content-type", content_type).body(Body::from(body)).unwrap()
    };
    let cases: Vec<(Request<Body>, StatusCode, &str)> = vec![
        (
            raw(Method::POST, &intents, "application/json", "{\"intent\":".into()),
            StatusCode::BAD_REQUEST,
            "malformed-json",
        ),
        (
            raw(Method::POST, &intents, "application/json", "{\"intent\":\"dance\"}".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        (
            raw(Method::POST, &intents, "text/plain", "{\"intent\":\"no\"}".into()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
        ),
        (
            raw(
                Method::POST,
                &intents,
                "application/json",
                format!("{{\"intent\":\"no\",\"pad\":\"{}\"}}", "x".repeat(200_000)),
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
        ),
        (
            raw(
                Method::POST,
                "/api/v1/sessions",
                "application/json",
                "{\"routine\":\"desk\",\"colour\":\"red\"}".into(),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        (
            raw(Method::POST, &intents, "application/json", "{\"intent\":\"no\",\"x\":1}".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        (
            raw(Method::POST, &intents, "application/json", "{\"intent\":\"pain\",\"score\":3,\"x\":1}".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        (
            raw(Method::POST, &intents, "application/json", "{\"intent\":\"pause\",\"score\":3}".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        (
            raw(Method::POST, &intents, "application/json", "{\"intent\":\"pain\"}".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        (
            raw(Method::POST, &intents, "application/json", "{\"intent\":\"skip\",\"during\":1}".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        (
            raw(Method::POST, "/api/v1/sessions", "application/json", "{\"routine\":\"desk\",\"speed\":-1}".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        (
            // The CLI's and the TUI's floor too.
            raw(Method::POST, "/api/v1/sessions", "application/json", "{\"routine\":\"desk\",\"speed\":0.05}".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        (
            raw(Method::POST, "/api/v1/sessions", "application/json", "{\"routine\":\"desk\",\"hold\":500}".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        (
            raw(Method::POST, "/api/v1/sessions", "application/json", "{\"routine\":\"yoga\"}".into()),
            StatusCode::NOT_FOUND,
            "not-found",
        ),
        (
            raw(Method::POST, &intents, "application/json", "{\"intent\":\"pain\",\"score\":11}".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad-score",
        ),
        // Below the scale or far above it: the same answer as 11.
        (
            raw(Method::POST, &intents, "application/json", "{\"intent\":\"pain\",\"score\":-1}".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad-score",
        ),
        (
            raw(Method::POST, &intents, "application/json", "{\"intent\":\"pain\",\"score\":1000}".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad-score",
        ),
        // Well-formed JSON of the wrong kind where the intent's name goes: not malformed.
        (
            raw(Method::POST, &intents, "application/json", "{\"intent\":5}".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        (
            raw(Method::POST, &intents, "application/json", "{\"intent\":[\"pause\"]}".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        (
            raw(Method::GET, "/api/v1/sessions/not-a-uuid", "application/json", String::new()),
            StatusCode::NOT_FOUND,
            "not-found",
        ),
        (
            raw(
                Method::GET,
                "/api/v1/sessions/6f1c1f43-3c43-4a5a-9d84-6a3a1e3b7c11",
                "application/json",
                String::new(),
            ),
            StatusCode::NOT_FOUND,
            "not-found",
        ),
        (
            raw(
                Method::POST,
                "/api/v1/sessions/6f1c1f43-3c43-4a5a-9d84-6a3a1e3b7c11/intents",
                "application/json",
                "{\"intent\":\"no\"}".into(),
            ),
            StatusCode::NOT_FOUND,
            "not-found",
        ),
        (
            raw(
                Method::GET,
                "/api/v1/sessions/6f1c1f43-3c43-4a5a-9d84-6a3a1e3b7c11/events",
                "application/json",
                String::new(),
            ),
            StatusCode::NOT_FOUND,
            "not-found",
        ),
        (raw(Method::GET, "/api/v1/nothing", "application/json", String::new()), StatusCode::NOT_FOUND, "not-found"),
        (
            raw(Method::DELETE, "/api/v1/stretches", "application/json", String::new()),
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
        ),
        (
            raw(Method::GET, "/api/v1/history?limit=many", "application/json", String::new()),
            StatusCode::BAD_REQUEST,
            "bad-query",
        ),
        (
            raw(Method::GET, "/api/v1/history?limit=0", "application/json", String::new()),
            StatusCode::BAD_REQUEST,
            "bad-query",
        ),
        (
            raw(Method::GET, "/api/v1/history?limit=501", "application/json", String::new()),
            StatusCode::BAD_REQUEST,
            "bad-query",
        ),
        (
            raw(Method::GET, "/api/v1/history?before=garbage", "application/json", String::new()),
            StatusCode::BAD_REQUEST,
            "bad-cursor",
        ),
        (
            raw(Method::GET, "/api/v1/export?format=csv", "application/json", String::new()),
            StatusCode::BAD_REQUEST,
            "bad-query",
        ),
        (
            raw(Method::GET, &format!("/api/v1/sessions/{id}/events?after=abc"), "application/json", String::new()),
            StatusCode::BAD_REQUEST,
            "bad-query",
        ),
        (
            raw(Method::POST, "/api/v1/import", "application/json", "{\"limber-export\": 99}".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-import",
        ),
        (
            raw(
                Method::POST,
                "/api/v1/sessions",
                "application/json",
                json!({"routine": "desk", "pain-before": {"prompt": "given", "score": 200}}).to_string(),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        (
            raw(
                Method::POST,
                "/api/v1/sessions",
                "application/json",
                json!({"routine": "desk", "timing": {"intro": 4_294_967_295_u32, "min-step": 3, "words-per-second": 2,
                    "get-ready": 3, "rest": 8, "check-in": 8}})
                .to_string(),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        (
            raw(
                Method::POST,
                "/api/v1/sessions",
                "application/json",
                json!({"routine": "desk", "timing": {"intro": 4, "min-step": 3, "words-per-second": 0,
                    "get-ready": 3, "rest": 8, "check-in": 8}})
                .to_string(),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        (
            raw(
                Method::POST,
                "/api/v1/sessions",
                "application/json",
                json!({"routine": "desk", "timing": {"intro": 4, "min-step": 3, "words-per-second": 2,
                    "get-ready": 3, "rest": 8, "check-in": 8, "bogus": 1}})
                .to_string(),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        // A list parses, but is no object (serde would read its items as the fields in order).
        (
            raw(Method::POST, "/api/v1/sessions", "application/json", "[\"desk\"]".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        (
            raw(Method::POST, "/api/v1/sessions", "application/json; charset=utf-8", "[\"desk\"]".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        (
            raw(Method::POST, &intents, "application/json", "[\"pause\"]".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        (
            raw(Method::POST, "/api/v1/screening", "application/json", "[1,".into()),
            StatusCode::BAD_REQUEST,
            "malformed-json",
        ),
        (
            raw(Method::PATCH, "/api/v1/profile", "application/json", "{\"weekly-goal\":0}".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        (
            raw(Method::PATCH, "/api/v1/profile", "application/json", "{\"weekly-goal\":15,\"voice\":true}".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
        (
            raw(Method::PATCH, "/api/v1/profile", "application/json", "{\"equipment\":[\"trampoline\"]}".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
        ),
    ];
    for (request, status, expected) in cases {
        let what = format!("{} {}", request.method(), request.uri());
        let (got, headers, bytes) = f.send(request).await;
        let v: Value = serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("{what}: not JSON: {bytes:?}"));
        assert_eq!((got, code(&v)), (status, expected), "{what}: {v}");
        assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {v}");
        if expected == "malformed-json" {
            let m = v["error"]["message"].as_str().unwrap_or("");
            assert!(m.starts_with("the body is not valid JSON: "), "{what}: {v}");
        }
        if expected == "bad-query" {
            // The message names what was wrong with the query.
            let m = v["error"]["message"].as_str().unwrap_or("");
            assert!(["limit", "before", "format", "after"].iter().any(|p| m.contains(p)), "{what}: {v}");
            // In the API's words, not axum's or the standard library's.
            assert!(!m.contains("Failed to deserialize") && !m.contains("invalid digit"), "{what}: {v}");
        }
        assert!(headers["content-type"].to_str().unwrap().starts_with("application/json"), "{what}");
    }
    // Nothing above changed the session (still at its first question, nothing more said), nor
    // the profile.
    let (_, v) = f.get(&format!("/api/v1/sessions/{id}"), None).await;
    let unchanged =
        |v: &Value| (v["view"]["phase"].clone(), v["view"]["question"].clone(), v["view"]["last-cue"].clone());
    assert_eq!(unchanged(&v), unchanged(&before), "{v}");
    assert_eq!(v["view"]["phase"], json!({"phase": "screening", "question": 0}), "{v}");
    let (_, p) = f.get("/api/v1/profile", None).await;
    assert_eq!((&p["profile"]["weekly-goal"], &p["profile"]["voice"]), (&json!(3), &json!(false)), "{p}");
    assert_eq!(p["safety-stop"], Value::Null, "no emergency sign, no safety stop: {p}");
}

/// Reads an SSE body into (event, id, data) triples.
pub fn parse_sse(text: &str) -> Vec<(String, Option<u64>, Value)> {
    text.split("\n\n")
        .filter_map(|block| {
            let (mut event, mut id, mut data) = (None, None, String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event: ") {
                    event = Some(v.to_owned());
                } else if let Some(v) = line.strip_prefix("id: ") {
                    id = v.parse().ok();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data.push_str(v);
                }
            }
            Some((event?, id, serde_json::from_str(&data).ok()?))
        })
        .collect()
}

#[tokio::test]
async fn the_event_stream_follows_a_session_to_its_end_and_resumes_without_gap_or_repeat() {
    let f = fixture(false).await;
    // Fast, but not so fast that a stalled test falls more than KEPT_CUES behind the session.
    let id = f.start("desk", 50.0, None).await;
    f.screen(&id, None).await;
    let (status, headers, bytes) =
        f.send(Request::get(format!("/api/v1/sessions/{id}/events")).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/event-stream");
    assert_eq!(headers["x-accel-buffering"], "no", "a proxy in front passes each event on at once");
    let events = parse_sse(&String::from_utf8(bytes).unwrap());
    let seqs: Vec<u64> = events.iter().filter(|(e, ..)| e == "cue").map(|(_, id, _)| id.unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "every cue once, in order, from 1");
    assert!(events.iter().all(|(e, id, data)| e != "cue" || data["seq"].as_u64() == *id), "SSE id = cue seq");
    let last = &events.last().unwrap().2;
    assert_eq!(last["view"]["phase"]["phase"], "finished", "{last}");
    assert!(last["summary"].is_object());
    assert_eq!(last["view"]["last-cue"].as_u64(), seqs.last().copied());

    // Resume after the 10th cue from the end: the 9 after it exactly.
    let said = seqs.len() as u64;
    assert!(said > limber_core::KEPT_CUES as u64, "a routine says more than the cues kept: {said}");
    let resume = |after: u64| {
        let request = Request::get(format!("/api/v1/sessions/{id}/events"))
            .header("last-event-id", after.to_string())
            .body(Body::empty())
            .unwrap();
        async {
            let (_, _, bytes) = f.send(request).await;
            parse_sse(&String::from_utf8(bytes).unwrap())
        }
    };
    let cues = |events: &[(String, Option<u64>, Value)]| -> Vec<u64> {
        events.iter().filter(|(e, _, _)| e == "cue").map(|(_, id, _)| id.unwrap()).collect()
    };
    assert_eq!(cues(&resume(said - 10).await), (said - 9..=said).collect::<Vec<_>>());
    // A watcher further behind than the cues kept gets the latest of them, then the view.
    let behind = resume(10).await;
    let kept = limber_core::KEPT_CUES as u64;
    assert_eq!(cues(&behind), (said - kept + 1..=said).collect::<Vec<_>>());
    assert_eq!(behind.last().unwrap().2["view"]["phase"]["phase"], "finished");

    // Recorded once, under the session's own id.
    let (_, page) = f.get("/api/v1/history", None).await;
    let ids: Vec<&str> = page["sessions"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![id.as_str()]);
    assert!(f.app.store().live_sessions().await.unwrap().is_empty(), "no longer live once recorded");
    let (status, v) = f.post(&format!("/api/v1/sessions/{id}/intents"), None, json!({"intent": "pause"})).await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "over"));
}

#[tokio::test]
async fn sharp_pain_stops_the_session_at_once_with_the_advice() {
    let f = fixture(false).await;
    let id = f.start("desk", 1.0, None).await;
    let (status, v) = f.post(&format!("/api/v1/sessions/{id}/intents"), None, json!({"intent": "sharp-pain"})).await;
    assert_eq!(status, StatusCode::OK, "sharp pain applies even during screening: {v}");
    assert_eq!(v["view"]["phase"]["phase"], "stopped", "{v}");
    assert_eq!(v["view"]["allowed"], json!([]));
    let (_, _, bytes) =
        f.send(Request::get(format!("/api/v1/sessions/{id}/events")).body(Body::empty()).unwrap()).await;
    let events = parse_sse(&String::from_utf8(bytes).unwrap());
    // The stop is said with the advice for pain before any stretch began (not "ease out of the
    // position"), and the view carries the same advice.
    let library = limber_app::load_library(None).unwrap();
    let advice = library.advice.sharp_pain_before.as_deref().expect("the built-in content has it");
    let stop = events
        .iter()
        .find(|(e, _, data)| e == "cue" && data["kind"] == json!({"kind": "stopped", "reason": "sharp-pain"}))
        .unwrap_or_else(|| panic!("no stop cue: {events:?}"));
    assert!(stop.2["text"].as_str().unwrap().contains(advice), "{}", stop.2);
    assert!(v["view"]["stopped"]["advice"].as_str().unwrap().contains(advice), "{v}");
}

#[tokio::test]
async fn a_safety_report_is_never_refused_over_the_fields_around_it() {
    let f = fixture(false).await;
    for body in [
        json!({"intent": "sharp-pain", "during": 70000}),
        json!({"intent": "sharp-pain", "during": 0}),
        json!({"intent": "sharp-pain", "during": "2"}),
        json!({"intent": "sharp-pain", "extra": 1}),
        json!({"intent": "sharp-pain", "score": 9}),
    ] {
        let id = f.start("desk", 1.0, None).await;
        let (status, v) = f.post(&format!("/api/v1/sessions/{id}/intents"), None, body.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body} refused: {v}");
        assert_eq!(v["view"]["phase"], json!({"phase": "stopped", "reason": "sharp-pain"}), "{body}: {v}");
    }
    // (On a fixture of its own: after chest pain, no session starts that day.)
    let chest = fixture(false).await;
    let id = chest.start("desk", 1.0, None).await;
    let (status, v) =
        chest.post(&format!("/api/v1/sessions/{id}/intents"), None, json!({"intent": "chest", "now": true})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["view"]["phase"], json!({"phase": "stopped", "reason": "emergency"}), "{v}");
    // Sent as another JSON media type, it is heard all the same.
    let id = f.start("desk", 1.0, None).await;
    let intents = format!("/api/v1/sessions/{id}/intents");
    let body = "{\"intent\":\"sharp-pain\",\"during\":0}".to_owned();
    let request =
        Request::post(&intents).header("content-type", "application/json; charset=utf-8").body(Body::from(body));
    let (status, _, bytes) = f.send(request.unwrap()).await;
    let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["view"]["phase"], json!({"phase": "stopped", "reason": "sharp-pain"}), "{v}");
    // Or as no JSON type at all (curl's `-d` says it is a form), or none: heard too. Anything
    // else that is not sent as JSON is still refused.
    for content_type in [Some("application/x-www-form-urlencoded"), Some("text/plain"), None] {
        let id = f.start("desk", 1.0, None).await;
        let intents = format!("/api/v1/sessions/{id}/intents");
        let post = |body: &str| {
            let mut request = Request::post(&intents);
            if let Some(content_type) = content_type {
                request = request.header("content-type", content_type);
            }
            request.body(Body::from(body.to_owned())).unwrap()
        };
        let (status, _, bytes) = f.send(post("{\"intent\":\"pause\"}")).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type:?}");
        let (status, _, bytes2) = f.send(post("{\"intent\":\"sharp-pain\"}")).await;
        let v: serde_json::Value = serde_json::from_slice(&bytes2).expect("json");
        assert_eq!(status, StatusCode::OK, "{content_type:?}: {v} after {}", String::from_utf8_lossy(&bytes));
        assert_eq!(v["view"]["phase"], json!({"phase": "stopped", "reason": "sharp-pain"}), "{v}");
    }
    // As a list (its fields in order), or after a byte-order mark, as JSON or another type:
    // heard too, though no other body is taken as a list.
    let lists =
        ["[\"sharp-pain\"]", "[\"sharp-pain\",null,null]", "[\"chest\"]", "\u{feff}{\"intent\":\"sharp-pain\"}"];
    for (body, content_type) in lists.iter().flat_map(|b| ["application/json", "text/plain"].map(|t| (*b, t))) {
        // (Chest pain on a fixture of its own: after it, no session starts that day.)
        let own;
        let f = if body.contains("chest") {
            own = fixture(false).await;
            &own
        } else {
            &f
        };
        let id = f.start("desk", 1.0, None).await;
        let request = Request::post(format!("/api/v1/sessions/{id}/intents")).header("content-type", content_type);
        let (status, _, bytes) = f.send(request.body(Body::from(body.to_owned())).unwrap()).await;
        let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(status, StatusCode::OK, "{body} as {content_type}: {v}");
        assert_eq!(v["view"]["phase"]["phase"], "stopped", "{body} as {content_type}: {v}");
    }
    // Anything else with a wrong field is still refused, in the API's error shape.
    let id = f.start("desk", 1.0, None).await;
    let (status, v) =
        f.post(&format!("/api/v1/sessions/{id}/intents"), None, json!({"intent": "pause", "extra": 1})).await;
    assert_eq!((status, &v["error"]["code"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("invalid-body")), "{v}");
    // Not JSON is said first, whatever the body: a list sent as text is a 415, not a 422.
    let request = Request::post(format!("/api/v1/sessions/{id}/intents")).header("content-type", "text/plain");
    let (status, _, _) = f.send(request.body(Body::from("[\"pause\"]")).unwrap()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let request = Request::post("/api/v1/sessions").header("content-type", "text/plain");
    let (status, _, _) = f.send(request.body(Body::from("[\"desk\"]")).unwrap()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // A body after a byte-order mark is read as its JSON.
    let request = Request::post("/api/v1/sessions").header("content-type", "application/json");
    let (status, _, bytes) = f.send(request.body(Body::from("\u{feff}{\"routine\":\"desk\"}")).unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&bytes));
}

#[tokio::test]
async fn a_sharp_pain_press_that_names_the_stretch_it_saw_sets_that_one_aside() {
    let f = fixture(false).await;
    // At 5x a hold lasts 3 s: room for the skip below to reach stretch 1 before it ends, even
    // on a loaded machine.
    let id = f.start("desk", 5.0, None).await;
    let path = format!("/api/v1/sessions/{id}/intents");
    let state = f.screen(&id, None).await;
    assert_eq!(state["view"]["phase"]["phase"], "warm-up", "{state}");
    let (_, first) = f.post(&path, None, json!({"intent": "skip"})).await;
    assert_eq!(first["view"]["number"], 1, "{first}");
    let passed = first["view"]["name"].clone();
    // Stretch 1 under way, then on to stretch 2, which a page whose connection dropped during
    // stretch 1 would not see.
    let (_, begun) = f.post(&path, None, json!({"intent": "start"})).await;
    assert_eq!(begun["view"]["number"], 1, "{begun}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    // Stretched for a moment, not only begun: a skip in the very millisecond the hold began
    // (session time moves in steps of 5 ms at 5x) would leave stretch 1 never stretched.
    let stretched = |v: &Value| {
        v["phase"]["phase"] == "active"
            && matches!((v["remaining-ms"].as_u64(), v["phase-ms"].as_u64()), (Some(left), Some(all)) if left < all)
    };
    while !stretched(&f.get(&format!("/api/v1/sessions/{id}"), None).await.1["view"]) {
        assert!(std::time::Instant::now() < deadline, "stretch 1 never began");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (_, second) = f.post(&path, None, json!({"intent": "skip"})).await;
    assert_eq!(second["view"]["number"], 2, "{second}");
    let (status, v) = f.post(&path, None, json!({"intent": "sharp-pain", "during": 1})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["view"]["phase"]["phase"], "stopped", "{v}");
    let advice = v["view"]["stopped"]["advice"].as_str().unwrap();
    assert!(advice.contains(passed.as_str().unwrap()), "the advice names stretch 1: {advice}");
    // The event stream ends once the session is recorded.
    f.send(Request::get(format!("/api/v1/sessions/{id}/events")).body(Body::empty()).unwrap()).await;
    let (_, profile) = f.get("/api/v1/profile", None).await;
    assert_eq!(profile["flagged"].as_array().map(Vec::len), Some(1), "{profile}");
    let (_, stretch) = f.get(&format!("/api/v1/stretches/{}", profile["flagged"][0].as_str().unwrap()), None).await;
    assert_eq!(stretch["name"], passed, "{stretch}");
}

#[tokio::test]
async fn a_sharp_pain_press_that_arrives_just_after_the_end_still_sets_its_stretch_aside() {
    let f = fixture(false).await;
    let body = json!({"routine": "desk", "speed": 100, "no-warm-up": true,
                      "pain-before": {"prompt": "given", "score": 1}, "pain-after": {"prompt": "given", "score": 1}});
    let (status, v) = f.post("/api/v1/sessions", None, body).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    f.screen(&id, None).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let (last, ended) = loop {
        let (_, state) = f.get(&format!("/api/v1/sessions/{id}"), None).await;
        if state["view"]["phase"]["phase"] == "finished" {
            break (state["view"]["of"].clone(), state);
        }
        assert!(std::time::Instant::now() < deadline, "never finished: {state}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    // The page showed the last stretch when the person pressed; the press came a moment late.
    let (status, v) =
        f.post(&format!("/api/v1/sessions/{id}/intents"), None, json!({"intent": "sharp-pain", "during": last})).await;
    assert_eq!(status, StatusCode::OK, "heard, not refused as over: {v}");
    assert_eq!(v["view"]["phase"], ended["view"]["phase"], "the session stays as it ended: {v}");
    let (_, profile) = f.get("/api/v1/profile", None).await;
    assert_eq!(profile["flagged"].as_array().map(Vec::len), Some(1), "{profile}");
    // The answer says what a press in time would have: the advice, and what is set aside.
    let report = &v["late-report"];
    assert_eq!(report["stretch"], profile["flagged"][0], "{v} {profile}");
    let advice = report["advice"].as_str().unwrap_or_else(|| panic!("no advice: {v}"));
    let (_, stretch) = f.get(&format!("/api/v1/stretches/{}", profile["flagged"][0].as_str().unwrap()), None).await;
    let name = stretch["name"].as_str().unwrap_or_else(|| panic!("no name: {stretch}"));
    assert!(advice.contains("physiotherapist") && advice.contains(&format!("{name} is set aside")), "{advice}");
    // Without a stretch named, an intent to a session that is over is refused as ever.
    let (status, v) = f.post(&format!("/api/v1/sessions/{id}/intents"), None, json!({"intent": "pause"})).await;
    assert_eq!((status, &v["error"]["code"]), (StatusCode::CONFLICT, &json!("over")), "{v}");
}

#[tokio::test]
async fn a_stretch_set_aside_is_left_out_of_a_session_started_before_the_first_is_recorded() {
    let f = fixture(false).await;
    let body = json!({"routine": "desk", "speed": 20, "pain-before": {"prompt": "given", "score": 2}});
    let (status, v) = f.post("/api/v1/sessions", None, body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/sessions/{id}/intents");
    f.screen(&id, None).await;
    let (_, first) = f.post(&path, None, json!({"intent": "skip"})).await;
    let hurt = first["view"]["name"].as_str().unwrap().to_owned();
    // In position for stretch 1 (its count to the hold begun): the pain is that stretch's.
    f.ready(&path).await;
    let (_, v) = f.post(&path, None, json!({"intent": "sharp-pain"})).await;
    // Still asking for the rating after, so not recorded yet; the stretch is set aside at once.
    assert_eq!(v["view"]["phase"]["phase"], "pain-after", "{v}");
    let (_, profile) = f.get("/api/v1/profile", None).await;
    assert_eq!(profile["flagged"].as_array().map(Vec::len), Some(1), "{profile}");
    // A second session started meanwhile leaves it out, and says so.
    let (status, second) = f.post("/api/v1/sessions", None, body).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let notes = second["adjustments"].as_array().unwrap_or_else(|| panic!("adjustments: {second}"));
    assert!(
        notes.iter().any(|n| n.as_str().unwrap().starts_with(&format!("{hurt} caused sharp pain before"))),
        "{second}"
    );
}

#[tokio::test]
async fn a_session_left_waiting_is_ended_and_recorded_with_the_stretch_set_aside() {
    // The person pressed sharp pain, then closed the page at the rating after.
    let f = crate::support::fixture_with(false, std::time::Duration::from_millis(1500)).await;
    let body = json!({"routine": "desk", "pain-before": {"prompt": "skip"}, "pain-after": {"prompt": "ask"}});
    let (status, v) = f.post("/api/v1/sessions", None, body).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/sessions/{id}/intents");
    f.screen(&id, None).await;
    let (_, first) = f.post(&path, None, json!({"intent": "skip"})).await;
    assert_eq!(first["view"]["number"], 1, "{first}");
    let counting = f.ready(&path).await;
    assert_eq!(counting["view"]["phase"]["phase"], "get-ready", "{counting}");
    let (_, v) = f.post(&path, None, json!({"intent": "sharp-pain"})).await;
    assert_eq!(v["view"]["phase"]["phase"], "pain-after", "{v}");
    // Nothing more: the event stream ends once the session is ended and recorded.
    let started = std::time::Instant::now();
    let (_, _, bytes) =
        f.send(Request::get(format!("/api/v1/sessions/{id}/events")).body(Body::empty()).unwrap()).await;
    assert!(started.elapsed() >= std::time::Duration::from_millis(1000), "not before the idle limit");
    let events = parse_sse(&String::from_utf8(bytes).unwrap());
    let last = &events.last().unwrap().2;
    assert_eq!(last["view"]["phase"], json!({"phase": "stopped", "reason": "sharp-pain"}), "{last}");
    let (_, page) = f.get("/api/v1/history", None).await;
    assert_eq!(page["sessions"][0]["stopped"], "sharp-pain", "{page}");
    // With its line's words, as `limber history` writes them: the stretch under way is left
    // for pain, so none of the planned is done.
    assert_eq!(page["sessions"][0]["outcome"], "stopped: sharp pain", "{page}");
    assert_eq!(page["sessions"][0]["done"], 0, "{page}");
    assert_eq!(page["sessions"][0]["planned"], json!(page["sessions"][0]["items"].as_array().unwrap().len()), "{page}");
    assert_eq!(page["sessions"][0]["pain-after"], Value::Null, "no rating was given: {page}");
    let (_, profile) = f.get("/api/v1/profile", None).await;
    assert_eq!(profile["flagged"], json!([first["view"]["stretch"]]), "{profile}");
    // The ending is in the session's log, as a quit: a replay of the log agrees.
    let (status, v) = f.post(&path, None, json!({"intent": "pain", "score": 3})).await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "over"), "{v}");
}

#[tokio::test]
async fn a_long_history_exports_whole_in_order_page_by_page_and_stalled_exports_block_nothing() {
    let f = fixture(false).await;
    let sessions: Vec<Value> = (0..1_234i64)
        .map(|n| {
            json!({"id": format!("00000000-0000-4000-8000-{n:012x}"), "routine": "desk", "started-at-ms": 1_700_000_000_000i64 + n * 60_000,
                   "ended-at-ms": 1_700_000_000_000i64 + n * 60_000 + 1_000, "stopped": null, "warmed-up": true,
                   "active-ms": 1_000, "pain-before": (n % 11), "pain-after": null, "flagged": null, "items": []})
        })
        .collect();
    let (status, report) = f.post("/api/v1/import", None, json!({"limber-export": 2, "sessions": sessions})).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    // Two exports whose bodies nobody reads: the rest of the server goes on.
    let mut unread = Vec::new();
    for _ in 0..2 {
        let export = Request::get("/api/v1/export").header("host", "localhost").body(Body::empty()).unwrap();
        let response = tower::ServiceExt::oneshot(f.router.clone(), export).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        unread.push(response);
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let answered =
        tokio::time::timeout(std::time::Duration::from_secs(5), f.get("/api/v1/history?limit=1", None)).await;
    assert!(answered.is_ok_and(|(status, _)| status == StatusCode::OK), "history answers beside stalled exports");
    drop(unread);
    // Read in full: every session once, oldest first, as imported.
    let (status, _, bytes) = f.send(Request::get("/api/v1/export").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let export: Value = serde_json::from_slice(&bytes).unwrap();
    let ids: Vec<&str> = export["sessions"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    let imported: Vec<&str> = sessions.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, imported);
}

#[tokio::test]
async fn a_session_whose_person_is_removed_while_it_runs_ends_its_streams() {
    let f = fixture(true).await;
    let (ann, token) = f.user("ann").await;
    let id = f.start("desk", 1000.0, Some(&token)).await;
    f.screen(&id, Some(&token)).await;
    let live = f.live.get(ann, id.parse().unwrap()).await.unwrap().expect("held");
    assert!(f.app.store().remove_user(ann).await.unwrap());
    // The session runs on to its end in memory; with no one to record it for, it is dropped
    // (its streams end) instead of waiting on a record that can never be written.
    let ended = async {
        while !live.state.lock().await.recorded {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), ended).await.expect("dropped, not retried for ever");
    let (status, _) = f.get("/api/v1/history", Some(&token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the token went with its person");
}

#[tokio::test]
async fn an_open_server_whose_local_person_was_removed_says_so_with_a_4xx() {
    let f = fixture(false).await;
    let local = f.app.local_user().await.unwrap();
    assert!(f.app.store().remove_user(local).await.unwrap());
    let (status, v) = f.post("/api/v1/sessions", None, json!({"routine": "desk"})).await;
    assert_eq!((status, code(&v)), (StatusCode::GONE, "user-removed"), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("once restarted"), "{v}");
    let (status, v) = f.call(Method::PATCH, "/api/v1/profile", None, Some(json!({"weekly-goal": 4}))).await;
    assert_eq!((status, code(&v)), (StatusCode::GONE, "user-removed"), "{v}");
}

#[tokio::test]
async fn users_see_only_their_own_sessions_history_profile_and_streams() {
    let f = fixture(true).await;
    let (_, ann) = f.user("ann").await;
    let (_, bob) = f.user("bob").await;
    let (status, v) = f.get("/api/v1/history", None).await;
    assert_eq!((status, code(&v)), (StatusCode::UNAUTHORIZED, "unauthorized"));
    let (_, headers, _) = f.send(Request::get("/api/v1/history").body(Body::empty()).unwrap()).await;
    assert_eq!(headers["www-authenticate"], "Bearer realm=\"limber\"", "how to authenticate");
    let (status, v) = f.get("/api/v1/sessions", Some("lmb_wrong")).await;
    assert_eq!((status, code(&v)), (StatusCode::UNAUTHORIZED, "unauthorized"));
    let (status, _) = f.post("/api/v1/sessions", None, json!({"routine": "desk"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let id = f.start("desk", 1000.0, Some(&ann)).await;
    f.screen(&id, Some(&ann)).await;
    for path in [format!("/api/v1/sessions/{id}"), format!("/api/v1/sessions/{id}/events")] {
        let (status, v) = f.get(&path, Some(&bob)).await;
        assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, "not-found"), "{path}");
    }
    let (status, _) = f.post(&format!("/api/v1/sessions/{id}/intents"), Some(&bob), json!({"intent": "quit"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, bobs) = f.get("/api/v1/sessions", Some(&bob)).await;
    assert_eq!(bobs, json!([]));
    // ann's stream runs to the end; the session is in ann's history only.
    let request = Request::get(format!("/api/v1/sessions/{id}/events?access_token={ann}")).body(Body::empty()).unwrap();
    let (status, _, _) = f.send(request).await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = f.get("/api/v1/history", Some(&ann)).await;
    assert_eq!(page["sessions"].as_array().unwrap().len(), 1);
    let (_, page) = f.get("/api/v1/history", Some(&bob)).await;
    assert_eq!(page["sessions"], json!([]));
    // The token as a query parameter is for event streams only (it would end up in logs); the
    // scheme works in any case.
    let (status, v) = f.get(&format!("/api/v1/history?limit=5&access_token={ann}"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("only event streams"), "{v}");
    let request =
        Request::get("/api/v1/history").header("authorization", format!("bearer {ann}")).body(Body::empty()).unwrap();
    let (status, _, body) = f.send(request).await;
    assert_eq!(status, StatusCode::OK, "{body:?}");
    let request =
        Request::get("/api/v1/history").header("authorization", format!("Basic {ann}")).body(Body::empty()).unwrap();
    let (status, _, _) = f.send(request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "only the bearer scheme");
    let (_, stats) = f.get("/api/v1/stats", Some(&bob)).await;
    assert_eq!(stats["sessions"], 0);
    let (status, _) = f.call(Method::PATCH, "/api/v1/profile", Some(&bob), Some(json!({"weekly-goal": 5}))).await;
    assert_eq!(status, StatusCode::OK);
    let (_, p) = f.get("/api/v1/profile", Some(&ann)).await;
    assert_eq!(p["profile"]["weekly-goal"], 3, "bob's change is bob's: {p}");
}

#[tokio::test]
async fn records_export_import_profile_and_screening() {
    let f = fixture(false).await;
    let id = f.start("desk", 1000.0, None).await;
    f.screen(&id, None).await;
    f.send(Request::get(format!("/api/v1/sessions/{id}/events")).body(Body::empty()).unwrap()).await;
    let (status, stats) = f.get("/api/v1/stats", None).await;
    assert_eq!((status, stats["sessions"].as_u64()), (StatusCode::OK, Some(1)), "{stats}");
    let (status, export) = f.get("/api/v1/export", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(export["sessions"].as_array().unwrap().len(), 1, "{export}");
    let stretches = export["progression"].as_object().map_or(0, serde_json::Map::len);
    assert!(stretches > 0, "the holds of the stretches done: {export}");
    let (status, report) = f.post("/api/v1/import", None, export.clone()).await;
    // Its own export changes nothing: no session added, no stretch's progression changed.
    // (limber's default profile is not carried.)
    let no_change =
        json!({"added": 0, "skipped": 1, "stretches": 0, "profile": "not-in-file", "dated-ahead": 0, "emergencies": 0});
    assert_eq!((status, report), (StatusCode::OK, no_change));

    let (status, v) =
        f.call(Method::PATCH, "/api/v1/profile", None, Some(json!({"equipment": ["chair"], "weekly-goal": 4}))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["profile"]["equipment"], json!(["chair"]));
    assert_eq!(v["profile"]["weekly-goal"], 4);
    // A profile chosen is carried by the export; imported here, the one here stands.
    let (_, export) = f.get("/api/v1/export", None).await;
    assert_eq!(export["profile"]["weekly-goal"], 4, "{export}");
    let (status, report) = f.post("/api/v1/import", None, export.clone()).await;
    assert_eq!((status, report["profile"].clone()), (StatusCode::OK, json!("same")));
    let (status, _) = f.call(Method::PATCH, "/api/v1/profile", None, Some(json!({"weekly-goal": 5}))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, report) = f.post("/api/v1/import", None, export).await;
    assert_eq!((status, report["profile"].clone()), (StatusCode::OK, json!("kept")));
    let (status, v) = f.call(Method::DELETE, "/api/v1/profile/flags/seated-twist", None, None).await;
    assert_eq!((status, v), (StatusCode::OK, json!({"cleared": false})));
    let (status, _) = f.call(Method::DELETE, "/api/v1/profile/flags/no-such", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, latest) = f.get("/api/v1/screening", None).await;
    assert!(latest["record"].is_object(), "answered in the session: {latest}");
    // It takes no options: one it does not have is refused, not silently ignored.
    for wrong in [json!({"speed": 10}), json!("again"), json!([]), json!([10])] {
        let (status, v) = f.call(Method::POST, "/api/v1/screening", None, Some(wrong.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{wrong}: {v}");
        assert!(v["error"]["message"].is_string(), "{v}");
    }
    let (status, v) = f.call(Method::POST, "/api/v1/screening", None, None).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let sid = v["id"].as_str().unwrap().to_owned();
    assert_eq!(v["kind"], "screening");
    let state = f.screen(&sid, None).await;
    // Answered clear, the questions alone end finished, and the answers are the latest.
    assert_eq!(state["view"]["phase"]["phase"], "finished", "{state}");
    let (_, latest) = f.get("/api/v1/screening", None).await;
    assert!(latest["record"]["answers"].as_array().is_some_and(|a| !a.is_empty()), "{latest}");
}

#[tokio::test]
async fn a_restarted_server_resumes_a_paused_session_exactly() {
    let f = fixture(false).await;
    let id = f.start("desk", 10.0, None).await;
    f.screen(&id, None).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let (_, paused) = f.post(&format!("/api/v1/sessions/{id}/intents"), None, json!({"intent": "pause"})).await;
    // A second server over the same store replays the stored log.
    let live = limber_server::Registry::new(&f.app);
    assert_eq!(live.resume_all().await.unwrap(), 1);
    let user = f.app.local_user().await.unwrap();
    let resumed = live.get(user, id.parse().unwrap()).await.unwrap().unwrap().snapshot(f.app.library()).await;
    let resumed = serde_json::to_value(resumed).unwrap();
    assert_eq!(resumed["view"]["paused"], true);
    assert_eq!(resumed["view"]["phase"], paused["view"]["phase"]);
    assert_eq!(resumed["view"]["remaining-ms"], paused["view"]["remaining-ms"]);
    assert_eq!(resumed["view"]["last-cue"], paused["view"]["last-cue"]);
    assert!(!f.live.is_empty());
}

#[tokio::test]
async fn an_intent_whose_caller_hangs_up_is_still_stored_and_shown() {
    let f = fixture(false).await;
    let id = f.start("desk", 1.0, None).await;
    f.screen(&id, None).await;
    let path = format!("/api/v1/sessions/{id}/intents");
    let (status, v) = f.post(&path, None, json!({"intent": "pause"})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let user = f.app.local_user().await.unwrap();
    let live = f.live.get(user, id.parse().unwrap()).await.unwrap().unwrap();
    let mut changes = live.subscribe();
    // Polled once and dropped, as axum drops a handler whose client hangs up.
    let sent = f.live.intent(&live, limber_core::Intent::Resume);
    assert!(futures_util::FutureExt::now_or_never(sent).is_none(), "answered before it was stored");
    // Watchers (and the paused session's driver, which waits for a change) are told.
    let told = tokio::time::timeout(std::time::Duration::from_secs(10), changes.changed()).await;
    assert!(told.is_ok(), "the resume was never shown");
    assert_eq!(serde_json::to_value(live.snapshot(f.app.library()).await).unwrap()["view"]["paused"], false);
    // The next intent follows it in the stored log, as a restart replays it.
    let (status, v) = f.post(&path, None, json!({"intent": "pause"})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let stored = f.app.store().live_session(id.parse().unwrap()).await.unwrap().unwrap();
    let intents: Vec<String> =
        stored.events.iter().map(|e| serde_json::from_str::<Value>(e).unwrap()["intent"].to_string()).collect();
    assert_eq!(intents[intents.len() - 3..], ["\"pause\"", "\"resume\"", "\"pause\""], "{intents:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intents_sent_at_once_to_many_sessions_are_all_stored_in_order() {
    let f = std::sync::Arc::new(fixture(false).await);
    let mut ids = Vec::new();
    for _ in 0..12 {
        let id = f.start("desk", 1.0, None).await;
        f.screen(&id, None).await;
        ids.push(id);
    }
    // Every session gets pause, resume, pause, each sent as soon as the one before is answered;
    // the sessions' requests run at the same time, so the journal writes them in shared batches.
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let (f, path) = (f.clone(), format!("/api/v1/sessions/{id}/intents"));
            tokio::spawn(async move {
                let mut last = Value::Null;
                for intent in ["pause", "resume", "pause"] {
                    let (status, v) = f.post(&path, None, json!({ "intent": intent })).await;
                    assert_eq!(status, StatusCode::OK, "{v}");
                    last = v;
                }
                last
            })
        })
        .collect();
    let mut answered = Vec::new();
    for t in tasks {
        answered.push(t.await.unwrap());
    }
    let live = limber_server::Registry::new(&f.app);
    assert_eq!(live.resume_all().await.unwrap(), ids.len());
    let user = f.app.local_user().await.unwrap();
    for (id, last) in ids.iter().zip(&answered) {
        let resumed = serde_json::to_value(
            live.get(user, id.parse().unwrap()).await.unwrap().unwrap().snapshot(f.app.library()).await,
        )
        .unwrap();
        assert_eq!(resumed["view"]["paused"], true, "{id}: the last intent, pause, is stored");
        assert_eq!(resumed["view"]["remaining-ms"], last["view"]["remaining-ms"], "{id}: replays to the same moment");
        assert_eq!(resumed["view"]["allowed"], last["view"]["allowed"]);
    }
    let stored = f.app.store().live_sessions().await.unwrap();
    for record in stored.iter().filter(|r| ids.contains(&r.id.to_string())) {
        let intents: Vec<String> = record
            .events
            .iter()
            .map(|e| serde_json::from_str::<Value>(e).unwrap()["intent"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            intents.iter().rev().take(3).rev().collect::<Vec<_>>(),
            ["pause", "resume", "pause"],
            "{}",
            record.id
        );
    }
}

#[tokio::test]
async fn a_stored_session_that_cannot_be_replayed_is_skipped_and_the_others_resume() {
    let f = fixture(false).await;
    let id = f.start("desk", 1.0, None).await;
    let user = f.app.local_user().await.unwrap();
    let broken = limber_app::store::LiveRecord {
        id: limber_app::store::SessionId::new(),
        user,
        plan: "{\"not\": \"a plan\"}".into(),
        screening: "null".into(),
        log: "{}".into(),
        events: Vec::new(),
        started_at_ms: 0,
        speed: 1.0,
    };
    f.app.store().save_live(&broken).await.unwrap();
    let live = limber_server::Registry::new(&f.app);
    assert_eq!(live.resume_all().await.unwrap(), 1);
    assert!(live.get(user, id.parse().unwrap()).await.unwrap().is_some());
    assert!(live.get(user, broken.id).await.unwrap().is_none());
    assert_eq!(f.app.store().live_sessions().await.unwrap().len(), 2, "the broken one is left as it was");
}

#[tokio::test]
async fn a_request_whose_body_never_arrives_times_out_with_the_json_shape() {
    let f = fixture(false).await;
    let (_, shutdown) = tokio::sync::watch::channel(false);
    let state = limber_server::AppState {
        app: f.app.clone(),
        live: f.live.clone(),
        access: limber_server::Access::Open { local: f.app.local_user().await.unwrap() },
        shutdown,
    };
    let limits = limber_server::Limits { timeout: std::time::Duration::from_millis(200), ..Default::default() };
    let router = limber_server::router_with(state, limits);
    // One chunk of the body, then nothing: the handler waits for the rest.
    let chunks =
        futures_util::stream::iter([Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"{\"routine\":"))])
            .chain(futures_util::stream::pending());
    let request = Request::post("/api/v1/sessions")
        .header("host", "localhost")
        .header("content-type", "application/json")
        .body(Body::from_stream(chunks))
        .unwrap();
    // (A deadline far past the limit, so a server that never gives up fails rather than hangs.)
    let response =
        tokio::time::timeout(std::time::Duration::from_secs(120), tower::ServiceExt::oneshot(router, request))
            .await
            .expect("the server gives up on a stalled body")
            .unwrap();
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(code(&v), "timeout");
}

#[tokio::test]
async fn sessions_of_one_routine_with_the_same_settings_share_one_plan_even_after_a_restart() {
    let f = fixture(false).await;
    let (a, b) = (f.start("desk", 1.0, None).await, f.start("desk", 1.0, None).await);
    let user = f.app.local_user().await.unwrap();
    let la = f.live.get(user, a.parse().unwrap()).await.unwrap().unwrap();
    let lb = f.live.get(user, b.parse().unwrap()).await.unwrap().unwrap();
    let (pa, pb) = (la.state.lock().await.session.plan() as *const _, lb.state.lock().await.session.plan() as *const _);
    assert_eq!(pa, pb, "one plan in memory for both");
    let resumed = limber_server::Registry::new(&f.app);
    assert_eq!(resumed.resume_all().await.unwrap(), 2);
    let ra = resumed.get(user, a.parse().unwrap()).await.unwrap().unwrap();
    let rb = resumed.get(user, b.parse().unwrap()).await.unwrap().unwrap();
    let (qa, qb) = (ra.state.lock().await.session.plan() as *const _, rb.state.lock().await.session.plan() as *const _);
    assert_eq!(qa, qb, "replayed sessions share their plan too");
}

#[tokio::test]
async fn a_web_site_the_person_visits_cannot_act_for_them_on_an_open_server() {
    let f = crate::support::fixture(false).await;
    let (_, token) = f.user("clinic").await;
    let export = json!({"limber-export": 2, "sessions": []}).to_string();
    let request = |method: Method, path: &str, headers: &[(&str, &str)], body: &str| {
        let mut r = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            r = r.header(*name, *value);
        }
        r.body(Body::from(body.to_owned())).unwrap()
    };
    let json_type = ("content-type", "application/json");
    for (what, req, status, expected) in [
        (
            "a form post from another site",
            request(
                Method::POST,
                "/api/v1/import",
                &[("host", "127.0.0.1:8080"), ("origin", "https://evil.example"), ("content-type", "text/plain")],
                &export,
            ),
            StatusCode::FORBIDDEN,
            "cross-site",
        ),
        (
            "a JSON post from another site",
            request(
                Method::POST,
                "/api/v1/screening",
                &[("host", "127.0.0.1:8080"), ("origin", "https://evil.example"), json_type],
                "",
            ),
            StatusCode::FORBIDDEN,
            "cross-site",
        ),
        (
            "another port of this machine is another site",
            request(
                Method::POST,
                "/api/v1/sessions",
                &[("host", "localhost:8080"), ("origin", "http://localhost:3000"), json_type],
                "{}",
            ),
            StatusCode::FORBIDDEN,
            "cross-site",
        ),
        (
            "a page read through DNS rebinding",
            request(Method::GET, "/api/v1/export", &[("host", "evil.example:8080")], ""),
            StatusCode::FORBIDDEN,
            "cross-site",
        ),
        (
            "a script tag on another site",
            request(
                Method::GET,
                "/api/v1/history",
                &[("host", "127.0.0.1:8080"), ("sec-fetch-site", "cross-site")],
                "",
            ),
            StatusCode::FORBIDDEN,
            "cross-site",
        ),
        (
            "a request relayed by a reverse proxy on this machine",
            request(
                Method::GET,
                "/api/v1/export",
                &[("host", "127.0.0.1:8080"), ("x-forwarded-for", "203.0.113.9")],
                "",
            ),
            StatusCode::FORBIDDEN,
            "cross-site",
        ),
        (
            "a proxy that says so the standard way",
            request(
                Method::GET,
                "/api/v1/history",
                &[("host", "localhost:8080"), ("forwarded", "for=203.0.113.9")],
                "",
            ),
            StatusCode::FORBIDDEN,
            "cross-site",
        ),
        (
            "a request that names no host at all",
            request(Method::GET, "/api/v1/history", &[], ""),
            StatusCode::FORBIDDEN,
            "cross-site",
        ),
        (
            "an import that does not say it is JSON",
            request(
                Method::POST,
                "/api/v1/import",
                &[("host", "127.0.0.1:8080"), ("content-type", "text/plain")],
                &export,
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
        ),
    ] {
        let (got, _, body) = f.send_exactly(req).await;
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!((got, code(&body)), (status, expected), "{what}: {body}");
    }
    // The page itself, programs on this machine, and anyone with a token.
    for (what, req) in [
        (
            "the page",
            request(
                Method::POST,
                "/api/v1/import",
                &[
                    ("host", "127.0.0.1:8080"),
                    ("origin", "http://127.0.0.1:8080"),
                    ("sec-fetch-site", "same-origin"),
                    json_type,
                ],
                &export,
            ),
        ),
        (
            "curl",
            request(
                Method::POST,
                "/api/v1/import",
                &[("host", "localhost:8080"), ("content-type", "application/json; charset=utf-8")],
                &export,
            ),
        ),
        ("IPv6 loopback", request(Method::GET, "/api/v1/export", &[("host", "[::1]:8080")], "")),
        (
            "a token from another site",
            request(
                Method::GET,
                "/api/v1/history",
                &[
                    ("host", "limber.example"),
                    ("origin", "https://dashboard.example"),
                    ("authorization", &format!("Bearer {token}")),
                ],
                "",
            ),
        ),
    ] {
        let (got, _, body) = f.send(req).await;
        assert_eq!(got, StatusCode::OK, "{what}: {}", String::from_utf8_lossy(&body));
    }
}

#[tokio::test]
async fn a_malformed_authorization_is_refused_never_taken_for_the_local_person() {
    for tokens in [false, true] {
        let f = crate::support::fixture(tokens).await;
        let history = |authorization: Option<axum::http::HeaderValue>, query: &str| {
            let mut r = Request::builder().uri(format!("/api/v1/history{query}")).header("host", "127.0.0.1:8080");
            if let Some(value) = authorization {
                r = r.header("authorization", value);
            }
            r.body(Body::empty()).unwrap()
        };
        let text = |v: &str| Some(axum::http::HeaderValue::from_str(v).unwrap());
        for (what, req) in [
            ("another scheme", history(text("Basic bGltYmVyOnB3"), "")),
            ("no token", history(text("Bearer"), "")),
            ("a blank token", history(text("Bearer    "), "")),
            (
                "bytes that are not text",
                history(Some(axum::http::HeaderValue::from_bytes(b"Bearer \xff").unwrap()), ""),
            ),
            ("an empty query token", history(None, "?access_token=")),
            ("a good query token beside a bad header", history(text("Basic x"), "?access_token=lmb_x")),
        ] {
            let (status, _, body) = f.send(req).await;
            let body: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(
                (status, code(&body)),
                (StatusCode::UNAUTHORIZED, "unauthorized"),
                "{what} (tokens: {tokens}): {body}"
            );
        }
        // Without any, an open server acts for its local person and a token server asks for one.
        let (status, _, _) = f.send(history(None, "")).await;
        let expected = if tokens { StatusCode::UNAUTHORIZED } else { StatusCode::OK };
        assert_eq!(status, expected, "no Authorization at all (tokens: {tokens})");
        let (_, token) = f.user("ana").await;
        let (status, _, _) = f.send(history(text(&format!("bearer {token}")), "")).await;
        assert_eq!(status, StatusCode::OK, "the scheme is case-insensitive");
    }
}

#[tokio::test]
async fn a_paused_session_left_alone_is_ended_after_one_idle_limit_not_two() {
    // Quitting a paused session asks for the rating after the routine; nobody is there to
    // answer it, so that question must not wait for an idle limit of its own.
    let idle = std::time::Duration::from_millis(1500);
    let f = crate::support::fixture_with(false, idle).await;
    let body = json!({"routine": "desk", "pain-before": {"prompt": "skip"}, "pain-after": {"prompt": "ask"}});
    let (_, v) = f.post("/api/v1/sessions", None, body).await;
    let id = v["id"].as_str().unwrap().to_owned();
    f.screen(&id, None).await;
    // Before the word is sent: the session logs it at this time or later. (The answer's view
    // is taken later still, once the word is stored, so the limit may end before its `at`.)
    let paused_at = limber_server::live::now_ms();
    let (status, paused) = f.post(&format!("/api/v1/sessions/{id}/intents"), None, json!({"intent": "pause"})).await;
    assert_eq!(status, StatusCode::OK, "{paused}");
    f.send(Request::get(format!("/api/v1/sessions/{id}/events")).body(Body::empty()).unwrap()).await;
    let (_, page) = f.get("/api/v1/history", None).await;
    let record = &page["sessions"][0];
    assert_eq!((&record["id"], &record["pain-after"]), (&json!(id), &Value::Null), "{page}");
    let silent = record["ended-at-ms"].as_i64().unwrap() - paused_at;
    assert!((1500..3000).contains(&silent), "ended {silent} ms after the pause, with an idle limit of 1.5 s");
}

#[tokio::test]
async fn a_word_to_a_paused_session_starts_its_idle_limit_again() {
    // Resuming and pausing again moves no deadline before the one the session's driver sleeps
    // to, so the driver is not woken: when it wakes at the old idle limit, it must find the
    // person spoke since, and wait on.
    let idle = std::time::Duration::from_millis(1500);
    let f = crate::support::fixture_with(false, idle).await;
    let body = json!({"routine": "desk", "pain-before": {"prompt": "skip"}, "pain-after": {"prompt": "skip"}});
    let (_, v) = f.post("/api/v1/sessions", None, body).await;
    let id = v["id"].as_str().unwrap().to_owned();
    f.screen(&id, None).await;
    let intents = format!("/api/v1/sessions/{id}/intents");
    let (status, paused) = f.post(&intents, None, json!({"intent": "pause"})).await;
    assert_eq!(status, StatusCode::OK, "{paused}");
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    let (status, resumed) = f.post(&intents, None, json!({"intent": "resume"})).await;
    assert_eq!(status, StatusCode::OK, "{resumed}");
    // Before the last word is sent, as above.
    let last_word = limber_server::live::now_ms();
    let (status, paused_again) = f.post(&intents, None, json!({"intent": "pause"})).await;
    assert_eq!(status, StatusCode::OK, "{paused_again}");
    f.send(Request::get(format!("/api/v1/sessions/{id}/events")).body(Body::empty()).unwrap()).await;
    let (_, page) = f.get("/api/v1/history", None).await;
    let record = &page["sessions"][0];
    assert_eq!(&record["id"], &json!(id), "{page}");
    let silent = record["ended-at-ms"].as_i64().unwrap() - last_word;
    assert!((1500..3000).contains(&silent), "ended {silent} ms after the last word, with an idle limit of 1.5 s");
}

#[tokio::test]
async fn a_session_paused_and_resumed_many_times_keeps_only_its_latest_cues() {
    // Neither a pause nor a resume to a later deadline wakes the session's driver, which
    // otherwise lets go of the cues said: the intents must, or a session toggled for a long
    // hold would pile up every cue until the hold's end.
    let f = fixture(false).await;
    let body = json!({"routine": "desk", "pain-before": {"prompt": "skip"}, "pain-after": {"prompt": "skip"}});
    let (_, v) = f.post("/api/v1/sessions", None, body).await;
    let id = v["id"].as_str().unwrap().to_owned();
    f.screen(&id, None).await;
    let intents = format!("/api/v1/sessions/{id}/intents");
    for _ in 0..100 {
        for intent in ["pause", "resume"] {
            let (status, v) = f.post(&intents, None, json!({ "intent": intent })).await;
            assert_eq!(status, StatusCode::OK, "{v}");
        }
    }
    let user = f.app.local_user().await.unwrap();
    let live = f.live.get(user, id.parse().unwrap()).await.unwrap().expect("held");
    let state = live.state.lock().await;
    let kept = state.session.cues_since(0).count();
    assert!(state.session.last_cue() >= 200, "a cue for each pause and resume: {}", state.session.last_cue());
    assert!(kept <= limber_core::KEPT_CUES, "{kept} cues kept");
}

#[tokio::test]
async fn an_export_that_cannot_begin_reading_is_an_error_answer_not_a_short_file() {
    let f = fixture(false).await;
    f.start("desk", 1.0, None).await;
    {
        use sqlx::ConnectOptions;
        let db = f._dir.path().join(limber_app::store::DATABASE_FILE);
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(&db).connect().await.unwrap();
        sqlx::query("ALTER TABLE session_items RENAME TO session_items_away").execute(&mut conn).await.unwrap();
    }
    let export = || async {
        let (status, headers, bytes) = f.send(Request::get("/api/v1/export").body(Body::empty()).unwrap()).await;
        let v: Value =
            serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("{status}: {}", String::from_utf8_lossy(&bytes)));
        assert!(status.is_server_error(), "{status}: {v}");
        assert!(v["error"]["code"].is_string() && headers.get("content-disposition").is_none(), "{v}");
    };
    export().await;
    // Nor one whose end cannot be written (the progression read after the sessions), when the
    // whole history is one page.
    {
        use sqlx::ConnectOptions;
        let db = f._dir.path().join(limber_app::store::DATABASE_FILE);
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(&db).connect().await.unwrap();
        sqlx::query("ALTER TABLE session_items_away RENAME TO session_items").execute(&mut conn).await.unwrap();
        sqlx::query("ALTER TABLE progression RENAME TO progression_away").execute(&mut conn).await.unwrap();
    }
    export().await;
}

#[tokio::test]
async fn a_garbled_profile_is_a_conflict_in_words_until_both_lists_are_sent_anew() {
    let f = fixture(false).await;
    let (status, v) = f.call(Method::PATCH, "/api/v1/profile", None, Some(json!({"avoid": ["kneeling"]}))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    {
        use sqlx::ConnectOptions;
        let db = f._dir.path().join(limber_app::store::DATABASE_FILE);
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(&db).connect().await.unwrap();
        sqlx::query("UPDATE profile SET avoid = 'kneeling'").execute(&mut conn).await.unwrap();
    }
    let body = json!({"routine": "desk", "pain-before": {"prompt": "skip"}, "pain-after": {"prompt": "skip"}});
    let (status, v) = f.post("/api/v1/sessions", None, body).await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "profile-unreadable"), "{v}");
    let (status, v) = f.get("/api/v1/profile", None).await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "profile-unreadable"), "{v}");
    let (status, v) = f.call(Method::PATCH, "/api/v1/profile", None, Some(json!({"weekly-goal": 4}))).await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "profile-unreadable"), "{v}");
    let both = json!({"equipment": ["chair"], "avoid": ["kneeling"]});
    let (status, v) = f.call(Method::PATCH, "/api/v1/profile", None, Some(both)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    f.start("desk", 1.0, None).await;
}

#[tokio::test]
async fn a_damaged_session_is_left_out_of_history_and_export_and_the_rest_still_come() {
    let f = fixture(false).await;
    let session = |k: i64| {
        let start = 1_767_254_400_000 + k * 86_400_000;
        json!({
            "id": format!("00000000-0000-4000-8000-{k:012x}"), "routine": "desk", "started-at-ms": start,
            "ended-at-ms": start + 600_000, "stopped": null, "warmed-up": true, "active-ms": 60_000,
            "pain-before": 2, "pain-after": 1, "flagged": null,
            "items": [{"stretch": "seated-twist", "instead-of": null, "seconds": 15, "holds-done": 2,
                       "sides-done": ["right", "left"], "holds-planned": 2, "active": 30_000,
                       "comfort": "comfortable", "discomfort": false, "max-pain": null, "status": "done"}],
        })
    };
    let export = json!({"limber-export": 2, "sessions": [session(0), session(1), session(2)]});
    let (status, v) = f.post("/api/v1/import", None, export).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    {
        use sqlx::ConnectOptions;
        let db = f._dir.path().join(limber_app::store::DATABASE_FILE);
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(&db).connect().await.unwrap();
        sqlx::query(
            "UPDATE session_items SET status = 'half-done' WHERE session_id = \
             (SELECT id FROM sessions WHERE uuid = '00000000-0000-4000-8000-000000000001')",
        )
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let ids = |sessions: &Value| -> Vec<String> {
        sessions.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()[35..].to_owned()).collect()
    };
    let (status, page) = f.get("/api/v1/history", None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!((ids(&page["sessions"]), page["unreadable"].as_u64()), (vec!["2".to_owned(), "0".to_owned()], Some(1)));
    // A page that ends at the damaged one still leads on to the rest.
    let (_, first) = f.get("/api/v1/history?limit=1", None).await;
    let (_, second) = f.get(&format!("/api/v1/history?limit=1&before={}", first["next"].as_str().unwrap()), None).await;
    assert_eq!((ids(&first["sessions"]), ids(&second["sessions"])), (vec!["2".to_owned()], vec!["0".to_owned()]));
    // The damaged one is counted once, on the page it falls in.
    assert_eq!((first["unreadable"].as_u64(), second["unreadable"].as_u64()), (Some(0), Some(1)));
    let (status, export) = f.get("/api/v1/export", None).await;
    assert_eq!(status, StatusCode::OK, "{export}");
    assert_eq!(ids(&export["sessions"]), ["0", "2"], "{export}");
}

#[tokio::test]
async fn the_page_may_not_be_framed_by_another_site_and_no_answer_is_sniffed() {
    let f = fixture(false).await;
    let (status, headers, _) = f.send(Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'self'"), "{csp}");
    assert_eq!(headers["x-frame-options"], "DENY");
    for path in ["/", "/app.js", "/api/v1/stretches", "/api/v1/history", "/no-such-page"] {
        let (_, headers, _) = f.send(Request::get(path).body(Body::empty()).unwrap()).await;
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
    }
    // The icon every browser asks for: none, said as such (not a 404 in the log each visit).
    let (status, headers, body) = f.send(Request::get("/favicon.ico").body(Body::empty()).unwrap()).await;
    assert_eq!((status, body.len()), (StatusCode::NO_CONTENT, 0));
    assert!(headers.contains_key("cache-control"), "asked for once a day at most");
}

#[tokio::test]
async fn a_screening_on_its_own_is_stored_as_of_when_it_ended() {
    let f = fixture(false).await;
    let before_ms =
        i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()).unwrap();
    let (status, v) = f.post("/api/v1/screening", None, json!(null)).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    // The person reads the first question for a while, then answers yes: chest pain now.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let (status, v) = f.post(&format!("/api/v1/sessions/{id}/intents"), None, json!({"intent": "yes"})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let latest = loop {
        let (_, latest) = f.get("/api/v1/screening", None).await;
        if latest.is_object() {
            break latest;
        }
        assert!(std::time::Instant::now() < deadline, "the answers were never stored");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let taken = latest["taken-at-ms"].as_i64().or(latest["taken_at_ms"].as_i64()).unwrap_or_else(|| panic!("{latest}"));
    assert!(taken >= before_ms + 400, "stored as of the answer, not the start: {taken} vs {before_ms}");
    // What is stored is the empty record that sets every answer aside (no session starts for
    // a day; the next asks every question again).
    assert_eq!(latest["record"]["answers"], json!([]), "{latest}");
    let (status, v) = f.post("/api/v1/sessions", None, json!({"routine": "desk"})).await;
    assert_eq!((status, &v["error"]["code"]), (StatusCode::CONFLICT, &json!("emergency-today")), "{v}");
    // With the times for a client to say in its own zone: a day from the answer.
    let detail = &v["error"]["detail"];
    let (at, until) = (detail["reported-at-ms"].as_i64(), detail["until-ms"].as_i64());
    let (at, until) = (at.unwrap_or_else(|| panic!("{v}")), until.unwrap_or_else(|| panic!("{v}")));
    assert!(at >= before_ms && until - at == 24 * 3600 * 1000, "{v}");
    assert_eq!(detail["message"], v["error"]["message"], "{v}");
    // The profile says it before anything is started.
    let (_, p) = f.get("/api/v1/profile", None).await;
    assert_eq!(p["safety-stop"], *detail, "{p}");
    // The questions alone are still asked, as `limber screening` asks them: clear answers are
    // saved, but said to count once the day has passed, and no session starts before.
    let (status, v) = f.post("/api/v1/screening", None, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    let done = f.screen(&id, None).await;
    assert_eq!(done["view"]["phase"]["phase"], "finished", "{done}");
    let (_, _, bytes) =
        f.send(Request::get(format!("/api/v1/sessions/{id}/events")).body(Body::empty()).unwrap()).await;
    let events = parse_sse(&String::from_utf8(bytes).unwrap());
    let cleared = events.iter().find(|(e, _, data)| e == "cue" && data["kind"] == json!({"kind": "cleared"}));
    let said = cleared.map(|(_, _, data)| data["text"].as_str().unwrap()).unwrap_or_else(|| panic!("{events:?}"));
    assert!(said.contains("once that day has passed") && !said.contains("today"), "{said}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while f.get("/api/v1/screening", None).await.1["record"]["answers"] == json!([]) {
        assert!(std::time::Instant::now() < deadline, "the clear answers were never stored");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (status, v) = f.post("/api/v1/sessions", None, json!({"routine": "desk"})).await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "emergency-today"), "{v}");
}

/// A connection to the fixture's database with the live events' table moved out of the server's
/// reach: an intent can be neither stored nor read back until [`events_back`].
async fn events_away(f: &crate::support::Fixture) -> sqlx::SqliteConnection {
    use sqlx::ConnectOptions;
    let db = f._dir.path().join(limber_app::store::DATABASE_FILE);
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(&db).connect().await.unwrap();
    sqlx::query("ALTER TABLE live_events RENAME TO live_events_away").execute(&mut conn).await.unwrap();
    conn
}

/// The live events' table back where the server looks for it.
async fn events_back(conn: &mut sqlx::SqliteConnection) {
    sqlx::query("ALTER TABLE live_events_away RENAME TO live_events").execute(conn).await.unwrap();
}

/// A desk session at speed 1, screened, that asks for the rating after: stopped, it waits for
/// that rating, still live.
async fn screened_asking_after(f: &crate::support::Fixture) -> String {
    let body =
        json!({"routine": "desk", "speed": 1.0, "pain-before": {"prompt": "skip"}, "pain-after": {"prompt": "ask"}});
    let (status, v) = f.post("/api/v1/sessions", None, body).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    f.screen(&id, None).await;
    id
}

#[tokio::test]
async fn chest_pain_in_a_session_sets_the_answers_aside_and_no_session_starts_that_day() {
    let f = fixture(false).await;
    let id = f.start("desk", 1.0, None).await;
    let after_screening = f.screen(&id, None).await;
    assert_ne!(after_screening["view"]["phase"]["phase"], "screening", "{after_screening}");
    let (status, v) = f.post(&format!("/api/v1/sessions/{id}/intents"), None, json!({"intent": "chest"})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["view"]["phase"], json!({"phase": "stopped", "reason": "emergency"}), "{v}");
    // Refused at once, before the stopped session is recorded.
    let (status, next) =
        f.post("/api/v1/sessions", None, json!({"routine": "desk", "pain-before": {"prompt": "skip"}})).await;
    assert_eq!((status, code(&next)), (StatusCode::CONFLICT, "emergency-today"), "{next}");
    let page = recorded(&f, std::time::Instant::now() + std::time::Duration::from_secs(30)).await;
    assert_eq!(page["sessions"][0]["stopped"], "emergency", "{page}");
    // The clear answers given before no longer count (every question is asked again, the next
    // day: limber-app's tests move the clock), and no session starts today.
    let (_, screening) = f.get("/api/v1/screening", None).await;
    assert_eq!(screening["record"]["answers"], json!([]), "{screening}");
    let (status, next) =
        f.post("/api/v1/sessions", None, json!({"routine": "desk", "pain-before": {"prompt": "skip"}})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{next}");
    assert_eq!(next["error"]["code"], "emergency-today", "{next}");
    assert!(
        next["error"]["message"].as_str().is_some_and(|m| m.contains("call your local emergency number")),
        "{next}"
    );
}

#[tokio::test]
async fn chest_pain_in_one_session_stops_the_persons_others_and_no_one_elses() {
    let f = fixture(true).await;
    let (_, token) = f.user("ana").await;
    let (_, other_token) = f.user("ben").await;
    let (token, other_token) = (Some(token.as_str()), Some(other_token.as_str()));
    // A tab left on its screening questions, and one screened and running.
    let waiting = f.start("desk", 1.0, token).await;
    let running = f.start("desk", 1.0, token).await;
    f.screen(&running, token).await;
    let someone_else = f.start("desk", 1.0, other_token).await;
    let (status, v) = f.post(&format!("/api/v1/sessions/{running}/intents"), token, json!({"intent": "chest"})).await;
    assert_eq!((status, &v["view"]["phase"]["reason"]), (StatusCode::OK, &json!("emergency")), "{v}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let stopped = loop {
        let (_, v) = f.get(&format!("/api/v1/sessions/{waiting}"), token).await;
        if v["view"]["phase"]["phase"] != "screening" || std::time::Instant::now() > deadline {
            break v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(stopped["view"]["phase"], json!({"phase": "stopped", "reason": "emergency"}), "{stopped}");
    // Its questions answered clear now begin nothing.
    let (status, v) = f.post(&format!("/api/v1/sessions/{waiting}/intents"), token, json!({"intent": "no"})).await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "over"), "{v}");
    // The task that stops the person's sessions has done them all by now; another's is untouched.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let (_, v) = f.get(&format!("/api/v1/sessions/{someone_else}"), other_token).await;
    assert_eq!(v["view"]["phase"]["phase"], "screening", "{v}");
}

#[tokio::test]
async fn imports_are_read_a_few_at_a_time_so_many_at_once_cannot_fill_memory() {
    let f = fixture(false).await;
    // An import whose body comes when `send` says (as a slow upload).
    let import = |router: limber_server::Service| {
        let (send, body) = tokio::sync::oneshot::channel::<&'static str>();
        let body = futures_util::stream::once(async move {
            Ok::<_, std::io::Error>(axum::body::Bytes::from(body.await.unwrap_or_default()))
        });
        let request = Request::post("/api/v1/import")
            .header("host", "127.0.0.1:8080")
            .header("content-type", "application/json")
            .body(Body::from_stream(body))
            .unwrap();
        (send, tokio::spawn(tower::ServiceExt::oneshot(router, request)))
    };
    let export = r#"{"limber-export": 2, "sessions": []}"#;
    let uploading: Vec<_> = (0..limber_server::IMPORTS_AT_ONCE).map(|_| import(f.router.clone())).collect();
    let (next_body, next) = import(f.router.clone());
    next_body.send(export).unwrap();
    // Its whole body is there, but it waits for a turn.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!next.is_finished(), "read beside {} others", limber_server::IMPORTS_AT_ONCE);
    let mut uploading = uploading.into_iter();
    let (first_body, first) = uploading.next().unwrap();
    first_body.send(export).unwrap();
    assert_eq!(first.await.unwrap().unwrap().status(), StatusCode::OK);
    assert_eq!(next.await.unwrap().unwrap().status(), StatusCode::OK, "its turn came");
    for (body, import) in uploading {
        body.send(export).unwrap();
        assert_eq!(import.await.unwrap().unwrap().status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn a_persons_data_is_never_cached_and_the_content_may_be() {
    let f = fixture(false).await;
    let id = f.start("desk", 1.0, None).await;
    async fn cache(f: &crate::support::Fixture, path: String) -> Option<String> {
        let (status, headers, _) = f.send(Request::get(path).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        headers.get("cache-control").map(|v| v.to_str().unwrap().to_owned())
    }
    for personal in ["/api/v1/history", "/api/v1/stats", "/api/v1/export", "/api/v1/profile", "/api/v1/screening"]
        .map(str::to_owned)
        .into_iter()
        .chain([format!("/api/v1/sessions/{id}"), "/api/v1/sessions".to_owned()])
    {
        assert_eq!(cache(&f, personal.clone()).await.as_deref(), Some("no-store"), "{personal}");
    }
    for content in ["/api/v1/stretches", "/api/v1/screening/questions", "/api/v1/source"] {
        assert_ne!(cache(&f, content.to_owned()).await.as_deref(), Some("no-store"), "{content}");
    }
}

#[tokio::test]
async fn a_session_takes_so_many_event_streams_and_one_more_once_one_closes() {
    let f = fixture(false).await;
    let id = f.start("desk", 1.0, None).await;
    let open = || {
        let request = Request::get(format!("/api/v1/sessions/{id}/events")).header("host", "127.0.0.1:8080");
        tower::ServiceExt::oneshot(f.router.clone(), request.body(Body::empty()).unwrap())
    };
    let mut streams = Vec::new();
    for _ in 0..limber_server::STREAMS_PER_SESSION {
        let response = open().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        streams.push(response);
    }
    let refused = open().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let body = axum::body::to_bytes(refused.into_body(), usize::MAX).await.unwrap();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(code(&v), "too-many-streams", "{v}");
    // A tab closed makes room for another.
    streams.pop();
    assert_eq!(open().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn a_rating_above_five_swaps_the_stretch_and_a_second_one_stops_the_session() {
    let f = fixture(false).await;
    let body = json!({"routine": "desk", "speed": 10.0, "no-warm-up": true, "pain-before": {"prompt": "skip"},
                      "pain-after": {"prompt": "skip"}});
    let (status, v) = f.post("/api/v1/sessions", None, body).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    f.screen(&id, None).await;
    // Rated during the first hold (a rating while a stretch is explained asks whether to stop).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let first = loop {
        let (_, state) = f.get(&format!("/api/v1/sessions/{id}"), None).await;
        if state["view"]["phase"]["phase"] == "active" {
            break state["view"]["stretch"].clone();
        }
        assert!(std::time::Instant::now() < deadline, "no hold began: {state}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let intents = format!("/api/v1/sessions/{id}/intents");
    let (status, v) = f.post(&intents, None, json!({"intent": "pain", "score": 7})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // That stretch is left (for an alternative, or the next one), and the session goes on.
    assert!(v["view"]["stretch"].is_string() && v["view"]["stretch"] != first, "{v}");
    assert!(v["view"]["stopped"].is_null(), "{v}");
    let (status, v) = f.post(&intents, None, json!({"intent": "pain", "score": 6})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["view"]["phase"], json!({"phase": "stopped", "reason": "pain"}), "{v}");
    let page = recorded(&f, std::time::Instant::now() + std::time::Duration::from_secs(30)).await;
    assert_eq!(page["sessions"][0]["stopped"], "pain", "{page}");
    let hurt = &page["sessions"][0]["items"][0];
    assert_eq!(
        (&hurt["stretch"], &hurt["max-pain"], &hurt["status"]),
        (&first, &json!(7), &json!("left-for-pain")),
        "{page}"
    );
}

/// The first page of history once a session is in it, by `deadline`.
async fn recorded(f: &crate::support::Fixture, deadline: std::time::Instant) -> Value {
    loop {
        let (_, page) = f.get("/api/v1/history", None).await;
        if page["sessions"].as_array().is_some_and(|s| !s.is_empty()) {
            return page;
        }
        assert!(std::time::Instant::now() < deadline, "never recorded");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// How many sharp-pain events the store holds.
async fn stored_stops(conn: &mut sqlx::SqliteConnection) -> i64 {
    let query = "SELECT count(*) FROM live_events WHERE event LIKE '%sharp-pain%'";
    sqlx::query_scalar::<_, i64>(query).fetch_one(conn).await.unwrap()
}

/// The store refuses new live events but reads as usual (SQLite held by another program's
/// write, say): a stop must not be taken back by reading the session as stored.
#[tokio::test]
async fn a_sharp_pain_stop_the_store_will_not_take_stays_in_effect_through_another_intent_and_is_stored_once_it_will() {
    use sqlx::ConnectOptions;
    let f = fixture(false).await;
    let id = screened_asking_after(&f).await;
    let db = f._dir.path().join(limber_app::store::DATABASE_FILE);
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(&db).connect().await.unwrap();
    sqlx::query("CREATE TRIGGER held BEFORE INSERT ON live_events BEGIN SELECT RAISE(ABORT, 'held'); END")
        .execute(&mut conn)
        .await
        .unwrap();
    let intents = format!("/api/v1/sessions/{id}/intents");
    let (status, v) = f.post(&intents, None, json!({"intent": "sharp-pain"})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let session = format!("/api/v1/sessions/{id}");
    let stopped = |v: &Value| {
        v["view"]["phase"]["phase"] == "pain-after"
            && v["view"]["stopped"]["advice"].as_str().is_some_and(|a| a.contains("Sharp or intense pain"))
    };
    let (_, v) = f.get(&session, None).await;
    assert!(stopped(&v), "in effect: {v}");
    // The rating after, which the store will not take either: it is taken back, the stop is not.
    let (status, v) = f.post(&intents, None, json!({"intent": "pain", "score": 4})).await;
    assert!(status.is_server_error(), "{status} {v}");
    let (_, v) = f.get(&session, None).await;
    assert!(stopped(&v), "still stopped after the rating failed: {v}");
    assert_eq!(stored_stops(&mut conn).await, 0);
    // Once the store takes events again, the session's driver stores the stop by itself.
    sqlx::query("DROP TRIGGER held").execute(&mut conn).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while stored_stops(&mut conn).await == 0 {
        assert!(std::time::Instant::now() < deadline, "the stop was never stored");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(stored_stops(&mut conn).await, 1, "stored once");
    assert!(stopped(&f.get(&session, None).await.1));
}

/// The store can be neither written nor read (a database gone): a stop stays through a rating
/// that fails, and the session is recorded with it once the store is back.
#[tokio::test]
async fn a_sharp_pain_stop_outlives_a_failed_rating_while_the_store_is_away_and_is_recorded_with_it() {
    let f = fixture(false).await;
    let id = screened_asking_after(&f).await;
    let mut conn = events_away(&f).await;
    let intents = format!("/api/v1/sessions/{id}/intents");
    let (status, v) = f.post(&intents, None, json!({"intent": "sharp-pain"})).await;
    assert_eq!((status, &v["view"]["phase"]["phase"]), (StatusCode::OK, &json!("pain-after")), "{v}");
    let (status, v) = f.post(&intents, None, json!({"intent": "pain", "score": 4})).await;
    assert!(status.is_server_error(), "{status} {v}");
    let session = format!("/api/v1/sessions/{id}");
    let (_, v) = f.get(&session, None).await;
    assert_eq!(v["view"]["phase"]["phase"], "pain-after", "the stop stands, no hold is cued: {v}");
    events_back(&mut conn).await;
    // Back: the rating is taken now, and the session is recorded as stopped for sharp pain.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (status, v) = f.post(&intents, None, json!({"intent": "pain", "score": 4})).await;
        if status == StatusCode::OK {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the rating was never taken: {status} {v}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let page = recorded(&f, deadline).await;
    assert_eq!(page["sessions"][0]["stopped"], "sharp-pain", "{page}");
    // With its line's words, as `limber history` writes them: the stretch under way is left
    // for pain, so none of the planned is done.
    assert_eq!(page["sessions"][0]["outcome"], "stopped: sharp pain", "{page}");
    assert_eq!(page["sessions"][0]["done"], 0, "{page}");
    assert_eq!(page["sessions"][0]["planned"], json!(page["sessions"][0]["items"].as_array().unwrap().len()), "{page}");
    assert_eq!(page["sessions"][0]["pain-after"], 4, "{page}");
}

#[tokio::test]
async fn chest_pain_the_store_cannot_take_yet_still_stops_the_persons_other_sessions() {
    let f = fixture(false).await;
    let waiting = f.start("desk", 1.0, None).await;
    let running = f.start("desk", 1.0, None).await;
    f.screen(&running, None).await;
    let mut conn = events_away(&f).await;
    let (status, v) = f.post(&format!("/api/v1/sessions/{running}/intents"), None, json!({"intent": "chest"})).await;
    assert_eq!((status, &v["view"]["phase"]["reason"]), (StatusCode::OK, &json!("emergency")), "{v}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (_, v) = f.get(&format!("/api/v1/sessions/{waiting}"), None).await;
        if v["view"]["phase"] == json!({"phase": "stopped", "reason": "emergency"}) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the waiting session was never stopped: {v}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // Nor does a new one start meanwhile.
    let (status, next) = f.post("/api/v1/sessions", None, json!({"routine": "desk"})).await;
    assert_eq!((status, code(&next)), (StatusCode::CONFLICT, "emergency-today"), "{next}");
    events_back(&mut conn).await;
}

#[tokio::test]
async fn an_intent_that_cannot_be_stored_or_read_back_is_taken_back_not_left_in_effect() {
    let f = fixture(false).await;
    let id = f.start("desk", 1.0, None).await;
    let state = f.screen(&id, None).await;
    assert_eq!(state["view"]["phase"]["phase"], "warm-up", "{state}");
    let mut conn = events_away(&f).await;
    let intents = format!("/api/v1/sessions/{id}/intents");
    let (status, v) = f.post(&intents, None, json!({"intent": "pause"})).await;
    assert!(status.is_server_error(), "{status} {v}");
    let (_, v) = f.get(&format!("/api/v1/sessions/{id}"), None).await;
    assert_eq!(v["view"]["paused"], false, "the pause that failed is not in effect: {v}");
    // Back in reach: the same intent sent again is applied, once.
    events_back(&mut conn).await;
    let (status, v) = f.post(&intents, None, json!({"intent": "pause"})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["view"]["paused"], true, "{v}");
    // What is stored agrees with what was shown: a restart resumes it paused, as it is here.
    let live = limber_server::Registry::new(&f.app);
    assert_eq!(live.resume_all().await.unwrap(), 1);
    let user = f.app.local_user().await.unwrap();
    let resumed = live.get(user, id.parse().unwrap()).await.unwrap().unwrap().snapshot(f.app.library()).await;
    let resumed = serde_json::to_value(resumed).unwrap();
    assert_eq!((&resumed["view"]["paused"], &resumed["view"]["phase"]), (&v["view"]["paused"], &v["view"]["phase"]));
}

#[tokio::test]
async fn a_person_may_have_only_so_many_sessions_under_way_and_one_ended_makes_room() {
    let f = fixture(true).await;
    let (_, ann) = f.user("ann").await;
    let (_, bob) = f.user("bob").await;
    let body = json!({"routine": "desk"});
    let mut ids = Vec::new();
    for _ in 0..limber_server::LIVE_PER_PERSON {
        ids.push(f.start("desk", 1.0, Some(&ann)).await);
    }
    let (status, v) = f.post("/api/v1/sessions", Some(&ann), body.clone()).await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "too-many-sessions"), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("quit"), "says how to make room: {v}");
    let (status, v) = f.post("/api/v1/screening", Some(&ann), json!({})).await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "too-many-sessions"), "the questions alone too: {v}");
    // Someone else's sessions are their own; starts sent all at once cannot all take the last place.
    let starts = (0..limber_server::LIVE_PER_PERSON + 5).map(|_| f.post("/api/v1/sessions", Some(&bob), body.clone()));
    let answers = futures_util::future::join_all(starts).await;
    let created = answers.iter().filter(|(status, _)| *status == StatusCode::CREATED).count();
    assert_eq!(created as u64, limber_server::LIVE_PER_PERSON, "{answers:?}");
    // One ended (and recorded) makes room for another.
    let (status, v) =
        f.post(&format!("/api/v1/sessions/{}/intents", ids[0]), Some(&ann), json!({"intent": "quit"})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (status, v) = f.post("/api/v1/sessions", Some(&ann), body.clone()).await;
        if status == StatusCode::CREATED {
            break;
        }
        assert_eq!(status, StatusCode::CONFLICT, "{v}");
        assert!(std::time::Instant::now() < deadline, "the ended session never made room");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn an_import_over_the_limit_says_the_limit_in_words() {
    let f = fixture(false).await;
    let body = format!("{{\"limber-export\": 5, \"sessions\": [], \"pad\": \"{}\"}}", "x".repeat(17 << 20));
    let request = Request::post("/api/v1/import").header("content-type", "application/json").body(Body::from(body));
    let (status, _, bytes) = f.send(request.unwrap()).await;
    let v: Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!((status, code(&v)), (StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large"), "{v}");
    assert!(v["error"]["message"].as_str().is_some_and(|m| m.contains("16 MiB for an import")), "{v}");
    // A number out of its range is said in the API's words, not Rust's.
    let (status, v) =
        f.call(Method::PATCH, "/api/v1/profile", None, Some(json!({"weekly-goal": 99_999_999_999u64}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let message = v["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("a whole number") && !message.contains("u32") && !message.contains("target type"), "{v}");
}

#[tokio::test]
async fn a_speed_far_out_of_range_is_said_in_a_short_message() {
    let f = fixture(false).await;
    for (speed, shown) in [(json!(1e308), "not 1e308"), (json!(-5), "not -5"), (json!(1e-320), "not 1e-320")] {
        let (status, v) = f.post("/api/v1/sessions", None, json!({"routine": "desk", "speed": speed})).await;
        assert_eq!((status, code(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid-body"), "{v}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.contains(shown) && message.len() < 100, "{message}");
    }
}

#[tokio::test]
async fn a_sharp_pain_stop_that_cannot_be_stored_stays_in_effect_and_is_recorded_once_the_store_is_back() {
    let f = fixture(false).await;
    let id = f.start("desk", 1.0, None).await;
    f.screen(&id, None).await;
    let mut conn = events_away(&f).await;
    let intents = format!("/api/v1/sessions/{id}/intents");
    // In effect at once, and answered so: the person gets the advice.
    let (status, v) = f.post(&intents, None, json!({"intent": "sharp-pain"})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["view"]["phase"]["phase"], "stopped", "{v}");
    // Never taken back, through the driver's first retry while the store is away (it comes
    // after 2 s): no hold is cued after a stop.
    for _ in 0..16 {
        let (_, v) = f.get(&format!("/api/v1/sessions/{id}"), None).await;
        assert_eq!(v["view"]["phase"]["phase"], "stopped", "{v}");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    events_back(&mut conn).await;
    // Once the store is back, the session is recorded as it ended: stopped for sharp pain.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let page = recorded(&f, deadline).await;
    assert_eq!(page["sessions"][0]["stopped"], "sharp-pain", "{page}");
    // With its line's words, as `limber history` writes them: the stretch under way is left
    // for pain, so none of the planned is done.
    assert_eq!(page["sessions"][0]["outcome"], "stopped: sharp pain", "{page}");
    assert_eq!(page["sessions"][0]["done"], 0, "{page}");
    assert_eq!(page["sessions"][0]["planned"], json!(page["sessions"][0]["items"].as_array().unwrap().len()), "{page}");
}

#[tokio::test]
async fn a_session_over_says_how_it_ended_and_what_the_history_keeps_as_the_terminal_does() {
    let f = fixture(false).await;
    // A preview ended at the rating before: nothing of it is kept but the answers, and the
    // end does not call it a saved preview.
    let body = json!({"routine": "desk", "speed": 50, "pain-before": {"prompt": "ask"}});
    let (status, v) = f.post("/api/v1/sessions", None, body).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    let state = f.screen(&id, None).await;
    assert_eq!(state["view"]["phase"]["phase"], "pain-before", "{state}");
    let path = format!("/api/v1/sessions/{id}/intents");
    let (status, v) = f.post(&path, None, json!({"intent": "quit"})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        (&v["outcome"]["headline"], &v["outcome"]["kept"]),
        (&json!("Session ended early"), &json!("No exercise began; your answers to the safety questions are saved.")),
        "{v}"
    );
    // Ended in the warm-up, it is kept, as a preview. (The answers above may not be stored
    // yet, the first session being recorded as this one starts: answered again if asked.)
    let id = f.start("desk", 50.0, None).await;
    let state = f.screen(&id, None).await;
    assert_eq!(state["view"]["phase"]["phase"], "warm-up", "{state}");
    let (_, v) = f.post(&format!("/api/v1/sessions/{id}/intents"), None, json!({"intent": "quit"})).await;
    assert!(v["outcome"]["kept"].as_str().unwrap_or_default().starts_with("Saved as a preview"), "{v}");
    // Not said while a session runs.
    let id = f.start("desk", 1.0, None).await;
    f.screen(&id, None).await;
    let path = format!("/api/v1/sessions/{id}/intents");
    let (_, v) = f.post(&path, None, json!({"intent": "skip"})).await;
    assert!(v.get("outcome").is_none(), "{v}");
    // Pain above 5 in a stretch: rest, not praise, at the end.
    f.ready(&path).await;
    let (status, v) = f.post(&path, None, json!({"intent": "pain", "score": 7})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let mut end = v;
    for _ in 0..100 {
        if end.get("outcome").is_some() {
            break;
        }
        let intent = if end["view"]["allowed"].as_array().unwrap().contains(&json!("skip")) { "skip" } else { "start" };
        let (status, v) = f.post(&path, None, json!({"intent": intent})).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        end = v;
    }
    let outcome = &end["outcome"];
    assert_eq!(
        (&outcome["headline"], &outcome["kept"]),
        (&json!("Session complete. Rest now and go easy today."), &json!("Saved.")),
        "{end}"
    );
    // And what became of each stretch, in the words `limber` and `limber-tui` end with: the
    // one rated 7 among them, named, with the rating.
    let stretches: Vec<&str> = outcome["stretches"].as_array().unwrap().iter().filter_map(|l| l.as_str()).collect();
    assert_eq!(stretches.len(), end["summary"]["items"].as_array().unwrap().len(), "{end}");
    assert!(stretches.iter().any(|l| l.contains("Seated") && l.contains("too painful (7/10)")), "{stretches:?}");
    assert!(outcome["time-and-pain"].as_str().unwrap_or_default().starts_with("Stretching time: "), "{end}");
    assert!(outcome.get("pain-after-advice").is_none(), "no rating after was given: {end}");
}
