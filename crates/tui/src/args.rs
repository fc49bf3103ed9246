//! The command line of `limber-tui`: the same data, content, session and sound flags as `limber run`.

use std::path::PathBuf;

use clap::Parser;
use limber_app::local::StoreChoice;
use limber_core::{Equipment, Position};

/// A full-screen coach for stretches for mid (thoracic) back pain: a big countdown you can
/// follow from the floor, the steps, the side and what comes next.
#[derive(Parser, Debug)]
#[command(name = "limber-tui", version, long_about = None, after_help = AFTER_HELP)]
pub(crate) struct Args {
    /// Start this routine at once (e.g. `desk`) instead of showing the home screen.
    pub(crate) routine: Option<String>,
    /// Where limber keeps its database (default: the platform data directory).
    #[arg(long, env = "LIMBER_DATA_DIR", value_name = "DIR", hide_env_values = true)]
    pub(crate) data_dir: Option<PathBuf>,
    /// Keep everything in the PostgreSQL database at URL (`postgres://user:password@host/db`)
    /// instead of the SQLite file: the history `limber` and `limber-server` keep there.
    // Its value is never shown in help: it may hold a password.
    #[arg(long, env = "LIMBER_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    pub(crate) database: Option<String>,
    /// A directory of your own RON content, layered over the built-in content.
    #[arg(long, env = "LIMBER_CONTENT", value_name = "DIR", hide_env_values = true)]
    pub(crate) content: Option<PathBuf>,
    /// Leave out the warm-up: only when you have just moved around for 5–10 minutes (a brisk walk,
    /// marching on the spot), since stretches want warm muscles.
    #[arg(long)]
    pub(crate) no_warmup: bool,
    /// Hold every held stretch this many seconds (10–60), instead of your progression.
    #[arg(long, value_name = "SECS", value_parser = limber_app::flags::hold)]
    pub(crate) hold: Option<u32>,
    /// Equipment you have today, e.g. `chair,towel` or `none` (default: your profile).
    #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = parse_equipment)]
    pub(crate) equipment: Option<Vec<Option<Equipment>>>,
    /// Positions to avoid today, e.g. `kneeling`, or `none` (default: your profile).
    #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = parse_position)]
    pub(crate) avoid: Option<Vec<Option<Position>>>,
    /// Wait for a key (Enter) before each stretch instead of starting it by itself.
    #[arg(long)]
    pub(crate) wait: bool,
    /// Run the clock this many times faster (0.1 to 1000): to preview a routine, or for tests.
    /// Above 1 the session is a preview: kept in history, but counted toward no goal and growing
    /// no hold.
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0, value_parser = limber_app::flags::speed)]
    pub(crate) speed: f64,
    /// Speak cues aloud (espeak-ng, spd-say or the command in LIMBER_SPEAK).
    #[arg(long, overrides_with = "no_voice")]
    pub(crate) voice: bool,
    /// Do not speak, even if your profile says to.
    #[arg(long)]
    pub(crate) no_voice: bool,
    /// No terminal bell.
    #[arg(long)]
    pub(crate) no_bell: bool,
    /// Show each pose of the figure at once instead of moving between them.
    #[arg(long)]
    pub(crate) no_animation: bool,
    /// Answer the screening questions again before starting.
    #[arg(long)]
    pub(crate) screening: bool,
    /// Pain right now, 0–10, instead of being asked: for the first session you start (later ones ask).
    #[arg(long, value_name = "0-10", value_parser = limber_app::flags::pain)]
    pub(crate) pain_before: Option<u8>,
    /// Pain at the end, 0–10, instead of being asked: for the first session you start (later ones ask).
    #[arg(long, value_name = "0-10", value_parser = limber_app::flags::pain)]
    pub(crate) pain_after: Option<u8>,
    /// `limber run`'s, not ours: taken only to point there instead of to a flag of a similar name.
    #[arg(long, hide = true)]
    pub(crate) plain: bool,
    /// `limber run`'s, not ours: see `plain`.
    #[arg(long, hide = true)]
    pub(crate) json: bool,
    /// Render the session screen at 200×60 this many times, print the median µs per frame and exit.
    #[arg(long, value_name = "N", hide = true)]
    pub(crate) frame_bench: Option<u32>,
    /// Print a shell completion script and exit (for packagers and `cargo xtask dist`).
    #[arg(long, value_name = "SHELL", hide = true)]
    pub(crate) completions: Option<clap_complete::Shell>,
    /// Print the man page (roff) and exit (for packagers and `cargo xtask dist`).
    #[arg(long, hide = true)]
    pub(crate) man: bool,
}

