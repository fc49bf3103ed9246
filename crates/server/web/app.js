// limber's web page: follows a live session over Server-Sent Events and sends intents.
// Every rule lives on the server: the page shows buttons for `view.allowed` only.

const $ = (sel) => document.querySelector(sel);
const params = new URLSearchParams(location.search);
let token = localStorage.getItem("limber.token") || "";

const LABELS = {
  yes: "Yes", no: "No", start: "Start", pause: "Pause", resume: "Resume", skip: "Skip",
  swap: "Swap", discomfort: "Discomfort", comfortable: "Comfortable",
  quit: "End session",
};
const PHASES = {
  screening: "Safety questions", "confirm-assessed": "Safety questions", "pain-before": "Before we start",
  "warm-up": "Warm-up", prepare: "Get into position", "get-ready": "Get ready", active: "Hold",
  rest: "Rest", "check-in": "How did that feel?", "pain-after": "After the session",
  finished: "Done", stopped: "Stopped",
};
// The heading of the box a stop for safety shows (and of the tab meanwhile).
const STOPS = {
  emergency: "Stopped: an emergency sign", "see-clinician": "Stopped: see a clinician first",
  "sharp-pain": "Stopped: sharp pain", pain: "Stopped: pain above 5",
};
const routineNames = new Map();
// Intents that stop for safety: one that does not reach the server stops the page at once and
// is sent again until it arrives. Others are not: once the moment has passed they mean nothing.
const STOP_INTENTS = new Set(["sharp-pain", "chest"]);
const TITLE = document.title; // the page's own, between sessions
// The phases of the exercise itself (not the questions and ratings around it).
const EXERCISE = new Set(["warm-up", "prepare", "get-ready", "active", "rest", "check-in"]);
// Cues that say what to do now, shown under the countdown while their phase lasts (a caution
// until the first step), and cues that end it.
const LEAD_CUES = new Set(["warm-up", "begin", "flow-position", "caution"]);
const LEAD_ENDS = new Set(["next-up", "release", "skipped", "stopped", "finished"]);
// limber's answers to what the person reported (a rating, discomfort, a swap): shown under the
// countdown until the next work begins, so a rating is seen to be taken even with sound off.
const REPLIES = new Set(["noted", "discomfort", "too-much", "ask-stop", "no-alternative", "swapped", "skipped"]);
// (A question answered ends it too: "stop for today?" no longer stands once the session goes on.)
const REPLY_ENDS = new Set(["begin", "stopped", "finished", "warm-up", "resumed"]);

// ------------------------------------------------------------------ API

async function api(method, path, body) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    // The browser's words ("Failed to fetch", "NetworkError…") say nothing to a person.
    throw Object.assign(new Error("no connection to the limber server"), { cause: e });
  }
  // 403 without a token: the server acts for its local person only when called as localhost
  // (behind a reverse proxy it is not): a token lets anyone in.
  if (res.status === 401 || (res.status === 403 && !token)) {
    // A token that was given and refused is said so (the server's reason is for operators: it
    // names their commands).
    showLogin(Boolean(token));
    throw new Error("unauthorized");
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) throw Object.assign(new Error(data?.error?.message || res.statusText), { data, status: res.status });
  return data;
}

// The sign-in; `refused`: a token was given and not accepted.
function showLogin(refused = false) {
  $("#login").hidden = false;
  // Nothing else to do until signed in: no Start that answers nothing, no Sign out for a token
  // that was not accepted.
  $("#start").hidden = true;
  $("#sign-out").hidden = true;
  const problem = $("#login-problem");
  problem.textContent = refused
    ? "That token was not accepted. Check it, or ask whoever runs this limber server for a new one: a token " +
      "stops working once a new one is made for you."
    : "";
  problem.hidden = !refused;
}

$("#login-form").addEventListener("submit", (e) => {
  e.preventDefault();
  token = $("#token").value.trim();
  localStorage.setItem("limber.token", token);
  $("#login").hidden = true;
  $("#sign-out").hidden = !token;
  if (!current) $("#start").hidden = false;
  init();
});

// On a shared tablet the next person must not act as, or see the history of, the last: signing
// out forgets the token and the session this page followed, and starts the page afresh.
$("#sign-out").hidden = !token;
$("#sign-out").addEventListener("click", () => {
  localStorage.removeItem("limber.token");
  localStorage.removeItem("limber.session");
  location.reload();
});

// ------------------------------------------------------------------ export

// The export is fetched like every other call (with the token, when there is one) and then
// saved, so a failure is said on the page instead of being saved as the file.
$("#export").addEventListener("click", async (e) => {
  e.preventDefault();
  const link = e.currentTarget;
  const status = $("#export-status");
  status.textContent = "Exporting…";
  try {
    const res = await fetch(link.getAttribute("href"), { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    if (res.status === 401 || (res.status === 403 && !token)) { showLogin(); throw new Error("Sign in to export your history."); }
    if (!res.ok) {
      const data = await res.json().catch(() => null);
      throw new Error(data?.error?.message || res.statusText);
    }
    const text = await res.text();
    const n = JSON.parse(text).sessions.length;
    const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    const save = Object.assign(document.createElement("a"), { href: url, download: link.getAttribute("download") });
    document.body.append(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    status.textContent = `Saved ${n} session${n === 1 ? "" : "s"} as ${link.getAttribute("download")}.`;
  } catch (err) {
    status.textContent = `Export failed: ${err.message}`;
  }
});

// ------------------------------------------------------------------ tabs

for (const b of document.querySelectorAll("nav [data-tab]")) {
  b.addEventListener("click", () => showTab(b.dataset.tab));
}

function showTab(name) {
  for (const b of document.querySelectorAll("nav [data-tab]")) b.setAttribute("aria-pressed", String(b.dataset.tab === name));
  for (const p of document.querySelectorAll("[data-panel]")) p.hidden = p.id !== name;
  if (name === "start") $("#session").hidden = !current;
  else $("#session").hidden = true;
  if (name === "start" && current) $("#start").hidden = true;
  const load = { history: loadHistory, library: loadLibrary, profile: loadProfile }[name];
  if (load) load().then(() => loadProblem(null), (e) => loadProblem(e));
}

// What could not be loaded (null: all is well): said above every panel, with what to do.
function loadProblem(e) {
  if (e?.message === "unauthorized") return; // the sign-in is shown instead
  const el = $("#load-problem");
  // A stored profile that cannot be read is mended here, not by the connection: the form
  // sends both lists, which replaces it.
  const mend = e?.data?.error?.code === "profile-unreadable";
  el.textContent = !e ? "" : mend
    ? `${e.message}. On the Profile tab, tick the equipment you have and the positions you avoid, then Save.`
    : `limber could not load this (${e.message}). Check the connection, then open the tab again.`;
  el.hidden = !e;
}

// ------------------------------------------------------------------ sound, speech, wake lock

let audio;
function beep(sound) {
  if (!$("#beep").checked || sound === "none") return;
  try {
    audio ||= new AudioContext();
    // Still waiting for a tap on this page (see soundHint): ask again; it plays once allowed.
    if (audio.state === "suspended") audio.resume().catch(() => {});
    const freq = { start: 660, tick: 440, halfway: 550, end: 880, alert: 300 }[sound] || 500;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = freq;
    gain.gain.value = 0.1;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + (sound === "tick" ? 0.08 : 0.25));
  } catch { /* no audio here */ }
}

// The page's voice says one cue at a time from a queue of its own. A safety alert (`urgent`)
// is said at once: the browser's speech is cancelled, and what waits is dropped, unless one
// of these alerts is being said (then both are heard, in order). A cue that only keeps pace
// (`keepsPace`: a count, a later flow position, halfway) and was overtaken while a longer one
// was said is dropped, so the voice catches up with the session instead of saying "Cat" while
// the screen shows Camel.
// A cue is over at its end event, or once the browser says it is neither speaking nor about to
// (some voices send no events at all); one that runs past any length it could take (Chrome's
// speech can hang) is cancelled, and the queue goes on.
const voice = { queue: [], speaking: null, timer: 0, poll: 0 };
function speak(text, urgent = false, keepsPace = false) {
  if (!$("#speak").checked || !("speechSynthesis" in window)) return;
  if (urgent) {
    voice.queue = voice.queue.filter((u) => u.urgent);
    if (!voice.speaking?.urgent) hush();
  }
  voice.queue.push({ text, urgent, keepsPace });
  sayNext();
}
function sayNext() {
  if (voice.speaking) return;
  while (voice.queue.length > 1 && voice.queue[0].keepsPace) voice.queue.shift();
  const next = voice.queue.shift();
  if (!next) return;
  const utterance = new SpeechSynthesisUtterance(next.text);
  voice.speaking = { utterance, urgent: next.urgent };
  const done = () => {
    if (voice.speaking?.utterance !== utterance) return;
    stopWatching();
    voice.speaking = null;
    sayNext();
  };
  utterance.onend = utterance.onerror = done;
  voice.timer = setTimeout(() => {
    if (voice.speaking?.utterance !== utterance) return;
    hush();
    sayNext();
  }, 4000 + 500 * next.text.split(/\s+/).length);
  voice.poll = setInterval(() => {
    if (!speechSynthesis.speaking && !speechSynthesis.pending) done();
  }, 250);
  speechSynthesis.speak(utterance);
}
function stopWatching() {
  clearTimeout(voice.timer);
  clearInterval(voice.poll);
}
// Silences the voice: what is being said ends, and (`all`) what waits is dropped.
function hush(all = false) {
  if (all) voice.queue = [];
  stopWatching();
  voice.speaking = null;
  if ("speechSynthesis" in window) speechSynthesis.cancel();
}

// Browsers play sound and speech only once the page has had a tap or a key (a page reloaded
// mid-session has had none): until then a line says so, and the first tap or key turns it on.
// Whether the page's own voice says cues now.
function pageSpeaks() {
  return $("#speak").checked && "speechSynthesis" in window && !soundBlocked() &&
    speechSynthesis.getVoices().length > 0;
}
function soundBlocked() {
  return ($("#beep").checked || $("#speak").checked) && navigator.userActivation?.hasBeenActive === false;
}
function soundHint() {
  $("#sound-hint").hidden = !(current && soundBlocked());
}
function unlockSound() {
  try {
    audio ||= new AudioContext();
    if (audio.state === "suspended") audio.resume().catch(() => {});
  } catch { /* no audio here */ }
  $("#sound-hint").hidden = true;
}
// A touch counts as the tap browsers wait for only when it ends (click, pointerup), not when
// it begins; a key counts at once.
for (const type of ["click", "pointerup", "keydown"]) document.addEventListener(type, unlockSound, { capture: true });

let wakeLock = null;
async function keepAwake(on) {
  try {
    if (on && !wakeLock && navigator.wakeLock && document.visibilityState === "visible") {
      const lock = await navigator.wakeLock.request("screen");
      // The browser lets go when the page is hidden: it is taken again when it is back.
      lock.addEventListener("release", () => { if (wakeLock === lock) wakeLock = null; });
      wakeLock = lock;
    }
    if (!on && wakeLock) { const lock = wakeLock; wakeLock = null; await lock.release(); }
  } catch { /* not allowed here */ }
}
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && current?.state && !isOver(current.state.view)) keepAwake(true);
});
// Over plain http to another machine (a phone on the home network) there is no wake lock: said
// before Start, so the screen's own timeout can be set longer.
$("#awake-hint").hidden = Boolean(navigator.wakeLock);

