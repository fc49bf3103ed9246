//! `cargo xtask content check`: validates content with limber-content's own loader.

use std::path::Path;
use std::process::ExitCode;

use limber_content::{Error, Loader, Summary};
use serde_json::json;

pub(crate) fn check(dir: Option<&Path>, as_json: bool) -> anyhow::Result<ExitCode> {
    let mut loader = Loader::builtin();
    if let Some(dir) = dir {
        match loader.add_dir(dir) {
            Ok(_) => {}
            // A file that is not text is a content problem, reported like the others.
            Err(Error::Invalid(diagnostics)) => {
                report(&diagnostics, as_json)?;
                return Ok(ExitCode::FAILURE);
            }
            Err(other) => return Err(other.into()),
        }
    }
    match loader.build() {
        Ok(library) => {
            let summary = Summary::of(&library, loader.files().len());
            if as_json {
                let value = json!({
                    "ok": true,
                    "files": summary.files,
                    "stretches": summary.stretches,
                    "routines": summary.routines,
                    "precautions": summary.precautions,
                    "tips": summary.tips,
                    "faq": summary.faq,
                    "screening": summary.screening,
                });
                println!("{value}");
            } else {
                println!("{summary}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(Error::Invalid(diagnostics)) => {
            report(&diagnostics, as_json)?;
            Ok(ExitCode::FAILURE)
        }
        Err(other) => Err(other.into()),
    }
}

fn report(diagnostics: &[limber_content::Diagnostic], as_json: bool) -> anyhow::Result<()> {
    if as_json {
        let problems: Vec<_> = diagnostics
            .iter()
            .map(|d| json!({"file": d.file, "line": d.line, "column": d.column, "problem": d.problem.to_string()}))
            .collect();
        println!("{}", json!({"ok": false, "problems": problems}));
    } else {
        eprintln!("{}", Error::Invalid(diagnostics.to_vec()));
    }
    Ok(())
}
