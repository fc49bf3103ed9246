//! Wall-clock dates for history and weekly goals, in the person's local time zone.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};

/// Parses `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<Date, String> {
    text.parse::<Date>().map_err(|_| format!("`{text}` is not a date; write it as YYYY-MM-DD, e.g. 2026-11-01"))
}

/// Now, as Unix milliseconds.
pub fn now_ms() -> i64 {
    Timestamp::now().as_millisecond()
}

/// The local time zone (UTC when it cannot be found).
pub fn zone() -> TimeZone {
    TimeZone::try_system().unwrap_or(TimeZone::UTC)
}

/// Local midnight at the start of `date`, as Unix milliseconds; a date too far out for a
/// time zone to place is before or after every moment limber can store.
pub fn start_of(date: Date, tz: &TimeZone) -> i64 {
    let beyond = if date > jiff::civil::date(1970, 1, 1) { i64::MAX } else { i64::MIN };
    date.to_zoned_datetime(tz.clone()).map_or(beyond, |z| z.timestamp().as_millisecond())
}

/// The moment `ms` in `tz`.
pub fn zoned(ms: i64, tz: &TimeZone) -> ZonedDateTime {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH).to_zoned_datetime(tz.clone())
}

/// `YYYY-MM-DD HH:MM` in local time.
pub fn local(ms: i64, tz: &TimeZone) -> String {
    zoned(ms, tz).strftime("%Y-%m-%d %H:%M").to_string()
}

/// RFC 3339 with the local offset.
pub fn rfc3339(ms: i64, tz: &TimeZone) -> String {
    zoned(ms, tz).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// Days since 1970-01-01 of the local date at `ms`.
pub fn day_number(ms: i64, tz: &TimeZone) -> i64 {
    let date = zoned(ms, tz).date();
    i64::from(date.since(Date::constant(1970, 1, 1)).map_or(0, |s| s.get_days()))
}

/// Week number (weeks start on Monday) of the local date at `ms`.
pub fn week_number(ms: i64, tz: &TimeZone) -> i64 {
    // 1970-01-01 was a Thursday: shift so that weeks begin on Mondays.
    (day_number(ms, tz) + 3).div_euclid(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_beyond_what_a_zone_can_place_is_before_or_after_everything() {
        let tz = TimeZone::fixed(jiff::tz::offset(-5));
        assert_eq!(start_of(Date::constant(9999, 12, 31), &tz), i64::MAX, "--since 9999-12-31 lists nothing");
        assert_eq!(start_of(Date::constant(-9999, 1, 1), &tz), i64::MIN);
        assert_eq!(start_of(Date::constant(1970, 1, 2), &TimeZone::UTC), 86_400_000);
    }

    #[test]
    fn weeks_start_on_monday() {
        let utc = TimeZone::UTC;
        let ms = |d: Date| start_of(d, &utc) + 3_600_000;
        let sunday = ms(Date::constant(2026, 11, 22));
        let monday = ms(Date::constant(2026, 11, 23));
        let next_sunday = ms(Date::constant(2026, 11, 29));
        assert_eq!(week_number(monday, &utc), week_number(sunday, &utc) + 1);
        assert_eq!(week_number(monday, &utc), week_number(next_sunday, &utc));
    }

    #[test]
    fn dates_parse_with_a_helpful_error() {
        assert_eq!(parse_date("2026-11-01"), Ok(Date::constant(2026, 11, 1)));
        assert!(parse_date("yesterday").unwrap_err().contains("YYYY-MM-DD"));
    }
}
