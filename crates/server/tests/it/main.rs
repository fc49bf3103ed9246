//! limber-server's tests: the router in process, the OpenAPI document, the real binary over
//! HTTP, several instances on one PostgreSQL, and the page in a real headless Chromium.

#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub, missing_docs)]

mod binary;
mod browser;
mod http;
mod instances;
mod openapi;
mod router;
mod support;
