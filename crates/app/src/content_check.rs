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
            // No position (a file that cannot be read at all) is null, not line 0.
            let at = |n: usize| (n > 0).then_some(n);
            let problems: Vec<_> = diagnostics
                .iter()
                .map(|d| {
                    json!({"file": d.file, "line": at(d.line), "column": at(d.column), "problem": d.problem.to_string()})
                })
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
                value["problems"] = json!([]);
                value.to_string()
            } else {
                checked.to_string()
            };
            Ok(CheckReport { ok: true, stdout, stderr: String::new() })
        }
        Err(Error::Invalid(diagnostics)) => Ok(failed(diagnostics)),
        // A folder that cannot be read: a script asking for JSON still gets JSON, in the same
        // shape, and a person the message.
        Err(other) if as_json => {
            let file = dir.map(|d| d.display().to_string());
            let problem = json!({"file": file, "line": null, "column": null, "problem": other.to_string()});
            Ok(CheckReport {
                ok: false,
                stdout: json!({"ok": false, "problems": [problem]}).to_string(),
                stderr: format!("cannot check the content: {other}"),
            })
        }
        Err(other) => Err(other),
    }
}
