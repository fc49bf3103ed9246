//! The page in a real headless Chromium (Debian's `chromium` + `chromium-driver`), driven over
//! the WebDriver protocol by hand: load the page, run the desk routine at a high speed, watch the
//! countdown change and the figure drawn, pause and resume, report sharp pain, see the advice,
//! see which side comes next, save screenshots.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::binary::{bin, get, post, start, start_session};
use crate::http::request;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    child: Child,
    addr: String,
    session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = request(&self.addr, "DELETE", &format!("/session/{}", self.session), &[], None);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start(profile: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let addr = format!("127.0.0.1:{port}");
        let started = Instant::now();
        while request(&addr, "GET", "/status", &[], None).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-quic", "--window-size=412,915",
                     format!("--user-data-dir={}", profile.display())],
        }}}});
        let mut driver = Driver { child, addr, session: String::new() };
        let v = driver.call("POST", "/session", Some(caps));
        driver.session = v["sessionId"].as_str().unwrap_or_else(|| panic!("no WebDriver session: {v}")).to_owned();
        driver
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let body = body.map(|b| b.to_string());
        let r = request(&self.addr, method, path, &[], body.as_deref()).unwrap();
        let v = r.json();
        assert!(r.status < 400, "WebDriver {method} {path}: {} {v}", r.status);
        v["value"].clone()
    }

    fn s(&self, path: &str) -> String {
        format!("/session/{}{path}", self.session)
    }

    fn goto(&self, url: &str) {
        self.call("POST", &self.s("/url"), Some(json!({"url": url})));
    }

    fn js(&self, script: &str) -> Value {
        self.call("POST", &self.s("/execute/sync"), Some(json!({"script": script, "args": []})))
    }

    /// Clicks the element `css` like a person would (the driver checks it is visible). The page
    /// redraws its buttons when a new view arrives, so a button found a moment ago can be gone by
    /// the click: like a person, try the button that is there now, for up to five seconds.
    fn click(&self, css: &str) {
        let started = Instant::now();
        loop {
            let find = json!({"using": "css selector", "value": css});
            let found = request(&self.addr, "POST", &self.s("/element"), &[], Some(&find.to_string())).unwrap();
            let e = found.json();
            let clicked = match e["value"][ELEMENT].as_str() {
                Some(id) if found.status < 400 => {
                    let path = self.s(&format!("/element/{id}/click"));
                    let r = request(&self.addr, "POST", &path, &[], Some("{}")).unwrap();
                    (r.status < 400).then_some(()).ok_or_else(|| r.json())
                }
                _ => Err(e),
            };
            match clicked {
                Ok(()) => return,
                Err(why) => {
                    assert!(started.elapsed() < Duration::from_secs(5), "cannot click {css}: {why}");
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }

    fn text(&self, css: &str) -> String {
        self.js(&format!("return document.querySelector({css:?})?.textContent ?? ''")).as_str().unwrap_or("").to_owned()
    }

    fn wait_for(&self, what: &str, mut ok: impl FnMut(&Driver) -> bool) {
        let started = Instant::now();
        while !ok(self) {
            if started.elapsed() > Duration::from_secs(30) {
                let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("limber-server-page-failed.png");
                self.screenshot(&shot);
                panic!(
                    "timed out waiting for {what}; the page says {:?}; screenshot at {}",
                    self.text("main"),
                    shot.display()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn screenshot(&self, to: &Path) {
        let b64 = self.call("GET", &self.s("/screenshot"), None);
        std::fs::write(to, base64(b64.as_str().unwrap())).unwrap();
    }
}

fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits: Vec<u8> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, d)| n | (u32::from(*d) << (18 - 6 * i)));
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

/// Whether the browser test can run here; panics when it must (`LIMBER_REQUIRE_BROWSER`).
fn browser_available() -> bool {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !present {
        assert!(
            std::env::var_os("LIMBER_REQUIRE_BROWSER").is_none(),
            "LIMBER_REQUIRE_BROWSER is set but {CHROMIUM} or {CHROMEDRIVER} is missing: apt-get install -y chromium chromium-driver"
        );
        eprintln!(
            "SKIPPED: the page test needs {CHROMIUM} and {CHROMEDRIVER} (apt-get install -y chromium chromium-driver)"
        );
    }
    present
}

/// Whether `text` reads as a countdown: seconds, or minutes and seconds (`4:05`).
fn is_countdown(text: &str) -> bool {
    match text.split_once(':') {
        Some((m, s)) => m.parse::<u32>().is_ok() && s.len() == 2 && s.parse::<u32>().is_ok_and(|s| s < 60),
        None => text.parse::<u32>().is_ok(),
    }
}

#[test]
fn the_page_shows_the_library_refuses_a_bad_goal_and_says_when_the_server_is_gone() {
    if !browser_available() {
        return;
    }
    let (_dir, server, driver) = desk_page();

    // The library: every stretch, its drawings, the precautions and the source.
    driver.click("nav [data-tab=library]");
    driver.wait_for("the library", |d| !d.text("#source").is_empty());
    let (_, stretches) = get(&server.addr, "/api/v1/stretches");
    let shown = driver.js("return document.querySelectorAll('#stretches details').length");
    assert_eq!(shown, json!(stretches.as_array().unwrap().len()));
    assert!(driver.js("return document.querySelectorAll('#precautions li').length").as_u64().unwrap() > 0);

    // The profile: a goal the server refuses is not reported as saved, and nothing changes.
    driver.click("nav [data-tab=profile]");
    driver.wait_for("the profile", |d| d.js("return document.querySelector('#goal').value") != json!(""));
    driver.click("#profile-form input[value=standing]");
    // (The field's own min and max stop this in the browser; past them, the server's refusal shows.)
    driver.js("document.querySelector('#goal').value = '20'; return true");
    driver.js("const f = document.querySelector('#profile-form'); f.noValidate = true; f.requestSubmit(); return true");
    driver.wait_for("the refusal", |d| d.text("#profile-status").starts_with("Not saved"));
    let (_, profile) = get(&server.addr, "/api/v1/profile");
    assert_eq!(profile["profile"]["weekly-goal"], json!(3), "{profile}");
    driver.js("document.querySelector('#goal').value = '4'; return true");
    driver.click("#profile-form button[type=submit]");
    driver.wait_for("the save", |d| d.text("#profile-status") == "Saved.");
    let (_, profile) = get(&server.addr, "/api/v1/profile");
    assert_eq!(profile["profile"]["avoid"], json!(["standing"]), "standing can be avoided from the page: {profile}");

    // A session, then the server goes: the page says the connection is lost, and that a sharp
    // pain report did not arrive, with what to do anyway.
    driver.click("nav [data-tab=start]");
    driver.click("#start-form button[type=submit]");
    driver.wait_for("the first question", |d| d.text("#phase").contains("question 1"));
    // Keys work while a checkbox has the focus (space and Enter stay the checkbox's own).
    driver.click("#speak");
    assert_eq!(driver.js("return document.activeElement?.id ?? ''"), json!("speak"), "the checkbox has the focus");
    let keyed =
        "document.activeElement.dispatchEvent(new KeyboardEvent('keydown', {key: 'n', bubbles: true})); return true";
    driver.js(keyed);
    driver.wait_for("the second question", |d| d.text("#phase").contains("question 2"));
    drop(server);
    driver.wait_for("the lost connection", |d| {
        d.js("return document.querySelector('#connection').hidden") == json!(false)
    });
    driver.click("#sharp-pain");
    driver.wait_for("the failed report", |d| d.text("#problem").contains("Stop the stretch now anyway"));
}

/// The question the last session is asking, as the server has it.
fn question(addr: &str) -> String {
    let (_, list) = get(addr, "/api/v1/sessions");
    list.as_array()
        .and_then(|l| l.last())
        .map_or(String::new(), |s| s["view"]["question"].as_str().unwrap_or("").to_owned())
}

/// A server on a data directory of its own and the page in Chromium, loaded for the desk routine
/// at 20× (the directory lives as long as the returned guard).
fn desk_page() -> (tempfile::TempDir, crate::binary::Server, Driver) {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("data"), "127.0.0.1:0");
    let driver = Driver::start(&dir.path().join("chromium"));
    driver.goto(&format!("http://{}/?routine=desk&speed=20", server.addr));
    driver.wait_for("the page to load", |d| d.js("return document.body.dataset.ready ?? ''") == json!("true"));
    (dir, server, driver)
}

fn phase(addr: &str) -> String {
    let (_, list) = get(addr, "/api/v1/sessions");
    list.as_array()
        .and_then(|l| l.last())
        .map_or(String::new(), |s| s["view"]["phase"]["phase"].as_str().unwrap_or("").to_owned())
}

#[test]
fn the_page_runs_the_desk_routine_pauses_resumes_and_stops_on_sharp_pain() {
    if !browser_available() {
        return;
    }
    let (_dir, server, driver) = desk_page();
    assert_eq!(driver.js("return document.querySelector('#routine').value"), json!("desk"));
    driver.click("#start-form button[type=submit]");

    // Screening and pain before, as forms: buttons for the allowed intents only.
    driver.wait_for("the first question", |d| !d.text("#question").is_empty());
    assert!(
        !driver.js("return document.querySelector('#sharp-pain').hidden").as_bool().unwrap(),
        "sharp pain is always there"
    );
    loop {
        match phase(&server.addr).as_str() {
            // Has a clinician already looked at the pain: "yes", or the screening stops there.
            "screening" if question(&server.addr).contains("already looked at") => {
                driver.click("#actions [data-intent=yes]");
            }
            "screening" => driver.click("#actions [data-intent=no]"),
            "pain-before" => {
                driver.wait_for("the pain scale", |d| {
                    d.js("return document.querySelector('#pain-scale').hidden") == json!(false)
                });
                // Typed: 10 takes two keys, 1 then 0.
                let key = |k: &str| {
                    format!(
                        "document.body.dispatchEvent(new KeyboardEvent('keydown', {{key: '{k}', bubbles: true}})); return true"
                    )
                };
                driver.js(&key("1"));
                driver.wait_for("the waiting 1", |d| d.text("#typed").contains("press 0 to make it 10"));
                driver.js(&key("0"));
                driver.wait_for("the rating", |_| phase(&server.addr) != "pain-before");
            }
            _ => break,
        }
        std::thread::sleep(Duration::from_millis(150));
    }
    driver.wait_for("the countdown", |d| is_countdown(&d.text("#countdown")));
    let first = driver.text("#countdown");
    driver.wait_for("the countdown to change", |d| d.text("#countdown") != first);
    // The stretch as an inline SVG figure: a head, a spine, limbs and its props.
    driver.wait_for("the figure", |d| {
        d.js("return document.querySelectorAll('#figure:not([hidden]) line').length > 10 && document.querySelector('#figure circle.head') !== null")
            == json!(true)
    });
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("limber-server-figure.png");
    driver.screenshot(&shot);
    assert!(std::fs::read(&shot).unwrap().starts_with(b"\x89PNG"), "a PNG screenshot at {}", shot.display());

    // The first stretch is a flow: moved through, not held.
    driver.wait_for("the flow", |d| d.text("#phase").starts_with("Move"));
    // A pain rating at any moment: the scale opens on a press.
    assert_eq!(driver.js("return document.querySelector('#pain-scale').hidden"), json!(true));
    driver.click("#actions [data-open=pain]");
    driver.wait_for("the pain scale", |d| d.js("return document.querySelector('#pain-scale').hidden") == json!(false));
    // Ending takes a second press: one press only asks.
    driver.click("#actions [data-intent=quit]");
    driver.wait_for("the second press", |d| d.text("#actions [data-intent=quit]") == "Press again to end");
    assert!(!phase(&server.addr).is_empty() && phase(&server.addr) != "stopped", "one press ends nothing");

    driver.click("#actions [data-intent=pause]");
    driver.wait_for("the pause", |d| d.text("#phase").contains("paused"));
    let held = driver.text("#countdown");
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(driver.text("#countdown"), held, "a paused countdown stands still");
    let drawn = driver.js("return document.querySelector('#figure').dataset.drawn");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        driver.js("return document.querySelector('#figure').dataset.drawn"),
        drawn,
        "a paused figure stands still"
    );
    assert_eq!(
        driver.js("return document.querySelector('#actions [data-intent=pause]') === null"),
        json!(true),
        "no pause button while paused"
    );
    // A reload mid-session picks the session up where it is.
    driver.goto(&format!("http://{}/", server.addr));
    driver.wait_for("the page to load again", |d| d.js("return document.body.dataset.ready ?? ''") == json!("true"));
    driver.wait_for("the session after the reload", |d| d.text("#phase").contains("paused"));
    assert_eq!(driver.text("#countdown"), held, "the same time left after a reload");
    driver.click("#actions [data-intent=resume]");
    driver.wait_for("the countdown to run again", |d| {
        !d.text("#phase").contains("paused") && d.text("#countdown") != held
    });

    driver.click("#sharp-pain");
    // The stop and its advice at once, above the pain after the session then asks for.
    driver.wait_for("the advice", |d| d.js("return document.querySelector('#stopped').hidden") == json!(false));
    assert_eq!(driver.text("#stopped-title"), "Stopped: sharp pain");
    assert!(driver.text("#stopped-advice").contains("Sharp or intense pain means stop"), "{}", driver.text("#stopped"));
    driver.wait_for("the stop among the cues", |d| d.text("#cues").to_lowercase().contains("sharp"));
    assert_eq!(phase(&server.addr), "pain-after");
    assert!(!driver.text("#question").is_empty(), "the pain after is asked below the advice");
    assert_eq!(driver.js("return document.querySelector('#sharp-pain').hidden"), json!(true), "already stopped");
    driver.click("#actions [data-intent=skip]");
    driver.wait_for("the end", |d| d.js("return document.querySelector('#outcome').hidden") == json!(false));
    let (_, list) = get(&server.addr, "/api/v1/sessions");
    assert_eq!(list[0]["view"]["phase"], json!({"phase": "stopped", "reason": "sharp-pain"}));
    let outcome = driver.text("#outcome");
    assert!(outcome.contains("Session stopped"), "{outcome}");
    assert_eq!(driver.js("return document.querySelector('#stopped').hidden"), json!(false), "the advice stays");
    assert!(driver.text("#stopped-advice").contains("Sharp or intense pain means stop"));
    assert_eq!(driver.js("return document.querySelector('#sharp-pain').hidden"), json!(true));
    let (_, page) = get(&server.addr, "/api/v1/history");
    assert_eq!(page["sessions"][0]["stopped"], "sharp-pain", "{page}");
    assert_eq!(page["sessions"][0]["pain-before"], 10, "typed as 1 then 0: {page}");
    // The stretch that hurt is set aside; the profile shows it and clears it.
    let (_, profile) = get(&server.addr, "/api/v1/profile");
    let flagged = profile["flagged"][0].as_str().unwrap_or_else(|| panic!("a stretch set aside: {profile}")).to_owned();
    let (_, stretch) = get(&server.addr, &format!("/api/v1/stretches/{flagged}"));
    let name = stretch["name"].as_str().unwrap().to_owned();
    driver.click("nav [data-tab=profile]");
    driver.wait_for("the set-aside stretch", |d| d.text("#flagged").contains(&name));
    driver.click("#flagged button");
    driver.wait_for("the flag cleared", |d| d.js("return document.querySelector('#flags').hidden") == json!(true));
    let (_, profile) = get(&server.addr, "/api/v1/profile");
    assert_eq!(profile["flagged"], json!([]), "{profile}");
    driver.click("nav [data-tab=start]");

    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("limber-server-page.png");
    driver.screenshot(&shot);
    assert!(std::fs::read(&shot).unwrap().starts_with(b"\x89PNG"), "a PNG screenshot at {}", shot.display());
}

#[test]
fn the_page_exports_history_with_its_token_and_says_when_it_cannot() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let add = bin().arg("--data-dir").arg(&data).args(["user", "add", "ann"]).output().unwrap();
    assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stderr));
    let token = String::from_utf8(add.stdout).unwrap().trim().to_owned();
    // Off loopback, every personal route needs the token.
    let server = start(&data, "0.0.0.0:0");
    let addr = format!("127.0.0.1:{}", server.addr.rsplit(':').next().unwrap());
    let bearer = format!("Bearer {token}");
    let call = |method: &str, path: &str, body: Option<Value>| {
        let body = body.map(|b| b.to_string());
        request(&addr, method, path, &[("Authorization", &bearer)], body.as_deref()).unwrap().json()
    };
    // One session of ann's in history: stopped for sharp pain after the screening.
    let body =
        json!({"routine": "desk", "speed": 20, "pain-before": {"prompt": "skip"}, "pain-after": {"prompt": "skip"}});
    let id = call("POST", "/api/v1/sessions", Some(body))["id"].as_str().unwrap().to_owned();
    loop {
        let state = call("GET", &format!("/api/v1/sessions/{id}"), None);
        let intent = match state["view"]["phase"]["phase"].as_str().unwrap() {
            // Has a clinician already looked at the pain: "yes", or the screening stops there.
            "screening" if state["view"]["question"].as_str().is_some_and(|q| q.contains("already looked at")) => "yes",
            "screening" => "no",
            _ => break,
        };
        call("POST", &format!("/api/v1/sessions/{id}/intents"), Some(json!({"intent": intent})));
    }
    call("POST", &format!("/api/v1/sessions/{id}/intents"), Some(json!({"intent": "sharp-pain"})));
    let deadline = Instant::now() + Duration::from_secs(20);
    while call("GET", "/api/v1/history", None)["sessions"].as_array().is_none_or(Vec::is_empty) {
        assert!(Instant::now() < deadline, "the session never reached history");
        std::thread::sleep(Duration::from_millis(100));
    }

    let driver = Driver::start(&dir.path().join("chromium"));
    driver.goto(&format!("http://{addr}/"));
    driver.wait_for("the page to load", |d| d.js("return document.body.dataset.ready ?? ''") == json!("true"));
    driver.click("nav [data-tab=history]");
    // Signed out: the export says it failed and asks for the token; no error file is saved.
    driver.click("#export");
    driver.wait_for("the export to fail", |d| d.text("#export-status").contains("Export failed"));
    assert_eq!(driver.js("return document.querySelector('#login').hidden"), json!(false));

    driver.js(&format!("document.querySelector('#token').value = {}; return true", json!(token)));
    driver.click("#login-form button[type=submit]");
    driver.wait_for("the sign-in", |d| d.js("return document.querySelector('#login').hidden") == json!(true));
    driver.click("nav [data-tab=history]");
    driver.click("#export");
    driver.wait_for("the export", |d| d.text("#export-status").starts_with("Saved"));
    assert_eq!(driver.text("#export-status"), "Saved 1 session as limber-export.json.");
}