// ------------------------------------------------------------------ a live session

let current = null; // { id, speed, stream, state, receivedAt }

async function startSession(form) {
  const data = new FormData(form);
  const body = {
    routine: data.get("routine"),
    "no-warm-up": data.has("no-warm-up"),
    "wait-for-start": data.has("wait-for-start"),
    rescreen: data.has("rescreen"),
    speed: Number(data.get("speed") || 1),
  };
  if (!body.routine) throw new Error("The routines have not loaded yet: wait a moment, then press Start again.");
  const state = await api("POST", "/sessions", body);
  follow(state, { fresh: true });
}

// Follows a session: a new one (`fresh`: every cue is said), or one already under way (a
// reload, a sign-in): the cues it said before are listed, not spoken again.
function follow(state, { fresh = false } = {}) {
  current?.stream?.close();
  if (current?.resendTimer) clearTimeout(current.resendTimer);
  if (current?.reopenTimer) clearTimeout(current.reopenTimer);
  // A stop not yet heard survives a sign-in, a reload or a new tab: it is kept per session.
  const pending = savedStop(state.id);
  const said = fresh ? 0 : state.view["last-cue"] || 0;
  current = { id: state.id, speed: state.speed, stream: null, pending, lead: "", questionOf: null, said, seen: 0 };
  resetAsks();
  localStorage.setItem("limber.session", state.id);
  if (pending) {
    document.body.dataset.pendingStop = pending.intent;
    setProblem(notHeard(pending));
  }
  // What the plan changed from the routine for this person, said before it starts (only the
  // answer that creates a session carries it).
  const notes = fresh ? state.adjustments || [] : [];
  $("#adjustments").textContent = notes.join(" ");
  $("#adjustments").hidden = !notes.length;
  $("#cues").replaceChildren();
  $("#outcome").hidden = true;
  $("#start").hidden = true;
  $("#session").hidden = false;
  render(state);
  // Started here: the keyboard's place moves from the gone form to the session.
  if (fresh) $("#stretch-name").focus({ preventScroll: true });
  openStream(current);
  keepAwake(true);
  soundHint();
  if (pending) resend(); // the stop goes first
}

// The session's event stream, from the cue after the last one seen. The browser reconnects
// by itself after a dropped connection; a stream it gives up on (the server answered with an
// error) is opened again here, every few seconds, until the session is over.
function openStream(c) {
  const url = `/api/v1/sessions/${c.id}/events${c.seen ? `?after=${c.seen}` : ""}`;
  // With a token, the stream is read with fetch, so that the token goes in a header: in a URL
  // (all `EventSource` can send) a proxy's access log would keep it.
  const stream = token ? new HeaderEventSource(url, token) : new EventSource(url);
  c.stream = stream;
  const mine = () => current === c && c.stream === stream;
  stream.addEventListener("cue", (e) => {
    if (!mine()) return;
    const cue = JSON.parse(e.data);
    if (cue.seq <= c.seen) return; // already shown
    c.seen = cue.seq;
    const kind = cue.kind?.kind;
    const li = document.createElement("li");
    li.textContent = cue.text;
    li.dataset.seq = cue.seq;
    li.dataset.sound = cue.sound;
    li.dataset.kind = kind || "";
    // Said before this page followed the session: listed, not said again.
    const before = cue.seq <= c.said;
    li.dataset.said = before ? "before" : "now";
    // Read out by a screen reader as they come, but not the cues of before a reload (listed
    // all at once) nor the countdown's numbers (the phase word says what is happening).
    if (kind === "countdown") li.setAttribute("aria-hidden", "true");
    // One voice: while the page speaks cues, a screen reader is not handed them too; whenever
    // it cannot (no speech here, no voice installed, no tap yet), the reader has them.
    $("#cues").setAttribute("aria-live", before || pageSpeaks() ? "off" : "polite");
    $("#cues").prepend(li);
    while ($("#cues").children.length > 30) $("#cues").lastChild.remove();
    if (REPLIES.has(kind)) {
      // An alert followed at once by a plain reply (too much, then the swap it brings): both
      // stand, so "come out of the stretch gently" is still on screen with sound off.
      const alert = cue.sound === "alert";
      const last = current.reply;
      current.reply = last?.alert && !alert && last.seq === cue.seq - 1
        ? { text: `${last.text} ${cue.text}`, alert: true, seq: cue.seq }
        : { text: cue.text, alert, seq: cue.seq };
    }
    // (A warning, such as pain above 5 in the last stretch, stays through the routine's end to
    // the rating after: otherwise it would be gone before anyone without sound saw it.)
    else if (REPLY_ENDS.has(kind) && !(kind === "finished" && current.reply?.alert)) current.reply = null;
    if (kind === "question" && cue.kind.of) current.questionOf = { number: cue.kind.number, of: cue.kind.of };
    if (LEAD_CUES.has(kind)) current.lead = cue.text;
    else if (LEAD_ENDS.has(kind)) current.lead = "";
    const redraw = kind === "question" || LEAD_CUES.has(kind) || LEAD_ENDS.has(kind) || REPLIES.has(kind) || REPLY_ENDS.has(kind);
    if (redraw && current.state) render(current.state);
    if (before) return;
    // A stop not yet heard by the server: silence, not the session's next words; but a stop's
    // own advice (often the resent stop's, before its answer comes) is always said.
    if (current.pending && kind !== "stopped") return;
    beep(cue.sound);
    speak(cue.text, cue.sound === "alert", cue["keeps-pace"] === true);
  });
  stream.addEventListener("view", (e) => {
    if (!mine()) return;
    const state = JSON.parse(e.data);
    render(state);
    // The stream's last view comes after the session's last cues: nothing more is coming.
    if (isOver(state.view)) stream.close();
  });
  stream.addEventListener("open", () => {
    if (!mine()) return;
    setConnection(null);
    // What did not reach limber while it was away is said no more; a stop still waiting to be
    // heard keeps its warning until it is.
    if (c.pending) resend(); // back: the stop goes first
    else setProblem(null);
  });
  stream.addEventListener("error", () => {
    if (!mine()) return;
    setConnection(stream.status === 429
      ? "This session is followed on as many screens as limber allows: close a tab or device following it."
      : "Connection to limber lost; trying again. What you see may be out of date.");
    if (stream.readyState !== EventSource.CLOSED) return; // the browser tries again by itself
    clearTimeout(c.reopenTimer);
    c.reopenTimer = setTimeout(() => reopen(c), 3000);
  });
}

// An event stream read with fetch, its token in the `Authorization` header. It behaves as
// `EventSource` does in what this page uses: "open", named events whose `data` is the event's
// data, "error", `readyState`, `close()`, and after a dropped connection another try three
// seconds later from the last event id (`Last-Event-ID`); an answer that is not a stream (401,
// 404, 410) ends it for good, with "error" and `readyState` CLOSED.
class HeaderEventSource extends EventTarget {
  constructor(url, token) {
    super();
    Object.assign(this, { url, token, readyState: EventSource.CONNECTING, lastEventId: "" });
    this.abort = new AbortController();
    this.connect();
  }

  close() {
    this.readyState = EventSource.CLOSED;
    clearTimeout(this.retry);
    this.abort.abort();
  }

