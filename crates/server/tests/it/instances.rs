//! Several real `limber-server` processes on one PostgreSQL database (a database of the test's
//! own on the server `LIMBER_TEST_DATABASE_URL` names; skipped without it unless
//! `LIMBER_REQUIRE_POSTGRES` is set): any instance answers for any session, intents are applied
//! once and in order, watchers see other instances' changes, and killing one loses nothing.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use limber_app::store::{PgStore, SessionId, Store};
use serde_json::{Value, json};

use crate::binary::{Server, age_live, get, post, start_session, start_with, wait_for_history};
use crate::http::sse;

/// A database of one test's own, dropped when it ends.
struct TestDb {
    server: String,
    name: String,
    url: String,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

impl TestDb {
    fn new() -> Option<TestDb> {
        let Ok(server) = std::env::var("LIMBER_TEST_DATABASE_URL") else {
            assert!(
                std::env::var_os("LIMBER_REQUIRE_POSTGRES").is_none(),
                "LIMBER_REQUIRE_POSTGRES is set but LIMBER_TEST_DATABASE_URL is not"
            );
            eprintln!("skipped: set LIMBER_TEST_DATABASE_URL to run several instances on PostgreSQL");
            return None;
        };
        let name = format!("limber_test_{}", SessionId::new().0.simple());
        let url = runtime().block_on(limber_app::store::create_database(&server, &name)).unwrap();
        Some(TestDb { server, name, url })
    }

    fn instance(&self) -> Server {
        start_with(&["--database", &self.url, "--bind", "127.0.0.1:0", "--db-pool", "4"])
    }

    /// The session's log as stored: how many intents it has in all.
    fn stored_intents(&self, id: &str) -> Option<usize> {
        runtime().block_on(async {
            let store = PgStore::connect(&self.url, 2).await.unwrap();
            let record = store.live_session(id.parse().unwrap()).await.unwrap()?;
            let log: Value = serde_json::from_str(&record.log).unwrap();
            Some(log["intents"].as_array().unwrap().len() + record.events.len())
        })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if runtime().block_on(limber_app::store::drop_database(&self.server, &self.name)).is_err() {
            eprintln!("could not drop the test database {}", self.name);
        }
    }
}

fn intent(addr: &str, id: &str, intent: &str) -> (u16, Value) {
    post(addr, &format!("/api/v1/sessions/{id}/intents"), json!({ "intent": intent }))
}

/// Follows a session's event stream on `addr` from a thread: each `view` event's data, with
/// when it arrived.
fn watch(addr: &str, id: &str) -> mpsc::Receiver<(Instant, Value)> {
    let (tx, rx) = mpsc::channel();
    let (addr, path) = (addr.to_owned(), format!("/api/v1/sessions/{id}/events"));
    std::thread::spawn(move || {
        let mut event = String::new();
        for line in sse(&addr, &path, None).unwrap() {
            let line = line.trim_end_matches('\r');
            if let Some(e) = line.strip_prefix("event: ") {
                event = e.to_owned();
            } else if let Some(data) = line.strip_prefix("data: ")
                && event == "view"
                && tx.send((Instant::now(), serde_json::from_str(data).unwrap())).is_err()
            {
                return;
            }
        }
    });
    rx
}

/// Waits for a view on `views` that `wanted` accepts; returns when it arrived.
fn wait_for(views: &mpsc::Receiver<(Instant, Value)>, wanted: impl Fn(&Value) -> bool) -> Instant {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let (at, view) = views.recv_timeout(left).expect("the watcher saw the change");
        if wanted(&view) {
            return at;
        }
    }
}

