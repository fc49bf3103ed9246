//! The command line: every subcommand, flag and value, as clap derives.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use limber_app::local::StoreChoice;
use limber_core::{Equipment, Position};

/// Guided stretches for mid (thoracic) back pain: screening, warm-up, step-by-step cues and a
/// live countdown for every hold, with history and progression kept on this machine.
#[derive(Parser)]
#[command(name = "limber", version, long_about = None, after_help = AFTER_HELP, arg_required_else_help = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

const AFTER_HELP: &str = "Exit codes: 0 done, 1 error, 2 usage error, 3 session stopped for safety \
(sharp pain, pain above 5 twice or once with a yes to stopping, an emergency sign, or screening advising a clinician first) \
or no session started within a day of an emergency sign, \
130 a session ended by Ctrl-C (143 SIGTERM, 129 SIGHUP).\n\
limber gives no diagnosis; if your pain is severe, long-standing or worrying, see a clinician.";

/// What `limber run --help` ends with: the keys of a session (the safety ones first), the lines
/// a script types, examples and the exit codes.
const RUN_HELP: &str = "During a session on a terminal, single keys act at once:
  x       sharp pain: stops at once, at any moment, prompts included
  e       chest pain or breathlessness: twice within 4 s, emergency advice
  space   pause / resume          Enter   start the stretch now
  s skip  a swap  d discomfort  c comfortable  0-9 your pain (1 then 0 is 10)  q quit
With input piped in, one command per line (pain sharp, chest, pain N, pause, resume, start, skip,
swap, discomfort, comfortable, quit, yes, no); `@SECONDS command` acts at that session time.

Examples (`limber routines` lists the routines):
  limber run desk                              the seated desk break, with the warm-up
  limber run no-kneel --no-warmup              no kneeling, no equipment, no warm-up
  limber run full --voice --pain-before 3      cues spoken aloud, today's pain given ahead
  limber run desk --plain                      one line per cue, for a screen reader

Exit codes: 0 done (q included), 1 error, 2 usage error, 3 stopped for safety, 130 Ctrl-C
(143 SIGTERM, 129 SIGHUP: a closed terminal).";

/// The command line, with one store kept as [`limber_app::local::choose_store`] says.
pub(crate) fn parse() -> Cli {
    limber_app::local::parse_choosing_store(
        |cli: &Cli| !matches!(cli.command, Command::Completions { .. } | Command::Man),
        |cli, keep| match keep {
            StoreChoice::Dir => cli.global.database = None,
            StoreChoice::Url => cli.global.data_dir = None,
        },
    )
}

/// Options every command takes.
#[derive(Args)]
pub(crate) struct Global {
    /// Where limber keeps its database (default: the platform data directory).
    // Values of the environment are not shown in help: unset, clap's `[env: X=]` reads as "set
    // to nothing".
    #[arg(
        long,
        global = true,
        env = "LIMBER_DATA_DIR",
        value_name = "DIR",
        hide_env_values = true,
        help_heading = "Global options"
    )]
    pub(crate) data_dir: Option<PathBuf>,
    /// Keep everything in the PostgreSQL database at URL (`postgres://user:password@host/db`)
    /// instead of the SQLite file, e.g. to import a history into a clinic's server.
    // Its value is never shown in help: it may hold a password.
    #[arg(
        long,
        global = true,
        env = "LIMBER_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true,
        help_heading = "Global options"
    )]
    pub(crate) database: Option<String>,
    /// A directory of your own RON content, layered over the built-in content.
    #[arg(
        long,
        global = true,
        env = "LIMBER_CONTENT",
        value_name = "DIR",
        hide_env_values = true,
        help_heading = "Global options"
    )]
    pub(crate) content: Option<PathBuf>,
}