  async connect() {
    const headers = { Authorization: `Bearer ${this.token}`, Accept: "text/event-stream" };
    if (this.lastEventId) headers["Last-Event-ID"] = this.lastEventId;
    let res;
    try {
      res = await fetch(this.url, { headers, signal: this.abort.signal, cache: "no-store" });
    } catch {
      this.dropped();
      return;
    }
    if (this.readyState === EventSource.CLOSED) return;
    this.status = res.status;
    if (!res.ok || !res.body) {
      this.readyState = EventSource.CLOSED;
      this.dispatchEvent(new Event("error"));
      return;
    }
    this.readyState = EventSource.OPEN;
    this.dispatchEvent(new Event("open"));
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        // (A \r at a chunk's end may be half of \r\n: it waits for the next chunk.)
        buffer = (buffer + value).replace(/\r\n/g, "\n").replace(/\r(?=.)/gs, "\n");
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          this.event(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch { /* the connection dropped, or was closed */ }
    this.dropped();
  }

  // One event's lines (`event:`, `data:`, `id:`; a line from `:` on is a comment).
  event(block) {
    let type = "message";
    const data = [];
    for (const line of block.split("\n")) {
      const colon = line.indexOf(":");
      if (colon === 0) continue;
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") type = value;
      else if (field === "data") data.push(value);
      else if (field === "id") this.lastEventId = value;
    }
    if (data.length) this.dispatchEvent(new MessageEvent(type, { data: data.join("\n"), lastEventId: this.lastEventId }));
  }

  dropped() {
    if (this.readyState === EventSource.CLOSED) return;
    this.readyState = EventSource.CONNECTING;
    this.dispatchEvent(new Event("error"));
    this.retry = setTimeout(() => this.connect(), 3000);
  }
}

// After the browser gave up on the stream: where is the session now (which also asks for a
// sign-in when the token no longer works), then the stream again.
async function reopen(c) {
  if (current !== c || (c.state && isOver(c.state.view))) return;
  try {
    render(await api("GET", `/sessions/${c.id}`));
  } catch (e) {
    if (current !== c) return;
    if (recorded(c, e)) return;
    if (e.status === 404) {
      setConnection("This session is no longer on the server: it may have ended while the page was away.");
      return;
    }
    if (e.message === "unauthorized") return; // the sign-in follows the session again
    c.reopenTimer = setTimeout(() => reopen(c), 3000);
    return;
  }
  if (current === c && !isOver(c.state.view)) openStream(c);
}

// A session the server no longer holds but has recorded (410 `over`, after a restart say):
// said so, with how it went, instead of a connection lost for good. False for anything else.
function recorded(c, e) {
  if (current !== c || e.status !== 410) return false;
  const s = e.data?.error?.detail?.session;
  setConnection(`This session is over and kept in your history${s ? `: ${sessionLine(s)}` : ""}.`);
  return true;
}

// One session of the history in a line: when, which routine, how much of it, how it ended.
// (The counts and how it ended are the server's, as `limber history` says them.)
function sessionLine(s) {
  return `${new Date(s["started-at-ms"]).toLocaleString()} — ${routineNames.get(s.routine) || s.routine}: ` +
    `${s.done} of ${s.planned} stretches` + (s.stopped ? ` (${s.outcome})` : "") +
    (s.preview ? " · preview, not counted" : "");
}

// "1 week", "3 weeks".
function weeks(n) {
  return n === 1 ? "1 week" : `${n} weeks`;
}

// A line under the heading when the live connection is down (null: it is fine).
function setConnection(problem) {
  const el = $("#connection");
  if (el.textContent === (problem || "")) return; // said once, not again at every retry
  el.textContent = problem || "";
  el.hidden = !problem;
}

// What went wrong with the last thing sent (null: nothing).
function setProblem(problem) {
  const el = $("#problem");
  el.textContent = problem || "";
  el.hidden = !problem;
}

function isOver(view) {
  return view.phase.phase === "finished" || view.phase.phase === "stopped";
}

// Whether view `a` is older than view `b`: an answer to a request can arrive after the
// stream's newer view. A session that is over stays over, whatever the time on a view (its
// view keeps the moment it ended; another server's clock may run ahead); then the cues said
// order views (their numbers are the same on every server), then the time.
function isOlder(a, b) {
  if (isOver(a) !== isOver(b)) return isOver(b);
  if (a["last-cue"] !== b["last-cue"]) return a["last-cue"] < b["last-cue"];
  return a.at < b.at;
}

function render(state) {
  if (!current || state.id !== current.id) return;
  if (current.state && state !== current.state && isOlder(state.view, current.state.view)) return;
  // A new view restarts the countdown's clock; the same view drawn again (a cue came) does not.
  if (state !== current.state) {
    current.state = state;
    current.receivedAt = performance.now();
  }
  const v = state.view;
  // A typed 1 waits for a 0 only at a rating prompt: once the session has moved on (a rating
  // tapped on the scale, or given elsewhere), the hint goes.
  if (oneWaiting && (!["pain-before", "pain-after"].includes(v.phase.phase) || stopAsked(v))) setOneWaiting(false);
  // A sharp-pain press that reached the server just after the end: its advice, as a stop's.
  if (state["late-report"] && !current.late && v.stopped?.reason !== "emergency") {
    // (After an emergency stop its advice stands alone: the milder words are not said over it.)
    current.late = state["late-report"];
    beep("alert");
    speak(current.late.advice, true);
  }
  const late = current.late ? { reason: "sharp-pain", advice: current.late.advice } : null;
  // What the plan changed concerns what is ahead: said until the first stretch is under way, as
  // the TUI does, and never above a stop or the end, where no stretch will run.
  const ahead = ["screening", "confirm-assessed", "pain-before", "warm-up"].includes(v.phase.phase)
    || (["prepare", "get-ready"].includes(v.phase.phase) && v.phase.item === 0);
  if (!ahead) $("#adjustments").hidden = true;
  // The red box is for a stop for safety; ending by choice shows only in the outcome.
  const stop = v.stopped && v.stopped.reason !== "aborted" ? v.stopped : late;
  // Once over, the outcome below says how it ended: the heading is the routine's name.
  // As the TUI: a flow is moved through, not held, and a rest between sides says which is next.
  const doing = v.phase.phase === "active" && v.flow ? "Move"
    : v["switch-to"] ? `Switch sides → ${v["switch-to"]}` : PHASES[v.phase.phase] || v.phase.phase;
  const asked = v.phase.phase === "screening" ? v.phase.question + 1 : null;
  const of = asked && current.questionOf?.number === asked ? ` of ${current.questionOf.of}` : "";
  $("#phase").textContent = isOver(v) ? "" : doing + (v.paused ? " — paused" : "") +
    (v.number ? ` · stretch ${v.number} of ${v.of}` : "") +
    (asked ? ` · question ${asked}${of}` : "");
  // (A stop pressed and not yet heard by the server is shown at once. A state without the word,
  // from an older server sharing the database during an upgrade, still shows the rest.)
  const big = state["phase-word"] || { word: "", moment: "ask" };
  const word = bigWord(current.pending ? "STOPPED" : big.word);
  const key = current.pending ? "stopped" : big.moment;
  const clock = $("#clock");
  // A status region: written only when the word changes, so it is announced once.
  if ($("#phase-word").textContent !== word) $("#phase-word").textContent = word;
  // A long word (a side named) in smaller letters, to stay on one line on a phone.
  $("#phase-word").classList.toggle("long", word.length > 10);
  clock.dataset.phase = key;
  clock.classList.toggle("paused", Boolean(v.paused) && !current.pending);
  // (A session of safety questions only has no routine to name.)
  $("#stretch-name").textContent = v.name || routineNames.get(state.routine) ||
    (state.kind === "screening" ? "Safety questions" : state.routine);
  // The tab (and a screen reader's window list) says where the session is, as the big word does.
  const title = `${stop ? STOPS[stop.reason] || "Stopped" : word} · ${$("#stretch-name").textContent} — limber`;
  if (document.title !== title) document.title = title;
  // A stop says so at once, with its advice, and stays above whatever is asked next.
  const box = $("#stopped");
  box.hidden = !stop;
  const said = stop ? `${stop.reason}\n${stop.advice}` : "";
  if (box.dataset.said !== said) {
    box.dataset.said = said;
    $("#stopped-title").textContent = stop ? STOPS[stop.reason] || "Stopped" : "";
    $("#stopped-advice").textContent = stop ? stop.advice : "";
    // Wherever the person had scrolled (to the buttons, the cues), the advice comes into view
    // and takes the focus, so a screen reader reads it too.
    if (stop) {
      // From another tab (the history, the library): the session and its advice come back.
      if ($("#session").hidden) showTab("start");
      box.scrollIntoView({ block: "start" });
      box.focus({ preventScroll: true });
    }
  }
  const parts = [];
  if (v.side) parts.push(`${v.side} side`);
  // The steps are written for the right side: on the left, how that side goes.
  if (v["other-side"]) parts.push(v["other-side"]);
  if (v.repetition && v.repetition[1] > 1) parts.push(`repetition ${v.repetition[0]} of ${v.repetition[1]}`);
  if (v.breathing && v.phase.phase === "active") parts.push(v.breathing);
  $("#detail").textContent = parts.join(" · ");
  const reply = current.pending || stop ? null : current.reply;
  // "Stop for today?" is limber's reply to the rating and the question at once: said once, in
  // the reply, so that Yes and No stay on a phone's first screen.
  const shownQuestion = v.question && reply?.text?.includes(v.question) ? "" : v.question || "";
  $("#question").textContent = shownQuestion;
  $("#step").textContent = current.pending ? "" : stepText(v);
  $("#reply").textContent = reply?.text || "";
  $("#reply").classList.toggle("warning", Boolean(reply?.alert));
  $("#reply").hidden = !reply;
  $("#next").textContent = v.next ? `Next: ${v.next}` : "";
  renderActions(v);
  tick();
  if (isOver(v)) finish(state);
  else if (!current.clockShown && EXERCISE.has(v.phase.phase)) clockIntoView();
}

// Once the exercise begins, the big word and the countdown are brought onto the screen when
// they are off it (a phone held sideways, a large text size), once: after that the person
// scrolls where they like.
function clockIntoView() {
  current.clockShown = true;
  const r = $("#clock").getBoundingClientRect();
  if (r.top < 0 || r.bottom > window.innerHeight) $("#clock").scrollIntoView({ block: "center" });
}

// Whether the session asks whether to stop for today (after a rating above 5): only yes or no
// answers it, so the pain scale is not offered under it. (The engine says so in its view.)
function stopAsked(v) {
  return v.asking === "stop-for-pain";
}

// The server's big word for the moment (the engine's, as in the TUI) as shown: no-break spaces
// around a side's mark, so that on a narrow screen the word wraps whole, never leaving "HOLD ·"
// alone.
function bigWord(word) {
  return word.replace(/ ([·→]) /g, "\u00a0$1\u00a0");
}

// For the console and the page's browser tests: the view shown, the state it came in, and how a
// big word is shown.
window.limberPage = { bigWord, view: () => current?.state?.view, state: () => current?.state };

// What to do right now, under the countdown: the step being read, or the warm-up's or the
// flow's latest words while that phase lasts.
function stepText(v) {
  const phase = v.phase.phase;
  // (While the cautions are read, before the first step, the caution being read.)
  if (phase === "prepare") return v.step != null && v.steps[v.step] ? v.steps[v.step] : current.lead || "";
  if (phase === "warm-up" || phase === "active") return current.lead || "";
  // In a rest between two holds: what to do meanwhile, when the stretch says (stay lying down).
  if (phase === "rest") return v["between-holds"] || "";
  return "";
}

// What a button says in this phase: at a pain rating Start leaves it unrated; at a check-in it
// carries on.
function label(kind, v) {
  const phase = v.phase.phase;
  if (kind === "start" && (phase === "pain-before" || phase === "pain-after")) return "No rating";
  if (kind === "start" && phase === "check-in") return "Carry on";
  return LABELS[kind];
}

let painOpen = false; // the 0–10 scale opened by hand during the exercise
let oneWaiting = false; // a typed 1 at a rating prompt, waiting for a 0 (10) or Enter (1)
let oneSent = null; // when a 1 was sent during the exercise: a 0 just after makes it 10

function setOneWaiting(on) {
  oneWaiting = on;
  const el = $("#typed");
  el.textContent = on ? "1 — press 0 to make it 10, or Enter to keep 1" : "";
  el.hidden = !on;
}
let quitArmed = null; // the timer while "End session" waits for a second press

function renderActions(v) {
  const box = $("#actions");
  // Rebuilt only when what it offers changes, not at every view: a button someone is on
  // (the keyboard's focus, a screen reader's place, a press under way) stays where it is.
  const offer = JSON.stringify([Boolean(current?.pending), v.allowed, v.phase.phase, Boolean(v.question),
    Boolean(quitArmed), painOpen]);
  if (box.dataset.offer === offer && box.children.length) {
    showStops(v);
    return;
  }
  box.dataset.offer = offer;
  // The button the keyboard is on gets the focus back after the rebuild (one clicked or tapped
  // has let go of it already: the space bar stays pause/resume).
  const focused = box.contains(document.activeElement) ? document.activeElement : null;
  // Pause becomes Resume (and back): the focus goes to the button that took its place.
  const twin = { pause: "resume", resume: "pause" }[focused?.dataset.intent];
  const refocus = focused && (focused.dataset.intent
    ? `[data-intent="${focused.dataset.intent}"]${twin ? `, [data-intent="${twin}"]` : ""}`
    : focused.dataset.open ? `[data-open="${focused.dataset.open}"]` : null);
  box.replaceChildren();
  if (current?.pending) {
    // Stopped here: only the two stops, pinned at the top, stay.
    $("#pain-scale").hidden = true;
    showStops(v);
    return;
  }
  const asked = Boolean(v.question) || v.phase.phase === "pain-before" || v.phase.phase === "pain-after";
  for (const kind of v.allowed) {
    // Pain has its own scale; sharp pain and chest pain their pinned buttons.
    if (!(kind in LABELS)) continue;
    if (kind === "toggle-pause") continue;
    // At a rating prompt Start already leaves it unrated ("No rating"): one button for it.
    // At a check-in too, where Skip does what Start ("Carry on") does: one button.
    if (kind === "skip" && ["pain-before", "pain-after", "check-in"].includes(v.phase.phase) && v.allowed.includes("start")) continue;
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label(kind, v);
    b.dataset.intent = kind;
    if (kind === "quit" && quitArmed) { b.textContent = "Press again to end"; b.classList.add("armed"); }
    if (kind === "quit") b.addEventListener("click", () => armQuit(b));
    else b.addEventListener("click", () => send({ intent: kind }));
    box.append(b);
  }
  // A rating at any moment of the exercise, not only when asked: the scale opens on a press.
  if (v.allowed.includes("pain") && !asked) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = painOpen ? "Hide pain scale" : "Rate pain 0\u2060–\u206010" /* never broken at the dash */;
    b.setAttribute("aria-expanded", String(painOpen));
    b.dataset.open = "pain";
    b.addEventListener("click", () => { painOpen = !painOpen; renderActions(current.state.view); });
    box.append(b);
  }
  if (refocus) box.querySelector(refocus)?.focus();
  const scale = $("#pain-scale");
  const rate = v.allowed.includes("pain") && ((asked && !stopAsked(v)) || painOpen);
  scale.hidden = !rate;
  if (rate && !scale.children.length) {
    for (let n = 0; n <= 10; n++) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = String(n);
      b.setAttribute("aria-label", `Pain ${n} of 10`);
      b.addEventListener("click", () => { painOpen = false; setOneWaiting(false); send({ intent: "pain", score: n }); });
      scale.append(b);
    }
  }
  showStops(v);
}

