//! The `limber-server` binary: serve the API and the page, or manage users and their tokens.

#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use limber_app::App;
use limber_app::store::{Backend, SqliteStore, Store};
use limber_server::{Access, AppState, Registry, auth, router};
use unicode_normalization::UnicodeNormalization as _;

/// mimalloc: many small allocations per request and per live session (less memory per session
/// than glibc's allocator, and faster). The bench's hello world uses it too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// limber over HTTP: a JSON API, live sessions and a web page.
#[derive(Parser)]
#[command(
    version,
    about,
    after_help = "Logs go to standard error, one line per request that changes something or fails. \
                  LIMBER_LOG filters them as RUST_LOG does: LIMBER_LOG=debug for every request, \
                  LIMBER_LOG=warn for problems only."
)]
struct Cli {
    /// How to serve (with no command, or before `serve`).
    #[command(flatten)]
    serve: ServeArgs,
    /// Keep the database in DIR instead of the platform data directory.
    #[arg(long, env = "LIMBER_DATA_DIR", value_name = "DIR", global = true, hide_env_values = true)]
    data_dir: Option<PathBuf>,
    /// Keep everything in the PostgreSQL database at URL (`postgres://user:password@host/db`)
    /// instead of a SQLite file: then any number of instances can serve the same people.
    // Its value is never shown in help: it may hold a password.
    #[arg(long, env = "LIMBER_DATABASE_URL", value_name = "URL", global = true, hide_env_values = true)]
    database: Option<String>,
    /// At most N connections to PostgreSQL from this instance.
    #[arg(long, env = "LIMBER_DB_POOL", value_name = "N", global = true, default_value_t = limber_app::store::DEFAULT_POOL,
          value_parser = clap::value_parser!(u32).range(2..=1000))]
    db_pool: u32,
    /// Layer the RON content in DIR over the built-in content.
    #[arg(long, env = "LIMBER_CONTENT", value_name = "DIR", global = true, hide_env_values = true)]
    content: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

/// The flags only serving reads: taken with no command, or before or after `serve`, and left
/// out of the other commands (their help lists only what they use).
#[derive(Args, Clone)]
struct ServeArgs {
    /// Where to listen. On an address other than loopback every personal route needs a token.
    #[arg(long, env = "LIMBER_BIND", default_value = "127.0.0.1:8080", value_parser = bind_address)]
    bind: SocketAddr,
    /// End a session left waiting for its person (a question unanswered, paused) after N minutes
    /// without a word from them, recording what was done as if they had quit (1 to 10080, a week).
    #[arg(long, env = "LIMBER_IDLE_MINUTES", value_name = "N",
          default_value_t = limber_server::IDLE_LIMIT.as_secs() / 60,
          value_parser = |s: &str| whole_number(s, 1, 7 * 24 * 60, "minutes (a week at most)"))]
    idle_minutes: u64,
    /// Let one person have at most N sessions under way at once; starting another is refused
    /// (409) until one ends (1 to 1000000).
    #[arg(long, env = "LIMBER_LIVE_PER_PERSON", value_name = "N",
          default_value_t = limber_server::LIVE_PER_PERSON,
          value_parser = |s: &str| whole_number(s, 1, 1_000_000, "sessions"))]
    live_per_person: u64,
    /// Every personal route needs a token even on loopback: for a server behind a reverse proxy
    /// on the same machine, whose requests all arrive from localhost. The default on loopback
    /// once anyone but the local person has been added; `--require-tokens=no` keeps such a
    /// server open to this machine. (It and LIMBER_REQUIRE_TOKENS take 1/0, yes/no, on/off,
    /// true/false.)
    #[arg(long, env = "LIMBER_REQUIRE_TOKENS", value_name = "YES|NO", num_args = 0..=1, require_equals = true,
          default_missing_value = "yes", ignore_case = true, value_parser = yes_or_no())]
    require_tokens: Option<bool>,
}

