//! Integration tests of limber-core: transcripts of scripted sessions, plan resolution and properties.

mod harness;
mod headlines;
mod plan;
mod progress;
mod props;
mod transcripts;