// A button clicked with a mouse or a finger lets go of the focus, so that space and Enter keep
// their session meaning; one pressed from the keyboard (detail 0) keeps it.
$("#actions").addEventListener("click", (e) => {
  if (e.detail > 0 && e.target.closest("button")) e.target.closest("button").blur();
});

// The pinned stops: sharp pain until the session is stopped or over; chest pain while the
// session takes it, and while a stop waits to be heard (it can take sharp pain's place).
function showStops(v) {
  const sharp = isOver(v) || Boolean(v.stopped && v.stopped.reason !== "aborted");
  const chest = !(current?.pending || v.allowed.includes("chest"));
  $("#sharp-pain").hidden = sharp;
  $("#chest-stop").hidden = chest;
  $("#stops").hidden = sharp && chest;
}
$("#chest-stop").addEventListener("click", () => pressStop({ intent: "chest" }));
// Their height, kept clear at the top of whatever is scrolled to or focused (0 while hidden).
new ResizeObserver(() => {
  document.documentElement.style.setProperty("--stops-h", `${$("#stops").getBoundingClientRect().height}px`);
}).observe($("#stops"));

// A new or ended session starts with the pain scale closed and "End session" unarmed.
function resetAsks() {
  painOpen = false;
  setOneWaiting(false);
  clearTimeout(quitArmed);
  quitArmed = null;
  clearTimeout(chestArmed);
  chestArmed = null;
  $("#announce").textContent = "";
}

// The e key asks to be pressed again within four seconds: a stray key (a bumped keyboard, a
// word heard by speech input) must not stop the session for an emergency and refuse sessions
// for a day. The button acts at once: a tap on it is meant.
let chestArmed = null;
function pressChestKey() {
  if (chestArmed) {
    clearTimeout(chestArmed);
    chestArmed = null;
    setProblem(null);
    pressStop({ intent: "chest" });
    return;
  }
  // As limber-app's keys::CHEST_ASK says it, and as long (keys::CHEST_AGAIN).
  setProblem("Chest pain, pressure or breathlessness? Press e again within 4 seconds to stop and get emergency advice.");
  // Heard too, by someone on the floor away from the screen.
  beep("alert");
  speak("Chest pain or breathlessness? Press e again.", true);
  chestArmed = setTimeout(() => {
    chestArmed = null;
    if ($("#problem").textContent.startsWith("Chest pain, pressure")) setProblem(null);
  }, 4000);
}

// "End session" asks to be pressed again within four seconds, so a stray tap ends nothing.
function armQuit(button) {
  if (quitArmed) {
    clearTimeout(quitArmed);
    quitArmed = null;
    $("#announce").textContent = "";
    send({ intent: "quit" });
    return;
  }
  button.textContent = "Press again to end";
  button.classList.add("armed");
  // Said to a screen reader too: the button's new words alone are not announced.
  $("#announce").textContent = "Press End session again within 4 seconds to end the session.";
  quitArmed = setTimeout(() => {
    quitArmed = null;
    $("#announce").textContent = "";
    if (current?.state) renderActions(current.state.view);
  }, 4000);
}