/// `said` as a whole number from `low` to `high`, or what it should have been, in words.
fn whole_number(said: &str, low: u64, high: u64, unit: &str) -> Result<u64, String> {
    said.trim()
        .parse()
        .ok()
        .filter(|n| (low..=high).contains(n))
        .ok_or_else(|| format!("give a whole number of {unit} from {low} to {high}"))
}

/// `said` as a new user's name, composed (`é` as one character, not `e` and an accent, as
/// `find_user` looks names up) and trimmed, or why it cannot be one; checked before anything is
/// opened, so a name no store could take is a usage error.
fn new_user_name(said: &str) -> Result<String, String> {
    let composed: String = said.nfc().collect();
    limber_app::store::user_name(&composed).map(str::to_owned).map_err(|e| e.to_string())
}

/// A yes or a no in any of the spellings an environment variable is given in, each listed in
/// the help and in the error for anything else.
fn yes_or_no() -> impl clap::builder::TypedValueParser<Value = bool> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(["yes", "no", "on", "off", "true", "false", "1", "0"])
        .map(|said| ["yes", "on", "true", "1"].iter().any(|yes| said.eq_ignore_ascii_case(yes)))
}

/// The ids of [`ServeArgs`]' flags.
const SERVE_FLAGS: [&str; 4] = ["bind", "idle_minutes", "live_per_person", "require_tokens"];

#[derive(Subcommand)]
enum Command {
    /// Serve (the default).
    Serve(ServeArgs),
    /// People and their tokens.
    #[command(subcommand)]
    User(UserCommand),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), for packagers and `cargo xtask dist`.
    #[command(hide = true)]
    Man,
}

/// Writes the completion script for `shell`, or the man page when `shell` is `None`, to `out`.
fn generate(shell: Option<clap_complete::Shell>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use clap::CommandFactory as _;
    match shell {
        Some(shell) => {
            // Made in memory first: clap_complete panics on a write error, such as a closed pipe.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "limber-server", &mut script);
            out.write_all(&script)
        }
        None => limber_app::manual::write(
            Cli::command(),
            &[(
                "LIMBER_LOG",
                "Which log lines are written, as RUST_LOG filters them: `debug` for every request, `warn` for \
                 problems only (default: info).",
            )],
            out,
        ),
    }
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user and print their token (shown once; only its hash is kept).
    Add {
        /// Their name: one line of at most 64 characters.
        #[arg(value_parser = new_user_name)]
        name: String,
    },
    /// List users: id, name and when they were added (local time), under a heading.
    List {
        /// As JSON, for scripts: `[{"id", "name", "created-at-ms"}]`.
        #[arg(long)]
        json: bool,
    },
    /// Remove a user and all their data (asks first on a terminal).
    Remove {
        /// Their name.
        name: String,
        /// Remove without asking (needed when standard input is not a terminal).
        #[arg(long, short)]
        yes: bool,
    },
    /// Give a user a new token; the old one stops working.
    Rotate {
        /// Their name.
        name: String,
    },
}

/// The command line, with one store kept as [`limber_app::local::choose_store`] says, and the
/// serving flags in `cli.serve` wherever they were given.
fn parse() -> Cli {
    let (mut cli, matches) = limber_app::local::parse_choosing_store_with_matches(
        |cli: &Cli| !matches!(cli.command, Some(Command::Completions { .. } | Command::Man)),
        |cli, keep| match keep {
            limber_app::local::StoreChoice::Dir => cli.database = None,
            limber_app::local::StoreChoice::Url => cli.data_dir = None,
        },
    );
    let typed = |m: &clap::ArgMatches, id: &str| m.value_source(id) == Some(clap::parser::ValueSource::CommandLine);
    match &cli.command {
        // After `serve` a flag wins over the same one before it; one given only before stands.
        Some(Command::Serve(after)) => {
            let sub = matches.subcommand_matches("serve").unwrap_or(&matches);
            let before = cli.serve.clone();
            let pick = |id: &str| typed(sub, id) || !typed(&matches, id);
            cli.serve = ServeArgs {
                bind: if pick("bind") { after.bind } else { before.bind },
                idle_minutes: if pick("idle_minutes") { after.idle_minutes } else { before.idle_minutes },
                live_per_person: if pick("live_per_person") { after.live_per_person } else { before.live_per_person },
                require_tokens: if pick("require_tokens") { after.require_tokens } else { before.require_tokens },
            };
        }
        None => {}
        // A serving flag before another command would be silently ignored: said instead.
        Some(_) => {
            if let Some(id) = SERVE_FLAGS.iter().find(|id| typed(&matches, id)) {
                use clap::CommandFactory as _;
                let flag = format!("--{}", id.replace('_', "-"));
                let name = matches.subcommand_name().unwrap_or("this command");
                Cli::command()
                    .error(
                        clap::error::ErrorKind::ArgumentConflict,
                        format!("{flag} is for serving; `limber-server {name}` does not use it"),
                    )
                    .exit();
            }
        }
    }
    cli
}

