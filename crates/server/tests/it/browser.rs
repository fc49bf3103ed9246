//! The page in a real headless Chromium (Debian's `chromium` + `chromium-driver`), driven over
//! the WebDriver protocol by hand: load the page, run the desk routine at a high speed, watch the
//! countdown change and the figure drawn, pause and resume, report sharp pain, see the advice,
//! see which side comes next, save screenshots.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::binary::{bin, get, post, start, start_session, start_session_with};
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
        Driver::start_with_prefs(profile, json!({}))
    }

    /// [`Driver::start`] with the browser's settings `prefs` (as a person sets them).
    fn start_with_prefs(profile: &Path, prefs: Value) -> Driver {
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
            "prefs": prefs,
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
    // The article's stretches and limber's additions are told apart where they are listed; each
    // shows its dose, cautions and breathing; the tips, the answers and the sources are there.
    let additions = stretches.as_array().unwrap().iter().filter(|s| s["origin"] != json!("Article")).count();
    assert!(additions > 0);
    let marked = driver.js(
        "return [...document.querySelectorAll('#stretches summary')].filter((s) => s.textContent.endsWith('(not from the article)')).length",
    );
    assert_eq!(marked, json!(additions));
    let twist = driver.js(
        "return [...document.querySelectorAll('#stretches details')].find((d) => d.textContent.startsWith('Seated twist'))?.textContent ?? ''",
    );
    let twist = twist.as_str().unwrap();
    for part in ["Dose: hold 15–30 seconds", "Caution: ", "Breathing: ", "Source: \"Stretches for Mid Back Pain"] {
        assert!(twist.contains(part), "{part}: {twist}");
    }
    assert_eq!(driver.js("return document.querySelectorAll('#tips li').length"), json!(5));
    assert_eq!(driver.js("return document.querySelectorAll('#faq dt').length"), json!(5));
    assert!(driver.text("#source").contains("Relieve Tension and Improve Flexibility"), "{}", driver.text("#source"));
    assert!(driver.text("#also").contains("NHS"), "the sources the credit names: {}", driver.text("#also"));
    assert!(driver.text("#background").contains("general guidance"), "{}", driver.text("#background"));

    // The profile: a goal the server refuses is not reported as saved, and nothing changes.
    driver.click("nav [data-tab=profile]");
    driver.wait_for("the profile", |d| d.js("return document.querySelector('#goal').value") != json!(""));
    // Its choices are the server's: one box for each, in its words, and the goal's range.
    let (_, profile) = get(&server.addr, "/api/v1/profile");
    let choices = &profile["choices"];
    let ids = |list: &Value| list.as_array().unwrap().iter().map(|c| c["id"].clone()).collect::<Vec<_>>();
    for list in ["equipment", "avoid"] {
        let boxes =
            driver.js(&format!("return [...document.querySelectorAll('#{list}-choices input')].map((b) => b.value)"));
        assert_eq!(boxes.as_array().unwrap(), &ids(&choices[list]), "{list}: {profile}");
    }
    assert_eq!(choices["avoid"].as_array().unwrap().len(), 5, "{profile}");
    assert!(driver.text("#avoid-choices").contains("Lying on your back"), "{}", driver.text("#avoid-choices"));
    assert!(driver.text("#equipment-choices").contains("A foam roller"), "{}", driver.text("#equipment-choices"));
    assert_eq!(
        driver.js("return document.querySelector('#goal').max"),
        json!(choices["weekly-goal"]["max"].to_string())
    );
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
    // Another device changes the equipment while this page is open: a save here of the positions
    // alone leaves that change as it is (and the form then shows it).
    let equipment = profile["profile"]["equipment"].clone();
    assert_ne!(equipment, json!(["towel"]), "{profile}");
    let set_equipment = |list: &Value| {
        let body = json!({ "equipment": list }).to_string();
        let r = request(&server.addr, "PATCH", "/api/v1/profile", &[("content-type", "application/json")], Some(&body));
        assert_eq!(r.unwrap().status, 200);
    };
    set_equipment(&json!(["towel"]));
    driver.click("#profile-form input[value=standing]");
    driver.click("#profile-form button[type=submit]");
    driver.wait_for("the second save", |d| {
        d.text("#profile-status") == "Saved."
            && d.js("return document.querySelector('#profile-form input[value=towel]').checked") == json!(true)
    });
    let (_, profile) = get(&server.addr, "/api/v1/profile");
    assert_eq!(profile["profile"]["avoid"], json!([]), "{profile}");
    assert_eq!(profile["profile"]["equipment"], json!(["towel"]), "the other device's change stands: {profile}");
    assert_eq!(profile["profile"]["weekly-goal"], json!(4), "{profile}");
    // Saved again with nothing changed: nothing is sent, and the page says so.
    driver.click("#profile-form button[type=submit]");
    driver.wait_for("nothing to save", |d| d.text("#profile-status").starts_with("Nothing to save"));
    set_equipment(&equipment);

    // A routine nothing of which suits today: said under Start, by name, not in a pop-up.
    let avoid = |list: Value| {
        let body = json!({ "avoid": list }).to_string();
        let r = request(&server.addr, "PATCH", "/api/v1/profile", &[("content-type", "application/json")], Some(&body));
        assert_eq!(r.unwrap().status, 200);
    };
    avoid(json!(["seated", "standing", "kneeling", "lying-on-back", "lying-on-side"]));
    driver.click("nav [data-tab=start]");
    driver.click("#start-form button[type=submit]");
    driver.wait_for("the refusal", |d| d.text("#start-problem").contains("suits you today"));
    let said = driver.text("#start-problem");
    assert!(said.contains("Seated cat-cow") && !said.contains('`'), "{said}");
    avoid(json!([]));

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
    // Chest pain pressed while the server is gone: the content's emergency advice, emergency
    // numbers included, as every front end gives it (read when the page started).
    driver.click("#chest-stop");
    driver.wait_for("the chest report held", |d| {
        d.js("return document.body.dataset.pendingStop ?? ''") == json!("chest")
    });
    let emergency = limber_app::load_library(None).unwrap().advice.emergency.clone();
    assert!(driver.text("#problem").contains(&emergency), "{}", driver.text("#problem"));
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

/// A server on a data directory of its own with a desk session in real time (its warm-up lasts
/// minutes, the countdown moving every second), and the page in Chromium following it, at the
/// warm-up. Returns the directory (data in `data/`), the server, the session's id and the page.
fn warm_up_page() -> (tempfile::TempDir, crate::binary::Server, String, Driver) {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("data"), "127.0.0.1:0");
    let id = start_session(&server.addr, 1.0);
    let driver = Driver::start(&dir.path().join("chromium"));
    driver.goto(&format!("http://{}/", server.addr));
    driver.wait_for("the page to load", |d| d.js("return document.body.dataset.ready ?? ''") == json!("true"));
    driver.wait_for("the warm-up", |d| d.text("#phase-word") == "WARM-UP" && is_countdown(&d.text("#countdown")));
    (dir, server, id, driver)
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
    // The address's speed (`?speed=20`) is the form's: the person sees a preview is chosen.
    assert_eq!(driver.js("return document.querySelector('#speed').value"), json!("20"));
    // On this computer itself the page keeps the screen on, so it says nothing about it.
    assert_eq!(driver.js("return document.querySelector('#awake-hint').hidden"), json!(true));
    // Three earlier sessions, rated 3, then 6, then 7 before: with today's 10, getting worse.
    let day = 86_400_000i64;
    let earlier: Vec<Value> = [(40, 3), (20, 6), (10, 7)]
        .iter()
        .map(|&(ago, pain)| {
            json!({"id": format!("00000000-0000-4000-8000-{ago:012}"), "routine": "desk",
                   "started-at-ms": 1_700_000_000_000i64 + (60 - ago) * day, "ended-at-ms": 1_700_000_000_000i64 + (60 - ago) * day + 60_000,
                   "stopped": null, "warmed-up": true, "active-ms": 60_000, "pain-before": pain, "pain-after": null,
                   "flagged": null, "items": []})
        })
        .collect();
    let (status, report) = post(&server.addr, "/api/v1/import", json!({"limber-export": 2, "sessions": earlier}));
    assert_eq!(status, 200, "{report}");
    assert_eq!(driver.js("return document.querySelector('#routine').value"), json!("desk"));
    driver.click("#start-form button[type=submit]");

    // Screening and pain before, as forms: buttons for the allowed intents only.
    driver.wait_for("the first question", |d| !d.text("#question").is_empty());
    // Which question of how many (the library's screening is the plan's).
    let (_, questions) = get(&server.addr, "/api/v1/screening/questions");
    let total = questions.as_array().unwrap().len();
    let first = format!("question 1 of {total}");
    driver.wait_for("the question's number of all", |d| d.text("#phase").ends_with(&first));
    assert_eq!(driver.text("#phase-word"), "SAFETY QUESTIONS");
    assert!(
        !driver.js("return document.querySelector('#sharp-pain').hidden").as_bool().unwrap(),
        "sharp pain is always there"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        assert!(std::time::Instant::now() < deadline, "the questions before the routine never ended");
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
                // That much pain before starting: the page asks whether to stop; No carries on.
                // (Once: in the reply to the rating, not again as the question under it.)
                driver.wait_for("the question to stop", |d| d.text("#reply").contains("stop for today?"));
                assert_eq!(driver.text("#question"), "");
                // Only yes or no answers it: no pain scale under it, and the big word asks it.
                driver.wait_for("the scale to go", |d| {
                    d.js("return document.querySelector('#pain-scale').hidden") == json!(true)
                });
                assert_eq!(driver.text("#phase-word"), "STOP FOR TODAY?");
                driver.click("#actions [data-intent=no]");
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
    assert_eq!(driver.text("#phase-word"), "MOVE");
    assert_eq!(driver.js("return document.querySelector('#clock').dataset.phase"), json!("move"));
    // A pain rating at any moment: the scale opens on a press.
    assert_eq!(driver.js("return document.querySelector('#pain-scale').hidden"), json!(true));
    driver.click("#actions [data-open=pain]");
    driver.wait_for("the pain scale", |d| d.js("return document.querySelector('#pain-scale').hidden") == json!(false));
    // Ending takes a second press: one press only asks. (Pressed on the button itself: at 20×
    // the flow's words under the countdown change every 150 ms and move the buttons, so a
    // click at the spot WebDriver measured can land beside it.)
    driver.js("document.querySelector('#actions [data-intent=quit]').click(); return true");
    driver.wait_for("the second press", |d| d.text("#actions [data-intent=quit]") == "Press again to end");
    assert!(driver.text("#announce").contains("again within 4 seconds"), "said to a screen reader too");
    assert!(!phase(&server.addr).is_empty() && phase(&server.addr) != "stopped", "one press ends nothing");

    // A key held down repeats: its repeats send nothing.
    driver.js("document.body.dispatchEvent(new KeyboardEvent('keydown', {key: ' ', repeat: true, bubbles: true})); return true");
    // A button with the keyboard's focus keeps it as views come (the buttons stay put).
    driver.js("document.querySelector('#actions [data-intent=pause]').focus(); return true");
    let newest = "return Number(document.querySelector('#cues li').dataset.seq)";
    let seen = driver.js(newest).as_u64().unwrap();
    driver.wait_for("two more cues, and their views", |d| d.js(newest).as_u64().unwrap() >= seen + 2);
    assert_eq!(driver.js("return document.activeElement.dataset.intent ?? null"), json!("pause"));
    assert!(!driver.text("#phase").contains("paused"), "a repeated key sent nothing");
    driver.click("#actions [data-intent=pause]");
    driver.wait_for("the pause", |d| d.text("#phase").contains("paused"));
    // Clicked, the button lets go of the focus: the space bar is pause/resume again.
    assert_eq!(driver.js("return document.querySelector('#actions').contains(document.activeElement)"), json!(false));
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
    // What was said before the reload is listed, not said again; sound waits for a tap.
    let said = "return [...document.querySelectorAll('#cues li')].map((li) => li.dataset.said)";
    // (The view can come before the stream has listed the cues: wait for them.)
    driver.wait_for("the cues listed", |d| d.js(said).as_array().is_some_and(|a| !a.is_empty()));
    let before = driver.js(said);
    assert!(before.as_array().is_some_and(|a| !a.is_empty() && a.iter().all(|s| s == "before")), "{before}");
    assert_eq!(driver.js("return document.querySelector('#sound-hint').hidden"), json!(false));
    driver.click("#actions [data-intent=resume]");
    driver.wait_for("the countdown to run again", |d| {
        !d.text("#phase").contains("paused") && d.text("#countdown") != held
    });
    driver.wait_for("a cue said after the reload", |d| {
        d.js("return document.querySelector('#cues li').dataset.said") == json!("now")
    });
    assert_eq!(driver.js("return document.querySelector('#sound-hint').hidden"), json!(true), "the tap turned it on");

    assert_eq!(driver.js(WATCH), json!(true));
    // Scrolled down to the cues on a phone, as a person checking what was said would be.
    viewport(&driver, 390, 844);
    driver.js("window.scrollTo(0, document.body.scrollHeight); return true");
    assert!(driver.js("return window.scrollY").as_f64().unwrap_or(0.0) > 0.0, "the page scrolls on a phone");
    // Pressed, and the stretch on screen read in the same task (no view can come between).
    let shown =
        driver.js("document.querySelector('#sharp-pain').click(); return document.querySelector('#phase').textContent");
    let shown: u64 = shown
        .as_str()
        .and_then(|t| t.split("stretch ").nth(1))
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a stretch on screen: {shown}"));
    // The stop and its advice at once, above the pain after the session then asks for.
    driver.wait_for("the advice", |d| d.js("return document.querySelector('#stopped').hidden") == json!(false));
    assert_eq!(driver.text("#stopped-title"), "Stopped: sharp pain");
    assert!(driver.text("#stopped-advice").contains("Sharp or intense pain means stop"), "{}", driver.text("#stopped"));
    // The advice is brought into view where the person was scrolled away, and has the focus.
    let seen = driver.js("const r = document.querySelector('#stopped').getBoundingClientRect();
         return {top: r.top >= 0 && r.top < window.innerHeight, focused: document.activeElement.id};");
    assert_eq!(seen, json!({"top": true, "focused": "stopped"}), "the advice in view");
    // Below the pinned chest-pain button, which stays while the rating after is asked.
    let clear = driver.js("const bar = document.querySelector('#stops').getBoundingClientRect();
         const title = document.querySelector('#stopped-title').getBoundingClientRect();
         return {chest: !document.querySelector('#chest-stop').hidden, clear: title.top >= bar.bottom};");
    assert_eq!(clear, json!({"chest": true, "clear": true}), "the advice's heading under the pinned stops");
    // The press names the stretch on screen, should it reach the server late.
    assert_eq!(driver.js("return __sent"), json!([{"intent": "sharp-pain", "during": shown}]));
    driver.wait_for("the stop among the cues", |d| d.text("#cues").to_lowercase().contains("sharp"));
    assert_eq!(phase(&server.addr), "pain-after");
    assert!(!driver.text("#question").is_empty(), "the pain after is asked below the advice");
    assert_eq!(driver.js("return document.querySelector('#sharp-pain').hidden"), json!(true), "already stopped");
    // One button leaves the rating out: "No rating", not "Skip" beside it.
    assert_eq!(driver.js("return document.querySelector('#actions [data-intent=skip]') === null"), json!(true));
    assert_eq!(driver.text("#actions [data-intent=start]"), "No rating");
    // A typed 1 waits for a 0; a rating tapped on the scale instead answers, and the hint goes
    // (a 0 pressed after it would otherwise be read as a rating of no pain).
    driver.js("document.body.dispatchEvent(new KeyboardEvent('keydown', {key: '1', bubbles: true})); return true");
    driver.wait_for("the waiting 1", |d| d.text("#typed").contains("press 0 to make it 10"));
    driver.click("#pain-scale button:nth-child(4)");
    driver.wait_for("the end", |d| d.js("return document.querySelector('#outcome').hidden") == json!(false));
    let (_, list) = get(&server.addr, "/api/v1/sessions");
    assert_eq!(list[0]["view"]["phase"], json!({"phase": "stopped", "reason": "sharp-pain"}));
    let outcome = driver.text("#outcome");
    assert!(outcome.contains("Session stopped"), "{outcome}");
    // The ratings before are getting worse: the outcome says to see a clinician, as History does.
    driver.wait_for("the trend's advice", |d| d.text("#outcome .trend-advice").contains("doctor or physiotherapist"));
    assert_eq!(driver.js("return document.querySelector('#stopped').hidden"), json!(false), "the advice stays");
    assert!(driver.text("#stopped-advice").contains("Sharp or intense pain means stop"));
    assert_eq!(driver.js("return document.querySelector('#sharp-pain').hidden"), json!(true));
    assert_eq!(driver.js("return document.querySelector('#stops').hidden"), json!(true), "nothing pinned at the end");
    let (_, page) = get(&server.addr, "/api/v1/history");
    assert_eq!(page["sessions"][0]["stopped"], "sharp-pain", "{page}");
    assert_eq!(page["sessions"][0]["pain-before"], 10, "typed as 1 then 0: {page}");
    assert_eq!(page["sessions"][0]["pain-after"], 3, "tapped after a typed 1: {page}");
    assert_eq!(driver.js("return document.querySelector('#typed').hidden"), json!(true), "no hint left waiting");
    driver.click("nav [data-tab=history]");
    driver.wait_for("the trend's advice in History", |d| d.text("#trend-advice").contains("doctor or physiotherapist"));
    // The chart of pain before: the three imported sessions and today's, oldest first.
    let dots = "return [...document.querySelectorAll('#chart circle')].map((c) => c.getAttribute('cy'))";
    driver.wait_for("the pain chart", |d| d.js(dots) == json!(["80", "50", "40", "10"]));
    // With its scale, and each point's value to hover or to a screen reader.
    let scale = "return [...document.querySelectorAll('#chart text')].map((t) => t.textContent)";
    assert_eq!(driver.js(scale), json!(["0", "5", "10"]));
    let values = "return [...document.querySelectorAll('#chart circle title')].map((t) => t.textContent)";
    assert_eq!(driver.js(values).as_array().map(Vec::len), Some(4));
    assert_eq!(driver.js(values)[3], json!("10 out of 10"));
    let name = driver.js("return document.querySelector('#chart').getAttribute('aria-label')");
    assert_eq!(name, json!("Pain before each session, 0 to 10, oldest to newest: 3, 6, 7, 10."));
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
    let ann = WithToken::start(&dir.path().join("data"));
    let (addr, token) = (ann.addr.clone(), ann.token.clone());
    let call = |method: &str, path: &str, body: Option<Value>| ann.call(method, path, body);
    // One session of ann's in history: stopped for sharp pain after the screening.
    let id = ann.new_session(20.0);
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
    // Signing out forgets the token: the next person on this tablet is asked for theirs.
    driver.click("#sign-out");
    driver.wait_for("the page to load again", |d| d.js("return document.body.dataset.ready ?? ''") == json!("true"));
    assert_eq!(driver.js("return localStorage.getItem('limber.token')"), Value::Null);
    assert_eq!(driver.js("return document.querySelector('#sign-out').hidden"), json!(true));
    driver.click("nav [data-tab=history]");
    driver.click("#export");
    driver.wait_for("the export to fail", |d| d.text("#export-status").contains("Export failed"));
    assert_eq!(driver.js("return document.querySelector('#login').hidden"), json!(false));
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
    // The big word says it stands still, in the colour of a switch.
    assert_eq!(driver.text("#phase-word"), "PAUSED");
    // The steps are the right side's: the left side's own words are under the countdown.
    let detail = driver.text("#detail");
    assert!(detail.contains("right hand against the outside of your left knee"), "{detail}");
    assert_eq!(driver.js("return document.querySelector('#clock').dataset.phase"), json!("switch"));
    assert_eq!(
        driver.js("return limberPage.bigWord('SWITCH → LEFT')"),
        json!("SWITCH\u{a0}→\u{a0}LEFT"),
        "no-break spaces: the word wraps whole"
    );

    // 10 typed on the keyboard mid-stretch is heard as 10, not as 1 and then 0.
    press(&driver, "1");
    press(&driver, "0");
    driver.wait_for("the rating of 10", |d| d.text("#cues").contains("10 out of 10"));
    assert!(!driver.text("#cues").contains("Noted: no pain"), "{}", driver.text("#cues"));
}

/// Pauses session `id` as soon as the server has it in `phase` (and, when `number` is given, on
/// that stretch); returns the paused view. Without `number`, a pause that lands after the phase
/// ended (a short one, on a busy machine) is resumed and the next time the phase comes is tried.
fn pause_in(addr: &str, id: &str, phase: &str, number: Option<u64>) -> Value {
    let session = format!("/api/v1/sessions/{id}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, s) = get(addr, &session);
        let here =
            s["view"]["phase"]["phase"] == json!(phase) && number.is_none_or(|n| s["view"]["number"] == json!(n));
        if here {
            let (status, paused) = post(addr, &format!("{session}/intents"), json!({"intent": "pause"}));
            assert_eq!(status, 200, "{paused}");
            if paused["view"]["phase"]["phase"] == json!(phase) {
                return paused;
            }
            assert!(number.is_none(), "paused too late for {phase}: {paused}");
            let (status, resumed) = post(addr, &format!("{session}/intents"), json!({"intent": "resume"}));
            assert_eq!(status, 200, "{resumed}");
        }
        assert!(Instant::now() < deadline, "never reached {phase}: {s}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Once the page shows the session paused (the big word is PAUSED, in the phase's colour): that
/// colour and its key.
fn paused_word(driver: &Driver) -> (String, Value) {
    driver.wait_for("the pause on the page", |d| d.text("#phase").contains("paused"));
    assert_eq!(driver.text("#phase-word"), "PAUSED", "paused, the big word says so");
    let colour = driver.js("return getComputedStyle(document.querySelector('#countdown')).color");
    let key = driver.js("return document.querySelector('#clock').dataset.phase");
    (colour.as_str().unwrap_or("").to_owned(), key)
}

/// Makes the page's viewport `width` × `height` CSS pixels, as on that device.
fn viewport(driver: &Driver, width: u32, height: u32) {
    let params = json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false});
    let cdp = json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": params});
    driver.call("POST", &driver.s("/goog/cdp/execute"), Some(cdp));
}

/// Whether everything that matters mid-stretch is on the first screen: the phase, the
/// countdown, the step text and the buttons (measured from the top of the page).
fn fits_on_screen(driver: &Driver, width: u32, height: u32) -> Value {
    viewport(driver, width, height);
    driver.js("window.scrollTo(0, 0); return true");
    driver.screenshot(&Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("limber-server-{width}x{height}.png")));
    driver.js("window.scrollTo(0, 0);
         const h = window.innerHeight, w = document.documentElement.clientWidth;
         const out = {}, seen = {width: w, height: h};
         for (const css of ['#phase-word', '#countdown', '#step', '#actions button']) {
           const r = document.querySelector(css).getBoundingClientRect();
           out[css] = r.height > 0 && r.bottom + window.scrollY <= h && r.right <= w;
           seen[css] = [r.top + window.scrollY, r.bottom + window.scrollY];
         }
         return {fits: out, seen};")
}

#[test]
fn the_page_names_each_phase_in_a_big_coloured_word_and_says_what_to_do_now() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("data"), "127.0.0.1:0");
    let id = start_session(&server.addr, 5.0);
    let session = format!("/api/v1/sessions/{id}");
    let intent = |intent: &str| post(&server.addr, &format!("{session}/intents"), json!({"intent": intent}));
    let driver = Driver::start(&dir.path().join("chromium"));
    driver.goto(&format!("http://{}/", server.addr));
    driver.wait_for("the page to load", |d| d.js("return document.body.dataset.ready ?? ''") == json!("true"));

    // The warm-up: its word, and what to do in the main area, not only among the cues.
    driver.wait_for("the warm-up", |d| d.text("#phase-word") == "WARM-UP");
    assert_eq!(driver.js("return document.querySelector('#clock').dataset.phase"), json!("warm-up"));
    driver.wait_for("the warm-up's words", |d| d.text("#step").starts_with("Warm up"));

    // Getting into position: the step being read, under the countdown.
    assert_eq!(intent("skip").0, 200);
    // (The cautions come first, then the steps; the step is read and checked at once, as the
    // session moves on meanwhile.)
    let (_, s) = get(&server.addr, &session);
    let steps: Vec<Value> = s["view"]["steps"].as_array().unwrap().clone();
    driver.wait_for("a step", |d| {
        d.text("#phase-word") == "GET INTO POSITION" && steps.contains(&json!(d.text("#step")))
    });

    // A flow: MOVE, and the position being moved to, in words.
    pause_in(&server.addr, &id, "active", Some(1));
    let (move_colour, key) = paused_word(&driver);
    assert_eq!(key, json!("move"));
    driver.wait_for("the position", |d| {
        let t = d.text("#step");
        t.contains("Round:") || t.contains("Arch:")
    });
    assert_eq!(intent("resume").0, 200);

    // A hold: HOLD, in a colour of its own.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, s) = get(&server.addr, &session);
        if s["view"]["number"] == json!(2) {
            break;
        }
        assert!(Instant::now() < deadline, "never reached the second stretch: {s}");
        assert_eq!(intent("skip").0, 200, "{s}");
    }
    pause_in(&server.addr, &id, "active", Some(2));
    let (hold_colour, key) = paused_word(&driver);
    assert_eq!(key, json!("hold"));
    assert_ne!(hold_colour, move_colour, "each phase has its own colour");

    // Phone and laptop: the figure leaves room for the phase, the countdown, the step and
    // the buttons on the first screen.
    driver.wait_for("the figure", |d| {
        d.js("return document.querySelector('#figure').hasAttribute('hidden')") == json!(false)
    });
    let all = json!({"#phase-word": true, "#countdown": true, "#step": true, "#actions button": true});
    for (width, height) in [(390, 844), (1366, 768), (1920, 1080)] {
        let measured = fits_on_screen(&driver, width, height);
        assert_eq!(measured["fits"], all, "on a {width}×{height} screen: {measured}");
    }
    // Both stops stay on screen mid-hold, side by side at the top, even scrolled to the
    // bottom of the page: on a phone, a small phone, and a laptop.
    for (width, height) in [(390, 844), (320, 568), (1366, 768)] {
        viewport(&driver, width, height);
        let pinned = driver.js(
            "window.scrollTo(0, document.body.scrollHeight);
             const w = document.documentElement.clientWidth;
             const at = (css) => { const r = document.querySelector(css).getBoundingClientRect();
               return !document.querySelector(css).hidden && r.top >= 0 && r.bottom <= 140 && r.left >= 0 && r.right <= w; };
             const out = {scrolled: window.scrollY > 0, sharp: at('#sharp-pain'), chest: at('#chest-stop')};
             window.scrollTo(0, 0);
             return out;",
        );
        assert_eq!(pinned, json!({"scrolled": true, "sharp": true, "chest": true}), "on a {width}×{height} screen");
        let fits = driver.js(
            "const b = document.querySelector('#chest-stop');
             return b.scrollWidth <= b.clientWidth && document.documentElement.scrollWidth <= document.documentElement.clientWidth;",
        );
        assert_eq!(fits, json!(true), "the chest-pain words fit their button on a {width}×{height} screen");
    }
    assert_eq!(
        driver.js("return document.querySelectorAll('#actions [data-intent=chest]').length"),
        json!(0),
        "chest pain is offered once, pinned"
    );

    // Seen from across the room, a TV's countdown is far bigger than a laptop's.
    let size = |d: &Driver| d.js("return parseFloat(getComputedStyle(document.querySelector('#countdown')).fontSize)");
    viewport(&driver, 1366, 768);
    let laptop = size(&driver).as_f64().unwrap();
    viewport(&driver, 1920, 1080);
    let tv = size(&driver).as_f64().unwrap();
    assert!(tv >= 1.5 * laptop, "countdown {tv}px on 1920×1080 against {laptop}px on 1366×768");

    // The 0–10 scale fits a 390-pixel screen: no number sticks out past the margin.
    viewport(&driver, 390, 844);
    driver.click("#actions [data-open=pain]");
    driver.wait_for("the pain scale", |d| d.js("return document.querySelector('#pain-scale').hidden") == json!(false));
    let fits = driver.js(
        "const w = document.documentElement.clientWidth, main = document.querySelector('main').getBoundingClientRect();
         const inner = main.right - parseFloat(getComputedStyle(document.querySelector('main')).paddingRight);
         return [...document.querySelectorAll('#pain-scale button')].every((b) => b.getBoundingClientRect().right <= Math.min(w, inner) + 0.5)
           && document.documentElement.scrollWidth <= w;",
    );
    assert_eq!(fits, json!(true), "the pain scale fits 390 pixels");
    driver.click("#actions [data-open=pain]");
    assert_eq!(intent("resume").0, 200);

    let rest = pause_in(&server.addr, &id, "rest", Some(2));
    let (rest_colour, key) = paused_word(&driver);
    assert_eq!(key, json!("rest"));
    assert_ne!(rest_colour, hold_colour);
    // The seated extension's rest between two holds: what to do meanwhile, under the countdown.
    let meanwhile = rest["view"]["between-holds"].as_str().unwrap_or_default().to_owned();
    assert!(meanwhile.starts_with("Straighten up slowly"), "{rest}");
    driver.wait_for("what to do between holds", |d| d.text("#step") == meanwhile);
    assert_eq!(intent("resume").0, 200);

    // Get ready: 3 s before a stretch (0.6 s at 5×), caught on whichever stretch comes next.
    let get_ready = pause_in(&server.addr, &id, "get-ready", None);
    driver.wait_for("the page in get-ready", |d| {
        d.js("return document.querySelector('#clock').dataset.phase") == json!("get-ready")
    });
    let (ready_colour, key) = paused_word(&driver);
    assert_eq!(key, json!("get-ready"), "{get_ready}");
    for other in [&move_colour, &hold_colour, &rest_colour] {
        assert_ne!(&ready_colour, other, "each phase has its own colour");
    }
}

/// Wraps the page's `fetch` and speech to watch them: `__intents` lists every intent posted,
/// `__reached` those the server answered, `__most` the most intents in flight at once, and
/// `__spoken` every text spoken. `__mode` changes what an intent's request does: `"ahead"` moves
/// the time on the next answer's view an hour on (another server's clock), `"408"` answers
/// the next one 408 and then fails the rest, `"fail"` fails each after half a second (as if the
/// connection were down), `"lose"` lets the next one reach the server but loses its answer, and
/// `"401"` answers every request about a session 401 (as when a token is no longer good).
const WATCH: &str = "
    // Installed again, it replaces its own wrapper rather than wrapping it.
    const real = window.__realFetch ||= window.fetch.bind(window);
    Object.assign(window, {__intents: [], __sent: [], __reached: [], __most: 0, __spoken: [], __mode: null});
    let flying = 0;
    window.fetch = async (url, opts = {}) => {
      if (__mode === '401' && String(url).includes('/api/v1/sessions/')) return new Response('{}', {status: 401});
      if (!String(url).endsWith('/intents')) return real(url, opts);
      const intent = JSON.parse(opts.body).intent;
      __intents.push(intent);
      __sent.push(JSON.parse(opts.body));
      flying += 1;
      __most = Math.max(__most, flying);
      try {
        if (__mode === '408') {
          __mode = 'fail';
          return new Response(JSON.stringify({error: {message: 'Request Timeout'}}), {status: 408});
        }
        if (__mode === 'slow') {
          // The answer held back: the stream's views overtake it.
          __mode = null;
          const res = await real(url, opts);
          await new Promise((r) => setTimeout(r, 1500));
          __reached.push(intent);
          return res;
        }
        if (__mode === 'ahead') {
          // Answered by a server whose clock runs an hour ahead.
          __mode = null;
          const answer = await (await real(url, opts)).json();
          answer.view.at += 3600000;
          __reached.push(intent);
          return new Response(JSON.stringify(answer), {status: 200, headers: {'content-type': 'application/json'}});
        }
        if (__mode === 'fail') {
          await new Promise((r) => setTimeout(r, 500));
          throw new TypeError('Failed to fetch');
        }
        const res = await real(url, opts);
        __reached.push(intent);
        if (__mode === 'lose') { __mode = null; throw new TypeError('the answer was lost'); }
        return res;
      } finally {
        flying -= 1;
      }
    };
    speechSynthesis.speak = (u) => { __spoken.push(u.text); };
    return true";

#[test]
fn a_stop_is_shown_even_after_a_view_stamped_later_by_a_clock_that_runs_ahead() {
    if !browser_available() {
        return;
    }
    let (_dir, server, id, driver) = warm_up_page();
    // Paused from the page, answered by a server whose clock runs ahead (several servers on
    // one PostgreSQL database, their clocks a little apart).
    assert_eq!(driver.js(WATCH), json!(true));
    driver.js("__mode = 'ahead'; return true");
    press(&driver, " ");
    driver.wait_for("the pause shown", |d| d.text("#phase").contains("paused"));
    // Sharp pain reported elsewhere: its view is stamped earlier than that answer, and is over.
    let (status, v) = post(&server.addr, &format!("/api/v1/sessions/{id}/intents"), json!({"intent": "sharp-pain"}));
    assert_eq!(status, 200, "{v}");
    driver.wait_for("the stop on the page", |d| d.text("#phase-word") == "STOPPED");
}

#[test]
fn a_check_in_offers_one_button_to_carry_on_not_a_skip_that_does_the_same() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("data"), "127.0.0.1:0");
    // At 10×, a check-in (8 s) shows for most of a second.
    let body = json!({"routine": "desk", "speed": 10.0, "no-warm-up": true, "pain-before": {"prompt": "skip"}});
    let (status, v) = post(&server.addr, "/api/v1/sessions", body);
    assert_eq!(status, 201, "{v}");
    let session = format!("/api/v1/sessions/{}", v["id"].as_str().unwrap());
    loop {
        let (_, s) = get(&server.addr, &session);
        let intent = match (s["view"]["phase"]["phase"].as_str(), s["view"]["question"].as_str()) {
            (Some("screening"), Some(q)) if q.contains("already looked at") => "yes",
            (Some("screening"), _) => "no",
            _ => break,
        };
        assert_eq!(post(&server.addr, &format!("{session}/intents"), json!({"intent": intent})).0, 200);
    }
    let driver = Driver::start(&dir.path().join("chromium"));
    driver.goto(&format!("http://{}/", server.addr));
    driver.wait_for("the page to load", |d| d.js("return document.body.dataset.ready ?? ''") == json!("true"));
    let buttons = "return [...document.querySelectorAll('#actions button')].map((b) => b.textContent)";
    let mut offered = Value::Null;
    driver.wait_for("a check-in", |d| {
        offered = d.js(buttons);
        offered.as_array().is_some_and(|b| b.contains(&json!("Carry on")))
    });
    let offered: Vec<&str> = offered.as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(offered.contains(&"Comfortable") && offered.contains(&"Discomfort"), "{offered:?}");
    assert!(!offered.contains(&"Skip"), "Skip here does what Carry on does: {offered:?}");
}

