//! Integration tests of limber-core: transcripts of scripted sessions, plan resolution and properties.

mod harness;
mod phase_words;
mod plan;
mod progress;
mod props;
mod transcripts;