async function send(intent) {
  if (!current) return;
  // While a stop waits to be heard nothing else is sent: it could arrive before the stop.
  if (current.pending) return;
  const c = current;
  const stop = STOP_INTENTS.has(intent.intent);
  if (stop) c.sendingStop = intent.intent;
  try {
    const state = await api("POST", `/sessions/${c.id}/intents`, intent);
    if (current !== c || c.pending) return; // a stop pressed meanwhile: its warning stays
    render(state);
    setProblem(null);
  } catch (e) {
    if (current !== c || c.pending) return;
    // Not heard (no connection, the server failing or timing out, or signed out): stop here at
    // once and say it again as soon as the server answers.
    if (STOP_INTENTS.has(intent.intent) && e.status !== 409) {
      holdStop(intent);
      return;
    }
    if (e.status === 409) {
      // Not now (the session moved on): show where it is.
      await api("GET", `/sessions/${c.id}`).then(render, (e) => recorded(c, e));
      return;
    }
    if (e.message !== "unauthorized") {
      setProblem(`That did not reach limber (${e.message}). Check the connection and try again.`);
    }
  } finally {
    if (stop && c.sendingStop === intent.intent) c.sendingStop = null;
  }
}

// A sharp-pain or chest press: sent at once, or, while a stop waits to be heard, through the
// one resend (chest pain taking the place of sharp pain), so only one request is in flight.
function pressStop(intent) {
  if (!current) return;
  // Sharp pain names the stretch on screen: if this press reaches the server late (the
  // connection dropped), that stretch is set aside, not the one the session moved on to.
  const shown = current.state?.view.number;
  if (intent.intent === "sharp-pain" && shown) intent = { ...intent, during: shown };
  if (!current.pending) {
    if (current.sendingStop !== intent.intent) send(intent); // pressed again: already on its way
    return;
  }
  if (intent.intent === "chest" && current.pending.intent !== "chest") holdStop(intent);
  else resend();
}

// The content's safety advice (from /source, read once the page starts): what the page says
// while an emergency report has not been heard is the advice every front end gives.
let advice = null;

// What the page says while a stop has not been heard.
function notHeard(intent) {
  const told = "limber did not hear that yet; it will be told as soon as the connection is back.";
  return intent.intent === "chest"
    ? `${told} ${advice?.emergency || "Call your local emergency number now, or ask someone to call for you, and stop stretching."}`
    : `${told} Stop the stretch now anyway and rest; if the pain does not settle, see a doctor or physiotherapist.`;
}

const stopKey = (id) => `limber.pending-stop.${id}`;

function savedStop(id) {
  try {
    const intent = JSON.parse(localStorage.getItem(stopKey(id)) || "null");
    return intent && STOP_INTENTS.has(intent.intent) ? intent : null;
  } catch {
    return null;
  }
}

// A stop the server has not heard yet: the countdown and the figure stand still, cues are
// silent, and the intent is sent again until the server answers; it is kept for this session
// across a reload or a sign-in.
function holdStop(intent) {
  if (!current) return;
  // Chest pain, once pressed, is what is sent: a sharp-pain press does not take its place.
  if (current.pending?.intent === "chest") intent = current.pending;
  current.pending = intent;
  localStorage.setItem(stopKey(current.id), JSON.stringify(intent));
  hush(true);
  document.body.dataset.pendingStop = intent.intent;
  setProblem(notHeard(intent));
  if (current.state) render(current.state);
  resend();
}

// The server has the stop (or the session is over): back to showing what it says.
function stopHeard(c) {
  clearTimeout(c.resendTimer);
  c.pending = null;
  localStorage.removeItem(stopKey(c.id));
  if (current === c) delete document.body.dataset.pendingStop;
}

// Whether the server already has this stop: a stop of the same kind (a sharp-pain press
// after any stop asks nothing new), or the session is over.
function alreadyStopped(view, intent) {
  // A sharp-pain press naming its stretch still counts after the end: the server sets that
  // stretch aside (a session stopped for it already has).
  if (isOver(view)) {
    return !(intent.intent === "sharp-pain" && intent.during && view.stopped?.reason !== "sharp-pain");
  }
  if (!view.stopped) return false;
  return intent.intent !== "chest" || view.stopped.reason === "emergency";
}

// Sends the pending stop, one request at a time; first asks the server where the session is,
// since a press stored whose answer was lost must not be sent twice.
async function resend() {
  const c = current;
  if (!c?.pending || c.resending) return;
  c.resending = true;
  clearTimeout(c.resendTimer);
  const sent = c.pending;
  try {
    let state = await api("GET", `/sessions/${c.id}`);
    if (current !== c || c.pending !== sent) return;
    if (!alreadyStopped(state.view, sent)) state = await api("POST", `/sessions/${c.id}/intents`, sent);
    if (current !== c || c.pending !== sent) return;
    stopHeard(c);
    setProblem(null);
    render(state);
  } catch (e) {
    if (current !== c || c.pending !== sent) return;
    if (e.message === "unauthorized") {
      // Signed out: the sign-in is shown; once signed in, the page follows the session again
      // and the stop (kept) is sent from there.
      return;
    }
    if (!e.status || e.status >= 500 || [408, 414, 429, 431].includes(e.status)) {
      c.resendTimer = setTimeout(resend, 2000);
    } else {
      // Refused (e.g. the session is already over): show where the server is.
      stopHeard(c);
      setProblem(`limber could not take that (${e.message}). Stop the stretch now anyway and rest.`);
      await api("GET", `/sessions/${c.id}`).then(render, () => {});
      if (current === c && c.state) render(c.state);
    }
  } finally {
    c.resending = false;
    // Chest pain pressed while sharp pain was on its way: it goes next.
    if (current === c && c.pending && c.pending !== sent) resend();
  }
}

$("#sharp-pain").addEventListener("click", () => pressStop({ intent: "sharp-pain" }));

// The CLI's keys, during a session: space pause/resume, Enter start, s skip, a swap,
// d discomfort, c comfortable, 0–9 pain, x sharp pain, e chest, q quit, y/n answers.
// As there, a letter in capitals (Caps Lock, Shift) is the same key, ! is sharp pain too (Shift
// held on the 1 key) and p pauses.
const KEYS = { " ": "toggle-pause", Enter: "start", s: "skip", a: "swap", d: "discomfort", c: "comfortable",
  x: "sharp-pain", "!": "sharp-pain", e: "chest", q: "quit", y: "yes", n: "no", p: "toggle-pause" };
document.addEventListener("keydown", (e) => {
  // The key as the table names it: a letter in either case.
  const key = /^[A-Za-z]$/.test(e.key) ? e.key.toLowerCase() : e.key;
  if (!current?.state || e.ctrlKey || e.metaKey || e.altKey) return;
  // A key held down repeats: one press is one intent (and quit still takes a second press).
  if (e.repeat) return;
  if (e.target.closest("input:not([type=checkbox]), select, textarea")) return; // typing
  // Pressing a focused control (a button, a link, a summary that opens its details).
  if (e.target.closest("button, input[type=checkbox], a[href], summary") && (e.key === " " || e.key === "Enter")) return;
  const allowed = current.state.view.allowed;
  if (current.pending) {
    // A stop not yet heard: only sharp pain and chest pain, nothing that could arrive first.
    if (STOP_INTENTS.has(KEYS[key])) {
      e.preventDefault();
      pressStop({ intent: KEYS[key] });
    }
    return;
  }
  // On another tab the session is out of sight: only a stop acts there, and brings it back.
  if ($("#session").hidden) {
    if (STOP_INTENTS.has(KEYS[key]) && allowed.includes(KEYS[key])) {
      e.preventDefault();
      showTab("start");
      if (KEYS[key] === "chest") pressChestKey();
      else pressStop({ intent: KEYS[key] });
    }
    return;
  }
  const lastOne = oneSent;
  oneSent = null;
  // At a rating prompt 10 takes two keys: 1 waits for the next (0 makes 10, Enter keeps 1).
  const prompt = ["pain-before", "pain-after"].includes(current.state.view.phase.phase) && allowed.includes("pain");
  const waiting = oneWaiting;
  setOneWaiting(false);
  if (prompt && e.key === "1") {
    e.preventDefault();
    setOneWaiting(true);
  } else if (prompt && waiting && (e.key === "0" || e.key === "Enter")) {
    e.preventDefault();
    send({ intent: "pain", score: e.key === "0" ? 10 : 1 });
  } else if (/^[0-9]$/.test(e.key) && allowed.includes("pain")) {
    e.preventDefault();
    // During the exercise a rating goes at once; a 0 within two seconds of a 1 makes it 10,
    // so someone in severe pain who types 10 is heard as 10, not as 1 and then 0.
    const ten = e.key === "0" && lastOne !== null && performance.now() - lastOne <= 2000;
    if (e.key === "1") oneSent = performance.now();
    send({ intent: "pain", score: ten ? 10 : Number(e.key) });
  } else if (KEYS[key] === "quit" && allowed.includes("quit")) {
    // As the button: a second press ends it.
    e.preventDefault();
    const button = $("#actions [data-intent=quit]");
    if (button) armQuit(button);
  } else if (KEYS[key] === "chest" && allowed.includes("chest")) {
    e.preventDefault();
    pressChestKey();
  } else if (KEYS[key] && allowed.includes(KEYS[key])) {
    e.preventDefault();
    if (STOP_INTENTS.has(KEYS[key])) pressStop({ intent: KEYS[key] });
    else send({ intent: KEYS[key] });
  }
});

function tick() {
  if (!current?.state || current.pending) return; // a stop not yet heard: the countdown stands still
  const v = current.state.view;
  let text = "";
  if (v["remaining-ms"] != null) {
    const gone = v.paused || isOver(v) ? 0 : (performance.now() - current.receivedAt) * current.speed;
    const secs = Math.max(0, Math.ceil((v["remaining-ms"] - gone) / 1000));
    // As the TUI: seconds, or minutes and seconds from a minute up.
    text = secs >= 60 ? `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, "0")}` : String(secs);
  }
  const el = $("#countdown");
  if (el.textContent !== text) el.textContent = text;
}
setInterval(tick, 100);

