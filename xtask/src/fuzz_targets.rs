//! The fuzz targets of `cargo xtask fuzz`: content loader, session (replay == live), typed lines, import files, server requests.

use std::sync::{Arc, OnceLock};

use limber_content::{BUILTIN_FILES, Layer, Loader};
use limber_core::{At, Intent, Library, PainPrompt, Plan, PlanOptions, Position, ScreeningRecord, Session};

/// One fuzz target: bytes in, `Err` when an invariant breaks (a panic counts too).
pub(crate) struct Target {
    /// The name `cargo xtask fuzz TARGET` takes.
    pub(crate) name: &'static str,
    /// Runs one input.
    pub(crate) run: fn(&[u8]) -> Result<(), String>,
    /// Valid inputs to start mutating from.
    pub(crate) seeds: fn() -> Vec<Vec<u8>>,
    /// Tokens worth inserting.
    pub(crate) dictionary: &'static [&'static str],
}

/// Every target, in the order `cargo xtask fuzz` runs them.
pub(crate) const TARGETS: &[Target] = &[
    Target {
        name: "content",
        run: content,
        seeds: || BUILTIN_FILES.iter().map(|(_, text)| text.as_bytes().to_vec()).collect(),
        dictionary: &[
            "(", ")", "[", "]", ",", "\"", "Some(", "None", "id: ", "(0, 0)", "(30, 10)", "0", "//", "/*", "\n",
        ],
    },
    Target {
        name: "session",
        run: session,
        seeds: || {
            vec![
                vec![0],
                vec![255, 0, 1, 1, 2, 3, 3, 9, 4, 200, 5, 250],
                vec![1, 2, 10, 6, 40, 10, 0, 12, 255],
                (0..96u8).map(|i| i.wrapping_mul(37)).collect(),
            ]
        },
        dictionary: &["\u{0}", "\u{1}", "\u{a}"],
    },
    Target {
        name: "line",
        run: line,
        seeds: || {
            ["yes", "no", "@40 pain sharp", "pain 4", "@1.5 pause", "resume", "@0 quit", "swap\nskip\ncomfortable"]
                .iter()
                .map(|s| s.as_bytes().to_vec())
                .collect()
        },
        dictionary: &["@", " ", "pain", "sharp", "1e9", "NaN", "-0", "inf", ".", "\u{a0}", "\t"],
    },
    Target {
        name: "import",
        run: import,
        seeds: || IMPORT_SEEDS.iter().map(|s| s.as_bytes().to_vec()).collect(),
        dictionary: &["null", "\"desk\"", "-1", "1e999", "18446744073709551616", "[]", "{}", ",", "\"items\":"],
    },
    Target {
        name: "server",
        run: server,
        seeds: || {
            let body = |route: u8, method: u8, text: &str| [&[route, method][..], text.as_bytes()].concat();
            vec![
                body(10, 1, r#"{"routine":"desk","hold":20,"no-warm-up":true,"speed":1}"#),
                body(12, 1, r#"{"intent":"pain","score":4}"#),
                body(18, 2, r#"{"equipment":["chair"],"goal":3}"#),
                body(17, 1, IMPORT_SEEDS[0]),
                body(20, 1, r#"{"answers":[]}"#),
                body(15, 0, "limit=3&since=2026-11-01"),
            ]
        },
        dictionary: &["{", "}", "\"", ":", ",", "\"routine\"", "\"intent\"", "\"hold\"", "null", "?", "&", "%", "/"],
    },
];

const IMPORT_SEEDS: &[&str] = &[
    r#"{"limber-export":2,"sessions":[{"id":"0b5c0d7e-55b9-4a5d-9f0e-3c2c8e1f4a11","routine":"desk","started-at-ms":1,"ended-at-ms":2,"stopped":null,"warmed-up":false,"active-ms":0,"pain-before":3,"pain-after":null,"flagged":null,"items":[]}]}"#,
    r#"{"limber_export":1,"sessions":[{"id":"0b5c0d7e-55b9-4a5d-9f0e-3c2c8e1f4a11","routine":"desk","started_at_ms":1,"ended_at_ms":2,"stopped":"SharpPain","warmed_up":false,"active_ms":0,"pain_before":3,"pain_after":null,"flagged":"seated-twist","items":[{"stretch":"seated-twist","instead_of":null,"seconds":15,"holds_done":1,"sides_done":["Right"],"holds_planned":2,"active":15000,"comfort":null,"discomfort":false,"max_pain":null,"status":"Partial"}]}]}"#,
];

fn library() -> &'static Library {
    static LIBRARY: OnceLock<Library> = OnceLock::new();
    LIBRARY.get_or_init(|| limber_content::builtin().expect("the built-in content loads"))
}

/// A user content file over the built-in content: loads or reports, never panics; what loads plans.
fn content(input: &[u8]) -> Result<(), String> {
    let mut loader = Loader::builtin();
    loader.add_text("fuzz.ron", String::from_utf8_lossy(input).into_owned(), Layer::User);
    if let Ok(library) = loader.build() {
        for routine in &library.routines {
            let _ = Plan::resolve(&library, &routine.id, &PlanOptions::default());
        }
    }
    Ok(())
}

/// The intent a byte names.
fn intent(byte: u8) -> Intent {
    match byte % 14 {
        0 => Intent::Yes,
        1 => Intent::No,
        2 => Intent::Start,
        3 => Intent::Pause,
        4 => Intent::Resume,
        5 => Intent::TogglePause,
        6 => Intent::Skip,
        7 => Intent::Swap,
        8 => Intent::Discomfort,
        9 => Intent::Comfortable,
        10 => Intent::SharpPain { during: (byte > 127).then_some(u16::from(byte % 6)) },
        11 => Intent::Chest,
        12 => Intent::Pain { score: byte / 14 % 13 },
        _ => Intent::Quit,
    }
}

/// Random intents at random times against a real plan; the replayed log must equal the live session.
fn session(input: &[u8]) -> Result<(), String> {
    let library = library();
    let (&flags, script) = input.split_first().unwrap_or((&0, &[]));
    let prompt = |bit: u8| if flags & bit != 0 { PainPrompt::Ask } else { PainPrompt::Skip };
    let mut options = PlanOptions {
        warm_up: flags & 4 != 0,
        wait_for_start: flags & 8 != 0,
        pain_before: prompt(16),
        pain_after: prompt(32),
        ..PlanOptions::default()
    };
    if flags & 64 != 0 {
        options.avoid.insert(Position::Kneeling);
    }
    let routine = &library.routines[usize::from(flags & 3) % library.routines.len()];
    let Ok(plan) = Plan::resolve(library, &routine.id, &options) else { return Ok(()) };
    let plan = Arc::new(plan);
    let record = ScreeningRecord {
        answers: library.screening.iter().map(|q| (q.id.clone(), false)).collect(),
        clinician_assessed: false,
    };
    let screening = (flags & 128 != 0).then_some(&record);
    let mut live = Session::new(plan.clone(), screening, At::ZERO);
    let mut said = live.drain_cues();
    let mut now = 0u64;
    for pair in script.chunks(2) {
        // Mostly small gaps; a byte above 240 jumps minutes ahead, over many deadlines.
        let gap = pair.get(1).map_or(0, |&g| if g > 240 { u64::from(g - 240) * 60_000 } else { u64::from(g) * 250 });
        now += gap;
        let _ = live.handle(intent(pair[0]), At::millis(now));
        said.extend(live.drain_cues());
    }
    let end = At::millis(now + 90_000);
    live.advance(end);
    said.extend(live.drain_cues());
    let mut replayed = Session::replay(plan, screening, live.log()).map_err(|e| format!("replay refused: {e}"))?;
    replayed.advance(end);
    // Every cue the live session said, in order, is what the replay says.
    if replayed.drain_cues() != said || !replayed.cues_since(0).eq(live.cues_since(0)) {
        return Err("replayed cues differ from the live session's".into());
    }
    if replayed.view() != live.view() || replayed.summary() != live.summary() || replayed.log() != live.log() {
        return Err("the replayed session differs from the live one".into());
    }
    Ok(())
}

/// Every typed line parses or is refused; surrounding blanks never change the answer.
fn line(input: &[u8]) -> Result<(), String> {
    for text in String::from_utf8_lossy(input).lines() {
        let parsed = limber_app::line::parse(text);
        if parsed != limber_app::line::parse(&format!("  {text}\t")) {
            return Err(format!("blanks around {text:?} change how it parses"));
        }
        if let Ok(limber_app::line::Line { at: Some(at), .. }) = parsed
            && at.as_millis() > 1_000_000_000_000
        {
            return Err(format!("{text:?} reads as a time past 10^9 s"));
        }
    }
    Ok(())
}

/// An import file is read or refused; what is read writes back and reads again the same.
fn import(input: &[u8]) -> Result<(), String> {
    let Ok(file) = limber_app::export::read(&String::from_utf8_lossy(input)) else { return Ok(()) };
    let written = limber_app::export::write(&file.0, &file.1).map_err(|e| format!("cannot write back: {e}"))?;
    let again = limber_app::export::read(&String::from_utf8_lossy(&written))
        .map_err(|e| format!("written export does not read: {e}"))?;
    if again != file {
        return Err("an import written back reads differently".into());
    }
    Ok(())
}

/// A router over a fresh SQLite store, and the runtime it runs on.
fn server_fixture() -> &'static (tokio::runtime::Runtime, limber_server::Service, tempfile::TempDir) {
    static SERVER: OnceLock<(tokio::runtime::Runtime, limber_server::Service, tempfile::TempDir)> = OnceLock::new();
    SERVER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let router = runtime.block_on(async {
            let store = limber_app::store::SqliteStore::open(dir.path()).await.expect("a store");
            let app = Arc::new(limber_app::App::new(library().clone(), Arc::new(store)));
            let access = limber_server::Access::Open { local: app.local_user().await.expect("the local user") };
            let live = limber_server::Registry::new(&app);
            let (stop, shutdown) = tokio::sync::watch::channel(false);
            std::mem::forget(stop);
            limber_server::router(limber_server::AppState { app, live, access, shutdown })
        });
        (runtime, router, dir)
    })
}

