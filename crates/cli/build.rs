//! Links `limber` as a position-dependent executable on Linux with glibc.
//!
//! `limber list` must start within 1.5× of a hello world. A position-independent `limber` spends
//! part of every start on the dynamic loader applying its ~6,000 relative relocations and on the
//! copy-on-write page faults those writes cause (160 page faults a start against 131). The code
//! stays position-independent; only the final link fixes its address. What that gives up is the
//! randomised load address of `limber`'s own code, a hardening that matters little for a short-lived
//! tool written without `unsafe`; `limber-server` and `limber-tui` stay position-independent.
//! Static builds (musl, `crt-static`) are left as the toolchain makes them.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let static_crt = var("CARGO_CFG_TARGET_FEATURE").split(',').any(|f| f == "crt-static");
    if var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu" && !static_crt {
        println!("cargo:rustc-link-arg-bin=limber=-no-pie");
    }
}