function finish(state) {
  // The stream closes itself with its last view, after the session's last cues; should that
  // view not come (an answer to a request brought the end first), it closes a little later.
  const c = current;
  if (c.stream && !c.closing) c.closing = setTimeout(() => c.stream?.close(), 5000);
  clearTimeout(c.reopenTimer);
  resetAsks();
  localStorage.removeItem("limber.session");
  keepAwake(false);
  const out = $("#outcome");
  // A stop's advice stays on screen (above, in #stopped); otherwise the last few words.
  const stop = state.view.stopped || (c.late ? { reason: "sharp-pain" } : null);
  // (Not a question: the ones asked are answered by now.)
  const asked = new Set(["question", "ask-pain", "ask-assessed", "ask-stop", "check-in", "countdown"]);
  // Nor what the reply above it already shows ("Noted: 2 out of 10.").
  const shown = $("#reply").hidden ? "" : $("#reply").textContent;
  const said = [...$("#cues").children].filter((li) => !asked.has(li.dataset.kind) && li.textContent !== shown);
  const outcome = state.outcome;
  // With the server's summary (a routine's), that; else the last few words said.
  const last = stop || outcome?.stretches ? [] : said.slice(0, 3).map((li) => li.textContent).reverse();
  out.replaceChildren();
  const h = document.createElement("h3");
  // The server's words, as the terminal front ends end: rest rather than praise after pain
  // above 5, and what the history keeps (a preview, nothing when no exercise began).
  // (A sharp-pain press the server heard only after the end stopped it here all the same.)
  h.textContent = (c.late ? null : outcome?.headline)
    ?? (stop ? (stop.reason === "aborted" ? "Session ended" : "Session stopped") : "Well done");
  out.append(h);
  for (const t of last) { const p = document.createElement("p"); p.textContent = t; out.append(p); }
  // What became of each stretch and the pain before and after, as limber and limber-tui end.
  if (outcome?.stretches?.length) {
    const ul = document.createElement("ul");
    ul.className = "stretches";
    for (const line of outcome.stretches) {
      const li = document.createElement("li");
      li.textContent = line;
      ul.append(li);
    }
    out.append(ul);
  }
  if (outcome?.["time-and-pain"]) {
    const p = document.createElement("p");
    p.textContent = outcome["time-and-pain"];
    out.append(p);
  }
  // (Once: not when the reply above says it already. No alert role either: the outcome is
  // rebuilt at each view that comes once the session is over, and the advice was spoken.)
  const afterAdvice = outcome?.["pain-after-advice"];
  if (afterAdvice && !shown.includes(afterAdvice)) {
    const p = document.createElement("p");
    p.className = "warning";
    p.textContent = afterAdvice;
    out.append(p);
  }
  if (outcome?.kept) {
    const p = document.createElement("p");
    p.textContent = outcome.kept;
    out.append(p);
  }
  const again = document.createElement("button");
  again.type = "button";
  again.className = "primary";
  again.textContent = "Back to routines";
  again.addEventListener("click", () => {
    // A stop still being sent when the end came: the end's view says the server has it.
    if (c.pending) stopHeard(c);
    current = null;
    document.title = TITLE;
    setConnection(null);
    setProblem(null);
    $("#stops").hidden = true;
    $("#session").hidden = true;
    $("#start").hidden = false;
    checkSafetyStop();
  });
  out.append(again);
  out.hidden = false;
  if (c.advice) showAdvice(out, c.advice);
  if (!c.trendAsked) {
    c.trendAsked = true;
    trendAdvice(c);
  }
  $("#actions").replaceChildren();
  $("#pain-scale").hidden = true;
}

// After a session: the pain trend's advice to see a clinician, when the ratings call for it,
// once the session is in history (it is recorded a moment after it ends).
async function trendAdvice(c, tries = 10) {
  try {
    const page = await api("GET", "/history?limit=1");
    if (page.sessions[0]?.id !== c.id) {
      if (tries > 0 && current === c) setTimeout(() => trendAdvice(c, tries - 1), 500);
      return;
    }
    c.advice = (await api("GET", "/stats")).pain_trend?.advice || null;
    if (c.advice && current === c) showAdvice($("#outcome"), c.advice);
  } catch { /* History shows it too */ }
}

function showAdvice(out, advice) {
  if (out.querySelector(".trend-advice")) return;
  const p = document.createElement("p");
  p.className = "warning trend-advice";
  p.setAttribute("role", "alert");
  p.textContent = advice;
  out.insertBefore(p, out.querySelector("button"));
}

// ------------------------------------------------------------------ history, library, profile

let nextCursor = null;
async function loadHistory(more = false) {
  const q = more && nextCursor ? `?limit=20&before=${encodeURIComponent(nextCursor)}` : "?limit=20";
  const [page, stats] = await Promise.all([api("GET", `/history${q}`), more ? null : api("GET", "/stats")]);
  if (stats) {
    const a = stats.adherence;
    $("#stats").textContent = `${stats.sessions} session${stats.sessions === 1 ? "" : "s"} · this week ${a["this-week"] ?? a.this_week ?? 0} of ${a.goal} · streak ${weeks(a["streak-weeks"] ?? a.streak_weeks ?? 0)}`;
    // The pain trend's advice to see a clinician, in the server's words.
    const advice = stats.pain_trend?.advice;
    $("#trend-advice").textContent = advice || "";
    $("#trend-advice").hidden = !advice;
  }
  const list = $("#history-list");
  if (!more) list.replaceChildren();
  for (const s of page.sessions) {
    const li = document.createElement("li");
    li.textContent = sessionLine(s);
    list.append(li);
  }
  nextCursor = page.next;
  $("#more").hidden = !page.next;
  // The latest rated sessions, oldest first, from the statistics (as the TUI charts them).
  if (stats) chart(stats.pain_ratings || []);
}
// One page at a time: a second click while one is on its way would add that page twice.
$("#more").addEventListener("click", async (e) => {
  const button = e.currentTarget;
  if (button.disabled) return;
  button.disabled = true;
  try {
    await loadHistory(true);
    loadProblem(null);
  } catch (err) {
    loadProblem(err);
  } finally {
    button.disabled = false;
  }
});

