//! Text for a terminal: wrapped to its width at word boundaries, with a hanging indent, so a
//! long cue or step is never split inside a word. Pipes and files get the text as it is.

use std::io::IsTerminal;

/// The width of the terminal standard output is, if it is one.
pub(crate) fn terminal_width() -> Option<usize> {
    width_if(std::io::stdout().is_terminal())
}

/// The terminal's width when `terminal` (the stream written to is one).
fn width_if(terminal: bool) -> Option<usize> {
    if !terminal {
        return None;
    }
    crossterm::terminal::size().ok().map(|(cols, _)| usize::from(cols)).filter(|w| *w >= 20)
}

/// `text` wrapped to `width`, its later lines indented by `indent` spaces; as it is without a
/// width.
pub(crate) fn wrapped(text: &str, width: Option<usize>, indent: usize) -> String {
    let Some(width) = width else { return text.to_owned() };
    let hang = " ".repeat(indent.min(width / 2));
    // Hyphenated words (cat-camel) stay whole too.
    let options =
        textwrap::Options::new(width).subsequent_indent(&hang).word_splitter(textwrap::WordSplitter::NoHyphenation);
    textwrap::fill(text, options)
}

/// Prints `text` (one paragraph) wrapped to the terminal, later lines indented by `indent`.
pub(crate) fn say(text: &str, indent: usize) {
    println!("{}", wrapped(text, terminal_width(), indent));
}

/// Prints `text` (one paragraph) to standard error, wrapped when that is a terminal.
pub(crate) fn say_err(text: &str) {
    eprintln!("{}", wrapped(text, width_if(std::io::stderr().is_terminal()), 0));
}

/// Key hints (`space pause · s skip · …`) in lines of at most `width`, broken only between two
/// hints; as they are without a width.
pub(crate) fn wrapped_keys(keys: &str, width: Option<usize>) -> String {
    let Some(width) = width else { return keys.to_owned() };
    let mut lines: Vec<String> = Vec::new();
    for hint in keys.split(" · ") {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 3 + hint.chars().count() <= width => {
                line.push_str(" · ");
                line.push_str(hint);
            }
            _ => lines.push(hint.to_owned()),
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_never_split_and_later_lines_hang() {
        let text = "[5:39] Take care: Use a steady chair that cannot tip over or roll away, so no wheels.";
        let out = wrapped(text, Some(40), 7);
        assert_eq!(
            out,
            "[5:39] Take care: Use a steady chair\n       that cannot tip over or roll\n       away, so no wheels."
        );
        assert!(out.lines().all(|l| l.chars().count() <= 40));
        assert_eq!(wrapped(text, None, 7), text, "a pipe gets one line");
    }

    #[test]
    fn key_hints_break_between_hints() {
        let keys = "space pause · s skip · d discomfort · 0-9 pain · x SHARP PAIN · e chest pain · q quit";
        assert_eq!(
            wrapped_keys(keys, Some(40)),
            "space pause · s skip · d discomfort\n0-9 pain · x SHARP PAIN · e chest pain\nq quit"
        );
        assert_eq!(wrapped_keys(keys, None), keys);
    }
}
