//! `limber`: guided stretching sessions for mid-back pain, in the terminal.

#![forbid(unsafe_code)]

mod args;
mod context;
mod driver;
mod handout;
mod history;
mod info;
mod output;
mod profile;
mod run;
mod wrap;

use std::process::ExitCode;

use crate::args::Command;

/// Exit code when a session stopped for safety (sharp pain, pain above 5 twice, an emergency
/// sign, or screening advising a clinician first).
pub(crate) const EXIT_SAFETY: u8 = limber_app::EXIT_SAFETY;
/// Exit code for a usage error (bad flag, unknown routine or stretch).
pub(crate) const EXIT_USAGE: u8 = limber_app::EXIT_USAGE;

/// An error caused by how limber was called, reported with exit code 2.
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A closed pipe (`limber history | head -3`) or a closed terminal ends limber quietly instead
/// of with a panic message: printing to it is the only thing that can fail that way. Any other
/// failure to print (a full disk) is an error, exit 1, so a script never takes a cut-off file
/// for a whole one.
fn quiet_on_closed_output() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if let Some(why) = message.strip_prefix("failed printing to std") {
            if why.contains("(os error 32)") || why.contains("(os error 5)") {
                std::process::exit(0);
            }
            let why = why.split_once(": ").map_or(why, |(_, why)| why);
            // Not `eprintln!`: standard error may be the full one, and a panic in this hook
            // would abort instead of exiting 1.
            let _ = std::io::Write::write_fmt(
                &mut std::io::stderr(),
                format_args!("error: cannot write the output: {why}\n"),
            );
            std::process::exit(1);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    quiet_on_closed_output();
    let cli = args::parse();
    let result = match cli.command {
        Command::Run(ref args) => run::run(&cli.global, args),
        Command::List(ref a) => info::list(&cli.global, a.json),
        Command::Show { ref stretch, json, plain } => {
            let draw = !plain && std::io::IsTerminal::is_terminal(&std::io::stdout());
            info::show(&cli.global, stretch, json, draw)
        }
        Command::Routines(ref a) => info::routines(&cli.global, a.json),
        Command::Precautions(ref a) => info::precautions(&cli.global, a.json),
        Command::Tips(ref a) => info::tips(&cli.global, a.json),
        Command::Faq(ref a) => info::faq(&cli.global, a.json),
        Command::About(ref a) => info::about(&cli.global, a.json),
        Command::History(ref args) => history::history(&cli.global, args),
        Command::Stats(ref a) => history::stats(&cli.global, a.json),
        Command::Export { format, ref output } => history::export(&cli.global, format, output.as_deref()),
        Command::Import { ref file } => history::import(&cli.global, file),
        Command::Screening => profile::screening(&cli.global),
        Command::Profile(ref args) => profile::profile(&cli.global, args),
        Command::Handout { ref routine, format, ref output } => {
            handout::handout(&cli.global, Some(routine), format, output.as_deref())
        }
        Command::Completions { shell } => args::completions(shell, &mut std::io::stdout().lock())
            .map(|()| ExitCode::SUCCESS)
            .map_err(context::writing_stdout),
        Command::Content(args::ContentCommand::Check { ref dir, json }) => {
            info::content_check(dir.as_deref().or(cli.global.content.as_deref()), json)
        }
        Command::Man => {
            args::man(&mut std::io::stdout().lock()).map(|()| ExitCode::SUCCESS).map_err(context::writing_stdout)
        }
    };
    match result {
        Ok(code) => code,
        Err(err) if err.is::<context::OutputClosed>() => ExitCode::SUCCESS,
        Err(err) => {
            if let Some(usage) = err.downcast_ref::<UsageError>() {
                eprintln!("error: {}", limber_app::report::shown(&usage.to_string()));
                return ExitCode::from(EXIT_USAGE);
            }
            eprintln!("error: {}", limber_app::report::error_line(err.as_ref()));
            if let Some(hint) = err.chain().find_map(|c| c.downcast_ref::<limber_app::Error>()?.terminal_hint()) {
                eprintln!("{hint}");
            }
            // Damage met partway through: which file that is, for the person to rescue.
            if let Some(file) = limber_app::report::damaged_database(
                err.as_ref(),
                cli.global.data_dir.as_deref(),
                cli.global.database.as_deref(),
            ) {
                eprintln!("{file}");
            }
            // The rescue the damage points to, met by the damage itself: said, not left to loop.
            if matches!(cli.command, Command::Export { .. }) && limber_app::report::is_damage(err.as_ref()) {
                eprintln!(
                    "The export cannot read past the damage either, so it wrote nothing: restore the file from a \
                     backup, or copy it aside before anything else writes to it."
                );
            }
            // No session today after an emergency sign: a refusal for safety, as a stop is.
            match err.downcast_ref::<limber_app::Error>() {
                Some(e) if e.is_safety() => ExitCode::from(EXIT_SAFETY),
                _ => ExitCode::FAILURE,
            }
        }
    }
}
