//! Maintainer tasks for limber: `cargo xtask ci`, `cargo xtask content check [DIR]`, `cargo xtask bench`,
//! `cargo xtask figures`, `cargo xtask handout`, `cargo xtask dist`, `cargo xtask fuzz`.

#![forbid(unsafe_code)]

mod apt;
mod bench;
mod ci;
mod content;
mod dist;
mod figures;
mod fuzz;
mod fuzz_targets;
mod handout;
mod history_bench;
mod pg;
mod server_bench;
mod tui_bench;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Maintainer tasks for limber.
#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version, about)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Run every check CI runs: formatting, clippy, the whole test suite and the content check.
    Ci,
    /// Work with RON content.
    Content {
        #[command(subcommand)]
        action: ContentAction,
    },
    /// Run the benchmarks and print each figure against its goal.
    Bench {
        /// Run only this part: `server` (limber-server against a bare axum hello world) or
        /// `history` (history, stats and import against large generated stores).
        #[arg(value_enum)]
        part: Option<BenchPart>,
        /// Hold the server's 1,000 event streams for 20 s instead of the full minute.
        #[arg(long)]
        quick: bool,
    },
    /// Write every stretch's key poses as SVG files (`<stretch>-<pose>.svg`, and `<stretch>.svg`
    /// for the held pose).
    Figures {
        /// Where to write them.
        #[arg(long, default_value = "target/figures")]
        out: PathBuf,
    },
    /// Write a printable sheet of a routine (the same as `limber handout`, from the built-in content).
    Handout {
        /// The routine.
        #[arg(default_value = limber_app::handout::DEFAULT_ROUTINE)]
        routine: String,
        /// html (print styles for A4 and Letter) or md.
        #[arg(long, value_enum, default_value_t = HandoutFormat::Html)]
        format: HandoutFormat,
        /// Write here instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Build the three binaries for release with their man pages and shell completions, and a
    /// SHA256SUMS file, into target/dist/.
    Dist {
        /// The cargo profile to build with (`dev` for a quick check of the bundle).
        #[arg(long, default_value = "release")]
        profile: String,
        /// Where to put the bundle.
        #[arg(long, default_value = "target/dist")]
        out: PathBuf,
    },
    /// Fuzz the content loader, the session (replay == live), typed lines, import files and the
    /// server's request decoding; a failing input is saved as a regression test.
    Fuzz {
        /// Seconds per target.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Only this target: content, session, line, import or server.
        target: Option<String>,
    },
    /// Run a command and print its peak resident memory in kilobytes (used by `bench`).
    #[command(hide = true)]
    Rss {
        /// The command and its arguments.
        #[arg(required = true, trailing_var_arg = true)]
        command: Vec<PathBuf>,
    },
}

/// How `cargo xtask handout` writes the sheet.
#[derive(Clone, Copy, clap::ValueEnum)]
enum HandoutFormat {
    /// HTML with print styles.
    Html,
    /// Markdown.
    Md,
}

/// A part of `cargo xtask bench` that can run on its own.
#[derive(Clone, Copy, clap::ValueEnum)]
enum BenchPart {
    /// limber-server: requests per second, memory of live sessions, event streams.
    Server,
    /// History, stats and import: 1,000 users × 1,000 sessions, and 100,000 sessions of one user.
    History,
    /// POST intent on a throwaway PostgreSQL: one instance, then two; median latency.
    Postgres,
    /// limber-tui: frame times, and its CPU and memory while a hold counts down.
    Tui,
    /// How fast `limber list --json` starts, against a hello world.
    Startup,
}

#[derive(Subcommand)]
enum ContentAction {
    /// Validate the built-in content, or a directory of RON files layered on top of it.
    Check {
        /// A directory of the user's own `.ron` files; without it, the built-in content is checked.
        dir: Option<PathBuf>,
        /// Print the summary or the problems as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Ci => ci::run(),
        Task::Content { action: ContentAction::Check { dir, json } } => content::check(dir.as_deref(), json),
        Task::Bench { part, quick } => {
            let part = match part {
                None => bench::Part::All,
                Some(BenchPart::Server) => bench::Part::Server,
                Some(BenchPart::History) => bench::Part::History,
                Some(BenchPart::Postgres) => bench::Part::Postgres,
                Some(BenchPart::Tui) => bench::Part::Tui,
                Some(BenchPart::Startup) => bench::Part::Startup,
            };
            bench::run(part, quick)
        }
        Task::Figures { out } => figures::write(&if out.is_absolute() { out } else { root().join(out) }),
        Task::Handout { routine, format, output } => {
            let format = match format {
                HandoutFormat::Html => limber_app::handout::Format::Html,
                HandoutFormat::Md => limber_app::handout::Format::Markdown,
            };
            handout::write(Some(&routine), format, output.as_deref())
        }
        Task::Dist { profile, out } => dist::run(&profile, &if out.is_absolute() { out } else { root().join(out) }),
        Task::Fuzz { seconds, target } => fuzz::run(seconds, target.as_deref()),
        Task::Rss { command } => bench::rss(&command),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root, found from this crate's manifest directory.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."))
}
