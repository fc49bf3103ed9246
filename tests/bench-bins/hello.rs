//! A bare "hello world", the baseline `cargo xtask bench` compares `limber list --json` with.

#![forbid(unsafe_code)]

fn main() {
    println!("hello world");
}