// Pain before each of the latest rated sessions, oldest first: a line, and a dot for each (so
// one session shows too).
function chart(ratings) {
  const svg = $("#chart");
  const ns = "http://www.w3.org/2000/svg";
  svg.replaceChildren();
  const el = (name, attrs, text) => {
    const e = document.createElementNS(ns, name);
    Object.entries(attrs).forEach(([k, v]) => e.setAttribute(k, v));
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
  const y = (p) => 110 - p * 10;
  // The scale: 0 on the axis, 5 and 10 on faint lines, each labelled at the left.
  for (const p of [0, 5, 10]) {
    el("line", { x1: 22, y1: y(p), x2: 312, y2: y(p), class: p === 0 ? "axis" : "grid" });
    el("text", { x: 18, y: y(p) + 3, "text-anchor": "end", class: "scale" }, String(p));
  }
  // Read as one image (its role): its name carries the values a screen reader cannot reach
  // in the points.
  const values = ratings.map((r) => r.pain_before).join(", ");
  svg.setAttribute("aria-label", ratings.length
    ? `Pain before each session, 0 to 10, oldest to newest: ${values}.` : "No pain ratings yet.");
  svg.removeAttribute("aria-labelledby");
  if (!ratings.length) return;
  const x = (i) => 27 + (ratings.length === 1 ? 140 : (280 * i) / (ratings.length - 1));
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", ratings.map((r, i) => `${x(i)},${y(r.pain_before)}`).join(" "));
  line.setAttribute("class", "trend");
  svg.append(line);
  ratings.forEach((r, i) => {
    const dot = el("circle", { cx: x(i), cy: y(r.pain_before), r: 3, class: "point" });
    // Its value on hover (the chart's name gives them all to a screen reader).
    const title = document.createElementNS(ns, "title");
    title.textContent = `${r.pain_before} out of 10`;
    dot.append(title);
  });
}

// Loaded once, however often the tab is opened, even while a first load is still on its way;
// a load that failed is tried again next time.
let libraryLoading = null;
function loadLibrary() {
  libraryLoading ||= buildLibrary().catch((e) => { libraryLoading = null; throw e; });
  return libraryLoading;
}

async function buildLibrary() {
  const [list, precautions, tips, faq, source] = await Promise.all(
    ["/stretches", "/precautions", "/tips", "/faq", "/source"].map((path) => api("GET", path)));
  const box = $("#stretches");
  const para = (text, className) => Object.assign(document.createElement("p"), { textContent: text, className: className || "" });
  for (const s of list) {
    const d = document.createElement("details");
    const sum = document.createElement("summary");
    // An addition says so where it is listed, not only inside.
    sum.textContent = `${s.name} — ${s.summary}${s.origin === "Article" ? "" : " (not from the article)"}`;
    const ol = document.createElement("ol");
    for (const step of s.steps) { const li = document.createElement("li"); li.textContent = step; ol.append(li); }
    d.append(sum);
    // What to know before moving: how much, the cautions, how to breathe.
    d.append(para(`Dose: ${s.dose_text}.`));
    for (const c of s.cautions) d.append(para(`Caution: ${c}`, "caution"));
    const other = s.other_side ? Object.assign(document.createElement("p"), { textContent: `Left side: ${s.other_side}` }) : null;
    if (s.figure) {
      stretches.set(s.id, Promise.resolve(s));
      const row = document.createElement("div");
      row.className = "poses";
      s.figure.poses.forEach((p) => {
        const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
        svg.classList.add("figure");
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", `${s.name}: ${p.name}`);
        drawFigure(svg, s, { joints: JOINTS.map((j) => p[j]), mirrored: false, box: bounds(s.figure) });
        row.append(svg);
      });
      d.append(row);
    }
    d.append(ol);
    if (other) d.append(other);
    if (s.between_holds) d.append(para(`Between holds: ${s.between_holds}`));
    if (s.coming_out) d.append(para(`Coming out: ${s.coming_out}`));
    if (s.breathing) d.append(para(`Breathing: ${s.breathing}`));
    for (const m of s.modifications) d.append(para(`Easier: ${m}`));
    d.append(para(s.credit, "muted"));
    box.append(d);
  }
  const item = (text) => Object.assign(document.createElement("li"), { textContent: text });
  $("#precautions").append(...precautions.map((p) => item(`${p.title}: ${p.text}`)));
  $("#tips").append(...tips.map((t) => item(`${t.title}: ${t.text}`)));
  for (const q of faq) {
    $("#faq").append(Object.assign(document.createElement("dt"), { textContent: q.question }),
      Object.assign(document.createElement("dd"), { textContent: q.answer }));
  }
  $("#background").append(...source.background.map((b) => para(b)));
  const credit = source.source;
  const title = credit.subtitle ? `${credit.title}: ${credit.subtitle}` : credit.title;
  $("#source").textContent = `Source: "${title}" by ${credit.author}. ${credit.note}`;
  $("#also").append(...credit.also.map(item));
}

// The profile as the form last showed it (loaded or saved): a save sends only what was changed
// here, so a list another device changed meanwhile is not written over.
let profileShown = null;

async function loadProfile() {
  await showProfile(await api("GET", "/profile"));
}

async function showProfile({ profile, flagged, choices }) {
  const form = $("#profile-form");
  // The checkboxes of each list, from the choices the server sends: what it knows, in its words.
  for (const name of ["equipment", "avoid"]) {
    const boxes = choices[name].map(({ id, label }) => {
      const box = Object.assign(document.createElement("input"), { type: "checkbox", name, value: id });
      box.checked = profile[name].includes(id);
      const line = document.createElement("label");
      line.append(box, ` ${label[0].toUpperCase()}${label.slice(1)}`);
      return line;
    });
    const set = $(`#${name}-choices`);
    set.replaceChildren(set.querySelector("legend"), ...boxes);
  }
  const goal = form.elements["weekly-goal"];
  Object.assign(goal, { min: choices["weekly-goal"].min, max: choices["weekly-goal"].max });
  goal.value = profile["weekly-goal"];
  profileShown = profile;
  // Stretches set aside after sharp pain: each can be cleared once it is fine again.
  const names = await Promise.all(flagged.map(async (id) => (await stretchFor(id))?.name || id));
  const items = flagged.map((id, i) => {
    const li = document.createElement("li");
    const name = names[i];
    const clear = document.createElement("button");
    clear.type = "button";
    clear.textContent = "Clear";
    clear.setAttribute("aria-label", `Clear ${name}`);
    clear.addEventListener("click", async () => {
      try {
        await api("DELETE", `/profile/flags/${encodeURIComponent(id)}`);
        loadProfile();
      } catch (err) {
        $("#profile-status").textContent = `Not cleared: ${err.message}`;
      }
    });
    li.append(`${name} `, clear);
    return li;
  });
  $("#flagged").replaceChildren(...items);
  $("#flags").hidden = !flagged.length;
}

$("#profile-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  const pick = (name) => [...form.querySelectorAll(`input[name=${name}]:checked`)].map((b) => b.value);
  const status = $("#profile-status");
  // Until the profile is shown, the form holds no choices: saving it would empty both lists.
  if (!profileShown) {
    status.textContent = "Not saved: the profile has not loaded yet. Try again in a moment.";
    return;
  }
  const now = { equipment: pick("equipment"), avoid: pick("avoid"), "weekly-goal": Number(form.elements["weekly-goal"].value) };
  const same = (a, b) => JSON.stringify(a instanceof Array ? [...a].sort() : a) === JSON.stringify(b instanceof Array ? [...b].sort() : b);
  const changes = Object.fromEntries(Object.entries(now).filter(([key, value]) => !same(value, profileShown[key])));
  if (!Object.keys(changes).length) {
    status.textContent = "Nothing to save: nothing was changed.";
    return;
  }
  try {
    await showProfile(await api("PATCH", "/profile", changes));
    status.textContent = "Saved.";
  } catch (err) {
    status.textContent = `Not saved: ${err.message}`;
  }
});

// ------------------------------------------------------------------ start

