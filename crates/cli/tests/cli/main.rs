//! End-to-end tests of the `limber` binary: real processes, a temporary data directory each.

mod errors;
mod handout;
mod history;
mod info;
mod pty;
mod safety;
mod sessions;
mod support;
