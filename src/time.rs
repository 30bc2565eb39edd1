//! Dates for `--expires` and for showing expiry and last use (UTC, no time zones).

pub const DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `YYYY-MM-DD` (00:00 UTC, when GitLab tokens expire), `YYYY-MM-DDTHH:MM:SSZ`, or Unix seconds.
pub fn parse(text: &str) -> Result<i64, String> {
    let bad =
        || format!("`{text}` is not a date (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or Unix seconds)");
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map_err(|_| bad());
    }
    let (date, time) = match text.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t.strip_suffix('Z').ok_or_else(bad)?)),
        None => (text, None),
    };
    let num = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i64>().ok())
            .flatten()
    };
    let parts: Vec<&str> = date.split('-').collect();
    let [y, m, d] = parts[..] else {
        return Err(bad());
    };
    let (y, m, d) = (
        num(y, 4).ok_or_else(bad)?,
        num(m, 2).ok_or_else(bad)?,
        num(d, 2).ok_or_else(bad)?,
    );
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return Err(bad());
    }
    let mut seconds = days_from_civil(y, m, d) * DAY;
    if let Some(t) = time {
        let hms: Vec<&str> = t.split(':').collect();
        let [h, mi, s] = hms[..] else {
            return Err(bad());
        };
        let (h, mi, s) = (
            num(h, 2).ok_or_else(bad)?,
            num(mi, 2).ok_or_else(bad)?,
            num(s, 2).ok_or_else(bad)?,
        );
        if h > 23 || mi > 59 || s > 60 {
            return Err(bad());
        }
        seconds += h * 3600 + mi * 60 + s;
    }
    Ok(seconds)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][(m - 1) as usize]
}

/// `YYYY-MM-DD`.
pub fn date(seconds: i64) -> String {
    let (y, m, d) = civil_from_days(seconds.div_euclid(DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub fn datetime(seconds: i64) -> String {
    let rem = seconds.rem_euclid(DAY);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date(seconds),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_known_values() {
        assert_eq!(parse("1970-01-01").unwrap(), 0);
        assert_eq!(parse("2026-12-01").unwrap(), 1_796_083_200);
        assert_eq!(parse("2024-02-29T12:30:00Z").unwrap(), 1_709_209_800);
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
}
