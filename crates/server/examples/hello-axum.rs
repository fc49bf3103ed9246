//! A bare axum "hello world" on the same axum, tokio, runtime and allocator as `limber-server`: the
//! baseline `cargo xtask bench` loads with the same tool and settings. Not part of the shipped
//! binary.
//!
//! `hello-axum [ADDR]` listens on ADDR (`127.0.0.1:0` by default, a free port) and prints
//! `listening on http://ADDR` to stderr.

#![forbid(unsafe_code)]

use axum::Router;
use axum::routing::get;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::io::Result<()> {
    let bind = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".to_owned());
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(async {
        let listener = tokio::net::TcpListener::bind(&bind).await?;
        eprintln!("hello-axum listening on http://{}", listener.local_addr()?);
        let app = Router::new().route("/", get(|| async { "Hello, World!" }));
        axum::serve(listener, app).await
    })
}