// Why a session could not start, under the Start button (not in a pop-up someone on the floor
// has to get up to close), in the page's words where the server's are an API's.
$("#start-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const problem = $("#start-problem");
  problem.hidden = true;
  startSession(e.target).catch((err) => {
    if (err.message === "unauthorized") return; // the sign-in is shown instead
    const code = err.data?.error?.code;
    // A day after an emergency sign: said in this device's time, advice included.
    const sentence = (text) => `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
    const stop = err.data?.error?.detail;
    problem.textContent = code === "too-many-sessions"
      ? "You have as many sessions under way as this server allows: end one (End session) before starting another."
      : code === "emergency-today"
        ? (stop ? safetyStopWords(stop) : sentence(err.message))
        : `Could not start: ${err.message}`;
    problem.hidden = false;
    problem.scrollIntoView({ block: "nearest" });
  });
});

// Speech and beeps as the person last left them on this device (a screen reader's user turns
// the page's speech off once, and hears the cues in their own reader's voice from then on).
for (const id of ["speak", "beep"]) {
  const box = $(`#${id}`);
  const saved = localStorage.getItem(`limber.${id}`);
  if (saved !== null) box.checked = saved === "on";
  box.addEventListener("change", () => {
    localStorage.setItem(`limber.${id}`, box.checked ? "on" : "off");
    // Turned off: quiet at once, not after what was waiting.
    if (id === "speak" && !box.checked) hush(true);
  });
}

// A day after an emergency sign, in this device's time: when it was reported and when a session
// may start again, with the advice, as the server says it in its own zone.
function safetyStopWords(stop) {
  const time = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const until = new Date(stop["until-ms"]);
  const day = until.toDateString() === new Date().toDateString() ? "today" : "tomorrow";
  return `An emergency sign was reported at ${time(stop["reported-at-ms"])}: no session starts until ` +
    `${time(stop["until-ms"])} ${day}. If you have not yet, call your local emergency number or see a doctor now.`;
}

// Said under Start before it is pressed, on a day no session starts (after an emergency sign).
async function checkSafetyStop() {
  const problem = $("#start-problem");
  try {
    const stop = (await api("GET", "/profile"))["safety-stop"];
    if (stop) {
      problem.textContent = safetyStopWords(stop);
      problem.hidden = false;
    } else if (problem.dataset.safety === "true") {
      problem.hidden = true;
    }
    problem.dataset.safety = String(Boolean(stop));
  } catch { /* said when Start is pressed */ }
}

async function init() {
  // Without its routines the page cannot start anything: tried again until they come.
  let routines;
  for (;;) {
    try {
      routines = await api("GET", "/routines");
      loadProblem(null);
      break;
    } catch (e) {
      if (e.message === "unauthorized") throw e;
      loadProblem(e);
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
  // Kept for a stop the connection loses; without it, the page's own words stand in.
  api("GET", "/source").then((source) => { advice = source.advice; }).catch(() => {});
  const select = $("#routine");
  select.replaceChildren();
  for (const r of routines) {
    const o = document.createElement("option");
    o.value = r.id;
    o.textContent = r.name;
    o.dataset.summary = r.summary;
    select.append(o);
    routineNames.set(r.id, r.name);
  }
  const wanted = params.get("routine");
  if (wanted) select.value = wanted;
  // A speed in the address (`?speed=50`, for a demonstration) is shown in the form, so the
  // person sees a preview is chosen, and can choose real time instead.
  const speed = Number(params.get("speed"));
  if (speed > 0 && speed !== 1) {
    const box = $("#speed");
    if (![...box.options].some((o) => Number(o.value) === speed)) {
      const o = document.createElement("option");
      o.value = String(speed);
      o.textContent = speed > 1 ? `Preview ${speed}×` : `${speed}× (slower)`;
      box.append(o);
    }
    box.value = [...box.options].find((o) => Number(o.value) === speed).value;
  }
  const describe = () => { $("#routine-summary").textContent = select.selectedOptions[0]?.dataset.summary || ""; };
  select.addEventListener("change", describe);
  describe();
  await checkSafetyStop();
  // A reload mid-session picks the session up where it is.
  try {
    const live = await api("GET", "/sessions");
    const open = live.filter((s) => !isOver(s.view));
    const saved = localStorage.getItem("limber.session");
    // A session with a stop not yet heard comes first: the stop is sent from there.
    const pick = open.find((s) => savedStop(s.id)) || open.find((s) => s.id === saved) || open[open.length - 1];
    if (pick) follow(pick);
  } catch { /* signed out */ }
  document.body.dataset.ready = "true";
}

init().catch(() => {});

// ------------------------------------------------------------------ figure
// The stretch drawn as a moving stick figure. This mirrors limber-core's `pose.rs` (which pose
// when, eased with smoothstep) and `drawing.rs` (the same lines and circles); the poses are the
// content's own, from `/stretches`. `prefers-reduced-motion` shows each pose with no glide.

const JOINTS = ["head", "neck", "right_shoulder", "left_shoulder", "back", "hips", "right_elbow", "right_hand",
  "left_elbow", "left_hand", "right_knee", "right_foot", "left_knee", "left_foot"];
const J = Object.fromEntries(JOINTS.map((name, i) => [name, i]));
const LIMBS = [["right_shoulder", "right_elbow"], ["right_elbow", "right_hand"], ["left_shoulder", "left_elbow"],
  ["left_elbow", "left_hand"], ["hips", "right_knee"], ["right_knee", "right_foot"], ["hips", "left_knee"], ["left_knee", "left_foot"]];
const HEAD = 9, ROLLER = 8, TOWEL = 5, CHAIR = 20, WALL = 180, MARGIN = 6;
const HOLD_EASE = 3000, REST_EASE = 2000, SWING = 4000, FLOW_MOVE = 3 / 5;
const reducedMotion = matchMedia("(prefers-reduced-motion: reduce)");
const stretches = new Map();

async function stretchFor(id) {
  if (!stretches.has(id)) stretches.set(id, api("GET", `/stretches/${encodeURIComponent(id)}`).catch(() => null));
  return stretches.get(id);
}

const propOf = (p) => (typeof p === "string" ? [p, {}] : Object.entries(p)[0]);

function bounds(f) {
  const b = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  const add = (x, y, r = 0) => { b.x0 = Math.min(b.x0, x - r); b.x1 = Math.max(b.x1, x + r); b.y0 = Math.min(b.y0, y - r); b.y1 = Math.max(b.y1, y + r); };
  for (const pose of f.poses) JOINTS.forEach((j, i) => add(pose[j][0], pose[j][1], i === 0 ? HEAD : 0));
  for (const p of f.props) {
    const [kind, v] = propOf(p);
    if (kind === "floor") add(0, 0);
    if (kind === "chair") { add(v.seat[0] - CHAIR, 0); add(v.seat[0] + CHAIR, v.seat[1] + Math.max(0, v.back)); }
    if (kind === "wall") { add(v.x, 0); b.y1 = Math.max(b.y1, WALL); }
    if (kind === "foam-roller") add(v.at[0], v.at[1], ROLLER);
    if (kind === "towel") add(v.at[0], v.at[1], TOWEL);
  }
  if (f.view !== "above" && f.props.includes("floor")) b.y0 = Math.min(b.y0, 0);
  return { x0: b.x0 - MARGIN, y0: b.y0 - MARGIN, x1: b.x1 + MARGIN, y1: b.y1 + MARGIN };
}

const smooth = (t) => { t = Math.min(1, Math.max(0, t)); return t * t * (3 - 2 * t); };

// Which two key poses, how far between them, on which side: as `Figure::at` in limber-core.
function poseAt(s, v, still) {
  const f = s.figure, last = f.poses.length - 1, dose = s.dose;
  const len = v["phase-ms"] || 0, elapsed = Math.max(0, len - (v["remaining-ms"] ?? len));
  const ease = (done, over) => (still || done >= over ? 1 : smooth(done / over));
  const named = (name) => f.poses.findIndex((p) => p.name.toLowerCase() === name.toLowerCase());
  let from = 0, to = 0, t = 1, side = v.side, always = false;
  const phase = v.phase.phase;
  if (phase === "active" && dose.flow && dose.flow.positions.length) {
    const n = dose.flow.positions.length, count = n * dose.flow.cycles, each = Math.max(1, Math.floor(len / count));
    const k = Math.min(Math.floor(elapsed / each), count - 1);
    const pose = (k) => { const i = named(dose.flow.positions[k % n].name); return i >= 0 ? i : Math.min(last, 1 + (k % n)); };
    from = k === 0 ? 0 : pose(k - 1); to = pose(k); t = ease(elapsed - k * each, Math.floor(each * FLOW_MOVE));
  } else if (phase === "active" && dose.timed) {
    const swing = last === 0 ? [0] : Array.from({ length: last }, (_, i) => i + 1);
    const k = Math.floor(elapsed / SWING);
    from = k === 0 ? 0 : swing[(k - 1) % swing.length]; to = swing[k % swing.length];
    t = ease(elapsed % SWING, SWING); always = swing.length > 1;
  } else if (phase === "active") {
    to = last; t = ease(elapsed, Math.min(HOLD_EASE, Math.floor(len / 3)));
  } else if (phase === "rest") {
    // A pose named "Between", when the stretch says what to do between holds; else the start.
    const between = v["between-holds"] ? named("between") : -1;
    from = last; to = between >= 0 ? between : 0; t = ease(elapsed, REST_EASE);
    const reps = dose.hold ? dose.hold.repetitions : 1, prev = v.phase["next-hold"] - 1;
    side = dose.hold?.per_side ? (Math.floor(prev / reps) === 0 ? "right" : "left") : null;
  }
  const a = f.poses[from], b = f.poses[to], box = bounds(f), mirrored = side === "left";
  const joints = JOINTS.map((j) => {
    const x = a[j][0] + (b[j][0] - a[j][0]) * t, y = a[j][1] + (b[j][1] - a[j][1]) * t;
    return [mirrored ? box.x0 + box.x1 - x : x, y];
  });
  return { joints, mirrored, box, moving: !still && !v.paused && (t < 1 || always) };
}

// The shapes of `drawing::shapes`, as SVG markup in the figure's box (y down).
function figureSvg(s, pose) {
  const f = s.figure, box = pose.box, out = [];
  const X = (x) => (x - box.x0).toFixed(1), Y = (y) => (box.y1 - y).toFixed(1);
  const flip = (x) => (pose.mirrored ? box.x0 + box.x1 - x : x);
  const line = (a, b, cls) => out.push(`<line class="${cls}" x1="${X(a[0])}" y1="${Y(a[1])}" x2="${X(b[0])}" y2="${Y(b[1])}"/>`);
  const circle = (c, r, cls) => out.push(`<circle class="${cls}" cx="${X(c[0])}" cy="${Y(c[1])}" r="${r}"/>`);
  const prop = (a, b) => line([flip(a[0]), a[1]], [flip(b[0]), b[1]], "prop");
  for (const p of f.props) {
    const [kind, v] = propOf(p);
    if (kind === "floor" && f.view !== "above") prop([box.x0, 0], [box.x1, 0]);
    if (kind === "chair") {
      const [x, y] = v.seat, h = CHAIR, back = Math.max(0, v.back);
      prop([x - h, y], [x + h, y]); prop([x - h + 2, y], [x - h + 2, 0]); prop([x + h - 2, y], [x + h - 2, 0]);
      if (back > 0 && f.view === "front") { prop([x - h + 4, y], [x - h + 4, y + back]); prop([x + h - 4, y], [x + h - 4, y + back]); prop([x - h + 4, y + back], [x + h - 4, y + back]); }
      else if (back > 0) prop([x - h, y], [x - h - 2, y + back]);
    }
    if (kind === "wall") prop([v.x, 0], [v.x, WALL]);
    if (kind === "foam-roller") circle([flip(v.at[0]), v.at[1]], ROLLER, "prop");
    if (kind === "towel") circle([flip(v.at[0]), v.at[1]], TOWEL, "prop");
  }
  const j = (name) => pose.joints[J[name]];
  const far = (name) => f.view === "side" && (name.startsWith("left") !== pose.mirrored);
  for (const [a, b] of LIMBS) if (far(b)) line(j(a), j(b), "far");
  for (const [a, b] of [["hips", "back"], ["back", "neck"], ["neck", "right_shoulder"], ["neck", "left_shoulder"]]) line(j(a), j(b), "near");
  for (const [a, b] of LIMBS) if (!far(b)) line(j(a), j(b), "near");
  const [nx, ny] = j("neck"), [hx, hy] = j("head"), d = Math.hypot(hx - nx, hy - ny);
  if (d > HEAD) { const k = (d - HEAD) / d; line([nx, ny], [nx + (hx - nx) * k, ny + (hy - ny) * k], "near"); }
  circle([hx, hy], HEAD, "near head");
  return out.join("");
}

function drawFigure(svg, s, pose) {
  const box = pose.box, markup = figureSvg(s, pose);
  svg.setAttribute("viewBox", `0 0 ${(box.x1 - box.x0).toFixed(0)} ${(box.y1 - box.y0).toFixed(0)}`);
  if (svg.dataset.drawn !== markup) { svg.innerHTML = markup; svg.dataset.drawn = markup; }
}

// Each animation frame: the view as of now (the countdown's own arithmetic), then its pose.
let figureStretch = null;
async function animateFigure() {
  const svg = $("#figure");
  const v = current?.state?.view;
  if (!v || !v.stretch || isOver(v)) { svg.toggleAttribute("hidden", true); requestAnimationFrame(animateFigure); return; }
  if (figureStretch?.id !== v.stretch) figureStretch = await stretchFor(v.stretch);
  const s = figureStretch;
  if (!s?.figure) { svg.toggleAttribute("hidden", true); requestAnimationFrame(animateFigure); return; }
  if (current.pending) { requestAnimationFrame(animateFigure); return; } // stands still
  const gone = v.paused ? 0 : (performance.now() - current.receivedAt) * current.speed;
  const now = { ...v, "remaining-ms": v["remaining-ms"] == null ? null : Math.max(0, v["remaining-ms"] - gone) };
  const pose = poseAt(s, now, reducedMotion.matches);
  svg.toggleAttribute("hidden", false);
  svg.setAttribute("aria-label", `${s.name}: figure`);
  drawFigure(svg, s, pose);
  requestAnimationFrame(animateFigure);
}
requestAnimationFrame(animateFigure);
