//! Dates and durations, with jiff doing the calendar work: `--expires`, the providers' expiry
//! formats, showing expiry and last use (UTC, no time zones), and durations such as `--for 8h`,
//! `--within 7d` or `cache_ttl = "5m"`. Times are kept as Unix seconds everywhere else.

use jiff::{SignedDuration, Span, SpanRelativeTo, Timestamp, civil::Date, tz::TimeZone};

pub const DAY: i64 = 86_400;

/// `YYYY-MM-DD` (00:00 UTC, when GitLab tokens expire), an RFC 3339 timestamp
/// (`YYYY-MM-DDTHH:MM:SSZ` or with an offset), GitHub's `YYYY-MM-DD HH:MM:SS UTC` or
/// `... -0800`, or Unix seconds.
pub fn parse(text: &str) -> Result<i64, String> {
    let bad =
        || format!("`{text}` is not a date (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or Unix seconds)");
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map_err(|_| bad());
    }
    if text.len() == 10 {
        let date: Date = text.parse().map_err(|_| bad())?;
        let midnight = date.to_zoned(TimeZone::UTC).map_err(|_| bad())?;
        return Ok(midnight.timestamp().as_second());
    }
    // An RFC 3339 timestamp must say its offset; a bare local time would be a guess.
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(ts.as_second());
    }
    if let Some(utc) = text.strip_suffix(" UTC") {
        let civil: jiff::civil::DateTime = utc.parse().map_err(|_| bad())?;
        let zoned = civil.to_zoned(TimeZone::UTC).map_err(|_| bad())?;
        return Ok(zoned.timestamp().as_second());
    }
    Timestamp::strptime("%Y-%m-%d %H:%M:%S %z", text)
        .map(|ts| ts.as_second())
        .map_err(|_| bad())
}

/// An expiry as `--expires` takes it: `never` (`None`), a duration from `now` (`30d`, `12w`,
/// `8h`, as [`parse_duration`] reads it), or a point in time as [`parse`] reads it. The one
/// place `--expires` is read, so every command takes the same forms.
pub fn parse_expiry(text: &str, now: i64) -> Result<Option<i64>, String> {
    let trimmed = text.trim();
    if trimmed.eq_ignore_ascii_case("never") {
        return Ok(None);
    }
    if let Ok(at) = parse(trimmed) {
        return Ok(Some(at));
    }
    match parse_duration(trimmed) {
        Ok(ahead) => Ok(Some(
            now.saturating_add(i64::try_from(ahead.as_secs()).unwrap_or(i64::MAX)),
        )),
        Err(_) => Err(format!(
            "`{}` is not an expiry ({EXPIRY_FORMS})",
            crate::term::escape(text)
        )),
    }
}

/// What `--expires` takes, for help texts and errors.
pub const EXPIRY_FORMS: &str =
    "30d or 12w from now, YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, Unix seconds, or never";

/// A duration such as `90s`, `15m`, `8h`, `7d`, `2w` or `1h30m` (a day is 24 hours), or the
/// ISO 8601 form `PT8H`. Zero and negative durations are refused.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let bad = || format!("`{text}` is not a duration (for example 90s, 15m, 8h, 7d)");
    let span: Span = text.trim().parse().map_err(|_| bad())?;
    let signed = span
        .to_duration(SpanRelativeTo::days_are_24_hours())
        .map_err(|_| bad())?;
    if signed <= SignedDuration::ZERO {
        return Err(format!("`{text}` is not a positive duration"));
    }
    signed.try_into().map_err(|_| bad())
}

/// A duration for people: `2d 3h`, `45m`, `30s`.
pub fn duration_words(seconds: u64) -> String {
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
        seconds % 60,
    );
    let parts: Vec<String> = [(d, "d"), (h, "h"), (m, "m"), (s, "s")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .take(2)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    if parts.is_empty() {
        "0s".into()
    } else {
        parts.join(" ")
    }
}

fn timestamp(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap_or(if seconds < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// `YYYY-MM-DD`.
pub fn date(seconds: i64) -> String {
    timestamp(seconds).strftime("%Y-%m-%d").to_string()
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub fn datetime(seconds: i64) -> String {
    timestamp(seconds)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_known_values() {
        assert_eq!(parse("1970-01-01").unwrap(), 0);
        assert_eq!(parse("2026-12-01").unwrap(), 1_796_083_200);
        assert_eq!(parse("2024-02-29T12:30:00Z").unwrap(), 1_709_209_800);
        assert_eq!(parse("2024-02-29T14:30:00+02:00").unwrap(), 1_709_209_800);
        assert_eq!(parse("2024-02-29 12:30:00 UTC").unwrap(), 1_709_209_800);
        assert_eq!(parse("2024-02-29 04:30:00 -0800").unwrap(), 1_709_209_800);
        assert_eq!(parse("1700000000").unwrap(), 1_700_000_000);
        assert_eq!(date(1_796_083_200), "2026-12-01");
        assert_eq!(datetime(1_709_209_800), "2024-02-29T12:30:00Z");
        for days in [-1000, 0, 59, 60, 10_000, 20_000, 30_000] {
            assert_eq!(parse(&date(days * DAY)).unwrap(), days * DAY);
        }
    }

    #[test]
    fn refuses_non_dates() {
        for bad in [
            "",
            "2026-13-01",
            "2026-02-30",
            "2023-02-29",
            "26-01-01",
            "2026-1-1",
            "tomorrow",
            "2026-01-01T25:00:00Z",
            "2026-01-01T10:00:00",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn expiries_take_durations_dates_and_never() {
        let now = 1_700_000_000;
        assert_eq!(parse_expiry("never", now).unwrap(), None);
        assert_eq!(parse_expiry("NEVER", now).unwrap(), None);
        assert_eq!(parse_expiry("30d", now).unwrap(), Some(now + 30 * DAY));
        assert_eq!(parse_expiry("12w", now).unwrap(), Some(now + 84 * DAY));
        assert_eq!(parse_expiry("8h", now).unwrap(), Some(now + 8 * 3600));
        assert_eq!(
            parse_expiry("2026-12-01", now).unwrap(),
            Some(1_796_083_200)
        );
        assert_eq!(
            parse_expiry("2024-02-29T12:30:00Z", now).unwrap(),
            Some(1_709_209_800)
        );
        assert_eq!(
            parse_expiry("1800000000", now).unwrap(),
            Some(1_800_000_000)
        );
        for bad in ["", "soon", "0d", "-3d", "2026-13-01", "nevermore"] {
            let e = parse_expiry(bad, now).unwrap_err();
            assert!(
                e.contains("not an expiry") && e.contains("never"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn durations() {
        let secs = |t: &str| parse_duration(t).unwrap().as_secs();
        assert_eq!(secs("90s"), 90);
        assert_eq!(secs("15m"), 900);
        assert_eq!(secs("8h"), 8 * 3600);
        assert_eq!(secs("7d"), 7 * DAY as u64);
        assert_eq!(secs("2w"), 14 * DAY as u64);
        assert_eq!(secs("1h30m"), 5400);
        assert_eq!(secs("PT8H"), 8 * 3600);
        for bad in ["", "0s", "-5m", "soon", "5", "1y"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(duration_words(93_784), "1d 2h");
        assert_eq!(duration_words(0), "0s");
    }
}
