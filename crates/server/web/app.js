// limber's web page: follows a live session over Server-Sent Events and sends intents.
// Every rule lives on the server: the page shows buttons for `view.allowed` only.

const $ = (sel) => document.querySelector(sel);
const params = new URLSearchParams(location.search);
let token = localStorage.getItem("limber.token") || "";

const LABELS = {
  yes: "Yes", no: "No", start: "Start", pause: "Pause", resume: "Resume", skip: "Skip",
  swap: "Swap", discomfort: "Discomfort", comfortable: "Comfortable", chest: "Chest pain or breathless",
  quit: "End session",
};
const PHASES = {
  screening: "Safety questions", "confirm-assessed": "Safety questions", "pain-before": "Before we start",
  "warm-up": "Warm-up", prepare: "Get into position", "get-ready": "Get ready", active: "Hold",
  rest: "Rest", "check-in": "How did that feel?", "pain-after": "After the session",
  finished: "Done", stopped: "Stopped",
};

// ------------------------------------------------------------------ API

async function api(method, path, body) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401) { showLogin(); throw new Error("unauthorized"); }
  const data = await res.json().catch(() => null);
  if (!res.ok) throw Object.assign(new Error(data?.error?.message || res.statusText), { data, status: res.status });
  return data;
}

function showLogin() {
  $("#login").hidden = false;
}

