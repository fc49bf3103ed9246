//! Integration tests of limber-core: transcripts of scripted sessions, plan resolution and properties.

mod harness;
mod plan;
mod props;
mod transcripts;
