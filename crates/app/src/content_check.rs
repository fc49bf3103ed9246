//! The report of a content check, as text or JSON, for `limber content check` and `cargo xtask content check`.

use std::path::Path;

use limber_content::{Diagnostic, Error};
use serde_json::json;

/// What a content check prints, and whether the content passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckReport {
    /// The content loads: every file parses and every rule holds.
    pub ok: bool,
    /// For standard output: the summary (text or JSON), or with `--json` the problems too.
    pub stdout: String,
    /// For standard error: the problems, one `file:line:column: problem` per line.
    pub stderr: String,
}

impl CheckReport {
    /// Prints the report where it belongs and gives the exit code: success, or 1 on a problem.
    pub fn print(&self) -> std::process::ExitCode {
        if !self.stdout.is_empty() {
            println!("{}", self.stdout);
        }
        if !self.stderr.is_empty() {
            eprintln!("{}", self.stderr);
        }
        if self.ok { std::process::ExitCode::SUCCESS } else { std::process::ExitCode::FAILURE }
    }
}

/// Checks the built-in content with `dir`'s files layered over it (see [`limber_content::check`]).
/// Content problems are a report that did not pass; only a directory that cannot be read is an error.
pub fn check_content(dir: Option<&Path>, as_json: bool) -> Result<CheckReport, Error> {
    let failed = |diagnostics: Vec<Diagnostic>| {
        if as_json {
            let problems: Vec<_> = diagnostics
                .iter()
                .map(|d| json!({"file": d.file, "line": d.line, "column": d.column, "problem": d.problem.to_string()}))
                .collect();
            CheckReport {
                ok: false,
                stdout: json!({"ok": false, "problems": problems}).to_string(),
                stderr: String::new(),
            }
        } else {
            CheckReport { ok: false, stdout: String::new(), stderr: Error::Invalid(diagnostics).to_string() }
        }
    };
    match limber_content::check(dir) {
        Ok(checked) => {
            let stdout = if as_json {
                let mut value = serde_json::to_value(&checked).unwrap_or_default();
                value["ok"] = json!(true);
                value.to_string()
            } else {
                checked.to_string()
            };
            Ok(CheckReport { ok: true, stdout, stderr: String::new() })
        }
        Err(Error::Invalid(diagnostics)) => Ok(failed(diagnostics)),
        Err(other) => Err(other),
    }
}