#[test]
fn the_page_says_which_side_comes_next_between_the_sides_of_a_stretch() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("data"), "127.0.0.1:0");
    // At 5×, the rest between the sides of the twist lasts 1.6 s: room to catch it on a busy machine.
    let id = start_session(&server.addr, 5.0);
    let session = format!("/api/v1/sessions/{id}");
    let intent = |intent: &str| post(&server.addr, &format!("{session}/intents"), json!({"intent": intent}));
    // Past the warm-up and the first two stretches to the seated twist, done on each side.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, s) = get(&server.addr, &session);
        if s["view"]["number"] == json!(3) {
            break;
        }
        assert!(Instant::now() < deadline, "never reached the third stretch: {s}");
        assert_eq!(intent("skip").0, 200, "{s}");
    }
    // Caught in the rest between its sides and paused there.
    loop {
        let (_, s) = get(&server.addr, &session);
        if s["view"]["switch-to"] == json!("left") {
            let (status, paused) = intent("pause");
            assert_eq!(status, 200, "{paused}");
            assert_eq!(paused["view"]["phase"]["phase"], json!("rest"), "paused in the rest: {paused}");
            break;
        }
        assert!(Instant::now() < deadline, "no rest between sides: {s}");
        std::thread::sleep(Duration::from_millis(10));
    }

    let driver = Driver::start(&dir.path().join("chromium"));
    driver.goto(&format!("http://{}/", server.addr));
    driver.wait_for("the page to load", |d| d.js("return document.body.dataset.ready ?? ''") == json!("true"));
    driver.wait_for("the paused rest", |d| d.text("#phase").contains("paused"));
    let phase = driver.text("#phase");
    assert!(phase.starts_with("Switch sides → left"), "{phase}");
    assert!(phase.contains("stretch 3 of 4"), "{phase}");
}