#[test]
fn pain_above_five_in_the_last_stretch_is_still_said_at_the_rating_after() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("data"), "127.0.0.1:0");
    let body = json!({"routine": "desk", "speed": 10.0, "no-warm-up": true, "pain-before": {"prompt": "skip"}});
    let (status, v) = post(&server.addr, "/api/v1/sessions", body);
    assert_eq!(status, 201, "{v}");
    let session = format!("/api/v1/sessions/{}", v["id"].as_str().unwrap());
    let driver = Driver::start(&dir.path().join("chromium"));
    driver.goto(&format!("http://{}/", server.addr));
    driver.wait_for("the page to load", |d| d.js("return document.body.dataset.ready ?? ''") == json!("true"));
    // The questions answered clear, the first three stretches skipped, then 7 in the last one's
    // hold (the desk routine has four; nothing else on a chair reaches what the last one does).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "never reached the last stretch's hold");
        let (_, s) = get(&server.addr, &session);
        let phase = &s["view"]["phase"];
        let intent = match (phase["phase"].as_str(), phase["item"].as_u64()) {
            (Some("screening"), _) if s["view"]["question"].as_str().is_some_and(|q| q.contains("already looked")) => {
                json!({"intent": "yes"})
            }
            (Some("screening"), _) => json!({"intent": "no"}),
            (Some(_), Some(item)) if item < 3 && s["view"]["allowed"].as_array().unwrap().contains(&json!("skip")) => {
                json!({"intent": "skip"})
            }
            (Some("active"), Some(3)) => json!({"intent": "pain", "score": 7}),
            _ => {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let rated = intent["intent"] == "pain";
        assert_eq!(post(&server.addr, &format!("{session}/intents"), intent).0, 200);
        if rated {
            break;
        }
    }
    driver.wait_for("the rating after", |d| d.text("#question").contains("how much does your back hurt"));
    let reply = driver.text("#reply");
    assert!(reply.contains("7 out of 10 is too much") && reply.contains("that was the last stretch"), "{reply}");
}

