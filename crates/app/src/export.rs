//! The export file: its versioned JSON shape, written and read one session at a time, and the
//! checks every imported record passes.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};

use limber_core::{Equipment, Position, Progress, StretchId};
use limber_store::{ImportReport, Profile, ProfileImport, ScreeningEntry, SessionRecord, Store, UserId};
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// The export format this limber writes: 6 may hold items with status `left-for-pain`, which an
/// older limber cannot read (it says to upgrade, rather than calling the session unreadable); 5
/// added the profile (equipment, positions avoided, weekly goal, voice and sound) after the
/// progression; 4 may hold items with status `swapped` (a stretch swapped out after it was
/// begun or felt); 3 added each stretch's progression (hold, streak and sharp-pain flag) after
/// the sessions. Formats 1 (snake_case fields, PascalCase values), 2 (sessions only), 3, 4 and
/// 5 are still read.
pub const FORMAT: u32 = 6;

/// The longest hold an imported progression may hold, in seconds.
const MAX_HOLD: u32 = 600;

/// Limits on an imported session beyond which it is a damaged or made-up record, not one
/// someone did: a day of stretching, 200 stretches, an hour per hold, 100 holds, names of 100
/// characters (ids like `seated-twist`; content of one's own may name stretches limber lacks).
const MAX_ACTIVE_MS: i64 = 24 * 60 * 60 * 1000;
const MAX_ITEMS: usize = 200;
const MAX_ITEM_SECONDS: u32 = 60 * 60;
const MAX_HOLDS: u32 = 100;

/// Sessions written to the store at a time during an import.
const BATCH: usize = 500;

/// Sessions read ahead of the store during an import.
const READ_AHEAD: usize = 1000;

/// The JSON export file: a format number and every session. Files are written and read a
/// session at a time ([`Writer`], `import`); this whole-file form is for tests and tools.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ExportFile {
    /// The format number.
    #[serde(alias = "limber_export")]
    pub limber_export: u32,
    /// The sessions, oldest first.
    pub sessions: Vec<SessionRecord>,
    /// Each stretch's progression (format 3).
    #[serde(default)]
    pub progression: BTreeMap<StretchId, ExportedProgress>,
    /// The person's profile (format 5).
    #[serde(default)]
    pub profile: Option<ExportedProfile>,
}

/// What a file carries besides its sessions: each stretch's progression (from format 3) and
/// the profile (from format 5).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Standing {
    /// Each stretch's progression.
    pub progression: BTreeMap<StretchId, Progress>,
    /// The profile, when the file has one.
    pub profile: Option<Profile>,
}

/// The profile as the export file writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ExportedProfile {
    /// Equipment they have.
    pub equipment: Vec<Equipment>,
    /// Positions they avoid.
    pub avoid: Vec<Position>,
    /// Sessions wanted per week.
    pub weekly_goal: u32,
    /// Cues spoken aloud by default.
    pub voice: bool,
    /// Sound at the start, the last seconds and the end of each hold.
    pub sound: bool,
}

impl From<&Profile> for ExportedProfile {
    fn from(p: &Profile) -> ExportedProfile {
        ExportedProfile {
            equipment: p.equipment.clone(),
            avoid: p.avoid.clone(),
            weekly_goal: p.weekly_goal,
            voice: p.voice,
            sound: p.sound,
        }
    }
}

impl ExportedProfile {
    /// The profile, when it is one limber could have written: a weekly goal of 1 to 14, each
    /// piece of equipment and each position once.
    fn checked(mut self) -> Result<Profile, ImportError> {
        let problem = if !crate::WEEKLY_GOALS.contains(&self.weekly_goal) {
            Some(format!("a weekly goal of {} is outside 1 to 14 sessions", self.weekly_goal))
        } else {
            let (equipment, avoid) = (self.equipment.len(), self.avoid.len());
            self.equipment.sort_unstable();
            self.equipment.dedup();
            self.avoid.sort_unstable();
            self.avoid.dedup();
            (equipment != self.equipment.len() || avoid != self.avoid.len())
                .then(|| "it names a piece of equipment or a position twice".to_owned())
        };
        match problem {
            Some(problem) => Err(ImportError::Profile(problem)),
            None => Ok(Profile {
                equipment: self.equipment,
                avoid: self.avoid,
                weekly_goal: self.weekly_goal,
                voice: self.voice,
                sound: self.sound,
            }),
        }
    }
}

/// One stretch's progression as the export file writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ExportedProgress {
    /// Seconds per hold reached.
    pub hold_seconds: u32,
    /// Comfortable sessions in a row since the hold last grew.
    pub comfortable_streak: u32,
    /// Set aside after sharp pain until the person clears it.
    pub flagged: bool,
}

impl From<&Progress> for ExportedProgress {
    fn from(p: &Progress) -> ExportedProgress {
        ExportedProgress { hold_seconds: p.hold_seconds, comfortable_streak: p.comfortable_streak, flagged: p.flagged }
    }
}