fn main() -> ExitCode {
    let cli = parse();
    let generated = match cli.command {
        Some(Command::Completions { shell }) => Some(generate(Some(shell), &mut std::io::stdout().lock())),
        Some(Command::Man) => Some(generate(None, &mut std::io::stdout().lock())),
        _ => None,
    };
    if let Some(result) = generated {
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            // `limber-server man | head`: a closed pipe ends it quietly, as it does `limber`.
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: cannot write to standard output: {err}");
                ExitCode::FAILURE
            }
        };
    }
    // Each log line goes to stderr as it happens, in one write: none is dropped or left in a
    // buffer when the server stops or crashes. (A logging thread fed by a channel cost a quarter
    // of the intent throughput in wake-ups, and drops lines when it falls behind.)
    let filter = log_filter(std::env::var("LIMBER_LOG").ok().as_deref());
    tracing_subscriber::fmt()
        .with_writer(log_writer())
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("limber-server: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            say(format_args!("limber-server: {}", limber_app::report::error_line(e.as_ref())));
            ExitCode::FAILURE
        }
    }
}

/// The SQLite data directory this server keeps its database in (`None` on PostgreSQL).
fn sqlite_dir(cli: &Cli) -> anyhow::Result<Option<PathBuf>> {
    if cli.database.is_some() {
        return Ok(None);
    }
    cli.data_dir
        .clone()
        .or_else(limber_app::store::default_data_dir)
        .context("no home directory to keep limber's data in; pass --data-dir DIR or set LIMBER_DATA_DIR")
        .map(Some)
}