/// Waits until the server has session `session` (its path) stopped for sharp pain.
fn wait_for_sharp_pain_stop(addr: &str, session: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, s) = get(addr, session);
        if s["view"]["stopped"]["reason"] == json!("sharp-pain") {
            return;
        }
        assert!(Instant::now() < deadline, "the stop never reached the server: {s}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Presses `key` on the page as a person at the keyboard.
fn press(driver: &Driver, key: &str) {
    driver.js(&format!(
        "document.body.dispatchEvent(new KeyboardEvent('keydown', {{key: {}, bubbles: true}})); return true",
        json!(key)
    ));
}

#[test]
fn the_end_of_a_session_says_what_became_of_each_stretch_not_a_question_already_answered() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("data"), "127.0.0.1:0");
    let body = json!({"routine": "desk", "speed": 1000.0, "no-warm-up": true, "pain-before": {"prompt": "skip"}});
    let (status, v) = post(&server.addr, "/api/v1/sessions", body);
    assert_eq!(status, 201, "{v}");
    let session = format!("/api/v1/sessions/{}", v["id"].as_str().unwrap());
    let driver = Driver::start(&dir.path().join("chromium"));
    driver.goto(&format!("http://{}/", server.addr));
    driver.wait_for("the page to load", |d| d.js("return document.body.dataset.ready ?? ''") == json!("true"));
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        assert!(std::time::Instant::now() < deadline, "the session never asked for the rating after");
        let (_, s) = get(&server.addr, &session);
        let intent = match s["view"]["phase"]["phase"].as_str().unwrap() {
            "screening" if s["view"]["question"].as_str().is_some_and(|q| q.contains("already looked at")) => "yes",
            "screening" => "no",
            "pain-after" => break,
            _ => {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        assert_eq!(post(&server.addr, &format!("{session}/intents"), json!({"intent": intent})).0, 200);
    }
    driver.wait_for("the question after", |d| d.text("#question").contains("how much does your back hurt"));
    assert_eq!(post(&server.addr, &format!("{session}/intents"), json!({"intent": "pain", "score": 2})).0, 200);
    driver.wait_for("the end", |d| d.js("return document.querySelector('#outcome').hidden") == json!(false));
    let outcome = driver.text("#outcome");
    assert!(outcome.contains("Well done"), "{outcome}");
    // What became of each stretch and the pain before and after, as the terminal front ends
    // end (not the last cues said, which could be a hold's words long past).
    assert!(outcome.contains("Seated twist —") && outcome.contains("Stretching time:"), "{outcome}");
    assert!(outcome.contains("→ 2"), "the rating after: {outcome}");
    assert_eq!(driver.js("return document.querySelectorAll('#outcome [role=alert]').length"), json!(0));
    assert!(!outcome.contains("Hold for"), "a hold's cue, past: {outcome}");
    assert!(!outcome.contains("how much does your back hurt"), "the answered question again: {outcome}");
    assert!(!outcome.contains("How did"), "a check-in's question, past: {outcome}");
    let reply = driver.text("#reply");
    assert!(reply.is_empty() || !outcome.contains(&reply), "said once, above: {reply} / {outcome}");
    // Run at 1000×: a preview, and said so.
    assert!(outcome.contains("Saved as a preview"), "{outcome}");
    // In the history, its line has the server's counts: every stretch of the desk routine.
    let (_, page) = get(&server.addr, "/api/v1/history");
    let recorded = &page["sessions"][0];
    assert_eq!((&recorded["done"], &recorded["outcome"]), (&recorded["planned"], &json!("finished")), "{page}");
    driver.click("nav [data-tab=history]");
    let line = format!("{} of {} stretches", recorded["done"], recorded["planned"]);
    driver.wait_for("the history", |d| d.text("#history-list").contains(&line));
    assert!(driver.text("#history-list").contains("preview, not counted"), "{}", driver.text("#history-list"));
}