impl From<ExportedProgress> for Progress {
    fn from(p: ExportedProgress) -> Progress {
        Progress { hold_seconds: p.hold_seconds, comfortable_streak: p.comfortable_streak, flagged: p.flagged }
    }
}

/// Why an import file was refused; nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Not JSON of the export's shape.
    #[error("not a limber JSON export{hint}: {detail}")]
    Shape {
        /// What the parser said, with line and column.
        detail: String,
        /// A hint when the file looks like something else.
        hint: &'static str,
    },
    /// A format this limber does not read.
    #[error("export format {0}, and this limber reads formats 1 to {FORMAT}{upgrade}", upgrade = if *.0 > FORMAT { ": a newer limber wrote it, so upgrade this one to import it" } else { "" })]
    Format(u32),
    /// The profile is wrong.
    #[error("the profile: {0}; nothing was imported")]
    Profile(String),
    /// One stretch's progression is wrong.
    #[error("the progression of `{stretch}`: {problem}; nothing was imported")]
    Progression {
        /// The stretch.
        stretch: String,
        /// What is wrong.
        problem: String,
    },
    /// One record is wrong.
    #[error("session {position} (id {id}): {problem}; nothing was imported")]
    Record {
        /// Its position in the file, from 1.
        position: usize,
        /// Its id.
        id: String,
        /// What is wrong.
        problem: String,
    },
    /// One record is not a session at all (a missing field, a wrong type, broken JSON).
    #[error("session {position}: {detail}; nothing was imported")]
    Unreadable {
        /// Its position in the file, from 1.
        position: usize,
        /// What the parser said, with line and column.
        detail: String,
    },
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Io(String),
}

/// Writes an export file one session at a time: the header, each session on a line of its
/// own, then the end. Memory does not grow with the number of sessions.
#[derive(Debug)]
pub struct Writer<W: Write> {
    out: W,
    written: usize,
}

impl<W: Write> Writer<W> {
    /// Starts a file of the current [`FORMAT`] on `out`.
    pub fn new(mut out: W) -> std::io::Result<Writer<W>> {
        write!(out, "{{\"limber-export\": {FORMAT}, \"sessions\": [")?;
        Ok(Writer { out, written: 0 })
    }

    /// Adds one session (oldest first, by convention).
    pub fn session(&mut self, session: &SessionRecord) -> std::io::Result<()> {
        self.out.write_all(if self.written == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut self.out, session)?;
        self.written += 1;
        Ok(())
    }

    /// Sessions written so far.
    pub fn written(&self) -> usize {
        self.written
    }

    /// The bytes written so far, taken out of an in-memory writer (a streamed HTTP body).
    pub fn take(&mut self) -> W
    where
        W: Default,
    {
        std::mem::take(&mut self.out)
    }

    /// Ends the file with each stretch's `progression` and the `profile` (when there is one to
    /// carry: none for a session kept because it could not be saved, and none when it is
    /// limber's defaults, which any limber starts from) and hands back the output.
    pub fn finish(
        mut self,
        progression: &BTreeMap<StretchId, Progress>,
        profile: Option<&Profile>,
    ) -> std::io::Result<W> {
        let progression: BTreeMap<&StretchId, ExportedProgress> =
            progression.iter().map(|(id, p)| (id, ExportedProgress::from(p))).collect();
        self.out.write_all(b"\n], \"progression\": ")?;
        serde_json::to_writer(&mut self.out, &progression)?;
        if let Some(profile) = profile.filter(|p| **p != Profile::default()) {
            self.out.write_all(b",\n\"profile\": ")?;
            serde_json::to_writer(&mut self.out, &ExportedProfile::from(profile))?;
        }
        self.out.write_all(b"}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Sessions an [`Exporting`] reads from the store at a time. Between pages no read transaction
/// is held (nor a PostgreSQL connection), so a reader that is slow or stops holds nothing open.
const EXPORT_PAGE: usize = 500;

/// A JSON export under way, the one every front end writes: the history a page at a time,
/// oldest first, then each stretch's progression and the profile. A session the store cannot
/// read is left out and handed to the caller to name; the rest of the history still leaves.
pub struct Exporting<'a, W: Write> {
    app: &'a crate::App,
    user: UserId,
    writer: Writer<W>,
    after: Option<limber_store::Cursor>,
    more: bool,
    unreadable: u64,
    /// Sessions that could not be read, with no id to go on from, that ended the last page:
    /// the next page starts before them and meets them again.
    named_at_end: usize,
}

/// What an export wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exported {
    /// Sessions written.
    pub sessions: usize,
    /// Stored sessions that could not be read and were left out.
    pub unreadable: u64,
    /// Whether the profile could not be read and was left out.
    pub profile_left_out: bool,
    /// Whether each stretch's progression could not be read and was left out.
    pub progression_left_out: bool,
}

impl Exported {
    /// What besides sessions was left out, in words.
    pub fn left_out(&self) -> Vec<&'static str> {
        let mut what = Vec::new();
        if self.progression_left_out {
            what.push("each stretch's progression");
        }
        if self.profile_left_out {
            what.push("the profile");
        }
        what
    }
}

