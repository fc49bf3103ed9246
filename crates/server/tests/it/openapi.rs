//! The OpenAPI document: 3.1, generated from the code, listing every route, each of which answers.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::fixture;

#[tokio::test]
async fn every_route_is_documented_and_every_documented_path_answers() {
    let f = fixture(false).await;
    let (status, doc) = f.get("/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in limber_server::ROUTES {
        for method in *methods {
            let op =
                &paths.get(*path).unwrap_or_else(|| panic!("{path} is not documented"))[method.as_str().to_lowercase()];
            assert!(op.is_object(), "{method} {path} is not documented");
        }
    }
    // Query parameters are documented as optional query parameters, with their bounds.
    let params = |path: &str| paths[path]["get"]["parameters"].as_array().unwrap().clone();
    let history = params("/api/v1/history");
    for name in ["since-ms", "before", "limit"] {
        let p = history.iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("{name} is not documented"));
        assert_eq!((&p["in"], p["required"].as_bool().unwrap_or(false)), (&json!("query"), false), "{p}");
    }
    let limit = history.iter().find(|p| p["name"] == "limit").unwrap();
    assert_eq!((&limit["schema"]["minimum"], &limit["schema"]["maximum"]), (&json!(1), &json!(500)), "{limit}");
    let after = params("/api/v1/sessions/{id}/events").into_iter().find(|p| p["name"] == "after").unwrap();
    assert_eq!(after["in"], "query", "{after}");
    // The intent body names its fields (it was an untyped object).
    let body = &paths["/api/v1/sessions/{id}/intents"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    let name = body["$ref"].as_str().and_then(|r| r.rsplit('/').next()).unwrap_or_else(|| panic!("{body}"));
    let fields = &doc["components"]["schemas"][name]["properties"];
    assert!(fields["intent"].is_object() && fields["score"].is_object(), "{name}: {fields}");
    // A weekly goal's bounds are the server's own (1–14), in the profile and a change to it.
    for schema in ["ProfileView", "ProfileUpdate"] {
        let goal = &doc["components"]["schemas"][schema]["properties"]["weekly-goal"];
        assert_eq!((&goal["minimum"], &goal["maximum"]), (&json!(1), &json!(14)), "{schema}: {goal}");
    }
    // The public routes need no token (an empty requirement overrides the document's bearer
    // one); every other operation inherits it and says it may answer 401.
    assert_eq!(doc["security"], json!([{"bearer": []}]), "{}", doc["security"]);
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            if limber_server::openapi::PUBLIC.contains(&path.as_str()) {
                assert_eq!(op["security"], json!([]), "{method} {path}");
            } else {
                assert!(op.get("security").is_none(), "{method} {path}");
                for status in ["401", "403", "503"] {
                    assert!(op["responses"][status].is_object(), "{method} {path} {status}: {}", op["responses"]);
                }
            }
            // Every route may answer an over-long target or oversized header fields.
            for status in ["408", "414", "431"] {
                assert!(op["responses"][status].is_object(), "{method} {path} {status}: {}", op["responses"]);
            }
            // Every error it may answer is said in words.
            for (status, response) in op["responses"].as_object().unwrap() {
                if status.as_str() >= "400" {
                    let description = response["description"].as_str().unwrap_or_default();
                    assert!(!description.is_empty(), "{method} {path} {status} has no words");
                }
            }
            // Each body may be malformed, too large, of another type or not what is taken.
            if op.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(op["responses"][status].is_object(), "{method} {path} {status}: {}", op["responses"]);
                }
            }
        }
    }
    let tokens = fixture(true).await;
    for path in limber_server::openapi::PUBLIC {
        let (status, _) = tokens.get(&path.replace("{id}", "seated-twist"), None).await;
        assert_eq!(status, StatusCode::OK, "{path} answers without a token");
    }
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    let routed: usize = limber_server::ROUTES.iter().map(|(_, m)| m.len()).sum();
    assert_eq!(documented, routed, "nothing documented that is not routed");

    let id = f.start("desk", 1.0, None).await;
    // Over, so that its event stream ends; an intent then answers 409, which is still an answer.
    let (status, _) = f.post(&format!("/api/v1/sessions/{id}/intents"), None, json!({"intent": "quit"})).await;
    assert_eq!(status, StatusCode::OK);
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let concrete = if path.starts_with("/api/v1/stretches/") {
                path.replace("{id}", "seated-twist")
            } else {
                path.replace("{id}", &id).replace("{stretch}", "seated-twist")
            };
            let method: Method = method.to_uppercase().parse().unwrap();
            let body = match (method.clone(), path.as_str()) {
                (Method::POST, "/api/v1/sessions") => Some(json!({"routine": "desk"})),
                (Method::POST, p) if p.ends_with("/intents") => Some(json!({"intent": "quit"})),
                (Method::POST, "/api/v1/import") => Some(json!({"limber-export": 2, "sessions": []})),
                (Method::PATCH, _) => Some(json!({"voice": true})),
                _ => None,
            };
            let (status, v): (StatusCode, Value) = f.call(method.clone(), &concrete, None, body).await;
            let ok = status.is_success() || (status == StatusCode::CONFLICT && path.ends_with("/intents"));
            assert!(ok, "{method} {concrete} answers {status}: {v}");
        }
    }
}