#[derive(Args)]
pub(crate) struct JsonFlag {
    /// Print JSON instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

/// The subcommands. Each one's arguments are built only when it is the one invoked
/// (`defer`), which keeps start-up short for quick commands like `limber list`.
#[derive(Subcommand)]
#[command(defer = true)]
pub(crate) enum Command {
    /// Run a guided session (the main job). Screening runs first on first use.
    #[command(after_help = RUN_HELP)]
    Run(RunArgs),
    /// List the stretches.
    List(JsonFlag),
    /// Show one stretch in full: steps, dose, breathing, cautions, alternatives.
    Show {
        /// The stretch id (see `limber list`).
        stretch: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Text only: no drawing of the key poses (they are drawn only when stdout is a terminal).
        #[arg(long)]
        plain: bool,
    },
    /// List the routines.
    Routines(JsonFlag),
    /// The precautions to read before stretching.
    Precautions(JsonFlag),
    /// Tips for managing mid-back pain beyond stretching.
    Tips(JsonFlag),
    /// Questions and answers.
    Faq(JsonFlag),
    /// Where the content comes from.
    About(JsonFlag),
    /// Past sessions, the most recent first: the latest 20 unless told otherwise.
    History(HistoryArgs),
    /// This week against your goal, your streak, hold times and the pain trend.
    Stats(JsonFlag),
    /// Write your history to a file (or standard output).
    Export {
        /// json keeps everything and can be imported again; csv has one row per stretch.
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
        /// Write here instead of standard output (`-`: standard output).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Add sessions from a JSON export; sessions already present are skipped.
    Import {
        /// A file written by `limber export --format json` (or a session limber kept for you when
        /// it could not save it), or `-` for standard input.
        file: PathBuf,
    },
    /// Answer the safety screening questions again.
    Screening,
    /// Show or change your defaults: equipment, positions to avoid, weekly goal, voice, sound.
    Profile(ProfileArgs),
    /// Write a printable sheet of a routine: its stretches with their figures, steps, dose and
    /// cautions, the warm-up, the safety advice and the source.
    Handout {
        /// The routine (see `limber routines`).
        #[arg(default_value = limber_app::handout::DEFAULT_ROUTINE)]
        routine: String,
        /// html is one page with print styles (A4 and Letter); md is Markdown.
        #[arg(long, value_enum, default_value_t = HandoutFormat::Html)]
        format: HandoutFormat,
        /// Write here instead of standard output (`-`: standard output).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Check your own RON content before you use it.
    #[command(subcommand)]
    Content(ContentCommand),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), for packagers and `cargo xtask dist`.
    #[command(hide = true)]
    Man,
}

/// What `limber content` does (built only when invoked, as the top-level commands are).
#[derive(Subcommand)]
#[command(defer = true)]
pub(crate) enum ContentCommand {
    /// Validate a directory of your own .ron files layered over the built-in content: every
    /// problem as file:line:column, and which built-in items your files replace. Exits with 1
    /// when there is a problem.
    Check {
        /// The directory (default: the one --content or LIMBER_CONTENT names; without either, the
        /// built-in content alone is checked).
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// How `limber handout` writes the sheet.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum HandoutFormat {
    /// HTML with print styles.
    Html,
    /// Markdown.
    Md,
}

// Which sessions `limber history` shows, and how (its help is the subcommand's own line).
#[derive(Args)]
pub(crate) struct HistoryArgs {
    /// Only sessions on or after this date (YYYY-MM-DD, local time); every one of them unless
    /// --limit is given too.
    #[arg(long, value_name = "DATE", value_parser = limber_app::when::parse_date)]
    pub(crate) since: Option<jiff::civil::Date>,
    /// Show at most N sessions, the most recent (20 by default).
    #[arg(long, value_name = "N", conflicts_with = "all", value_parser = limber_app::flags::at_least_one, allow_negative_numbers = true)]
    pub(crate) limit: Option<u64>,
    /// Show every session.
    #[arg(long)]
    pub(crate) all: bool,
    /// Print one JSON list instead of text.
    #[arg(long, conflicts_with = "jsonl")]
    pub(crate) json: bool,
    /// Print JSON Lines: one session per line, written as it is read.
    #[arg(long)]
    pub(crate) jsonl: bool,
}

/// Sessions `limber history` shows when neither --limit, --all nor --since says otherwise.
pub(crate) const HISTORY_PAGE: u64 = 20;

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum ExportFormat {
    Json,
    Csv,
}

/// Equipment as written on the command line.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EquipmentArg {
    Chair,
    FoamRoller,
    Towel,
    /// No equipment at all.
    None,
}

/// Positions as written on the command line.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PositionArg {
    Kneeling,
    Seated,
    Standing,
    LyingOnBack,
    LyingOnSide,
    /// No position to avoid.
    None,
}

/// The positions named by a list, `none` meaning the empty set (and only alone, as for
/// [`equipment`]).
pub(crate) fn positions(list: &[PositionArg]) -> Result<Vec<Position>, crate::UsageError> {
    let named: Vec<Option<()>> = list.iter().map(|p| (*p != PositionArg::None).then_some(())).collect();
    if !limber_app::flags::none_alone(&named) {
        return Err(crate::UsageError(limber_app::flags::AVOID_NONE_ALONE.to_owned()));
    }
    Ok(list
        .iter()
        .filter_map(|p| match p {
            PositionArg::Kneeling => Some(Position::Kneeling),
            PositionArg::Seated => Some(Position::Seated),
            PositionArg::Standing => Some(Position::Standing),
            PositionArg::LyingOnBack => Some(Position::LyingOnBack),
            PositionArg::LyingOnSide => Some(Position::LyingOnSide),
            PositionArg::None => None,
        })
        .collect())
}

/// The equipment named by a list, `none` meaning the empty set (and only alone: `none,chair`
/// is a mistake, not a chair).
pub(crate) fn equipment(list: &[EquipmentArg]) -> Result<Vec<Equipment>, crate::UsageError> {
    let named: Vec<Option<()>> = list.iter().map(|e| (*e != EquipmentArg::None).then_some(())).collect();
    if !limber_app::flags::none_alone(&named) {
        return Err(crate::UsageError(limber_app::flags::EQUIPMENT_NONE_ALONE.to_owned()));
    }
    let mut out: Vec<Equipment> = list
        .iter()
        .filter_map(|e| match e {
            EquipmentArg::Chair => Some(Equipment::Chair),
            EquipmentArg::FoamRoller => Some(Equipment::FoamRoller),
            EquipmentArg::Towel => Some(Equipment::Towel),
            EquipmentArg::None => None,
        })
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

#[derive(Args)]
pub(crate) struct RunArgs {
    /// The routine to run (see `limber routines`).
    #[arg(default_value = "full")]
    pub(crate) routine: String,
    /// Leave out the warm-up: only when you have just moved around for 5–10 minutes (a brisk walk,
    /// marching on the spot), since stretches want warm muscles.
    #[arg(long)]
    pub(crate) no_warmup: bool,
    /// Hold every held stretch this many seconds (10–60), instead of your progression.
    #[arg(long, value_name = "SECS", value_parser = limber_app::flags::hold, allow_negative_numbers = true)]
    pub(crate) hold: Option<u32>,
    /// Equipment you have today, e.g. `chair,towel` or `none` (default: your profile).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "LIST")]
    pub(crate) equipment: Option<Vec<EquipmentArg>>,
    /// Positions to avoid today, e.g. `kneeling`, or `none` (default: your profile).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "LIST")]
    pub(crate) avoid: Option<Vec<PositionArg>>,
    /// Wait for a key (Enter) before each stretch instead of starting it by itself.
    #[arg(long)]
    pub(crate) wait: bool,
    /// Run the clock this many times faster (0.1 to 1000): to preview a routine, or for tests.
    /// Above 1 the session is a preview: kept in history, but counted toward no goal and growing
    /// no hold.
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0, value_parser = limber_app::flags::speed, allow_negative_numbers = true)]
    pub(crate) speed: f64,
    /// One line per cue, no redraws: for screen readers, logs and pipes (default when output is not a terminal,
    /// or is one that cannot redraw: TERM=dumb, as in Emacs's shell, or unset). LIMBER_PLAIN=1 in a shell's
    /// profile makes it the default for good.
    #[arg(long, env = "LIMBER_PLAIN", value_parser = clap::builder::BoolishValueParser::new())]
    pub(crate) plain: bool,
    /// Speak cues aloud (espeak-ng, spd-say or the command in LIMBER_SPEAK).
    #[arg(long, overrides_with = "no_voice")]
    pub(crate) voice: bool,
    /// Do not speak, even if your profile says to (the last of --voice and --no-voice wins).
    #[arg(long, overrides_with = "voice")]
    pub(crate) no_voice: bool,
    /// No terminal bell today (`limber profile --sound off` turns it off for good).
    #[arg(long)]
    pub(crate) no_bell: bool,
    /// Answer the screening questions again before starting.
    #[arg(long)]
    pub(crate) screening: bool,
    /// Pain right now, 0–10, instead of being asked.
    #[arg(long, value_name = "0-10", value_parser = limber_app::flags::pain, allow_negative_numbers = true)]
    pub(crate) pain_before: Option<u8>,
    /// Pain at the end, 0–10, instead of being asked.
    #[arg(long, value_name = "0-10", value_parser = limber_app::flags::pain, allow_negative_numbers = true)]
    pub(crate) pain_after: Option<u8>,
    /// Write the session to standard output as JSON lines, for scripts: a `start` line (the
    /// routine, its stretches and notes), a `cue` line for each cue as it is due, a `note` line
    /// for anything else said, a `refused` line for input that does not apply, and last a
    /// `finished` line with the outcome (what was saved, the summary, the week, the exit code),
    /// or `not-saved` when the history would not take it. Keys and piped lines are read as usual;
    /// there is no live screen and no bell, and the exit code is the same.
    #[arg(long)]
    pub(crate) json: bool,
    /// Write every cue with its scheduled and actual time to FILE (JSON lines), for timing checks.
    #[arg(long, value_name = "FILE", hide = true)]
    pub(crate) trace: Option<PathBuf>,
}