$("#login-form").addEventListener("submit", (e) => {
  e.preventDefault();
  token = $("#token").value.trim();
  localStorage.setItem("limber.token", token);
  $("#login").hidden = true;
  init();
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
  if (name === "history") loadHistory();
  if (name === "library") loadLibrary();
  if (name === "profile") loadProfile();
}

// ------------------------------------------------------------------ sound, speech, wake lock

let audio;
function beep(sound) {
  if (!$("#beep").checked || sound === "none") return;
  try {
    audio ||= new AudioContext();
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

function speak(text) {
  if (!$("#speak").checked || !("speechSynthesis" in window)) return;
  speechSynthesis.speak(new SpeechSynthesisUtterance(text));
}

let wakeLock = null;
async function keepAwake(on) {
  try {
    if (on && !wakeLock && navigator.wakeLock) wakeLock = await navigator.wakeLock.request("screen");
    if (!on && wakeLock) { await wakeLock.release(); wakeLock = null; }
  } catch { /* not allowed here */ }
}

// ------------------------------------------------------------------ a live session

let current = null; // { id, speed, stream, state, receivedAt }

async function startSession(form) {
  const data = new FormData(form);
  const body = {
    routine: data.get("routine"),
    "no-warm-up": data.has("no-warm-up"),
    "wait-for-start": data.has("wait-for-start"),
    rescreen: data.has("rescreen"),
    speed: Number(params.get("speed") || data.get("speed") || 1),
  };
  const state = await api("POST", "/sessions", body);
  follow(state);
}

function follow(state) {
  current?.stream?.close();
  current = { id: state.id, speed: state.speed, stream: null };
  localStorage.setItem("limber.session", state.id);
  $("#cues").replaceChildren();
  $("#outcome").hidden = true;
  $("#start").hidden = true;
  $("#session").hidden = false;
  $("#sharp-pain").hidden = false;
  render(state);
  const q = token ? `?access_token=${encodeURIComponent(token)}` : "";
  const stream = new EventSource(`/api/v1/sessions/${state.id}/events${q}`);
  current.stream = stream;
  stream.addEventListener("cue", (e) => {
    const cue = JSON.parse(e.data);
    const li = document.createElement("li");
    li.textContent = cue.text;
    li.dataset.seq = cue.seq;
    li.dataset.sound = cue.sound;
    $("#cues").prepend(li);
    while ($("#cues").children.length > 30) $("#cues").lastChild.remove();
    beep(cue.sound);
    speak(cue.text);
  });
  stream.addEventListener("view", (e) => render(JSON.parse(e.data)));
  keepAwake(true);
}

function isOver(view) {
  return view.phase.phase === "finished" || view.phase.phase === "stopped";
}

function render(state) {
  if (!current || state.id !== current.id) return;
  current.state = state;
  current.receivedAt = performance.now();
  const v = state.view;
  $("#phase").textContent = (PHASES[v.phase.phase] || v.phase.phase) + (v.paused ? " — paused" : "") +
    (v.number ? ` · stretch ${v.number} of ${v.of}` : "");
  $("#stretch-name").textContent = v.name || (isOver(v) ? PHASES[v.phase.phase] : state.routine);
  const parts = [];
  if (v.side) parts.push(`${v.side} side`);
  if (v.repetition) parts.push(`repetition ${v.repetition[0]} of ${v.repetition[1]}`);
  if (v.breathing && v.phase.phase === "active") parts.push(v.breathing);
  $("#detail").textContent = parts.join(" · ");
  $("#question").textContent = v.question || "";
  $("#step").textContent = v.step != null && v.steps[v.step] ? v.steps[v.step] : "";
  $("#next").textContent = v.next ? `Next: ${v.next}` : "";
  renderActions(v);
  tick();
  if (isOver(v)) finish(state);
}

function renderActions(v) {
  const box = $("#actions");
  box.replaceChildren();
  for (const kind of v.allowed) {
    if (!(kind in LABELS)) continue; // pain has its own scale; sharp pain its own button
    if (kind === "toggle-pause") continue;
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = LABELS[kind];
    b.dataset.intent = kind;
    if (kind === "chest") b.className = "danger";
    b.addEventListener("click", () => send({ intent: kind }));
    box.append(b);
  }
  const scale = $("#pain-scale");
  const rate = v.allowed.includes("pain") && (v.question || v.phase.phase === "pain-before" || v.phase.phase === "pain-after");
  scale.hidden = !rate;
  if (rate && !scale.children.length) {
    for (let n = 0; n <= 10; n++) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = String(n);
      b.setAttribute("aria-label", `Pain ${n} of 10`);
      b.addEventListener("click", () => send({ intent: "pain", score: n }));
      scale.append(b);
    }
  }
  $("#sharp-pain").hidden = isOver(v);
}

async function send(intent) {
  if (!current) return;
  try {
    render(await api("POST", `/sessions/${current.id}/intents`, intent));
  } catch (e) {
    if (e.status === 409) render(await api("GET", `/sessions/${current.id}`));
  }
}

$("#sharp-pain").addEventListener("click", () => send({ intent: "sharp-pain" }));

// The CLI's keys, during a session: space pause/resume, Enter start, s skip, a swap,
// d discomfort, c comfortable, 0–9 pain, x sharp pain, e chest, q quit, y/n answers.
const KEYS = { " ": "toggle-pause", Enter: "start", s: "skip", a: "swap", d: "discomfort", c: "comfortable",
  x: "sharp-pain", e: "chest", q: "quit", y: "yes", n: "no" };
document.addEventListener("keydown", (e) => {
  if (!current?.state || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.target.closest("input, select, textarea, button")) return; // their own keys first
  const allowed = current.state.view.allowed;
  if (/^[0-9]$/.test(e.key) && allowed.includes("pain")) {
    e.preventDefault();
    send({ intent: "pain", score: Number(e.key) });
  } else if (KEYS[e.key] && allowed.includes(KEYS[e.key])) {
    e.preventDefault();
    send({ intent: KEYS[e.key] });
  }
});

function tick() {
  if (!current?.state) return;
  const v = current.state.view;
  let text = "";
  if (v["remaining-ms"] != null) {
    const gone = v.paused || isOver(v) ? 0 : (performance.now() - current.receivedAt) * current.speed;
    text = String(Math.max(0, Math.ceil((v["remaining-ms"] - gone) / 1000)));
  }
  const el = $("#countdown");
  if (el.textContent !== text) el.textContent = text;
}
setInterval(tick, 100);

function finish(state) {
  current.stream?.close();
  localStorage.removeItem("limber.session");
  keepAwake(false);
  const out = $("#outcome");
  // The safety advice (alert cues) stays on screen; otherwise the last few words.
  const all = [...$("#cues").children];
  const alerts = all.filter((li) => li.dataset.sound === "alert");
  const last = (alerts.length ? alerts.slice(0, 1) : all.slice(0, 3)).map((li) => li.textContent).reverse();
  out.replaceChildren();
  const h = document.createElement("h3");
  h.textContent = state.view.phase.phase === "stopped" ? "Session stopped" : "Well done";
  out.append(h);
  for (const t of last) { const p = document.createElement("p"); p.textContent = t; out.append(p); }
  const again = document.createElement("button");
  again.type = "button";
  again.className = "primary";
  again.textContent = "Back to routines";
  again.addEventListener("click", () => { current = null; $("#session").hidden = true; $("#start").hidden = false; });
  out.append(again);
  out.hidden = false;
  $("#actions").replaceChildren();
  $("#pain-scale").hidden = true;
}

// ------------------------------------------------------------------ history, library, profile

let nextCursor = null;
async function loadHistory(more = false) {
  const q = more && nextCursor ? `?limit=20&before=${encodeURIComponent(nextCursor)}` : "?limit=20";
  const [page, stats] = await Promise.all([api("GET", `/history${q}`), more ? null : api("GET", "/stats")]);
  if (stats) {
    const a = stats.adherence;
    $("#stats").textContent = `${stats.sessions} sessions · this week ${a["this-week"] ?? a.this_week ?? 0} of ${a.goal} · streak ${a["streak-weeks"] ?? a.streak_weeks ?? 0} weeks`;
  }
  const list = $("#history-list");
  if (!more) list.replaceChildren();
  for (const s of page.sessions) {
    const li = document.createElement("li");
    const done = s.items.filter((i) => i.status === "done").length;
    li.textContent = `${new Date(s["started-at-ms"]).toLocaleString()} — ${s.routine}: ${done} of ${s.items.length} stretches` +
      (s.stopped ? ` (stopped: ${typeof s.stopped === "string" ? s.stopped : JSON.stringify(s.stopped)})` : "");
    list.append(li);
  }
  nextCursor = page.next;
  $("#more").hidden = !page.next;
  if (!more) chart(page.sessions.slice().reverse());
}
$("#more").addEventListener("click", () => loadHistory(true));

function chart(sessions) {
  const svg = $("#chart");
  const pts = sessions.filter((s) => s["pain-before"] != null);
  const ns = "http://www.w3.org/2000/svg";
  svg.replaceChildren();
  const axis = document.createElementNS(ns, "line");
  Object.entries({ x1: 10, y1: 110, x2: 310, y2: 110, class: "axis" }).forEach(([k, v]) => axis.setAttribute(k, v));
  svg.append(axis);
  if (!pts.length) return;
  const x = (i) => 10 + (pts.length === 1 ? 150 : (300 * i) / (pts.length - 1));
  const y = (p) => 110 - p * 10;
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", pts.map((s, i) => `${x(i)},${y(s["pain-before"])}`).join(" "));
  line.setAttribute("class", "trend");
  svg.append(line);
}

let libraryLoaded = false;
async function loadLibrary() {
  if (libraryLoaded) return;
  const [stretches, precautions, source] = await Promise.all([api("GET", "/stretches"), api("GET", "/precautions"), api("GET", "/source")]);
  const box = $("#stretches");
  for (const s of stretches) {
    const d = document.createElement("details");
    const sum = document.createElement("summary");
    sum.textContent = `${s.name} — ${s.summary}`;
    const ol = document.createElement("ol");
    for (const step of s.steps) { const li = document.createElement("li"); li.textContent = step; ol.append(li); }
    d.append(sum, ol);
    box.append(d);
  }
  for (const p of precautions) { const li = document.createElement("li"); li.textContent = `${p.title}: ${p.text}`; $("#precautions").append(li); }
  $("#source").textContent = `Source: ${source.source.title} by ${source.source.author}. ${source.source.note}`;
  libraryLoaded = true;
}

async function loadProfile() {
  const { profile } = await api("GET", "/profile");
  const form = $("#profile-form");
  for (const box of form.querySelectorAll("input[type=checkbox]")) box.checked = profile[box.name].includes(box.value);
  form.elements["weekly-goal"].value = profile["weekly-goal"];
}

$("#profile-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  const pick = (name) => [...form.querySelectorAll(`input[name=${name}]:checked`)].map((b) => b.value);
  await api("PATCH", "/profile", { equipment: pick("equipment"), avoid: pick("avoid"), "weekly-goal": Number(form.elements["weekly-goal"].value) });
  $("#profile-status").textContent = "Saved.";
});

// ------------------------------------------------------------------ start

$("#start-form").addEventListener("submit", (e) => {
  e.preventDefault();
  startSession(e.target).catch((err) => alert(err.message));
});

async function init() {
  const routines = await api("GET", "/routines");
  const select = $("#routine");
  select.replaceChildren();
  for (const r of routines) {
    const o = document.createElement("option");
    o.value = r.id;
    o.textContent = r.name;
    o.dataset.summary = r.summary;
    select.append(o);
  }
  const wanted = params.get("routine");
  if (wanted) select.value = wanted;
  const describe = () => { $("#routine-summary").textContent = select.selectedOptions[0]?.dataset.summary || ""; };
  select.addEventListener("change", describe);
  describe();
  // A reload mid-session picks the session up where it is.
  try {
    const live = await api("GET", "/sessions");
    const open = live.filter((s) => !isOver(s.view));
    const saved = localStorage.getItem("limber.session");
    const pick = open.find((s) => s.id === saved) || open[open.length - 1];
    if (pick) follow(pick);
  } catch { /* signed out */ }
  document.body.dataset.ready = "true";
}

init().catch(() => {});