#[test]
fn a_session_of_safety_questions_only_is_named_so() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("data"), "127.0.0.1:0");
    assert_eq!(post(&server.addr, "/api/v1/screening", json!(null)).0, 201);
    let driver = Driver::start(&dir.path().join("chromium"));
    driver.goto(&format!("http://{}/", server.addr));
    driver.wait_for("the questions", |d| d.text("#phase").contains("question 1"));
    assert_eq!(driver.text("#stretch-name"), "Safety questions");
}

/// Types `key` (a WebDriver key: `\u{E007}` is Enter) into whatever has the focus, as a real
/// key press: a focused button is pressed by it.
fn type_key(driver: &Driver, key: &str) {
    let press = json!([{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]);
    let actions = json!({"actions": [{"type": "key", "id": "keyboard", "actions": press}]});
    driver.call("POST", &driver.s("/actions"), Some(actions));
}

#[test]
fn a_report_is_answered_on_screen_the_focus_stays_and_a_stop_from_another_tab_brings_the_session_back() {
    if !browser_available() {
        return;
    }
    let (_dir, server, id, driver) = warm_up_page();
    let session = format!("/api/v1/sessions/{id}");
    // A rating is seen to be taken, under the countdown, not only in the list of cues.
    assert_eq!(driver.js("return document.querySelector('#reply').hidden"), json!(true));
    press(&driver, "3");
    driver.wait_for("the reply", |d| d.js("return document.querySelector('#reply').hidden") == json!(false));
    let reply = driver.text("#reply");
    assert!(reply.contains('3'), "{reply}");
    // "Stop for today?" stands while it is asked, and goes once answered.
    press(&driver, "7");
    driver.wait_for("the question", |d| d.text("#reply").contains("stop for today"));
    // Said once, in the reply: Yes and No stay near it.
    assert_eq!(driver.text("#question"), "", "the question is not said twice");
    press(&driver, "n");
    driver.wait_for("the question gone", |d| d.js("return document.querySelector('#reply').hidden") == json!(true));
    driver.wait_for("going on", |_| get(&server.addr, &session).1["view"]["paused"] == json!(false));

    // Pause pressed with Enter: the focus moves to Resume, so Enter again resumes.
    driver.js("document.querySelector('#actions [data-intent=pause]').focus(); return true");
    type_key(&driver, "\u{E007}");
    driver.wait_for("paused", |_| get(&server.addr, &session).1["view"]["paused"] == json!(true));
    driver.wait_for("the focus on Resume", |d| {
        d.js("return document.activeElement?.dataset?.intent ?? ''") == json!("resume")
    });
    type_key(&driver, "\u{E007}");
    driver.wait_for("resumed", |_| get(&server.addr, &session).1["view"]["paused"] == json!(false));

    // On another tab the session's keys do nothing unseen...
    driver.click("nav [data-tab=history]");
    driver.wait_for("the history", |d| d.js("return document.querySelector('#session').hidden") == json!(true));
    press(&driver, " ");
    press(&driver, "s");
    std::thread::sleep(Duration::from_millis(500));
    let view = get(&server.addr, &session).1["view"].clone();
    assert_eq!((view["paused"].clone(), phase(&server.addr)), (json!(false), "warm-up".to_owned()), "{view}");
    // ...but sharp pain stops it, and the session comes back with the advice, focused. (End
    // session was pressed once just before: its "press again" is not left for a screen reader.)
    let armed = "document.querySelector('#actions [data-intent=quit]').click(); \
                 return document.querySelector('#announce').textContent";
    assert!(driver.js(armed).as_str().is_some_and(|t| t.contains("again within 4 seconds")));
    // (In capitals too, as with Caps Lock on: it is the same key.)
    press(&driver, "X");
    wait_for_sharp_pain_stop(&server.addr, &session);
    driver.wait_for("the advice", |d| {
        d.js("return !document.querySelector('#session').hidden && !document.querySelector('#stopped').hidden")
            == json!(true)
    });
    assert_eq!(driver.js("return document.activeElement?.id ?? ''"), json!("stopped"));
    assert_eq!(driver.text("#announce"), "", "the End session announcement is cleared with the stop");
    assert_eq!(driver.js("return document.querySelector('#history').hidden"), json!(true));
}

#[test]
fn a_sharp_pain_press_the_server_did_not_hear_stops_the_page_and_reaches_the_server_when_it_is_back() {
    if !browser_available() {
        return;
    }
    let (dir, server, id, driver) = warm_up_page();
    let (data, addr) = (dir.path().join("data"), server.addr.clone());
    assert_eq!(driver.js(WATCH), json!(true));

    drop(server);
    driver.wait_for("the lost connection", |d| {
        d.js("return document.querySelector('#connection').hidden") == json!(false)
    });
    driver.click("#sharp-pain");
    driver.wait_for("the failed report", |d| d.text("#problem").contains("Stop the stretch now anyway"));
    // Stopped here at once: the word says so, the countdown stands still, no buttons to go on;
    // chest pain can still be pressed, pinned at the top.
    assert_eq!(driver.text("#phase-word"), "STOPPED");
    assert_eq!(driver.js("return document.querySelector('#clock').dataset.phase"), json!("stopped"));
    assert_eq!(driver.js("return document.body.dataset.pendingStop ?? ''"), json!("sharp-pain"));
    let buttons = "return [...document.querySelectorAll('#actions button')].map((b) => b.dataset.intent)";
    assert_eq!(driver.js(buttons), json!([]), "nothing to go on with");
    assert_eq!(
        driver.js("return document.querySelector('#chest-stop').hidden"),
        json!(false),
        "chest pain can be pressed"
    );
    // Pressed again while it waits: no second request beside the one resend.
    driver.js("const b = document.querySelector('#sharp-pain'); b.click(); b.click(); return true");
    press(&driver, "x");
    assert_eq!(driver.js("return __most"), json!(1), "one request at a time: {}", driver.js("return __intents"));
    let held = driver.text("#countdown");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(driver.text("#countdown"), held, "the countdown stands still");

    // The server comes back (same data, same address): the stop reaches it without a press,
    // the first time with its answer lost: it is not sent again, and its advice is spoken.
    driver.js("__mode = 'lose'; return true");
    let server = start(&data, &addr);
    let session = format!("/api/v1/sessions/{id}");
    wait_for_sharp_pain_stop(&server.addr, &session);
    // And the page shows the server's stop, with its advice.
    driver.wait_for("the advice", |d| d.js("return document.querySelector('#stopped').hidden") == json!(false));
    assert_eq!(driver.text("#stopped-title"), "Stopped: sharp pain");
    driver.wait_for("the stop heard", |d| d.js("return document.body.dataset.pendingStop ?? ''") == json!(""));
    assert_eq!(driver.text("#problem"), "");
    assert_eq!(driver.js("return __reached"), json!(["sharp-pain"]), "the server was told once");
    assert_eq!(driver.js("return __most"), json!(1));
    driver.wait_for("the advice spoken", |d| {
        d.js("return __spoken.some((t) => t.includes('Sharp or intense pain means stop'))") == json!(true)
    });
    assert_eq!(driver.js(&format!("return localStorage.getItem('limber.pending-stop.{id}')")), json!(null));
}

#[test]
fn the_page_follows_the_text_size_its_reader_set_in_the_browser() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("data"), "127.0.0.1:0");
    let size = |driver: &Driver, what: &str| {
        let script = format!("return parseFloat(getComputedStyle(document.querySelector('{what}')).fontSize)");
        driver.js(&script).as_f64().unwrap_or_else(|| panic!("a size for {what}"))
    };
    let mut sizes = Vec::new();
    for (name, default) in [("usual", 16), ("large", 28)] {
        let prefs = json!({"webkit": {"webprefs": {"default_font_size": default}}});
        let driver = Driver::start_with_prefs(&dir.path().join(format!("chromium-{name}")), prefs);
        driver.goto(&format!("http://{}/", server.addr));
        driver.wait_for("the page to load", |d| d.js("return document.body.dataset.ready ?? ''") == json!("true"));
        sizes.push((size(&driver, "body"), size(&driver, ".step")));
    }
    // The usual 16 px setting reads at 18 px, and a larger one grows everything with it.
    assert_eq!(sizes[0].0, 18.0, "{sizes:?}");
    assert_eq!(sizes[1].0, 28.0 * 1.125, "{sizes:?}");
    assert!(sizes[1].1 > sizes[0].1 * 1.5, "the step's words grow too: {sizes:?}");
}