/// The command line, with one store kept as [`limber_app::local::choose_store`] says.
pub(crate) fn parse() -> Args {
    let args = limber_app::local::parse_choosing_store(
        |args: &Args| !args.man && args.completions.is_none(),
        |args, keep| match keep {
            StoreChoice::Dir => args.database = None,
            StoreChoice::Url => args.data_dir = None,
        },
    );
    if let Some(mistake) = for_limber_run(&args).or_else(|| none_not_alone(&args)) {
        use clap::CommandFactory as _;
        Args::command().error(clap::error::ErrorKind::ArgumentConflict, mistake).exit();
    }
    args
}

/// What `limber run --plain` or `--json` does, asked of the full-screen coach: where to find it.
const PLAIN_IS_LIMBER_RUN: &str = "limber-tui always draws the full screen; for a session in plain lines (a screen \
reader, a log) run `limber run --plain`, and `limber run --json` for a summary a script can read";

/// `--plain` or `--json`: flags of `limber run`, not of the full-screen coach.
fn for_limber_run(args: &Args) -> Option<&'static str> {
    (args.plain || args.json).then_some(PLAIN_IS_LIMBER_RUN)
}

/// `--equipment none,chair` or `--avoid kneeling,none`: refused as `limber run` refuses them.
fn none_not_alone(args: &Args) -> Option<&'static str> {
    use limber_app::flags::{AVOID_NONE_ALONE, EQUIPMENT_NONE_ALONE, none_alone};
    if args.equipment.as_deref().is_some_and(|l| !none_alone(l)) {
        return Some(EQUIPMENT_NONE_ALONE);
    }
    args.avoid.as_deref().is_some_and(|l| !none_alone(l)).then_some(AVOID_NONE_ALONE)
}

/// Writes what `--completions SHELL` or `--man` asks for to `out`; false when neither was asked.
pub(crate) fn generate(args: &Args, out: &mut dyn std::io::Write) -> std::io::Result<bool> {
    use clap::CommandFactory as _;
    if let Some(shell) = args.completions {
        // Made in memory first: clap_complete panics on a write error, such as a closed pipe.
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut Args::command(), "limber-tui", &mut script);
        out.write_all(&script)?;
        return Ok(true);
    }
    if args.man {
        let others = [
            limber_app::speech::SPEAK_VARIABLE,
            ("NO_COLOR", "When set and not empty, no colours: meaning is carried by words and weight alone."),
            ("TERM", "`dumb`: limber-tui does not start, and says to use `limber run --plain` there."),
        ];
        limber_app::manual::write(Args::command(), &others, out)?;
        return Ok(true);
    }
    Ok(false)
}

const AFTER_HELP: &str = "Keys: ? shows every key. Exit codes: 0 done, 1 error, 2 usage error, 3 a session \
stopped for safety, 130 Ctrl-C (143 SIGTERM, 129 SIGHUP: a closed terminal), each keeping what was done.\nlimber gives no diagnosis; if your pain is severe, long-standing or worrying, see a clinician.";

/// A name as the content and `limber run` spell it (`foam-roller`, `lying-on-back`).
fn kebab<T: serde::de::DeserializeOwned>(text: &str, what: &str, known: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(text.trim().to_owned()))
        .map_err(|_| format!("`{text}` is not {what}; write one of {known}"))
}

/// Equipment, or `none` for none at all.
fn parse_equipment(text: &str) -> Result<Option<Equipment>, String> {
    if text.trim() == "none" {
        return Ok(None);
    }
    kebab(text, "equipment", "chair, foam-roller, towel, none").map(Some)
}

