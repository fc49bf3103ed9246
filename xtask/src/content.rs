//! `cargo xtask content check`: validates content with limber-app's check, as `limber content check` does.

use std::path::Path;
use std::process::ExitCode;

pub(crate) fn check(dir: Option<&Path>, as_json: bool) -> anyhow::Result<ExitCode> {
    let report = limber_app::content_check::check_content(dir, as_json)?;
    if !report.stdout.is_empty() {
        println!("{}", report.stdout);
    }
    if !report.stderr.is_empty() {
        eprintln!("{}", report.stderr);
    }
    Ok(if report.ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
