//! End-to-end tests of limber: the real content tree, broken-content fixtures and whole sessions.

mod broken;
mod content;
mod figures;
mod session;
mod tidy;
