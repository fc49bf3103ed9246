//! `cargo xtask bench`: runs the benchmarks and prints each figure against its goal.

use std::path::Path;
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};

use crate::root;

/// A figure measured by a criterion benchmark, with its goal.
struct Goal {
    /// Criterion's id for the benchmark (its directory under `target/criterion`).
    id: &'static str,
    /// What is measured, in words.
    figure: &'static str,
    /// The goal, in nanoseconds (the figure must stay under it).
    under_ns: f64,
    /// The goal in words.
    goal: &'static str,
}

const GOALS: &[Goal] = &[
    Goal { id: "content_load_builtin", figure: "load + validate built-in content", under_ns: 1e6, goal: "< 1 ms" },
    Goal {
        id: "core_full_routine_100ms_ticks",
        figure: "full-routine session, 100 ms ticks",
        under_ns: 1e6,
        goal: "< 1 ms",
    },
];

pub(crate) fn run() -> anyhow::Result<ExitCode> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("==> cargo bench -p limber-tests --bench core (a minute or so)");
    let status = Command::new(&cargo)
        .args(["bench", "--package", "limber-tests", "--bench", "core", "--locked"])
        .current_dir(root())
        .status()
        .context("could not start `cargo bench`")?;
    if !status.success() {
        bail!("the benchmarks failed to build or run");
    }
    let criterion = root().join("target").join("criterion");
    let mut rows = Vec::new();
    let mut all_met = true;
    for goal in GOALS {
        let median = median_ns(&criterion, goal.id)?;
        let ratio = median / goal.under_ns;
        all_met &= ratio < 1.0;
        rows.push([goal.figure.to_owned(), human(median), goal.goal.to_owned(), format!("{ratio:.3}")]);
    }
    print_table(&["figure", "median", "goal", "ratio to goal"], &rows);
    if !all_met {
        eprintln!("some figures miss their goal");
    }
    Ok(ExitCode::SUCCESS)
}

/// Criterion's median estimate for benchmark `id`, in nanoseconds.
fn median_ns(criterion: &Path, id: &str) -> anyhow::Result<f64> {
    let path = criterion.join(id).join("new").join("estimates.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("no estimates at {}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("bad JSON in {}", path.display()))?;
    value["median"]["point_estimate"].as_f64().with_context(|| format!("no median in {}", path.display()))
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

pub(crate) fn print_table(header: &[&str], rows: &[[String; 4]]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> =
            cells.iter().zip(&widths).map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count()))).collect();
        println!("| {} |", padded.join(" | "));
    };
    line(header.to_vec());
    println!("|{}|", widths.iter().map(|w| "-".repeat(w + 2)).collect::<Vec<_>>().join("|"));
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}
