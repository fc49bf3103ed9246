//! End-to-end tests of limber.