fn parse_position(text: &str) -> Result<Option<Position>, String> {
    if text.trim() == "none" {
        return Ok(None);
    }
    kebab(text, "a position", "kneeling, seated, standing, lying-on-back, lying-on-side, none").map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn flags_out_of_range_are_refused_before_anything_opens() {
        let said = |args: &[&str]| Args::try_parse_from(args).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(said(&["limber-tui", "--hold", "5"]).contains("outside 10–60 s"));
        assert!(said(&["limber-tui", "--pain-before", "11"]).contains("from 0 (none) to 10"));
        assert!(said(&["limber-tui", "--speed", "0"]).contains("between 0.1 and 1000"));
        let help = said(&["limber-tui", "--help"]);
        assert!(help.contains("faster (0.1 to 1000)"), "{help}");
        let edges = Args::try_parse_from(["limber-tui", "--hold", "60", "--pain-before", "10", "--speed", "0.1"])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((edges.hold, edges.pain_before, edges.speed), (Some(60), Some(10), 0.1), "the edges are taken");
    }

    #[test]
    fn the_man_page_and_every_completion_generate() {
        let mut page = Vec::new();
        let args = Args::try_parse_from(["limber-tui", "--man"]).expect("parses");
        assert!(generate(&args, &mut page).expect("renders"));
        let page = String::from_utf8_lossy(&page);
        assert!(page.contains(".TH limber-tui"));
        let environment = page.split(".SH ENVIRONMENT").nth(1).expect("an ENVIRONMENT section");
        for variable in ["LIMBER_DATA_DIR", "LIMBER_SPEAK", "NO_COLOR", "TERM"] {
            assert!(environment.contains(variable), "{variable}:\n{environment}");
        }
        for shell in <clap_complete::Shell as clap::ValueEnum>::value_variants() {
            let mut script = Vec::new();
            let args = Args::try_parse_from(["limber-tui", "--completions", &shell.to_string()]).expect("parses");
            assert!(generate(&args, &mut script).expect("writes"));
            assert!(String::from_utf8_lossy(&script).contains("no-animation"), "{shell}");
        }
        let args = Args::try_parse_from(["limber-tui", "desk"]).expect("parses");
        assert!(!generate(&args, &mut Vec::new()).expect("nothing"));
    }

    #[test]
    fn the_command_line_is_consistent() {
        Args::command().debug_assert();
        let args = Args::try_parse_from(["limber-tui", "desk", "--speed", "20", "--no-warmup"]).expect("parses");
        assert_eq!(args.routine.as_deref(), Some("desk"));
        assert!(Args::try_parse_from(["limber-tui", "--speed", "0"]).is_err());
        let args = Args::try_parse_from(["limber-tui", "--equipment", "chair,foam-roller", "--avoid", "kneeling"])
            .expect("parses");
        assert_eq!(args.equipment, Some(vec![Some(Equipment::Chair), Some(Equipment::FoamRoller)]));
        // `none` with something else is a mistake, as in `limber run`.
        let args = Args::try_parse_from(["limber-tui", "--equipment", "none,chair"]).expect("parses");
        assert_eq!(none_not_alone(&args), Some(limber_app::flags::EQUIPMENT_NONE_ALONE));
        let args = Args::try_parse_from(["limber-tui", "--avoid", "kneeling,none"]).expect("parses");
        assert_eq!(none_not_alone(&args), Some(limber_app::flags::AVOID_NONE_ALONE));
        assert_eq!(args.avoid, Some(vec![Some(Position::Kneeling), None]));
        // `none` avoids nothing today, whatever the profile says, as `limber run --avoid none` does.
        let args = Args::try_parse_from(["limber-tui", "--avoid", "none"]).expect("none parses");
        assert_eq!(args.avoid, Some(vec![None]));
        assert!(Args::try_parse_from(["limber-tui", "--equipment", "sofa"]).is_err());
        // `limber run`'s output flags point there, not to a flag spelt alike.
        for flag in ["--plain", "--json"] {
            let args = Args::try_parse_from(["limber-tui", flag]).expect("parses");
            assert_eq!(for_limber_run(&args), Some(PLAIN_IS_LIMBER_RUN), "{flag}");
        }
        assert_eq!(for_limber_run(&Args::try_parse_from(["limber-tui"]).expect("parses")), None);
    }
}
