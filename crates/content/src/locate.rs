//! Finding where a value sits in a RON file, for errors found after parsing.

/// 1-based line and column of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(before.chars().count(), |nl| before[nl + 1..].chars().count()) + 1;
    (line, col)
}

/// Byte offset of the next `id: "<id>"` at or after `from`, skipping comments only loosely.
pub(crate) fn find_id(text: &str, id: &str, from: usize) -> Option<usize> {
    let quoted = format!("\"{id}\"");
    let mut start = from.min(text.len());
    while let Some(rel) = text[start..].find(&quoted) {
        let at = start + rel;
        let before = text[..at].trim_end();
        if let Some(rest) = before.strip_suffix(':')
            && rest.trim_end().ends_with("id")
        {
            return Some(at);
        }
        start = at + quoted.len();
    }
    None
}

/// Byte offset of the next occurrence of `needle` at or after `from`, stopping before `until`.
pub(crate) fn find_within(text: &str, needle: &str, from: usize, until: Option<usize>) -> Option<usize> {
    let end = until.unwrap_or(text.len()).min(text.len());
    let from = from.min(end);
    text[from..end].find(needle).map(|rel| from + rel)
}

/// Byte offset of the next field name `key` written as a field (`key:`), at or after `from` and
/// before `until`.
pub(crate) fn find_key(text: &str, key: &str, from: usize, until: Option<usize>) -> Option<usize> {
    let mut start = from;
    while let Some(at) = find_within(text, key, start, until) {
        let before = text[..at].chars().next_back();
        let after = text[at + key.len()..].trim_start();
        let word_start = !before.is_some_and(|c| c.is_alphanumeric() || c == '_');
        if word_start && after.starts_with(':') {
            return Some(at);
        }
        start = at + key.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let text = "ab\ncd \"x\"";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 6), (2, 4));
    }

    #[test]
    fn finds_ids_not_references() {
        let text = r#"alternatives: ["a"], id: "b", id : "a""#;
        let at = find_id(text, "a", 0).unwrap();
        assert_eq!(&text[at..], r#""a""#);
        assert_eq!(find_id(text, "c", 0), None);
    }

    #[test]
    fn finds_keys_not_words_in_text() {
        let text = r#"summary: "No stretches at all.", stretches : []"#;
        assert_eq!(find_key(text, "stretches", 0, None), Some(33));
        assert_eq!(find_key(text, "stretches", 0, Some(30)), None);
    }
}