/// Holds the data directory for this server alone: two servers on one SQLite file would each
/// run the same live sessions, and answer their people differently. The lock goes with the
/// process, however it ends.
fn serve_alone(dir: &std::path::Path) -> anyhow::Result<std::fs::File> {
    let path = dir.join("limber-server.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "another limber-server is already serving {}: two on one SQLite file would run the same live sessions \
             twice. Stop that one, or run several on one PostgreSQL database (--database postgres://…)",
            dir.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => Err(e).with_context(|| format!("cannot lock {}", path.display())),
    }
}

async fn open(cli: &Cli) -> anyhow::Result<Arc<App>> {
    let library = limber_app::load_library(cli.content.as_deref()).map_err(|e| match &cli.content {
        Some(dir) => anyhow::anyhow!("cannot load your content from {}: {e}", dir.display()),
        None => anyhow::anyhow!("the built-in content cannot be read: {e}"),
    })?;
    let store: Arc<dyn Store> = match &cli.database {
        Some(url) => limber_app::store::open(url, cli.db_pool).await.context("cannot open limber's database")?,
        None => {
            let dir = sqlite_dir(cli)?.unwrap_or_default();
            Arc::new(SqliteStore::open(&dir).await.context("cannot open limber's database")?)
        }
    };
    Ok(Arc::new(App::new(library, store)))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    // A server holds its data directory before it opens the database: a second one (a newer
    // limber, say) is refused before it migrates anything.
    let serving = matches!(cli.command, None | Some(Command::Serve(_)));
    let _alone = match sqlite_dir(&cli)? {
        Some(dir) if serving => {
            // No database yet, so no user to give a token to: refused before anything is made
            // there, so a mistyped --data-dir is not left holding an empty database.
            let database = limber_app::store::database_path(&dir);
            if needs_tokens(&cli, 0)
                && !database
                    .try_exists()
                    .with_context(|| format!("cannot look into the data directory {}", dir.display()))?
            {
                return Err(no_user_yet(&cli, &database.display().to_string()));
            }
            limber_app::store::private::create_dir(&dir)
                .with_context(|| format!("cannot use the data directory {}", dir.display()))?;
            Some(serve_alone(&dir)?)
        }
        // Listing, rotating or removing users where there is no database would make an empty
        // one and list only `local`: a mistyped --data-dir would read as every user gone.
        Some(dir)
            if matches!(&cli.command, Some(Command::User(c)) if !matches!(c, UserCommand::Add { .. }))
                && !limber_app::store::database_path(&dir)
                    .try_exists()
                    .with_context(|| format!("cannot look into the data directory {}", dir.display()))? =>
        {
            bail!(
                "there is no limber data in {}: no {} there. Check --data-dir or LIMBER_DATA_DIR \
                 (`limber-server user add NAME` starts a database there)",
                dir.display(),
                limber_app::store::DATABASE_FILE
            )
        }
        _ => None,
    };
    let app = open(&cli).await?;
    match &cli.command {
        None | Some(Command::Serve(_)) => serve(&cli, app).await,
        Some(Command::User(command)) => user(app.store().as_ref(), command).await,
        Some(Command::Completions { .. } | Command::Man) => Ok(()),
    }
}

async fn user(store: &dyn Store, command: &UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add { name } => {
            // Composed and checked by `new_user_name` as the command line was read.
            let name = name.as_str();
            // `Ann` beside `ann`, or `ｓｓ` (full-width) beside `ss`, would be two people whom
            // `user list` and the logs hardly tell apart, and `user remove` could take the wrong one.
            if let Some(other) = store.users().await?.into_iter().find(|u| looks_like(&u.name) == looks_like(name)) {
                anyhow::bail!(
                    "there is already a user called `{}`; names that look alike (in other capitals, or other forms of \
                     the same letters) would be mistaken for each other",
                    other.name
                );
            }
            let id = store.create_user(name).await?;
            let token = auth::new_token()?;
            store.set_token_hash(id, &auth::hash_token(&token)).await?;
            println!("{token}");
            eprintln!(
                "Added {name} to {}. Keep this token: it is shown once (only its hash is stored). A limber-server \
                 already serving this data on loopback asks for tokens once restarted.",
                store.place()
            );
        }
        UserCommand::List { json } => {
            let users = store.users().await?;
            if *json {
                let listed: Vec<serde_json::Value> = users
                    .iter()
                    .map(|u| serde_json::json!({"id": u.id.0, "name": u.name, "created-at-ms": u.created_at_ms}))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&listed)?);
            } else {
                let tz = limber_app::when::zone();
                eprintln!("Users in {}:", store.place());
                println!("id\tname\tadded");
                for u in users {
                    println!("{}\t{}\t{}", u.id, u.name, limber_app::when::local(u.created_at_ms, &tz));
                }
            }
        }
        UserCommand::Remove { name, yes } => {
            let (name, id) = find_user(store, name).await?;
            let sessions = store.tallies(id).await?.sessions;
            let whose = if name == limber_app::store::LOCAL_USER {
                " (the person `limber` and `limber-tui` keep history for on this machine)"
            } else {
                ""
            };
            // A session under way is theirs too: a running server ends it at its idle limit.
            let live = store.count_live_of(id).await?;
            let under_way = match live {
                0 => String::new(),
                1 => " and 1 session under way (a running server drops it when it next goes idle)".to_owned(),
                n => format!(" and {n} sessions under way (a running server drops them when they next go idle)"),
            };
            let question = format!(
                "Remove {name}{whose} and all their data: {sessions} sessions{under_way}, profile and progression?"
            );
            if !yes && !confirm(&question)? {
                bail!("{name} was not removed");
            }
            store.remove_user(id).await?;
            eprintln!("Removed {name} and all their data from {}.", store.place());
        }
        UserCommand::Rotate { name } => {
            let (name, id) = find_user(store, name).await?;
            let token = auth::new_token()?;
            store.set_token_hash(id, &auth::hash_token(&token)).await?;
            println!("{token}");
            eprintln!("New token for {name} in {}; the old one no longer works.", store.place());
        }
    }
    Ok(())
}