#[test]
fn on_a_phone_held_sideways_the_countdown_is_brought_onto_the_screen() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("data"), "127.0.0.1:0");
    // Screened in a first session, ended: the next one starts at the rating before.
    let first = start_session(&server.addr, 1.0);
    assert_eq!(post(&server.addr, &format!("/api/v1/sessions/{first}/intents"), json!({"intent": "quit"})).0, 200);
    let driver = Driver::start(&dir.path().join("chromium"));
    viewport(&driver, 667, 375);
    driver.goto(&format!("http://{}/?routine=full", server.addr));
    driver.wait_for("the page to load", |d| d.js("return document.body.dataset.ready ?? ''") == json!("true"));
    driver.click("#start-form button[type=submit]");
    // The full routine without a foam roller: a note above the clock says what is done instead.
    driver.wait_for("the rating before", |d| d.text("#phase").starts_with("Before we start"));
    assert!(!driver.text("#adjustments").is_empty(), "a note above the clock");
    driver.js("window.scrollTo(0, 0); return true");
    press(&driver, "2");
    driver.wait_for("the warm-up", |d| d.text("#phase-word") == "WARM-UP" && is_countdown(&d.text("#countdown")));
    let shown = driver.js("const r = document.querySelector('#countdown').getBoundingClientRect();
         return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0");
    let at =
        driver.js("const r = document.querySelector('#countdown').getBoundingClientRect(); return [r.top, r.bottom]");
    assert_eq!(shown, json!(true), "the countdown on the first screen: {at}");
}

