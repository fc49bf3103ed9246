//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` attributes.

use axum::Json;
use utoipa::OpenApi;

use crate::api;

/// The API's document.
#[derive(OpenApi)]
#[openapi(
    info(title = "limber", description = "Guided stretches for mid-back pain: content, live sessions, history."),
    paths(
        api::health, crate::openapi::document, api::stretches, api::stretch, api::routines, api::precautions,
        api::tips, api::faq, api::screening_questions, api::source, api::list_sessions, api::create_session,
        api::get_session, api::send_intent, api::events, api::history, api::stats, api::export, api::import,
        api::profile, api::update_profile, api::clear_flag, api::latest_screening, api::start_screening,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorInfo, crate::live::SessionState, crate::live::Outcome, crate::live::Kind)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

/// The routes anyone may call, token or not: health, this document and the content.
pub const PUBLIC: &[&str] = &[
    "/healthz",
    "/api/v1/openapi.json",
    "/api/v1/stretches",
    "/api/v1/stretches/{id}",
    "/api/v1/routines",
    "/api/v1/precautions",
    "/api/v1/tips",
    "/api/v1/faq",
    "/api/v1/screening/questions",
    "/api/v1/source",
];

/// The bearer scheme every personal route needs (each says it may answer 401); the public
/// routes need none.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        use utoipa::openapi::{RefOr, ResponseBuilder};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        let error = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        utoipa::openapi::ContentBuilder::new()
                            .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("ErrorBody"))))
                            .build(),
                    )
                    .build(),
            )
        };
        let unauthorized = error("No token, a token that is not valid, or one sent where it is not taken");
        // What every personal route may answer besides its own, and what every body may meet.
        let personal = [
            (
                "403",
                error(
                    "`cross-site`: on an open server, a call without a token from another web site, through a \
                     proxy, or to a name that is not this machine's loopback",
                ),
            ),
            (
                "503",
                error(
                    "`storage-unavailable` (read-only or full), `storage-busy` or `storage-unreachable`: the \
                     database could not be used; nothing was changed. The last two say when to try again \
                     (`Retry-After`)",
                ),
            ),
            ("410", error("`user-removed`: the person an open server acts for was removed while it ran")),
        ];
        let timeout = error("`timeout`: the request, its body included, took longer than the server allows");
        let uri_too_long =
            error(&format!("`uri-too-long`: the path and query are over {} KiB", crate::URI_LIMIT / 1024));
        let headers_too_large =
            error(&format!("`headers-too-large`: the header fields hold over {} KiB", crate::HEADER_LIMIT / 1024));
        let with_body = [
            ("400", error("`malformed-json`: the body is not JSON, or `bad-request`: it could not be read")),
            ("413", error("`payload-too-large`: the body is over the limit, which the message gives")),
            ("415", error("`unsupported-media-type`: the body is not sent as JSON")),
            ("422", error("`invalid-body`: JSON, but not what this route takes (the message says what)")),
        ];
        // Words for an error a route declares without them (the route's own status, not one
        // added above, which `or_insert` leaves as the route has it).
        let said = |status: &str| match status {
            "400" => "`bad-query` or `malformed-json`: the request could not be read as it was sent",
            "404" => "`not-found`: no such id, or not yours",
            "409" => {
                "`over`, `not-now`, `too-many-sessions` or `emergency-today`: it does not apply now (the message says \
                 why); `profile-unreadable`: the stored profile cannot be read until its equipment and positions to \
                 avoid are sent anew together"
            }
            "410" => {
                "`over`: the session ended and is no longer held (the recorded one in `detail`), or \
                      `user-removed`: the person an open server acts for was removed"
            }
            "413" => "`payload-too-large`: the body is over the limit, which the message gives",
            "422" => "`invalid-body`: not what this route takes (the message says what)",
            "503" => "the database does not answer",
            _ => "an error, in the API's error shape",
        };
        for (path, item) in &mut openapi.paths.paths {
            let public = PUBLIC.contains(&path.as_str());
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                let responses = &mut operation.responses.responses;
                responses.entry("408".to_owned()).or_insert_with(|| timeout.clone());
                responses.entry("414".to_owned()).or_insert_with(|| uri_too_long.clone());
                responses.entry("431".to_owned()).or_insert_with(|| headers_too_large.clone());
                if public {
                    // An empty list overrides the document's bearer requirement.
                    operation.security = Some(Vec::new());
                } else {
                    responses.insert("401".to_owned(), unauthorized.clone());
                    for (status, response) in &personal {
                        responses.entry((*status).to_owned()).or_insert_with(|| response.clone());
                    }
                }
                if operation.request_body.is_some() {
                    for (status, response) in &with_body {
                        responses.entry((*status).to_owned()).or_insert_with(|| response.clone());
                    }
                }
                for (status, response) in responses.iter_mut() {
                    if let RefOr::T(response) = response
                        && response.description.is_empty()
                        && status.as_str() >= "400"
                    {
                        response.description = said(status).to_owned();
                    }
                }
            }
        }
    }
}

/// This document, as JSON.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "health", responses((status = 200, body = serde_json::Value)))]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
