//! Values typed as command-line flags, checked with messages a person can act on (shared by
//! `limber` and `limber-tui` as clap value parsers).

use crate::{HOLD_RANGE, SPEED_RANGE};

/// A pain rating: a whole number from 0 (none) to 10 (the worst imaginable).
pub fn pain(text: &str) -> Result<u8, String> {
    match text.trim().parse::<u8>() {
        Ok(n) if n <= 10 => Ok(n),
        _ => Err(format!("`{text}` is not a pain rating; rate pain as a whole number from 0 (none) to 10 (the worst)")),
    }
}

/// Whether a list flag that takes `none` (`--equipment`, `--avoid`) has it alone: `none,chair`
/// is a mistake, not a chair. Both terminal front ends refuse it with the messages below.
pub fn none_alone<T>(list: &[Option<T>]) -> bool {
    !(list.iter().any(Option::is_none) && list.iter().any(Option::is_some))
}

/// Why `--equipment none,…` is refused.
pub const EQUIPMENT_NONE_ALONE: &str =
    "--equipment none means no equipment, so it cannot be listed with other equipment";
/// Why `--avoid none,…` is refused.
pub const AVOID_NONE_ALONE: &str = "--avoid none means no position to avoid, so it cannot be listed with positions";

/// How many seconds to hold each stretch.
pub fn hold(text: &str) -> Result<u32, String> {
    let secs: u32 = text.trim().parse().map_err(|_| format!("`{text}` is not a whole number of seconds"))?;
    if HOLD_RANGE.contains(&secs) {
        Ok(secs)
    } else {
        Err(format!("a hold of {secs} s is outside 10–60 s (ACSM: hold 10–30 s, up to 60 s for older adults)"))
    }
}

/// How much faster than real time a session runs (previews, tests).
pub fn speed(text: &str) -> Result<f64, String> {
    let v: f64 = text.trim().parse().map_err(|_| format!("`{text}` is not a number"))?;
    if SPEED_RANGE.contains(&v) {
        Ok(v)
    } else {
        Err(format!("the speed factor must be between {} and {}", SPEED_RANGE.start(), SPEED_RANGE.end()))
    }
}

/// A count of at least one (`--limit`).
pub fn at_least_one(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        Ok(_) => Err("must be 1 or more".to_owned()),
        Err(_) => Err(format!("`{text}` is not a whole number")),
    }
}

/// Sessions a week to aim for: 1 to 14.
pub fn weekly_goal(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(n) if crate::WEEKLY_GOALS.contains(&n) => Ok(n),
        _ => Err(format!("`{text}` is not a weekly goal; aim for 1 to 14 sessions a week (the article: at least 2–3)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_flag_takes_its_range_and_says_what_it_wants_otherwise() {
        assert_eq!(pain("0"), Ok(0));
        assert_eq!(pain("10"), Ok(10));
        assert!(pain("11").unwrap_err().contains("from 0 (none) to 10"));
        assert!(pain("-1").unwrap_err().contains("`-1` is not a pain rating"));
        assert_eq!(hold("30"), Ok(30));
        assert!(hold("9").unwrap_err().contains("outside 10–60 s"));
        assert_eq!(speed("0.1"), Ok(0.1));
        assert_eq!(speed("1000"), Ok(1000.0));
        assert_eq!(speed("0").unwrap_err(), "the speed factor must be between 0.1 and 1000");
        assert!(speed("fast").unwrap_err().contains("not a number"));
        assert_eq!(at_least_one("3"), Ok(3));
        assert_eq!(at_least_one("0").unwrap_err(), "must be 1 or more");
        assert_eq!(weekly_goal("14"), Ok(14));
        assert!(weekly_goal("15").unwrap_err().contains("1 to 14 sessions a week"));
    }
}
