//! `cargo xtask ci`: every check CI runs, in order, stopping at the first failure.

use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::Context;

use crate::root;

/// One CI step: a name to report and the cargo arguments that run it.
struct Step {
    name: &'static str,
    args: &'static [&'static str],
}

const STEPS: &[Step] = &[
    Step { name: "format", args: &["fmt", "--all", "--check"] },
    Step { name: "clippy", args: &["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"] },
    Step { name: "tests", args: &["test", "--workspace", "--all-targets", "--locked"] },
    Step { name: "doc tests", args: &["test", "--workspace", "--doc", "--locked"] },
    Step { name: "content check", args: &["run", "--quiet", "--package", "xtask", "--", "content", "check"] },
];

pub(crate) fn run() -> anyhow::Result<ExitCode> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let started = Instant::now();
    for (n, step) in STEPS.iter().enumerate() {
        eprintln!("==> [{}/{}] {}: cargo {}", n + 1, STEPS.len(), step.name, step.args.join(" "));
        let t = Instant::now();
        let status = Command::new(&cargo)
            .args(step.args)
            .current_dir(root())
            .status()
            .with_context(|| format!("could not start `cargo` for the {} step", step.name))?;
        if !status.success() {
            eprintln!("xtask ci: FAILED at step {} ({}) after {:.1?}", n + 1, step.name, t.elapsed());
            return Ok(ExitCode::FAILURE);
        }
        eprintln!("    {} passed in {:.1?}", step.name, t.elapsed());
    }
    eprintln!("xtask ci: all {} steps passed in {:.1?}", STEPS.len(), started.elapsed());
    Ok(ExitCode::SUCCESS)
}
