//! An error and its causes as one line for a person to read, each cause said once.

use std::error::Error;

/// `error: cause: cause`, leaving out a cause the line already ends with after a `: ` (many
/// errors repeat their source in their own message, e.g. an I/O error inside a database error).
/// Control characters a person typed (an escape sequence in a routine's name) are shown
/// escaped, not sent to the terminal to act on; line breaks and tabs stay.
pub fn error_line(error: &(dyn Error + 'static)) -> String {
    shown(&chain(error))
}

/// Whether `error` (or a cause of it) says limber's database is damaged.
pub fn is_damage(error: &(dyn Error + 'static)) -> bool {
    std::iter::successors(Some(error), |&e| e.source()).any(|e| {
        matches!(e.downcast_ref::<crate::Error>(), Some(crate::Error::Store(e)) if e.is_damage())
            || e.downcast_ref::<limber_store::Error>().is_some_and(limber_store::Error::is_damage)
    })
}

/// Which file is damaged when `error` (or a cause of it) says limber's SQLite database is:
/// "The database is PATH.", for the person to rescue or move aside; the store's errors do not
/// carry the file's name. `None` for any other error, or for a `database` given by URL.
pub fn damaged_database(
    error: &(dyn Error + 'static),
    data_dir: Option<&std::path::Path>,
    database: Option<&str>,
) -> Option<String> {
    if !is_damage(error) || database.is_some() {
        return None;
    }
    let dir = data_dir.map(std::path::Path::to_path_buf).or_else(limber_store::default_data_dir)?;
    Some(format!("The database is {}.", limber_store::database_path(&dir).display()))
}

/// `line` (an error's words, as [`error_line`] gives them) as a sentence on its own: its first
/// letter a capital, ending in a full stop, for a screen that shows it apart from any `error:`.
pub fn sentence(line: &str) -> String {
    let mut chars = line.trim_end().chars();
    let Some(first) = chars.next() else { return String::new() };
    let mut said: String = first.to_uppercase().chain(chars).collect();
    if !said.ends_with(['.', '!', '?']) {
        said.push('.');
    }
    said
}

/// `names` as words: `a`, `a and b`, `a, b and c`.
pub fn and_list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `text` with its control characters but line breaks and tabs escaped (`\u{1b}`).
pub fn shown(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escape = c.is_control() && c != '\n' && c != '\t';
            let (escaped, plain) = if escape { (Some(c.escape_default()), None) } else { (None, Some(c)) };
            escaped.into_iter().flatten().chain(plain)
        })
        .collect()
}

fn chain(error: &(dyn Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let said = e.to_string();
        if !said.is_empty() && line != said && !line.ends_with(&format!(": {said}")) {
            line.push_str(": ");
            line.push_str(&said);
        }
        cause = e.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("{text}")]
    struct Layer {
        text: &'static str,
        #[source]
        source: Option<Box<Layer>>,
    }

    fn layers(texts: &[&'static str]) -> Layer {
        texts
            .iter()
            .rev()
            .fold(None, |source, text| Some(Layer { text, source: source.map(Box::new) }))
            .unwrap_or(Layer { text: "", source: None })
    }

    #[test]
    fn each_cause_is_said_once() {
        assert_eq!(
            error_line(&layers(&["cannot open the history", "the file is locked"])),
            "cannot open the history: the file is locked"
        );
        let repeated = layers(&["cannot connect", "error communicating with database: refused", "refused"]);
        assert_eq!(error_line(&repeated), "cannot connect: error communicating with database: refused");
        assert_eq!(error_line(&layers(&["alone"])), "alone");
        // A cause that only happens to end the line's last word is still said.
        assert_eq!(error_line(&layers(&["no such user: annie", "nie"])), "no such user: annie: nie");
    }

    #[test]
    fn an_error_line_reads_as_a_sentence_on_its_own() {
        assert_eq!(sentence("no session starts until 10:00 tomorrow"), "No session starts until 10:00 tomorrow.");
        assert_eq!(sentence("see a doctor now.  "), "See a doctor now.");
        assert_eq!(sentence("über alles?"), "Über alles?");
        assert_eq!(sentence(""), "");
    }

    #[test]
    fn a_damaged_database_is_named_under_whatever_says_so() {
        #[derive(Debug, thiserror::Error)]
        #[error("cannot show the stats")]
        struct Context(#[source] crate::Error);
        let damaged = || limber_store::Error::Damaged { engine: "database disk image is malformed".into() };
        let dir = std::path::Path::new("/home/ann/.local/share/limber");
        let named = Some(format!("The database is {}.", dir.join("limber.db").display()));
        assert_eq!(damaged_database(&damaged(), Some(dir), None), named);
        assert_eq!(damaged_database(&Context(crate::Error::Store(damaged())), Some(dir), None), named);
        // A database given by URL has no file; any other error names none.
        assert_eq!(damaged_database(&damaged(), Some(dir), Some("postgres://db/limber")), None);
        assert_eq!(damaged_database(&layers(&["the file is locked"]), Some(dir), None), None);
        let other = limber_store::Error::Newer { path: dir.join("limber.db"), found: 9, known: 8 };
        assert_eq!(damaged_database(&other, Some(dir), None), None);
    }

    #[test]
    fn what_a_person_typed_cannot_drive_the_terminal() {
        let line = error_line(&layers(&["there is no routine called `\u{1b}[31mred\u{7}`", "known:\n\tdesk"]));
        assert_eq!(line, "there is no routine called `\\u{1b}[31mred\\u{7}`: known:\n\tdesk");
    }
}
