//! `cargo xtask content check`: validates content with limber-app's check, as `limber content check` does.

use std::path::Path;
use std::process::ExitCode;

pub(crate) fn check(dir: Option<&Path>, as_json: bool) -> anyhow::Result<ExitCode> {
    Ok(limber_app::content_check::check_content(dir, as_json)?.print())
}