impl crate::App {
    /// Starts writing `user`'s history to `out` as a JSON export of the current [`FORMAT`].
    pub fn export_json<W: Write>(&self, user: UserId, out: W) -> crate::Result<Exporting<'_, W>> {
        let writer = Writer::new(out).map_err(crate::Error::Write)?;
        Ok(Exporting { app: self, user, writer, after: None, more: true, unreadable: 0, named_at_end: 0 })
    }
}

impl<W: Write> Exporting<'_, W> {
    /// Reads and writes the next page of sessions, handing each one that cannot be read to
    /// `left_out`. Returns whether more may follow; once it says no, [`Exporting::finish`].
    pub async fn page(&mut self, mut left_out: impl FnMut(&crate::Error)) -> crate::Result<bool> {
        use futures_util::StreamExt;
        if !self.more {
            return Ok(false);
        }
        let query = limber_store::SessionQuery { after: self.after, ..limber_store::SessionQuery::oldest_first() };
        let page: Vec<_> = self.app.stream_sessions(self.user, query).take(EXPORT_PAGE).collect().await;
        let full = page.len() == EXPORT_PAGE;
        let mut next = self.after;
        let mut named_before = std::mem::take(&mut self.named_at_end);
        for read in page {
            match read {
                Ok(s) => {
                    next = Some(limber_store::Cursor::after(&s));
                    (named_before, self.named_at_end) = (0, 0);
                    self.writer.session(&s).map_err(crate::Error::Write)?;
                }
                Err(e) if e.is_unreadable_session() => match e.unreadable_cursor() {
                    Some(cursor) => {
                        left_out(&e);
                        self.unreadable += 1;
                        next = Some(cursor);
                        (named_before, self.named_at_end) = (0, 0);
                    }
                    // Met again at the start of this page: named and counted once already.
                    None if named_before > 0 => named_before -= 1,
                    None => {
                        left_out(&e);
                        self.unreadable += 1;
                        self.named_at_end += 1;
                    }
                },
                Err(e) => return Err(e),
            }
        }
        // A full page that cannot move on (every session in it unreadable, with no id to go on
        // from) fails the export rather than end it looking whole.
        if full && next == self.after {
            return Err(crate::Error::UnreadablePage(EXPORT_PAGE));
        }
        self.after = next;
        self.more = full;
        Ok(self.more)
    }

    /// The bytes written so far, taken out of an in-memory writer (a streamed HTTP body).
    pub fn take(&mut self) -> W
    where
        W: Default,
    {
        self.writer.take()
    }

    /// Writes every page left, then ends the file with the progression and the profile, and
    /// hands back the output and what was written.
    pub async fn finish(mut self, mut left_out: impl FnMut(&crate::Error)) -> crate::Result<(W, Exported)> {
        while self.page(&mut left_out).await? {}
        // Progression that cannot be read is named and left out too: a session set aside after
        // sharp pain still says so in the session, which import reads.
        let progression = match self.app.progression(self.user).await {
            Ok(progression) => Some(progression),
            Err(e @ crate::Error::Store(limber_store::Error::Damaged { .. } | limber_store::Error::Decode { .. })) => {
                left_out(&e);
                None
            }
            Err(e) => return Err(e),
        };
        // A profile that cannot be read is named and left out: the history is what matters.
        let profile = match self.app.stored_profile(self.user).await {
            Ok(profile) => Some(profile),
            Err(e @ crate::Error::ProfileUnreadable(_)) => {
                left_out(&e);
                None
            }
            Err(e) => return Err(e),
        };
        let exported = Exported {
            sessions: self.writer.written(),
            unreadable: self.unreadable,
            profile_left_out: profile.is_none(),
            progression_left_out: progression.is_none(),
        };
        let out =
            self.writer.finish(&progression.unwrap_or_default(), profile.as_ref()).map_err(crate::Error::Write)?;
        Ok((out, exported))
    }
}

/// The export file for `sessions` and what stands beside them, in memory.
pub fn write(sessions: &[SessionRecord], standing: &Standing) -> std::io::Result<Vec<u8>> {
    let mut writer = Writer::new(Vec::new())?;
    for s in sessions {
        writer.session(s)?;
    }
    writer.finish(&standing.progression, standing.profile.as_ref())
}

/// Parses and checks a whole export file's text, in memory (tests and tools; imports stream
/// with `import`).
pub fn read(text: &str) -> Result<(Vec<SessionRecord>, Standing), ImportError> {
    let mut sessions = Vec::new();
    let standing = parse(text.as_bytes(), |position, s| {
        check(&s).map_err(|problem| ImportError::Record { position, id: s.id.to_string(), problem })?;
        sessions.push(s);
        Ok(())
    })?;
    Ok((sessions, standing))
}