#[test]
fn a_screen_readers_user_turns_the_pages_speech_off_once_and_hears_cues_in_one_voice() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("data"), "127.0.0.1:0");
    let body = json!({"routine": "desk", "speed": 5, "no-warm-up": true, "pain-before": {"prompt": "skip"},
                      "pain-after": {"prompt": "skip"}});
    start_session_with(&server.addr, body);
    let driver = Driver::start(&dir.path().join("chromium"));
    driver.goto(&format!("http://{}/", server.addr));
    let cues_live = |d: &Driver| {
        // After a new cue said now (not one listed from before a reload): whether the list
        // hands it to a screen reader.
        let count = "return document.querySelectorAll('#cues li[data-said=now]').length";
        let before = d.js(count);
        d.wait_for("a new cue", |d| d.js(count) != before);
        d.js("return document.querySelector('#cues').getAttribute('aria-live')")
    };
    driver.wait_for("a stretch", |d| d.text("#phase").contains("stretch "));
    // Before a tap the page cannot speak (browsers ask for one): the reader has the cues.
    assert_eq!(driver.js("return document.querySelector('#speak').checked"), json!(true));
    assert_eq!(cues_live(&driver), json!("polite"));
    // Tapped, with a voice to speak in (headless Chromium has none of its own): the page
    // speaks, and the list stays quiet, so a screen reader does not say each cue again.
    driver.js("speechSynthesis.getVoices = () => [{name: 'a voice'}]; speechSynthesis.speak = () => {}; return true");
    driver.click("#stretch-name");
    assert_eq!(cues_live(&driver), json!("off"));
    driver.click("#speak");
    driver.goto(&format!("http://{}/", server.addr));
    driver.wait_for("a stretch", |d| d.text("#phase").contains("stretch "));
    assert_eq!(driver.js("return document.querySelector('#speak').checked"), json!(false), "kept on this device");
    assert_eq!(cues_live(&driver), json!("polite"));
}

#[test]
fn one_stray_e_key_stops_nothing_and_a_second_within_four_seconds_reports_chest_pain() {
    if !browser_available() {
        return;
    }
    let (_dir, server, id, driver) = warm_up_page();
    assert_eq!(driver.js(WATCH), json!(true));
    // The tab says where the session is.
    assert_eq!(driver.js("return document.title"), json!("WARM-UP · Seated desk break — limber"));
    press(&driver, "e");
    assert!(driver.text("#problem").contains("Press e again"), "{}", driver.text("#problem"));
    // Said aloud too, for someone on the floor away from the screen (from the page's voice
    // queue, which may still be finishing the cue before it).
    driver.wait_for("the question said aloud", |d| {
        d.js("return __spoken.some((t) => t.includes('Press e again'))") == json!(true)
    });
    // Left alone, it lapses: nothing was sent, the warm-up goes on.
    driver.wait_for("the question to lapse", |d| d.text("#problem").is_empty());
    assert_eq!(driver.js("return __intents"), json!([]));
    assert_eq!(phase(&server.addr), "warm-up");
    // Twice: the emergency stop, with its advice.
    press(&driver, "e");
    press(&driver, "e");
    driver
        .wait_for("the emergency advice", |d| d.js("return document.querySelector('#stopped').hidden") == json!(false));
    assert_eq!(driver.js("return __intents"), json!(["chest"]));
    assert_eq!(driver.js("return document.title"), json!("Stopped: an emergency sign · Seated desk break — limber"));
    let (_, session) = get(&server.addr, &format!("/api/v1/sessions/{id}"));
    assert_eq!(session["view"]["phase"], json!({"phase": "stopped", "reason": "emergency"}), "{session}");
}

#[test]
fn the_pinned_chest_pain_button_reports_at_one_tap() {
    if !browser_available() {
        return;
    }
    let (_dir, server, id, driver) = warm_up_page();
    assert_eq!(driver.js(WATCH), json!(true));
    driver.click("#chest-stop");
    driver
        .wait_for("the emergency advice", |d| d.js("return document.querySelector('#stopped').hidden") == json!(false));
    assert_eq!(driver.js("return __intents"), json!(["chest"]));
    let (_, session) = get(&server.addr, &format!("/api/v1/sessions/{id}"));
    assert_eq!(session["view"]["phase"], json!({"phase": "stopped", "reason": "emergency"}), "{session}");
    // Nothing is left pinned once the session is over.
    driver.wait_for("the end", |d| d.js("return document.querySelector('#outcome').hidden") == json!(false));
    assert_eq!(driver.js("return document.querySelector('#stops').hidden"), json!(true));
}

#[test]
fn a_sharp_pain_press_that_reaches_the_server_after_the_end_still_shows_and_says_its_advice() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (data, server) = (dir.path().join("data"), start(&dir.path().join("data"), "127.0.0.1:0"));
    let addr = server.addr.clone();
    // About 8 s from the first stretch to the end.
    let body = json!({"routine": "desk", "speed": 60, "no-warm-up": true, "pain-before": {"prompt": "skip"},
                      "pain-after": {"prompt": "skip"}});
    start_session_with(&addr, body);
    let driver = Driver::start(&dir.path().join("chromium"));
    driver.goto(&format!("http://{addr}/"));
    driver.wait_for("a stretch", |d| d.text("#phase").contains("stretch "));
    assert_eq!(driver.js(WATCH), json!(true));
    drop(server);
    driver.wait_for("the lost connection", |d| {
        d.js("return document.querySelector('#connection').hidden") == json!(false)
    });
    driver.click("#sharp-pain");
    driver.wait_for("the failed report", |d| d.text("#problem").contains("Stop the stretch now anyway"));
    // Back only once the session has ended: the press reaches it late.
    std::thread::sleep(Duration::from_secs(10));
    let _server = start(&data, &addr);
    driver.wait_for("the late advice", |d| d.text("#stopped-advice").contains("is set aside from your plans"));
    assert_eq!(driver.text("#stopped-title"), "Stopped: sharp pain");
    assert!(driver.text("#stopped-advice").contains("Sharp or intense pain means stop"), "{}", driver.text("#stopped"));
    driver.wait_for("the advice spoken", |d| {
        d.js("return __spoken.some((t) => t.includes('is set aside from your plans'))") == json!(true)
    });
    assert_eq!(driver.text("#outcome h3"), "Session stopped");
    let (_, profile) = get(&addr, "/api/v1/profile");
    assert_eq!(profile["flagged"].as_array().map(Vec::len), Some(1), "{profile}");
}

#[test]
fn a_stop_the_server_timed_out_waits_alone_survives_a_reload_and_is_sent_from_there() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("data"), "127.0.0.1:0");
    // In real time: the warm-up lasts minutes.
    let id = start_session(&server.addr, 1.0);
    let session = format!("/api/v1/sessions/{id}");
    let driver = Driver::start(&dir.path().join("chromium"));
    driver.goto(&format!("http://{}/", server.addr));
    driver.wait_for("the page to load", |d| d.js("return document.body.dataset.ready ?? ''") == json!("true"));
    driver.wait_for("the warm-up", |d| d.text("#phase-word") == "WARM-UP" && is_countdown(&d.text("#countdown")));

    // The big word is a status region: a view that does not change it leaves it alone.
    driver.js("window.__rewritten = 0;
         new MutationObserver((m) => { __rewritten += m.length; })
           .observe(document.querySelector('#phase-word'), {childList: true, characterData: true, subtree: true});
         return true");
    let intent = |intent: &str| post(&server.addr, &format!("{session}/intents"), json!({"intent": intent}));
    assert_eq!(intent("pause").0, 200);
    driver.wait_for("the pause", |d| d.text("#phase").contains("paused"));
    assert_eq!(intent("resume").0, 200);
    driver.wait_for("the resume", |d| !d.text("#phase").contains("paused"));
    assert_eq!(driver.text("#phase-word"), "WARM-UP");
    // Written twice (PAUSED, then WARM-UP again), however many views came between.
    assert_eq!(driver.js("return __rewritten"), json!(2), "the same word is not written again");

    // An answer that comes after the stream's newer view does not put the older one back:
    // paused from the page (its answer held back), resumed from elsewhere meanwhile.
    assert_eq!(driver.js(WATCH), json!(true));
    driver.js("__mode = 'slow'; return true");
    press(&driver, " ");
    driver.wait_for("the pause heard", |_| get(&server.addr, &session).1["view"]["paused"] == json!(true));
    assert_eq!(intent("resume").0, 200);
    driver.wait_for("the held-back answer", |d| d.js("return __reached.includes('toggle-pause')") == json!(true));
    std::thread::sleep(Duration::from_millis(300));
    assert!(!driver.text("#phase").contains("paused"), "the older view stays behind: {}", driver.text("#phase"));

    // The server times the press out (408): the page stops here and keeps the stop to send.
    assert_eq!(driver.js(WATCH), json!(true));
    driver.js("__mode = '408'; return true");
    driver.click("#sharp-pain");
    driver.wait_for("the stop held", |d| d.js("return document.body.dataset.pendingStop ?? ''") == json!("sharp-pain"));
    assert!(driver.text("#problem").contains("Stop the stretch now anyway"), "{}", driver.text("#problem"));
    assert_eq!(driver.text("#phase-word"), "STOPPED");
    // Meanwhile only sharp pain and chest pain: no other key sends anything.
    for key in [" ", "Enter", "s", "d", "a", "5", "q"] {
        press(&driver, key);
    }
    assert_eq!(driver.js("return __intents.filter((i) => i !== 'sharp-pain')"), json!([]));
    assert_eq!(driver.js("return document.querySelector('#pain-scale').hidden"), json!(true));
    assert!(driver.text("#problem").contains("Stop the stretch now anyway"), "the warning stays");
    // Pressed again: through the one resend, never two requests at once.
    driver.js("const b = document.querySelector('#sharp-pain'); b.click(); b.click(); return true");
    driver.wait_for("a resend", |d| d.js("return __intents.length >= 2") == json!(true));
    assert_eq!(driver.js("return __most"), json!(1), "one request at a time: {}", driver.js("return __intents"));
    let (_, s) = get(&server.addr, &session);
    assert_eq!(s["view"]["stopped"], Value::Null, "not heard yet: {s}");

    // A reload keeps the stop and sends it.
    driver.goto(&format!("http://{}/", server.addr));
    driver.wait_for("the page to load again", |d| d.js("return document.body.dataset.ready ?? ''") == json!("true"));
    wait_for_sharp_pain_stop(&server.addr, &session);
    driver.wait_for("the advice", |d| d.js("return document.querySelector('#stopped').hidden") == json!(false));
    driver.wait_for("the stop heard", |d| d.js("return document.body.dataset.pendingStop ?? ''") == json!(""));
    assert_eq!(driver.text("#stopped-title"), "Stopped: sharp pain");
    assert_eq!(driver.text("#problem"), "");
    assert_eq!(driver.js(&format!("return localStorage.getItem('limber.pending-stop.{id}')")), json!(null));
}