// What `limber profile` changes (its help is the subcommand's own line, not a doc comment here).
#[derive(Args)]
pub(crate) struct ProfileArgs {
    /// The equipment you own, e.g. `chair,foam-roller,towel` or `none`.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "LIST")]
    pub(crate) equipment: Option<Vec<EquipmentArg>>,
    /// Positions you avoid, e.g. `kneeling` or `kneeling,lying-on-back`; `--avoid none` clears them
    /// (a value is always needed, so an empty one never clears them by mistake).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "LIST")]
    pub(crate) avoid: Option<Vec<PositionArg>>,
    /// Sessions you aim for each week, 1 to 14 (the article: at least 2–3).
    #[arg(long, value_name = "N", value_parser = limber_app::flags::weekly_goal, allow_negative_numbers = true)]
    pub(crate) goal: Option<u32>,
    /// Speak cues by default.
    #[arg(long, value_name = "on|off", value_parser = parse_on_off)]
    pub(crate) voice: Option<bool>,
    /// Ring the terminal bell at the start, the last seconds and the end of each hold.
    #[arg(long, value_name = "on|off", value_parser = parse_on_off)]
    pub(crate) sound: Option<bool>,
    /// Clear the sharp-pain flag on a stretch so plans include it again.
    #[arg(long, value_name = "STRETCH")]
    pub(crate) clear_flag: Vec<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

fn parse_on_off(text: &str) -> Result<bool, String> {
    match text {
        "on" | "yes" | "true" => Ok(true),
        "off" | "no" | "false" => Ok(false),
        _ => Err("write `on` or `off`".to_owned()),
    }
}

/// Writes the completion script for `shell` to `out` (made in memory first: clap_complete
/// panics on a write error, such as a closed pipe).
pub(crate) fn completions(shell: clap_complete::Shell, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "limber", &mut script);
    out.write_all(&script)
}