/// Reads `file` on a blocking thread, checks each session as it arrives and adds them to the
/// store in batches inside one import transaction, committed only when the whole file was read
/// and every session passed.
pub(crate) async fn import(
    store: &dyn Store,
    library: &limber_core::Library,
    user: UserId,
    file: impl Read + Send + 'static,
) -> crate::Result<ImportReport> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(usize, SessionRecord)>(READ_AHEAD);
    let reader = tokio::task::spawn_blocking(move || {
        parse(file, |position, s| tx.blocking_send((position, s)).map_err(|_| ImportError::Io("stopped".into())))
    });
    let mut import = store.begin_import(user).await?;
    let mut report = ImportReport::default();
    let mut batch = Vec::with_capacity(BATCH);
    // The stretches sessions set aside after sharp pain: a file from before the progression was
    // exported (formats 1 and 2) says so only there.
    let mut set_aside: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let ahead = crate::when::now_ms().saturating_add(crate::AHEAD_MS);
    let mut dated_ahead = 0;
    let mut emergencies = Vec::new();
    while let Some((position, s)) = rx.recv().await {
        check(&s).map_err(|problem| ImportError::Record { position, id: s.id.to_string(), problem })?;
        // Kept in a file when the history could not take it: stored as the store keeps such a
        // stop, the empty screening record at that moment, not as a session of no stretch.
        if is_emergency_before_exercise(&s) {
            emergencies.push(ScreeningEntry { taken_at_ms: s.ended_at_ms, record: Default::default() });
            continue;
        }
        dated_ahead += usize::from(s.started_at_ms > ahead);
        if let Some(stretch) = &s.flagged {
            set_aside.insert(stretch.clone());
        }
        batch.push(s);
        if batch.len() == BATCH {
            report += import.add(&batch).await?;
            batch.clear();
        }
    }
    // The reader has stopped: at the end of the file, or at its first problem.
    let Standing { mut progression, profile } = reader.await.map_err(|e| ImportError::Io(e.to_string()))??;
    // A stretch a session set aside stays set aside here, its hold and streak as they are,
    // unless the file's progression names it: that says whether the flag was cleared since
    // (files from before the progression was exported, formats 1 and 2, have none; a later
    // one may leave a stretch out). One this limber does not know is set aside too: the
    // content it came from may be added here later (`--content`).
    let derived: Vec<(StretchId, Progress)> = set_aside
        .into_iter()
        .map(|stretch| StretchId::from(stretch.as_str()))
        .filter(|id| !progression.contains_key(id))
        .map(|id| {
            // One without a range here starts at the shortest hold limber asks of anyone (a plan
            // with its content clamps it to its own range); never 0, which no export may hold.
            let low = library.stretch(&id).map_or(*limber_core::Dose::HOLD_SECONDS.start(), |s| s.dose.range().low());
            (id, Progress::start(low))
        })
        .collect();
    // Stretches this limber has, and those set aside of any other (another machine's own
    // content may have had more; a plan with that content must still leave them out). Not the
    // rest: a made-up file could name thousands.
    progression.retain(|id, p| library.stretch(id).is_some() || p.flagged);
    // A hold within this limber's range for the stretch (another machine's content may have had
    // another range, and a hand-edited file anything up to 600 s): a plan clamps it the same way.
    for (id, p) in &mut progression {
        if let Some(stretch) = library.stretch(id) {
            p.hold_seconds = stretch.dose.range().clamp(p.hold_seconds);
        }
    }
    report += import.add(&batch).await?;
    for entry in &emergencies {
        report.emergencies += usize::from(import.save_screening(entry).await?);
    }
    report.stretches = import.merge_progression(&progression).await?;
    for (stretch, start) in &derived {
        import.set_aside(stretch, start.clone()).await?;
    }
    report.stretches += derived.len();
    report.profile = match profile {
        None => ProfileImport::NotInFile,
        Some(profile) if import.restore_profile(&profile).await? => ProfileImport::Restored,
        // Their own export imported again says nothing of a profile kept.
        // One stored that cannot be read is not the same, and is kept as it is.
        Some(profile) => match store.profile(user).await {
            Ok(stored) if same_profile(&stored, &profile) => ProfileImport::Same,
            Ok(_) | Err(limber_store::Error::Decode { .. }) => ProfileImport::Kept,
            Err(e) => return Err(e.into()),
        },
    };
    import.commit().await?;
    report.dated_ahead = dated_ahead;
    Ok(report)
}

/// Whether `session` is an emergency stop from before any exercise: only a session kept in a
/// file when the history could not take it is written so (`Local::keep`), with no stretch, no
/// warm-up and no time stretching; the store keeps such a stop as the empty screening record.
pub(crate) fn is_emergency_before_exercise(session: &SessionRecord) -> bool {
    session.stopped == Some(limber_core::StopReason::Emergency)
        && session.items.is_empty()
        && !session.warmed_up
        && session.active_ms == 0
}