#[test]
fn a_stop_answered_401_shows_the_sign_in_and_is_sent_once_signed_in() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ann = WithToken::start(&dir.path().join("data"));
    let (addr, token) = (ann.addr.clone(), ann.token.clone());
    let call = |method: &str, path: &str, body: Option<Value>| ann.call(method, path, body);
    // In real time: the warm-up lasts minutes.
    let id = ann.new_session(1.0);
    let session = format!("/api/v1/sessions/{id}");
    loop {
        let state = call("GET", &session, None);
        let intent = match state["view"]["phase"]["phase"].as_str().unwrap() {
            // Has a clinician already looked at the pain: "yes", or the screening stops there.
            "screening" if state["view"]["question"].as_str().is_some_and(|q| q.contains("already looked at")) => "yes",
            "screening" => "no",
            _ => break,
        };
        call("POST", &format!("{session}/intents"), Some(json!({"intent": intent})));
    }

    let driver = Driver::start(&dir.path().join("chromium"));
    driver.goto(&format!("http://{addr}/"));
    driver.wait_for("the page to load", |d| d.js("return document.body.dataset.ready ?? ''") == json!("true"));
    let sign_in = |driver: &Driver| {
        driver.js(&format!("document.querySelector('#token').value = {}; return true", json!(token)));
        driver.click("#login-form button[type=submit]");
        driver.wait_for("the sign-in", |d| d.js("return document.querySelector('#login').hidden") == json!(true));
    };
    // A wrong token is said to be wrong, not silently asked for again.
    driver.js("document.querySelector('#token').value = 'not-a-token'; return true");
    driver.click("#login-form button[type=submit]");
    driver.wait_for("the refusal", |d| d.text("#login-problem").contains("That token was not accepted"));
    // In a person's words: whom to ask, not an operator's command.
    let said = driver.text("#login-problem");
    assert!(said.contains("ask whoever runs this limber server") && !said.contains("limber-server user"), "{said}");
    assert_eq!(driver.js("return document.querySelector('#login').hidden"), json!(false));
    // Until a token is accepted there is nothing to start and no one to sign out.
    let hidden = "return ['#start', '#sign-out'].map((s) => document.querySelector(s).hidden)";
    assert_eq!(driver.js(hidden), json!([true, true]));
    sign_in(&driver);
    assert_eq!(driver.js("return document.querySelector('#sign-out').hidden"), json!(false));
    driver.wait_for("the warm-up", |d| d.text("#phase-word") == "WARM-UP" && is_countdown(&d.text("#countdown")));

    // The token is no longer good: the stop is kept, and the sign-in shows.
    assert_eq!(driver.js(WATCH), json!(true));
    driver.js("__mode = '401'; return true");
    driver.click("#sharp-pain");
    driver.wait_for("the stop held", |d| d.js("return document.body.dataset.pendingStop ?? ''") == json!("sharp-pain"));
    driver.wait_for("the sign-in", |d| d.js("return document.querySelector('#login').hidden") == json!(false));
    assert_eq!(driver.text("#phase-word"), "STOPPED");
    assert_eq!(call("GET", &session, None)["view"]["stopped"], Value::Null);

    // Signed in again (the page follows the same session anew): the stop is sent from there.
    driver.js("__mode = null; return true");
    sign_in(&driver);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = call("GET", &session, None);
        if s["view"]["stopped"]["reason"] == json!("sharp-pain") {
            break;
        }
        assert!(Instant::now() < deadline, "the stop never reached the server: {s}");
        std::thread::sleep(Duration::from_millis(100));
    }
    driver.wait_for("the stop heard", |d| d.js("return document.body.dataset.pendingStop ?? ''") == json!(""));
    driver.wait_for("the advice", |d| d.js("return document.querySelector('#stopped').hidden") == json!(false));
    assert_eq!(driver.js("return __reached"), json!(["sharp-pain"]), "the server was told once");
}

#[test]
fn with_a_token_the_event_stream_never_puts_it_in_a_url_and_comes_back_after_a_restart() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ann = WithToken::start(&data);
    let (addr, token) = (ann.addr.clone(), ann.token.clone());
    let id = ann.new_session(5.0);
    let driver = Driver::start(&dir.path().join("chromium"));
    driver.goto(&format!("http://{addr}/"));
    driver.wait_for("the page to load", |d| d.js("return document.body.dataset.ready ?? ''") == json!("true"));
    // Every address the page asks for from now on, by fetch or EventSource.
    driver.js(
        "window.__urls = [];
         const realFetch = window.fetch.bind(window);
         window.fetch = (url, opts) => { __urls.push(String(url)); return realFetch(url, opts); };
         const RealSource = window.EventSource;
         window.EventSource = class extends RealSource { constructor(url, o) { super(url, o); __urls.push(String(url)); } };
         return true",
    );
    driver.js(&format!("document.querySelector('#token').value = {}; return true", json!(token)));
    driver.click("#login-form button[type=submit]");
    driver.wait_for("the first question, from the stream", |d| d.text("#cues").contains("Question 1"));
    // Answered elsewhere: what follows comes through the stream.
    let answer =
        |intent: &str| ann.call("POST", &format!("/api/v1/sessions/{id}/intents"), Some(json!({"intent": intent})));
    answer("no");
    driver.wait_for("the next question", |d| d.text("#cues").contains("Question 2"));
    let seen = driver.js("return __urls");
    let seen: Vec<&str> = seen.as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(seen.iter().any(|u| u.contains(&format!("/sessions/{id}/events"))), "{seen:?}");
    assert!(!seen.iter().any(|u| u.contains("access_token") || u.contains(&token)), "a token in a URL: {seen:?}");
    // The server restarts on the same address: the stream is read again from where it was.
    drop(ann);
    driver.wait_for("the lost connection", |d| {
        d.js("return document.querySelector('#connection').hidden") == json!(false)
    });
    let server = start(&data, &format!("0.0.0.0:{}", addr.rsplit(':').next().unwrap()));
    driver.wait_for("the connection back", |d| {
        d.js("return document.querySelector('#connection').hidden") == json!(true)
    });
    let bearer = format!("Bearer {token}");
    let path = format!("/api/v1/sessions/{id}/intents");
    let sent = request(&addr, "POST", &path, &[("Authorization", &bearer)], Some(r#"{"intent":"no"}"#)).unwrap();
    assert_eq!(sent.status, 200, "{}", sent.body);
    driver.wait_for("the third question", |d| d.text("#cues").contains("Question 3"));
    let questions = driver.js("return [...document.querySelectorAll('#cues li')].filter((li) => li.textContent.startsWith('Question 2')).length");
    assert_eq!(questions, json!(1), "no cue twice after the reconnection");
    drop(server);
}

/// limber-server off loopback, where every personal route needs a token, with one user, ann.
struct WithToken {
    _server: crate::binary::Server,
    /// Where to reach it.
    addr: String,
    /// Ann's token.
    token: String,
}

impl WithToken {
    fn start(data: &Path) -> WithToken {
        let add = bin().arg("--data-dir").arg(data).args(["user", "add", "ann"]).output().unwrap();
        assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stderr));
        let token = String::from_utf8(add.stdout).unwrap().trim().to_owned();
        let server = start(data, "0.0.0.0:0");
        let addr = format!("127.0.0.1:{}", server.addr.rsplit(':').next().unwrap());
        WithToken { _server: server, addr, token }
    }

    /// Starts the desk routine for ann at `speed`, no pain prompts; its id.
    fn new_session(&self, speed: f64) -> String {
        let body = json!({"routine": "desk", "speed": speed, "pain-before": {"prompt": "skip"}, "pain-after": {"prompt": "skip"}});
        self.call("POST", "/api/v1/sessions", Some(body))["id"].as_str().unwrap().to_owned()
    }

    /// A request with ann's token; the answer's JSON.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let bearer = format!("Bearer {}", self.token);
        let body = body.map(|b| b.to_string());
        request(&self.addr, method, path, &[("Authorization", &bearer)], body.as_deref()).unwrap().json()
    }
}

#[test]
fn what_did_not_reach_the_server_is_said_no_more_once_the_connection_is_back() {
    if !browser_available() {
        return;
    }
    let (dir, server, _, driver) = warm_up_page();
    let (data, addr) = (dir.path().join("data"), server.addr.clone());

    drop(server);
    driver.wait_for("the lost connection", |d| {
        d.js("return document.querySelector('#connection').hidden") == json!(false)
    });
    driver.click("#actions [data-intent=pause]");
    driver.wait_for("the failed pause", |d| d.text("#problem").contains("did not reach limber"));
    let said = driver.text("#problem");
    assert!(said.contains("no connection to the limber server") && !said.contains("fetch"), "{said}");
    let _server = start(&data, &addr);
    driver.wait_for("the connection back", |d| {
        d.js("return document.querySelector('#connection').hidden") == json!(true)
    });
    driver.wait_for("the problem gone", |d| d.js("return document.querySelector('#problem').hidden") == json!(true));
}