/// Percent-encodes `bytes` for a path segment or query.
fn encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() || b"-_.~=&".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Any route, method, path parameter, query and body: never a 500, never a panic.
fn server(input: &[u8]) -> Result<(), String> {
    use tower::ServiceExt as _;
    let (runtime, router, _) = server_fixture();
    let [route, method, rest @ ..] = input else { return Ok(()) };
    let (template, methods) = limber_server::ROUTES[usize::from(*route) % limber_server::ROUTES.len()];
    let method = methods[usize::from(*method) % methods.len()].clone();
    let param = encode(&rest[..rest.len().min(12)]);
    let mut uri = template.replace("{id}", &param).replace("{stretch}", &param);
    if method == axum::http::Method::GET {
        uri = format!("{uri}?{}", encode(rest));
    }
    let content_type = if route & 0x80 == 0 { "application/json" } else { "text/plain" };
    let request = axum::http::Request::builder()
        .method(method.clone())
        .uri(&uri)
        .header("content-type", content_type)
        .body(axum::body::Body::from(rest.to_vec()))
        .map_err(|_| String::new());
    let Ok(request) = request else { return Ok(()) };
    let status = runtime.block_on(router.clone().oneshot(request)).map_err(|e| format!("{e}"))?.status();
    if status.is_server_error() {
        return Err(format!("{method} {uri} answered {status}"));
    }
    Ok(())
}