/// Whether two profiles choose the same (equipment and positions in any order).
fn same_profile(a: &Profile, b: &Profile) -> bool {
    let sorted = |p: &Profile| {
        let (mut equipment, mut avoid) = (p.equipment.clone(), p.avoid.clone());
        equipment.sort_unstable();
        avoid.sort_unstable();
        (equipment, avoid, p.weekly_goal, p.voice, p.sound)
    };
    sorted(a) == sorted(b)
}

/// Whether `start`, the first bytes of a file, looks like `limber history --json` (a list of
/// sessions) or `--jsonl` (one session object per line, its `id` first).
fn looks_like_history(start: &[u8]) -> bool {
    let text = String::from_utf8_lossy(start);
    let text = text.trim_start();
    text.starts_with('[') || text.starts_with("{\"id\"")
}

/// Parses an export file from `file`, handing each session with its position (from 1) to
/// `each` as soon as it is read, and returns the progression and profile it ends with
/// (checked; empty before formats 3 and 5). Stops at the first problem, `each`'s included.
fn parse<R: Read>(
    file: R,
    mut each: impl FnMut(usize, SessionRecord) -> Result<(), ImportError>,
) -> Result<Standing, ImportError> {
    let mut file = BufReader::with_capacity(64 * 1024, file);
    // A file saved by some Windows editors starts with a byte-order mark: JSON after it.
    if file.fill_buf().is_ok_and(|start| start.starts_with(b"\xEF\xBB\xBF")) {
        file.consume(3);
    }
    let hint = match file.fill_buf() {
        Ok(start) if start.starts_with(b"session,") => " (that looks like a CSV export; import reads the JSON export)",
        // `limber history --json` (a list) or `--jsonl` (a session per line): for reading, not
        // for moving a history.
        Ok(start) if looks_like_history(start) => {
            " (that looks like `limber history` output; import reads what `limber export --format json` writes)"
        }
        // Nothing at all (a pipe from a command that failed, a file not written yet).
        Ok([]) => return Err(ImportError::Shape { detail: "it is empty".to_owned(), hint: "" }),
        Ok(_) => "",
        Err(e) => return Err(ImportError::Io(e.to_string())),
    };
    let (mut failure, mut progression, mut profile) = (None, BTreeMap::new(), None);
    // An export holds each session once: a second with the same id is a damaged or pasted-
    // together file, and which of the two is right cannot be told.
    let mut seen: HashMap<limber_store::SessionId, usize> = HashMap::new();
    let mut each = |position: usize, s: SessionRecord| match seen.insert(s.id, position) {
        Some(first) => Err(ImportError::Record {
            position,
            id: s.id.to_string(),
            problem: format!("session {first} of the file has the same id"),
        }),
        None => each(position, s),
    };
    let mut de = serde_json::Deserializer::from_reader(file);
    let outcome = Top { each: &mut each, failure: &mut failure, progression: &mut progression, profile: &mut profile }
        .deserialize(&mut de)
        .and_then(|()| de.end());
    match (failure, outcome) {
        (Some(failure), _) => Err(failure),
        (None, Err(e)) if e.is_io() => Err(ImportError::Io(e.to_string())),
        (None, Err(e)) => Err(ImportError::Shape { detail: e.to_string(), hint }),
        (None, Ok(())) => Ok(Standing {
            progression: progression
                .into_iter()
                .map(|(stretch, p)| match check_progress(&stretch, &p) {
                    Ok(()) => Ok((stretch, Progress::from(p))),
                    Err(problem) => Err(ImportError::Progression { stretch: stretch.to_string(), problem }),
                })
                .collect::<Result<_, _>>()?,
            profile: profile.map(ExportedProfile::checked).transpose()?,
        }),
    }
}

/// What an imported stretch's progression must satisfy.
fn check_progress(stretch: &StretchId, p: &ExportedProgress) -> Result<(), String> {
    if stretch.as_str().trim().is_empty() || stretch.as_str().chars().any(char::is_control) {
        return Err("the stretch's name is empty or has a control character in it".to_owned());
    }
    if !(1..=MAX_HOLD).contains(&p.hold_seconds) {
        return Err(format!("a hold of {} s is outside 1–{MAX_HOLD} s", p.hold_seconds));
    }
    Ok(())
}

/// The whole file: an object with the format and the sessions, in either order. A problem
/// that is not the parser's own goes to `failure`.
struct Top<'a, F> {
    each: &'a mut F,
    failure: &'a mut Option<ImportError>,
    progression: &'a mut BTreeMap<StretchId, ExportedProgress>,
    profile: &'a mut Option<ExportedProfile>,
}

