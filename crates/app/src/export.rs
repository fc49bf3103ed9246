//! The export file: its versioned JSON shape, and the checks every imported record passes.

use limber_store::SessionRecord;
use serde::{Deserialize, Serialize};

/// The export format this limber writes. Format 1 (snake_case fields, PascalCase values) is
/// still read.
pub const FORMAT: u32 = 2;

/// The JSON export file: a format number and every session.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ExportFile {
    /// The format number.
    #[serde(alias = "limber_export")]
    pub limber_export: u32,
    /// The sessions, oldest first.
    pub sessions: Vec<SessionRecord>,
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
    #[error("export format {0}, and this limber reads formats 1 and {FORMAT}")]
    Format(u32),
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
}

/// Parses and checks an export file's text.
pub fn read(text: &str) -> Result<Vec<SessionRecord>, ImportError> {
    let parsed: ExportFile = serde_json::from_str(text).map_err(|e| ImportError::Shape {
        detail: e.to_string(),
        hint: if text.starts_with("session,") {
            " (that looks like a CSV export; import reads the JSON export)"
        } else {
            ""
        },
    })?;
    if !(1..=FORMAT).contains(&parsed.limber_export) {
        return Err(ImportError::Format(parsed.limber_export));
    }
    for (n, s) in parsed.sessions.iter().enumerate() {
        check(s).map_err(|problem| ImportError::Record { position: n + 1, id: s.id.to_string(), problem })?;
    }
    Ok(parsed.sessions)
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
    if s.active_ms < 0 {
        return Err("its stretching time is negative".to_owned());
    }
    if s.routine.trim().is_empty() {
        return Err("it names no routine".to_owned());
    }
    if let Some(i) = s.items.iter().position(|i| i.holds_done > i.holds_planned) {
        return Err(format!("stretch {} has more holds done than planned", i + 1));
    }
    Ok(())
}

/// The export file for `sessions`, as pretty JSON.
pub fn write(sessions: Vec<SessionRecord>) -> Result<Vec<u8>, serde_json::Error> {
    let mut bytes = serde_json::to_vec_pretty(&ExportFile { limber_export: FORMAT, sessions })?;
    bytes.push(b'\n');
    Ok(bytes)
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
        let sessions = read(v1).expect("format 1 reads");
        assert_eq!(sessions[0].stopped, Some(limber_core::StopReason::SharpPain));
        assert_eq!(sessions[0].items[0].sides_done, [limber_core::Side::Right]);
        let v2 = String::from_utf8(write(sessions.clone()).expect("writes")).expect("utf-8");
        assert!(v2.contains(r#""status": "partial""#) && v2.contains(r#""sides-done": ["#), "{v2}");
        assert_eq!(read(&v2).expect("format 2 reads"), sessions);
    }

    #[test]
    fn a_bad_record_names_its_position() {
        let bad = r#"{"limber-export":2,"sessions":[]}"#;
        assert!(read(bad).expect("empty is fine").is_empty());
        let err = read(r#"{"limber-export":9,"sessions":[]}"#).unwrap_err();
        assert!(err.to_string().contains("format 9"));
    }
}
