//! `limber`: guided stretching sessions for mid-back pain, in the terminal.

#![forbid(unsafe_code)]

mod args;
mod context;
mod driver;
mod history;
mod info;
mod profile;
mod run;
mod say;
mod when;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

/// Exit code when a session stopped for safety (sharp pain, an emergency sign, or screening
/// advising a clinician first).
pub(crate) const EXIT_SAFETY: u8 = 3;
/// Exit code for a usage error (bad flag, unknown routine or stretch).
pub(crate) const EXIT_USAGE: u8 = 2;

/// An error caused by how limber was called, reported with exit code 2.
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(ref args) => run::run(&cli.global, args),
        Command::List(ref a) => info::list(&cli.global, a.json),
        Command::Show { ref stretch, json } => info::show(&cli.global, stretch, json),
        Command::Routines(ref a) => info::routines(&cli.global, a.json),
        Command::Precautions(ref a) => info::precautions(&cli.global, a.json),
        Command::Tips(ref a) => info::tips(&cli.global, a.json),
        Command::Faq(ref a) => info::faq(&cli.global, a.json),
        Command::About(ref a) => info::about(&cli.global, a.json),
        Command::History { since, json } => history::history(&cli.global, since, json),
        Command::Stats(ref a) => history::stats(&cli.global, a.json),
        Command::Export { format, ref output } => history::export(&cli.global, format, output.as_deref()),
        Command::Import { ref file } => history::import(&cli.global, file),
        Command::Screening => profile::screening(&cli.global),
        Command::Profile(ref args) => profile::profile(&cli.global, args),
        Command::Completions { shell } => {
            args::completions(shell);
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            if let Some(usage) = err.downcast_ref::<UsageError>() {
                eprintln!("error: {usage}");
                return ExitCode::from(EXIT_USAGE);
            }
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
