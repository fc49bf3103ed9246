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
    components(schemas(crate::error::ErrorBody, crate::error::ErrorInfo, crate::live::SessionState, crate::live::Kind)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// This document, as JSON.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "health", responses((status = 200, body = serde_json::Value)))]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