impl<'de, F: FnMut(usize, SessionRecord) -> Result<(), ImportError>> DeserializeSeed<'de> for Top<'_, F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de, F: FnMut(usize, SessionRecord) -> Result<(), ImportError>> Visitor<'de> for Top<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with `limber-export` and `sessions`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        use serde::de::Error as _;
        let (mut format, mut sessions) = (None, false);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "limber-export" | "limber_export" => {
                    let number: u32 = map.next_value()?;
                    if !(1..=FORMAT).contains(&number) {
                        *self.failure = Some(ImportError::Format(number));
                        return Err(A::Error::custom("unknown format"));
                    }
                    format = Some(number);
                }
                "sessions" => {
                    map.next_value_seed(Sessions { each: &mut *self.each, failure: &mut *self.failure })?;
                    sessions = true;
                }
                "progression" => *self.progression = map.next_value()?,
                "profile" => *self.profile = map.next_value()?,
                // A misspelt `progression` would otherwise be dropped without a word.
                other => {
                    return Err(A::Error::unknown_field(
                        other,
                        &["limber-export", "sessions", "progression", "profile"],
                    ));
                }
            }
        }
        if format.is_none() {
            return Err(A::Error::missing_field("limber-export"));
        }
        if !sessions {
            return Err(A::Error::missing_field("sessions"));
        }
        Ok(())
    }
}

/// The list of sessions, handed on one by one.
struct Sessions<'a, F> {
    each: &'a mut F,
    failure: &'a mut Option<ImportError>,
}

impl<'de, F: FnMut(usize, SessionRecord) -> Result<(), ImportError>> DeserializeSeed<'de> for Sessions<'_, F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(usize, SessionRecord) -> Result<(), ImportError>> Visitor<'de> for Sessions<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of sessions")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        use serde::de::Error as _;
        let mut position = 0;
        loop {
            position += 1;
            match seq.next_element::<SessionRecord>() {
                Ok(Some(session)) => {
                    if let Err(failure) = (self.each)(position, session) {
                        *self.failure = Some(failure);
                        return Err(A::Error::custom("stopped"));
                    }
                }
                Ok(None) => return Ok(()),
                Err(e) => {
                    *self.failure = Some(ImportError::Unreadable { position, detail: e.to_string() });
                    return Err(e);
                }
            }
        }
    }
}