#[test]
fn the_page_says_what_the_plan_changed_before_the_session_starts() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("data"), "127.0.0.1:0");
    let body = json!({"equipment": ["chair", "towel"]}).to_string();
    let r = request(&server.addr, "PATCH", "/api/v1/profile", &[], Some(&body)).unwrap();
    assert_eq!(r.status, 200, "{}", r.json());
    let driver = Driver::start(&dir.path().join("chromium"));
    driver.goto(&format!("http://{}/?routine=full&speed=20", server.addr));
    driver.wait_for("the page to load", |d| d.js("return document.body.dataset.ready ?? ''") == json!("true"));
    driver.click("#start-form button[type=submit]");
    driver.wait_for("the plan's change", |d| {
        d.text("#adjustments").starts_with("Upper-back foam rolling needs a foam roller: doing ")
    });
    // However much the notes push the page down, what can be done now stays on a laptop's
    // screen, at the top of the page (a 1280×800 screen's window, a 1366×768 one's).
    let (_, sessions) = get(&server.addr, "/api/v1/sessions");
    let id = sessions[0]["id"].as_str().unwrap().to_owned();
    crate::binary::answer_screening(&server.addr, &id, true);
    pause_in(&server.addr, &id, "prepare", Some(1));
    driver.wait_for("the first stretch's preparation", |d| {
        d.js("return document.querySelector('#clock').dataset.phase") == json!("prepare")
    });
    for (width, height) in [(1280, 680), (1366, 600)] {
        viewport(&driver, width, height);
        let seen = driver.js(
            "window.scrollTo(0, 0);
             const notes = document.querySelector('#adjustments');
             const buttons = [...document.querySelectorAll('#actions button')].map((b) => b.getBoundingClientRect());
             // Where the buttons would be, but for being kept on screen: what follows them.
             const after = document.querySelector('#detail').getBoundingClientRect().top;
             return {notes: !notes.hidden, below: after > window.innerHeight,
                     on_screen: buttons.length > 0 && buttons.every((r) => r.top >= 0 && r.bottom <= window.innerHeight)};",
        );
        assert_eq!(seen, json!({"notes": true, "below": true, "on_screen": true}), "on a {width}×{height} window");
    }
    // Ended before any stretch, it no longer says so: no stretch will run. (Past the warm-up,
    // quitting asks for the rating after: left unrated.)
    let (status, quit) = post(&server.addr, &format!("/api/v1/sessions/{id}/intents"), json!({"intent": "quit"}));
    assert_eq!(status, 200, "{quit}");
    if quit["view"]["phase"]["phase"] == json!("pain-after") {
        assert_eq!(post(&server.addr, &format!("/api/v1/sessions/{id}/intents"), json!({"intent": "start"})).0, 200);
    }
    driver.wait_for("the end", |d| d.js("return document.querySelector('#outcome').hidden") == json!(false));
    driver.wait_for("the change gone", |d| d.js("return document.querySelector('#adjustments').hidden") == json!(true));
}

#[test]
fn a_day_after_chest_pain_the_page_says_why_no_session_starts_before_start_is_pressed() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("data"), "127.0.0.1:0");
    // Chest pain reported at the first question of a session started from elsewhere.
    let (status, started) = post(&server.addr, "/api/v1/sessions", json!({"routine": "desk"}));
    assert_eq!(status, 201, "{started}");
    let id = started["id"].as_str().unwrap().to_owned();
    let (status, v) = post(&server.addr, &format!("/api/v1/sessions/{id}/intents"), json!({"intent": "chest"}));
    assert_eq!(status, 200, "{v}");
    // Refused at once, before the stopped session is even recorded.
    let (status, refused) = post(&server.addr, "/api/v1/sessions", json!({"routine": "desk"}));
    assert_eq!(status, 409, "{refused}");
    let driver = Driver::start(&dir.path().join("chromium"));
    driver.goto(&format!("http://{}/?routine=desk", server.addr));
    driver.wait_for("the page to load", |d| d.js("return document.body.dataset.ready ?? ''") == json!("true"));
    driver.click("nav [data-tab=start]");
    // Said under Start before it is pressed, at the times the browser's own clock reads.
    let (_, profile) = get(&server.addr, "/api/v1/profile");
    let stop = &profile["safety-stop"];
    let until = stop["until-ms"].as_i64().unwrap_or_else(|| panic!("a safety stop: {profile}"));
    let shown = |ms: i64| {
        driver.js(&format!("return new Date({ms}).toLocaleTimeString([], {{hour: '2-digit', minute: '2-digit'}})"))
    };
    let (at, until) = (shown(stop["reported-at-ms"].as_i64().unwrap()), shown(until));
    let ahead = format!(
        "An emergency sign was reported at {}: no session starts until {} ",
        at.as_str().unwrap(),
        until.as_str().unwrap()
    );
    driver.wait_for("the warning", |d| d.text("#start-problem").starts_with(&ahead));
    driver.click("#start-form button[type=submit]");
    driver.wait_for("the refusal", |d| d.text("#start-problem").starts_with(&ahead));
    let said = driver.text("#start-problem");
    assert!(said.ends_with("call your local emergency number or see a doctor now."), "{said}");
    assert!(!said.contains("Could not start"), "{said}");
}

#[test]
fn the_pages_voice_catches_up_by_skipping_counts_and_later_flow_positions_it_fell_behind_on() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("data"), "127.0.0.1:0");
    // The full routine opens with cat-camel; the session waits for a start after its steps.
    let body = json!({"routine": "full", "speed": 100.0, "no-warm-up": true, "wait-for-start": true,
        "pain-before": {"prompt": "skip"}, "pain-after": {"prompt": "skip"}});
    let id = start_session_with(&server.addr, body);
    let session = format!("/api/v1/sessions/{id}");
    let driver = Driver::start(&dir.path().join("chromium"));
    driver.goto(&format!("http://{}/", server.addr));
    driver.wait_for("the page to load", |d| d.js("return document.body.dataset.ready ?? ''") == json!("true"));
    driver.wait_for("cat-camel", |d| d.text("#stretch-name").contains("Cat-camel"));
    // A voice still saying its first words until the test says it has finished (`__end`).
    driver.js("Object.assign(window, {__spoken: [], __now: null});
         speechSynthesis.speak = (u) => { __spoken.push(u.text); __now = u; };
         Object.defineProperty(speechSynthesis, 'speaking', {get: () => __now !== null, configurable: true});
         Object.defineProperty(speechSynthesis, 'pending', {get: () => false, configurable: true});
         window.__end = () => { const u = __now; __now = null; if (u) u.onend(); return __now !== null; };
         return true");
    assert_eq!(post(&server.addr, &format!("{session}/intents"), json!({"intent": "start"})).0, 200);
    // The whole flow (six cycles of 3 s, 0.36 s at 100×) goes by while the first cue is said.
    let deadline = Instant::now() + Duration::from_secs(30);
    while get(&server.addr, &session).1["view"]["phase"]["item"] != json!(1) {
        assert!(Instant::now() < deadline, "the flow never ended");
        std::thread::sleep(Duration::from_millis(20));
    }
    driver.wait_for("the next stretch on the page", |d| d.text("#stretch-name").contains("extension"));
    // Then the voice finishes each cue in turn, until nothing waits.
    for _ in 0..200 {
        if driver.js("return __end()") == json!(false) {
            break;
        }
    }
    let spoken: Vec<String> = serde_json::from_value(driver.js("return __spoken")).unwrap();
    // The first cycle says how to do each position: heard, though overtaken.
    assert!(spoken.iter().any(|t| t.starts_with("Camel: ")), "{spoken:#?}");
    // The later cycles' names and the counts only kept pace: overtaken, they are not said.
    assert!(!spoken.iter().any(|t| t == "Cat." || t == "Camel."), "{spoken:#?}");
    assert!(!spoken.iter().any(|t| t.parse::<u32>().is_ok()), "{spoken:#?}");
    // What says what to do is never dropped: the release and the next stretch.
    assert!(spoken.iter().any(|t| t.starts_with("Next up, stretch 2")), "{spoken:#?}");
}

#[test]
fn a_safety_alert_cancels_the_browsers_speech_first_and_speech_off_is_quiet_at_once() {
    if !browser_available() {
        return;
    }
    let (_dir, server, id, driver) = warm_up_page();
    // A browser voice that says each utterance until cancelled; cancelling ends it with an
    // error event a moment later, as Chrome does.
    driver.js("Object.assign(window, {__log: [], __now: null});
         speechSynthesis.speak = (u) => { __log.push('speak:' + u.text); __now = u; };
         speechSynthesis.cancel = () => {
           __log.push('cancel');
           const u = __now; __now = null;
           if (u) setTimeout(() => u.onerror && u.onerror(), 0);
         };
         Object.defineProperty(speechSynthesis, 'speaking', {get: () => __now !== null, configurable: true});
         Object.defineProperty(speechSynthesis, 'pending', {get: () => false, configurable: true});
         return true");
    // Nothing is being said by the page (the warm-up runs quietly) when sharp pain is reported
    // elsewhere: the browser's speech is cancelled all the same before the stop is said, since
    // the page cannot know the browser has nothing left over.
    let (status, v) = post(&server.addr, &format!("/api/v1/sessions/{id}/intents"), json!({"intent": "sharp-pain"}));
    assert_eq!(status, 200, "{v}");
    let alert = "return __log.findIndex((t) => t.startsWith('speak:') && /sharp/i.test(t))";
    driver.wait_for("the stop said", |d| d.js(alert).as_i64().is_some_and(|i| i >= 0));
    let log: Vec<String> = serde_json::from_value(driver.js("return __log")).unwrap();
    let at = driver.js(alert).as_u64().unwrap() as usize;
    assert!(at > 0 && log[at - 1] == "cancel", "{log:#?}");
    // Speak cues turned off while it is said: quiet at once, and nothing said after.
    driver.click("#speak");
    let log: Vec<String> = serde_json::from_value(driver.js("return __log")).unwrap();
    assert_eq!(log.last().map(String::as_str), Some("cancel"), "{log:#?}");
    std::thread::sleep(Duration::from_millis(800));
    let after: Vec<String> = serde_json::from_value(driver.js("return __log")).unwrap();
    assert_eq!(after.len(), log.len(), "said after speech was turned off: {after:#?}");
}

#[test]
fn the_caution_being_read_stands_under_the_countdown_until_the_first_step() {
    if !browser_available() {
        return;
    }
    let (_dir, server, id, driver) = warm_up_page();
    // Past the warm-up: seated cat-cow's cautions are read first (from 4 s), then its steps.
    let (status, v) = post(&server.addr, &format!("/api/v1/sessions/{id}/intents"), json!({"intent": "skip"}));
    assert_eq!(status, 200, "{v}");
    driver.wait_for("the first caution", |d| d.text("#step").starts_with("Take care: Use a steady chair"));
    driver.wait_for("the first step", |d| d.text("#step").starts_with("Sit near the front"));
}