/// Writes the man page of `limber` (every subcommand built, none deferred) to `out`.
pub(crate) fn man(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    limber_app::manual::write(Cli::command(), &[limber_app::speech::SPEAK_VARIABLE], out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_man_page_and_every_completion_generate() {
        let mut page = Vec::new();
        man(&mut page).expect("renders");
        let page = String::from_utf8(page).expect("utf-8");
        assert!(page.contains(".TH limber") && page.contains("handout"), "{page}");
        let environment = page.split(".SH ENVIRONMENT").nth(1).expect("an ENVIRONMENT section");
        for variable in ["LIMBER_DATA_DIR", "LIMBER_DATABASE_URL", "LIMBER_CONTENT", "LIMBER_SPEAK"] {
            assert!(environment.contains(variable), "{variable}:\n{environment}");
        }
        for shell in <clap_complete::Shell as ValueEnum>::value_variants() {
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "limber", &mut script);
            assert!(String::from_utf8_lossy(&script).contains("handout"), "{shell}");
        }
    }

    #[test]
    fn out_of_range_numbers_say_the_range_in_words() {
        let error = |args: &[&str]| match Cli::try_parse_from(args) {
            Ok(_) => panic!("{args:?} parsed"),
            Err(e) => e.to_string(),
        };
        let limit = error(&["limber", "history", "--limit", "0"]);
        assert!(limit.contains("--limit <N>") && limit.contains("must be 1 or more"), "{limit}");
        let pain = error(&["limber", "run", "--pain-before", "11"]);
        assert!(pain.contains("from 0 (none) to 10"), "{pain}");
        assert!(error(&["limber", "run", "--speed", "0"]).contains("between 0.1 and 1000"));
        assert!(error(&["limber", "profile", "--goal", "20"]).contains("1 to 14 sessions a week"));
        // The edges of each range are taken, as given.
        match Cli::try_parse_from(["limber", "run", "--speed", "1000", "--pain-before", "10", "--hold", "60"]) {
            Ok(Cli { command: Command::Run(run), .. }) => {
                assert_eq!((run.speed, run.pain_before, run.hold), (1000.0, Some(10), Some(60)));
            }
            Ok(_) => panic!("not a run"),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn the_last_of_voice_and_no_voice_wins() {
        let voice = |args: &[&str]| match Cli::try_parse_from(args) {
            Ok(Cli { command: Command::Run(run), .. }) => (run.voice, run.no_voice),
            Ok(_) => panic!("not a run"),
            Err(e) => panic!("{e}"),
        };
        assert_eq!(voice(&["limber", "run", "--voice", "--no-voice"]), (false, true));
        assert_eq!(voice(&["limber", "run", "--no-voice", "--voice"]), (true, false));
    }
}