/// What a stored session must satisfy.
fn check(s: &SessionRecord) -> Result<(), String> {
    let bad = |n: Option<u8>| n.is_some_and(|n| n > 10);
    if bad(s.pain_before) || bad(s.pain_after) || s.items.iter().any(|i| bad(i.max_pain)) {
        return Err("a pain rating is above 10".to_owned());
    }
    if s.ended_at_ms < s.started_at_ms {
        return Err("it ends before it starts".to_owned());
    }
    // From 1970 to the end of 9999: anything else is a damaged number, not a session someone
    // did (it would show as year -1199 and sort as the newest or oldest of all).
    const DATES: std::ops::RangeInclusive<i64> = 0..=253_402_300_799_999;
    if !DATES.contains(&s.started_at_ms) || !DATES.contains(&s.ended_at_ms) {
        return Err("its start or end is not a date between 1970 and 9999".to_owned());
    }
    if s.active_ms < 0 {
        return Err("its stretching time is negative".to_owned());
    }
    if s.active_ms > MAX_ACTIVE_MS || s.items.iter().any(|i| i.active.as_millis() > MAX_ACTIVE_MS.unsigned_abs().into())
    {
        return Err("its stretching time is more than a day".to_owned());
    }
    // Stretches swapped out keep records of their own: at most one per stretch in each item.
    let planned = s.planned();
    if planned > MAX_ITEMS || s.items.len() > MAX_ITEMS * 10 {
        return Err(format!("it has {} stretches, more than the {MAX_ITEMS} a session can have", s.items.len()));
    }
    if let Some(i) = s.items.iter().position(|i| i.seconds > MAX_ITEM_SECONDS) {
        return Err(format!("stretch {} lasts {} s at a time, more than an hour", i + 1, s.items[i].seconds));
    }
    if let Some(i) = s.items.iter().position(|i| i.holds_planned > MAX_HOLDS) {
        return Err(format!("stretch {} plans {} holds, more than {MAX_HOLDS}", i + 1, s.items[i].holds_planned));
    }
    if s.routine.trim().is_empty() {
        return Err("it names no routine".to_owned());
    }
    // Names are ids like `seated-twist`: a control character (which PostgreSQL's text cannot
    // even hold, in the case of NUL) marks a damaged file.
    let stretches =
        s.items.iter().flat_map(|i| [Some(i.stretch.as_str()), i.instead_of.as_ref().map(|id| id.as_str())]);
    let names = [Some(s.routine.as_str()), s.flagged.as_deref()].into_iter().chain(stretches).flatten();
    // The same rule content is held to, so whatever limber recorded reads back in.
    if let Some(problem) = names.into_iter().find_map(limber_core::id_problem) {
        return Err(format!("a routine or stretch name {problem}"));
    }
    if let Some(i) = s.items.iter().position(|i| i.holds_done > i.holds_planned) {
        return Err(format!("stretch {} has more holds done than planned", i + 1));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_1_files_are_still_read() {
        let v1 = r#"{"limber_export":1,"sessions":[{"id":"0b5c0d7e-55b9-4a5d-9f0e-3c2c8e1f4a11","routine":"desk",
            "started_at_ms":1,"ended_at_ms":2,"stopped":"SharpPain","warmed_up":false,"active_ms":0,
            "pain_before":3,"pain_after":null,"flagged":"seated-twist","items":[{"stretch":"seated-twist",
            "instead_of":null,"seconds":15,"holds_done":1,"sides_done":["Right"],"holds_planned":2,
            "active":15000,"comfort":null,"discomfort":false,"max_pain":null,"status":"Partial"}]}]}"#;
        let (sessions, standing) = read(v1).expect("format 1 reads");
        assert_eq!(standing, Standing::default());
        assert_eq!(sessions[0].stopped, Some(limber_core::StopReason::SharpPain));
        assert_eq!(sessions[0].items[0].sides_done, [limber_core::Side::Right]);
        let kept = BTreeMap::from([(
            StretchId::from("seated-twist"),
            Progress { hold_seconds: 20, comfortable_streak: 1, flagged: true },
        )]);
        let kept = Standing { progression: kept, profile: None };
        let v3 = String::from_utf8(write(&sessions, &kept).expect("writes")).expect("utf-8");
        assert!(v3.contains(r#""status":"partial""#) && v3.contains(r#""sides-done":["#), "{v3}");
        assert!(
            v3.contains(r#""progression": {"seated-twist":{"hold-seconds":20,"comfortable-streak":1,"flagged":true}}"#),
            "{v3}"
        );
        assert_eq!(read(&v3).expect("format 3 reads"), (sessions, kept));
        let whole: ExportFile = serde_json::from_str(&v3).expect("one JSON document");
        assert_eq!(whole.limber_export, FORMAT);
    }

    #[test]
    fn the_profile_is_written_after_the_progression_and_read_back_checked() {
        let profile = Profile {
            equipment: vec![Equipment::FoamRoller],
            avoid: vec![Position::Kneeling, Position::LyingOnSide],
            weekly_goal: 4,
            voice: true,
            sound: false,
        };
        let standing = Standing { progression: BTreeMap::new(), profile: Some(profile) };
        let text = String::from_utf8(write(&[], &standing).expect("writes")).expect("utf-8");
        assert!(
            text.ends_with(
                "\"profile\": {\"equipment\":[\"foam-roller\"],\"avoid\":[\"kneeling\",\"lying-on-side\"],\
                 \"weekly-goal\":4,\"voice\":true,\"sound\":false}}\n"
            ),
            "{text}"
        );
        assert_eq!(read(&text).expect("reads").1, standing);
        // A profile limber could not have written is refused, and with it the whole file.
        for (damage, replaced, said) in [
            ("\"weekly-goal\":4", "\"weekly-goal\":40", "the profile: a weekly goal of 40 is outside 1 to 14"),
            (
                "[\"foam-roller\"]",
                "[\"foam-roller\",\"foam-roller\"]",
                "names a piece of equipment or a position twice",
            ),
            ("\"sound\":false", "\"sound\":false,\"sounds\":1", "unknown field `sounds`"),
            ("\"equipment\":[\"foam-roller\"]", "\"equipment\":[\"rope\"]", "unknown variant `rope`"),
        ] {
            let bad = text.replacen(damage, replaced, 1);
            assert_ne!(bad, text, "{damage} applies");
            let err = read(&bad).unwrap_err().to_string();
            assert!(err.contains(said), "{replaced}: {err}");
        }
    }

    #[test]
    fn a_bad_record_names_its_position() {
        assert!(read(r#"{"limber-export":2,"sessions":[]}"#).expect("empty is fine").0.is_empty());
        assert!(read("\u{feff}{\"limber-export\":2,\"sessions\":[]}").expect("after a byte-order mark").0.is_empty());
        assert!(read(r#"{"sessions":[], "limber-export":2}"#).expect("any order").0.is_empty());
        let err = read(r#"{"limber-export":3,"sessions":[],"progresion":{}}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `progresion`, expected one of"), "{err}");
        let (_, p) = read(r#"{"progression":{"cat-cow":{"hold-seconds":3,"comfortable-streak":0,"flagged":true}},"limber-export":3,"sessions":[]}"#)
            .expect("progression first");
        assert!(p.progression[&StretchId::from("cat-cow")].flagged);
        let err = read(r#"{"limber-export":3,"sessions":[],"progression":{"cat-cow":{"hold-seconds":0,"comfortable-streak":0,"flagged":true}}}"#)
            .unwrap_err();
        assert!(err.to_string().starts_with("the progression of `cat-cow`: a hold of 0 s"), "{err}");
        let err = read(r#"{"limber-export":3,"sessions":[],"progression":{"cat-cow":{"hold":5}}}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `hold`"), "{err}");
        let err = read(r#"{"limber-export":9,"sessions":[]}"#).unwrap_err();
        assert!(err.to_string().contains("format 9"), "{err}");
        let good = serde_json::to_string(&read(&sample()).expect("sample").0[0]).expect("json");
        let broken = good.replacen(r#""routine":"desk""#, r#""routine":7"#, 1);
        let err = read(&format!(r#"{{"limber-export":2,"sessions":[{good},{broken}]}}"#)).unwrap_err();
        assert!(err.to_string().starts_with("session 2: invalid type"), "{err}");
        let odd = good.replacen(r#""pain-before":3"#, r#""pain-before":12"#, 1);
        let other = good.replacen("0b5c0d7e", "1b5c0d7e", 1);
        let err = read(&format!(r#"{{"limber-export":2,"sessions":[{good},{other},{odd}]}}"#)).unwrap_err();
        assert!(err.to_string().starts_with("session 3 (id 0b5c0d7e"), "{err}");
        let far = good.replacen(r#""ended-at-ms":2"#, r#""ended-at-ms":9223372036854775807"#, 1);
        let err = read(&format!(r#"{{"limber-export":2,"sessions":[{far}]}}"#)).unwrap_err();
        assert!(err.to_string().contains("not a date between 1970 and 9999"), "{err}");
        let twice = good.replacen(r#""pain-before":3"#, r#""pain-before":4"#, 1);
        let err = read(&format!(r#"{{"limber-export":2,"sessions":[{good},{twice}]}}"#)).unwrap_err();
        assert!(
            err.to_string().starts_with("session 2 (id 0b5c0d7e")
                && err.to_string().contains("session 1 of the file has the same id"),
            "{err}"
        );
        let extra = good.replacen(r#""routine":"desk""#, r#""routine":"desk","rutine":"x""#, 1);
        let err = read(&format!(r#"{{"limber-export":2,"sessions":[{extra}]}}"#)).unwrap_err();
        assert!(err.to_string().contains("unknown field `rutine`"), "{err}");
        for (damage, said) in [
            ((r#""active-ms":0"#, r#""active-ms":4611686018427387904"#), "more than a day"),
            ((r#""seconds":15"#, r#""seconds":4294967295"#), "more than an hour"),
            ((r#""holds-planned":2"#, r#""holds-planned":100000"#), "more than 100"),
            ((r#""routine":"desk""#, &*format!(r#""routine":"{}""#, "d".repeat(101))), "longer than 100 characters"),
        ] {
            let bad = good.replacen(damage.0, damage.1, 1);
            assert_ne!(bad, good, "{damage:?} applies");
            let err = read(&format!(r#"{{"limber-export":2,"sessions":[{bad}]}}"#)).unwrap_err();
            assert!(err.to_string().contains(said), "{damage:?}: {err}");
        }
        let nul = good.replacen(r#""routine":"desk""#, r#""routine":"de\u0000sk""#, 1);
        let err = read(&format!(r#"{{"limber-export":2,"sessions":[{nul}]}}"#)).unwrap_err();
        assert!(err.to_string().contains("control character"), "{err}");
        let err = read(r#"{"limber-export":2}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `sessions`"), "{err}");
        let err = read(r#"{"limber-export":2,"sessions":[]} and more"#).unwrap_err();
        assert!(err.to_string().contains("trailing characters"), "{err}");
        let err = read("session,started_at\n").unwrap_err();
        assert!(err.to_string().contains("CSV"), "{err}");
        for history in [r#"[{"id":"x","routine":"desk"}]"#, "{\"id\":\"x\",\"routine\":\"desk\"}\n{\"id\":\"y\"}\n"] {
            let err = read(history).unwrap_err().to_string();
            assert!(err.contains("looks like `limber history` output"), "{history}: {err}");
        }
        let err = read(r#"{"limber-export":99,"sessions":[]}"#).unwrap_err().to_string();
        assert!(err.contains("upgrade this one"), "{err}");
    }

    fn sample() -> String {
        r#"{"limber-export":2,"sessions":[{"id":"0b5c0d7e-55b9-4a5d-9f0e-3c2c8e1f4a11","routine":"desk",
            "started-at-ms":1,"ended-at-ms":2,"stopped":null,"warmed-up":false,"active-ms":0,
            "pain-before":3,"pain-after":null,"flagged":null,"items":[{"stretch":"seated-twist",
            "instead-of":null,"seconds":15,"holds-done":1,"sides-done":["right"],"holds-planned":2,
            "active":15000,"comfort":null,"discomfort":false,"max-pain":null,"status":"partial"}]}]}"#
            .to_owned()
    }
}