/// A `--bind` address: `IP:PORT`, or `NAME:PORT` (`localhost:8080`), taking the name's IPv4
/// address when it has one (clients and containers without IPv6 expect it), else its first.
fn bind_address(text: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    if let Ok(addr) = text.parse() {
        return Ok(addr);
    }
    let found: Vec<SocketAddr> = text
        .to_socket_addrs()
        .map_err(|e| format!("`{text}` is not an address to listen on, like 127.0.0.1:8080 or localhost:8080 ({e})"))?
        .collect();
    found.iter().find(|a| a.is_ipv4()).or(found.first()).copied().ok_or_else(|| format!("`{text}` names no address"))
}

/// The user called `name` exactly, or else with the spaces around it trimmed (names are
/// stored trimmed now; older limbers kept them as typed), or else the one user whose name looks
/// the same ([`looks_like`]). Returns the name found and the id.
async fn find_user(store: &dyn Store, name: &str) -> anyhow::Result<(String, limber_app::store::UserId)> {
    // As typed, then in either Unicode form (an older limber stored names as they were typed).
    let composed: String = name.trim().nfc().collect();
    let decomposed: String = name.trim().nfd().collect();
    for candidate in [name, name.trim(), &composed, &decomposed] {
        if let Some(id) = store.user_by_name(candidate).await? {
            return Ok((candidate.to_owned(), id));
        }
    }
    // Then as it looks (other capitals, full-width letters), when that names one user: no two
    // may look alike now, though two an older limber added might.
    let wanted = looks_like(name.trim());
    let mut alike = store.users().await?.into_iter().filter(|u| looks_like(u.name.trim()) == wanted);
    match (alike.next(), alike.next()) {
        (Some(user), None) => Ok((user.name, user.id)),
        (Some(_), Some(_)) => {
            bail!("more than one user looks like `{}`: give the name exactly as `user list` shows it", name.trim())
        }
        (None, _) => bail!("there is no user called `{}`", name.trim()),
    }
}

/// `name` as it looks: compatibility forms folded (full-width letters, ligatures), in lower case.
fn looks_like(name: &str) -> String {
    name.nfkc().collect::<String>().to_lowercase()
}

/// Asks `question` on the terminal and reads yes or no; refuses without a terminal to ask on.
fn confirm(question: &str) -> anyhow::Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        bail!("{question} Add --yes to confirm: standard input is not a terminal to ask on");
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

/// The store flags that name this server's store, to repeat in a command it suggests (the
/// database URL is not repeated: it may hold a password).
fn same_store(cli: &Cli) -> String {
    match (&cli.database, &cli.data_dir) {
        (Some(_), _) => " --database URL".to_owned(),
        (None, Some(dir)) => format!(" --data-dir {}", dir.display()),
        (None, None) => String::new(),
    }
}

/// Raises this process's limit on open files to the most it may have (up to 65,536): every
/// connection and event stream holds one, and a service manager's usual soft limit (1,024)
/// would let a few hundred streams keep everyone else out. Returns the limit now.
#[cfg(unix)]
fn raise_open_files() -> Option<u64> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).ok()?;
    let want = hard.min(65_536);
    if soft >= want {
        return Some(soft);
    }
    match setrlimit(Resource::RLIMIT_NOFILE, want, hard) {
        Ok(()) => Some(want),
        Err(e) => {
            tracing::warn!(error = %e, soft, "cannot raise the limit on open files");
            Some(soft)
        }
    }
}

