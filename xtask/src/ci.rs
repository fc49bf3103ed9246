//! `cargo xtask ci`: every check CI runs, in order, stopping at the first failure.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::Context;

use crate::root;

/// One CI step: a name to report, the cargo arguments that run it and extra environment.
struct Step {
    name: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
}

const STEPS: &[Step] = &[
    Step { name: "format", args: &["fmt", "--all", "--check"], env: &[] },
    Step {
        name: "clippy",
        args: &["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"],
        env: &[],
    },
    Step { name: "tests", args: &["test", "--workspace", "--all-targets", "--locked"], env: &[] },
    Step { name: "doc tests", args: &["test", "--workspace", "--doc", "--locked"], env: &[] },
    // Broken intra-doc links and undocumented public items of core and content fail here.
    Step {
        name: "docs",
        args: &["doc", "--workspace", "--no-deps", "--locked"],
        env: &[("RUSTDOCFLAGS", "-D warnings")],
    },
    // A short run of about a minute per fuzz target (five of them); `cargo xtask fuzz --seconds N` runs longer.
    Step { name: "fuzz", args: &["run", "--quiet", "--package", "xtask", "--", "fuzz", "--seconds", "60"], env: &[] },
    Step { name: "content check", args: &["run", "--quiet", "--package", "xtask", "--", "content", "check"], env: &[] },
];

/// Where Debian's Chromium lives; the page test drives it through chromedriver.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Installs Debian's `chromium` and `chromium-driver` when missing (CI starts from a fresh
/// machine), so the browser test runs instead of skipping. Idempotent: does nothing when both
/// are there.
fn browser() -> anyhow::Result<bool> {
    eprintln!("==> [0/{}] browser: apt-get install -y chromium chromium-driver (when missing)", STEPS.len());
    let t = Instant::now();
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        eprintln!("    browser already installed ({:.1?})", t.elapsed());
        return Ok(true);
    }
    if let Err(e) = crate::apt::install(&["chromium", "chromium-driver"]) {
        eprintln!("xtask ci: FAILED at step 0 (browser) after {:.1?}: {e:#}", t.elapsed());
        return Ok(false);
    }
    eprintln!("    browser passed in {:.1?}", t.elapsed());
    Ok(true)
}

/// Free space on the disk that holds the repository (and `target/`, unless `CARGO_TARGET_DIR`
/// moves it), for the log: a fresh CI machine may have only a few GB, and a build that runs out
/// says so only deep inside a compiler error.
fn disk_free() -> String {
    match nix::sys::statvfs::statvfs(root()) {
        Ok(fs) => {
            let bytes = fs.blocks_available() * fs.fragment_size();
            format!("{:.1} GB free", bytes as f64 / 1e9)
        }
        Err(e) => format!("free space unknown ({e})"),
    }
}

pub(crate) fn run() -> anyhow::Result<ExitCode> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let started = Instant::now();
    let mut times = Vec::new();
    eprintln!("xtask ci: {} on the disk of {}", disk_free(), root().display());
    if !browser()? {
        return Ok(ExitCode::FAILURE);
    }
    eprintln!("==> [0/{}] postgres: a throwaway cluster (initdb + pg_ctl in a temporary directory)", STEPS.len());
    let t = Instant::now();
    // Stopped when dropped: after the last step, or the first that fails.
    let cluster = match crate::pg::Cluster::start(false) {
        Ok(cluster) => cluster,
        Err(e) => {
            eprintln!("xtask ci: FAILED at step 0 (postgres) after {:.1?}: {e:#}", t.elapsed());
            return Ok(ExitCode::FAILURE);
        }
    };
    eprintln!("    postgres listening at {} ({:.1?})", cluster.url, t.elapsed());
    for (n, step) in STEPS.iter().enumerate() {
        eprintln!("==> [{}/{}] {}: cargo {}", n + 1, STEPS.len(), step.name, step.args.join(" "));
        let t = Instant::now();
        let status = Command::new(&cargo)
            .args(step.args)
            .envs(step.env.iter().copied())
            // The page test must run, not skip, now that the browser is installed.
            .env("LIMBER_REQUIRE_BROWSER", "1")
            // And the PostgreSQL stories and multi-instance tests, on the throwaway cluster.
            .env("LIMBER_TEST_DATABASE_URL", &cluster.url)
            .env("LIMBER_REQUIRE_POSTGRES", "1")
            .current_dir(root())
            .status()
            .with_context(|| format!("could not start `cargo` for the {} step", step.name))?;
        if !status.success() {
            eprintln!(
                "xtask ci: FAILED at step {} ({}) after {:.1?}; {} left",
                n + 1,
                step.name,
                t.elapsed(),
                disk_free()
            );
            return Ok(ExitCode::FAILURE);
        }
        eprintln!("    {} passed in {:.1?}; {} left", step.name, t.elapsed(), disk_free());
        times.push((step.name, t.elapsed()));
    }
    eprintln!("xtask ci: all {} steps passed in {:.1?}", STEPS.len(), started.elapsed());
    for (name, time) in times {
        eprintln!("    {name:<14} {time:>8.1?}");
    }
    Ok(ExitCode::SUCCESS)
}