#[test]
fn a_session_moves_between_instances_and_survives_losing_one() {
    let Some(db) = TestDb::new() else { return };
    let mut a = db.instance();
    let b = db.instance();
    let (status, health) = get(&b.addr, "/healthz");
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["database"], json!({"kind": "postgres", "reachable": true, "shared": true}));

    // Created on A, screened on B (B has never seen it), watched on A.
    let (status, created) = post(
        &a.addr,
        "/api/v1/sessions",
        json!({"routine": "desk", "pain-before": {"prompt": "skip"}, "pain-after": {"prompt": "skip"}}),
    );
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    loop {
        let (_, s) = get(&b.addr, &format!("/api/v1/sessions/{id}"));
        let answer = match s["view"]["phase"]["phase"].as_str().unwrap() {
            // Has a clinician already looked at the pain: "yes", or the screening stops there.
            "screening" if s["view"]["question"].as_str().is_some_and(|q| q.contains("already looked at")) => "yes",
            "screening" => "no",
            _ => break,
        };
        assert_eq!(intent(&b.addr, &id, answer).0, 200);
    }
    let views = watch(&a.addr, &id);
    wait_for(&views, |_| true);
    let sent = Instant::now();
    let (status, paused) = intent(&b.addr, &id, "pause");
    assert_eq!(status, 200, "{paused}");
    let seen = wait_for(&views, |v| v["view"]["paused"] == true);
    eprintln!("a pause sent to B was seen on A's stream after {:?}", seen.saturating_duration_since(sent));
    // A answers with B's change, and applies its own after it.
    let (status, resumed) = intent(&a.addr, &id, "resume");
    assert_eq!((status, &resumed["view"]["paused"]), (200, &json!(false)), "{resumed}");
    // B hears of it within milliseconds (NOTIFY).
    let deadline = Instant::now() + Duration::from_secs(5);
    while get(&b.addr, &format!("/api/v1/sessions/{id}")).1["view"]["paused"] != false {
        assert!(Instant::now() < deadline, "B never saw A's resume");
        std::thread::sleep(Duration::from_millis(5));
    }
    let before_kill = db.stored_intents(&id).unwrap();

    // A dies without a word; B carries on and finishes it.
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    assert_eq!(intent(&b.addr, &id, "pause").0, 200);
    assert_eq!(db.stored_intents(&id), Some(before_kill + 1), "every event is in the store");
    let (status, over) = intent(&b.addr, &id, "quit");
    assert_eq!(status, 200, "{over}");
    let page = wait_for_history(&b.addr);
    let sessions = page["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1, "recorded once: {page}");
    assert_eq!(sessions[0]["id"], id.as_str());
    assert_eq!(sessions[0]["stopped"], "aborted", "quit: {page}");
    // A comes back: the session is over and recorded, and stays so.
    let a = db.instance();
    let (_, page) = get(&a.addr, "/api/v1/history?limit=50");
    assert_eq!(page["sessions"].as_array().unwrap().len(), 1);
}