#[cfg(not(unix))]
fn raise_open_files() -> Option<u64> {
    None
}

/// Whether every request needs a token, with `people` added besides the local person: off
/// loopback; on loopback when asked for, and by default once anyone is added (who can reach it
/// only through a proxy or a tunnel, where every request comes from this machine: anything
/// relayed without a token would otherwise act for the local person).
fn needs_tokens(cli: &Cli, people: usize) -> bool {
    !cli.serve.bind.ip().is_loopback() || cli.serve.require_tokens.unwrap_or(people > 0)
}

/// A server that needs tokens with no one yet to give one to, in `place`: refused, with the
/// command that adds someone.
fn no_user_yet(cli: &Cli, place: &str) -> anyhow::Error {
    let why = if cli.serve.require_tokens == Some(true) {
        "--require-tokens (or LIMBER_REQUIRE_TOKENS) is given".to_owned()
    } else {
        format!("{} is not a loopback address", cli.serve.bind)
    };
    anyhow::anyhow!(
        "{why}, so every request needs a token, and there is no user yet in {place}. Add one first: \
         limber-server{} user add NAME",
        same_store(cli)
    )
}

async fn serve(cli: &Cli, app: Arc<App>) -> anyhow::Result<()> {
    let open_files = raise_open_files();
    // The address first: a server that cannot listen must not resume (and so end, and record)
    // sessions another instance may be serving.
    let listener = tokio::net::TcpListener::bind(cli.serve.bind)
        .await
        .with_context(|| format!("cannot listen on {}", cli.serve.bind))?;
    let users = app.store().users().await?;
    let people = users.iter().filter(|u| u.name != limber_app::store::LOCAL_USER).count();
    let access = if !needs_tokens(cli, people) {
        Access::Open { local: app.local_user().await? }
    } else {
        if people == 0 {
            return Err(no_user_yet(cli, &app.store().place()));
        }
        Access::Tokens
    };
    let live = Registry::new(&app)
        .with_idle_limit(Duration::from_secs(cli.serve.idle_minutes * 60))
        .with_live_limit(cli.serve.live_per_person);
    // On a database other instances share, sessions are loaded when asked for; on a file of its
    // own, this instance resumes every one.
    let shared = live.share().await.context("cannot follow the other instances' live sessions")?;
    let resumed = if shared { 0 } else { live.resume_all().await.context("cannot resume the live sessions")? };
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let store = app.store().clone();
    let registry = live.clone();
    let state = AppState { app, live, access, shutdown };
    let local = listener.local_addr()?;
    tracing::info!(%local, resumed, shared, open = matches!(access, Access::Open { .. }), open_files, "limber-server listening");
    let database = store.place();
    tracing::info!(%database, "history kept in");
    say(format_args!("limber-server listening on http://{local}"));
    // 0.0.0.0 (or ::) is no address to give a client: which to use, and what plain HTTP costs.
    if local.ip().is_unspecified() {
        say(format_args!(
            "  clients use this machine's own address with port {port} (for example http://<its-name-or-address>:{port}); \
             this is plain HTTP: put TLS in front (a reverse proxy) before tokens and pain ratings cross a network, \
             and browsers keep a phone's screen on only over https",
            port = local.port()
        ));
    }
    // How to get in, in words (the log line's `open` says it for machines).
    let how = match access {
        Access::Open { .. } => "open to this machine: no token needed, history kept for `local`".to_owned(),
        Access::Tokens if cli.serve.bind.ip().is_loopback() && cli.serve.require_tokens.is_none() => format!(
            "every request needs a user's token, since people have been added here (through a proxy or a tunnel \
             every request would come from this machine); --require-tokens=no keeps it open to this machine \
             for `local`, and limber-server{0} user rotate local gives a token for the history limber keeps \
             here (limber-server{0} user add NAME gives another person one)",
            same_store(cli)
        ),
        Access::Tokens => {
            format!("every request needs a user's token (limber-server{} user add NAME gives one)", same_store(cli))
        }
    };
    say(format_args!("  {how}; the data is in {database}"));
    limber_server::serve::serve(listener, router(state), async move {
        signal().await;
        tracing::info!("shutting down: finishing requests; live sessions are stored");
        let _ = stop.send(true);
    })
    .await;
    // Every intent answered was stored before its answer, but for a safety stop the store
    // would not take (busy, down): one last try for those, each one that fails named in the
    // log. What the sessions' own timers were still writing is redone from the log at the
    // next start.
    if tokio::time::timeout(std::time::Duration::from_secs(15), registry.store_unstored_stops()).await.is_err() {
        tracing::error!("the store did not answer: safety stops still waiting to be stored were not stored");
    }
    // SQLite's last connection folds
    // its write-ahead log into the file as it closes (PostgreSQL needs no such care, and its
    // LISTEN connection would hold the pool's close up). A task still holding a connection is
    // not waited for long.
    if store.backend() == Backend::Sqlite
        && tokio::time::timeout(std::time::Duration::from_secs(5), store.close()).await.is_err()
    {
        tracing::warn!("a database connection was still in use at exit");
    }
    tracing::info!("limber-server stopped");
    Ok(())
}

