//! Rebuilds the crate when a migration changes: `sqlx::migrate!` embeds the folder.

#![forbid(unsafe_code)]

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