#[test]
fn intents_racing_on_two_instances_are_applied_once_in_order() {
    let Some(db) = TestDb::new() else { return };
    let a = db.instance();
    let b = db.instance();
    let id = start_session(&a.addr, 1.0);
    let start = db.stored_intents(&id).unwrap();
    // Four clients, two on each instance, toggle the pause at once.
    let per_client = 10;
    let clients: Vec<_> = [&a.addr, &b.addr, &a.addr, &b.addr]
        .into_iter()
        .map(|addr| {
            let (addr, id) = (addr.clone(), id.clone());
            std::thread::spawn(move || {
                (0..per_client)
                    .filter(|_| {
                        let (status, answer) = intent(&addr, &id, "toggle-pause");
                        assert!(status == 200 || status == 409, "{status}: {answer}");
                        status == 200
                    })
                    .count()
            })
        })
        .collect();
    let applied: usize = clients.into_iter().map(|c| c.join().unwrap()).sum();
    assert_eq!(applied, 4 * per_client, "a toggle always applies: none is lost or refused");
    assert_eq!(db.stored_intents(&id), Some(start + applied), "each stored once");
    // Both instances agree with the log, as if the intents had come one at a time.
    let paused = applied % 2 == 1;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, on_a) = get(&a.addr, &format!("/api/v1/sessions/{id}"));
        let (_, on_b) = get(&b.addr, &format!("/api/v1/sessions/{id}"));
        if on_a["view"]["paused"] == paused && on_b["view"]["paused"] == paused {
            assert_eq!(on_a["view"]["phase"], on_b["view"]["phase"]);
            break;
        }
        assert!(Instant::now() < deadline, "the instances disagree: {on_a} / {on_b}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_instance_lets_go_of_a_session_used_elsewhere_unless_it_is_watched_there() {
    let Some(db) = TestDb::new() else { return };
    let a = db.instance();
    let b = db.instance();
    let held = |addr: &str| get(addr, "/healthz").1["live-sessions"].as_u64().unwrap();
    let watched = start_session(&a.addr, 1.0);
    let unwatched = start_session(&a.addr, 1.0);
    let before = held(&a.addr);
    let stored = db.stored_intents(&unwatched).unwrap();
    let views = watch(&a.addr, &watched);
    wait_for(&views, |_| true);

    // B is used for both; A follows the one watched there and lets the other go.
    assert_eq!(intent(&b.addr, &watched, "pause").0, 200);
    assert_eq!(intent(&b.addr, &unwatched, "pause").0, 200);
    wait_for(&views, |v| v["view"]["paused"] == true);
    let deadline = Instant::now() + Duration::from_secs(5);
    while held(&a.addr) != before - 1 {
        assert!(Instant::now() < deadline, "A still holds {} sessions", held(&a.addr));
        std::thread::sleep(Duration::from_millis(10));
    }
    let (status, on_a) = intent(&a.addr, &watched, "resume");
    assert_eq!((status, &on_a["view"]["paused"]), (200, &json!(false)), "{on_a}");

    // Asked again, A loads it as stored, and its intents follow B's.
    let (_, view) = get(&a.addr, &format!("/api/v1/sessions/{unwatched}"));
    assert_eq!(view["view"]["paused"], true, "{view}");
    assert_eq!(held(&a.addr), before);
    let (status, resumed) = intent(&a.addr, &unwatched, "resume");
    assert_eq!((status, &resumed["view"]["paused"]), (200, &json!(false)), "{resumed}");
    assert_eq!(db.stored_intents(&unwatched), Some(stored + 2));

    // Ended on B, which records it: A, still watched, answers an intent for it as over.
    assert_eq!(intent(&b.addr, &watched, "quit").0, 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    while db.stored_intents(&watched).is_some() {
        assert!(Instant::now() < deadline, "B never recorded the session");
        std::thread::sleep(Duration::from_millis(10));
    }
    let (status, answer) = intent(&a.addr, &watched, "pause");
    assert!(status == 409 || status == 404, "an intent for a recorded session: {status} {answer}");
}

#[test]
fn a_session_left_waiting_by_a_stopped_instance_is_ended_by_another() {
    // Paused on A, which then stopped for good; two hours on, no instance holds the session, yet
    // the person is long gone: B, on starting, ends it as A's idle limit would have, and
    // records it (the stretch it stopped on would be set aside).
    let Some(db) = TestDb::new() else { return };
    let mut a = db.instance();
    let id = start_session(&a.addr, 1.0);
    assert_eq!(intent(&a.addr, &id, "pause").0, 200);
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    runtime().block_on(async {
        let store = PgStore::connect(&db.url, 2).await.unwrap();
        age_live(&store, &id, Duration::from_secs(2 * 60 * 60)).await;
    });

    let b = db.instance();
    let page = wait_for_history(&b.addr);
    let sessions = page["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1, "ended and recorded: {page}");
    assert_eq!((&sessions[0]["id"], &sessions[0]["stopped"]), (&json!(id), &json!("aborted")), "{page}");
    assert_eq!(db.stored_intents(&id), None, "no longer live");
}