/// Whether this process was started with SIGHUP ignored (`nohup`), read from the kernel's
/// account of it (Linux: the `SigIgn` mask in /proc/self/status; elsewhere, not known: no).
fn hangup_ignored() -> bool {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else { return false };
    status
        .lines()
        .find_map(|line| line.strip_prefix("SigIgn:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| mask & 1 != 0)
}

/// Ctrl-C, SIGTERM or SIGHUP (unless ignored, as `nohup` does).
async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let unix = |kind: tokio::signal::unix::SignalKind| async move {
        match tokio::signal::unix::signal(kind) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    // SIGTERM from a service manager; SIGHUP when the terminal it was started from closes (an
    // ssh session ending): both end it the graceful way, not at once, unless SIGHUP was set to
    // be ignored (`nohup limber-server`), which a handler would undo.
    #[cfg(unix)]
    let (term, hangup) = (unix(tokio::signal::unix::SignalKind::terminate()), async move {
        if hangup_ignored() {
            std::future::pending::<()>().await;
        }
        unix(tokio::signal::unix::SignalKind::hangup()).await;
    });
    #[cfg(not(unix))]
    let (term, hangup) = (std::future::pending::<()>(), std::future::pending::<()>());
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
        () = hangup => {}
    }
}

/// Writes `line` and a newline to standard error in one `write`, as the log lines are written
/// ([`log_writer`]), so that neither cuts into the other. (`eprintln!` writes each piece of its
/// format on its own: a session's log line once landed inside the address of "listening on".)
fn say(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut text = line.to_string();
    text.push('\n');
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// Where log lines go: standard error, through a file handle of its own when one can be had.
/// Each line is written with one `write` on it, as on `std::io::stderr`, but without
/// `Stderr`'s lock: two threads logging at once no longer wait for each other's write (under
/// load that wait put a thread to sleep and woke it for each line), and the kernel keeps each
/// line whole.
fn log_writer() -> tracing_subscriber::fmt::writer::BoxMakeWriter {
    use std::os::fd::AsFd;
    use tracing_subscriber::fmt::writer::BoxMakeWriter;
    match std::io::stderr().as_fd().try_clone_to_owned() {
        Ok(fd) => BoxMakeWriter::new(std::sync::Arc::new(std::fs::File::from(fd))),
        Err(_) => BoxMakeWriter::new(std::io::stderr),
    }
}

/// The log filter `LIMBER_LOG` asks for (`info` when unset). sqlx logs every SQL statement at
/// debug, which would drown the request lines: it stays at warn unless named.
fn log_filter(wanted: Option<&str>) -> tracing_subscriber::EnvFilter {
    use tracing_subscriber::filter::LevelFilter;
    let wanted = wanted.map(str::trim).filter(|w| !w.is_empty()).unwrap_or("info");
    let filter = match tracing_subscriber::EnvFilter::try_new(wanted) {
        Ok(filter) => {
            if let Some(warning) = silencing(wanted) {
                eprintln!("limber-server: {warning}");
            }
            filter
        }
        Err(e) => {
            eprintln!("limber-server: LIMBER_LOG={wanted:?} is not a log filter ({e}); logging at info");
            tracing_subscriber::EnvFilter::new("info")
        }
    };
    // Only quietens: `warn`, `error` and `off` already keep sqlx's statements out.
    let chatty = filter.max_level_hint().is_none_or(|level| level > LevelFilter::WARN);
    match "sqlx=warn".parse() {
        Ok(quiet) if chatty && !wanted.contains("sqlx") => filter.add_directive(quiet),
        _ => filter,
    }
}

/// Why `wanted` (a valid filter) would show none of limber's own logs, if it would: a bare word
/// that is not a level (`LIMBER_LOG=verbose`) names a target, and everything else goes quiet.
fn silencing(wanted: &str) -> Option<String> {
    const LEVELS: [&str; 12] = ["trace", "debug", "info", "warn", "error", "off", "0", "1", "2", "3", "4", "5"];
    let directives: Vec<&str> = wanted.split(',').map(str::trim).filter(|d| !d.is_empty()).collect();
    let any_level = directives.iter().any(|d| LEVELS.iter().any(|l| d.eq_ignore_ascii_case(l)));
    let names_limber = directives.iter().any(|d| d.starts_with("limber"));
    (!any_level && !names_limber).then(|| {
        format!(
            "LIMBER_LOG={wanted:?} names no level and none of limber's logs, so it shows none of them; \
             give a level (error, warn, info, debug or trace), e.g. LIMBER_LOG=debug"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_filter_that_would_hide_every_limber_log_is_warned_about() {
        for quiet in ["nonsense", "sqlx=debug", "verbose,tower_http=debug"] {
            assert!(silencing(quiet).is_some_and(|w| w.contains("shows none")), "{quiet}");
        }
        for fine in ["info", "DEBUG", "warn,sqlx=debug", "limber_server=debug", "off", "4"] {
            assert_eq!(silencing(fine), None, "{fine}");
        }
    }

    #[test]
    fn the_man_page_and_every_completion_generate() {
        use clap::CommandFactory as _;
        Cli::command().debug_assert();
        let mut page = Vec::new();
        generate(None, &mut page).expect("renders");
        let page = String::from_utf8_lossy(&page);
        assert!(page.contains(".TH limber-server") && page.contains("user"), "{page}");
        for shell in <clap_complete::Shell as clap::ValueEnum>::value_variants() {
            let mut script = Vec::new();
            generate(Some(*shell), &mut script).expect("writes");
            assert!(String::from_utf8_lossy(&script).contains("db-pool"), "{shell}");
        }
    }

    #[test]
    fn the_log_filter_quietens_sqlx_and_never_makes_a_quiet_level_louder() {
        use tracing_subscriber::filter::LevelFilter;
        let hint = |wanted: Option<&str>| log_filter(wanted).max_level_hint();
        assert_eq!(hint(None), Some(LevelFilter::INFO));
        assert_eq!(hint(Some("debug")), Some(LevelFilter::DEBUG));
        // A `sqlx=warn` added to these would let sqlx's warnings through.
        assert_eq!(hint(Some("off")), Some(LevelFilter::OFF));
        assert_eq!(hint(Some("error")), Some(LevelFilter::ERROR));
        assert_eq!(log_filter(Some("debug")).to_string(), "sqlx=warn,debug");
        assert_eq!(log_filter(Some("debug,sqlx=trace")).to_string(), "sqlx=trace,debug");
    }
}
