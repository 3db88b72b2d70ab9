//! The two timestamp forms `SigV4` meets, converted to and from epoch seconds
//! without a date-time crate.
//!
//! Only UTC exists here, so the proleptic Gregorian day count (Howard
//! Hinnant's `days_from_civil` / `civil_from_days`) is all that is needed.

const SECS_PER_DAY: u64 = 86_400;

const WEEKDAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
const MONTHS: [&[u8]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Parses ISO-8601 basic format as used by `X-Amz-Date`: `20261121T003000Z`.
/// Strict, so that formatting the result gives the input back byte for byte
/// (the string to sign is rebuilt from the parsed value).
pub(crate) fn parse_amz_date(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[4..6])?;
    let day = digits(&b[6..8])?;
    let hour = digits(&b[9..11])?;
    let minute = digits(&b[11..13])?;
    let second = digits(&b[13..15])?;
    to_epoch(year, month, day, hour, minute, second)
}

/// Parses the HTTP `Date` header: RFC 1123 (`Sat, 21 Nov 2026 00:30:00 GMT`),
/// or the ISO-8601 basic form some clients put there instead.
/// The obsolete RFC 850 and asctime forms are not accepted.
pub(crate) fn parse_http_date(s: &str) -> Option<u64> {
    if let Some(t) = parse_amz_date(s) {
        return Some(t);
    }
    // "Sat, 21 Nov 2026 00:30:00 GMT" is exactly 29 bytes.
    let b = s.as_bytes();
    if b.len() != 29 || &b[3..5] != b", " || &b[25..] != b" GMT" {
        return None;
    }
    if !WEEKDAYS.contains(&&b[0..3]) {
        return None;
    }
    let day = digits(&b[5..7])?;
    let month = MONTHS.iter().position(|m| *m == &b[8..11])? + 1;
    let year = digits(&b[12..16])?;
    if b[7] != b' ' || b[11] != b' ' || b[16] != b' ' || b[19] != b':' || b[22] != b':' {
        return None;
    }
    let hour = digits(&b[17..19])?;
    let minute = digits(&b[20..22])?;
    let second = digits(&b[23..25])?;
    // The weekday is redundant; like most servers, it is not cross-checked.
    to_epoch(year, u32::try_from(month).ok()?, day, hour, minute, second)
}

/// Formats epoch seconds as ISO-8601 basic format, `20261121T003000Z`.
pub(crate) fn format_amz_date(epoch: u64) -> String {
    let days = epoch / SECS_PER_DAY;
    let secs = epoch % SECS_PER_DAY;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn to_epoch(year: u32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Option<u64> {
    // Year 0000 would predate the epoch; leap seconds are not representable.
    if year < 1970
        || !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * SECS_PER_DAY + u64::from(hour * 3600 + minute * 60 + second))
}

fn is_leap(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 for a date on or after it.
fn days_from_civil(year: u32, month: u32, day: u32) -> u64 {
    let y = u64::from(if month <= 2 { year - 1 } else { year });
    let era = y / 400;
    let yoe = y % 400;
    let mp = u64::from((month + 9) % 12); // March = 0
    let doy = (153 * mp + 2) / 5 + u64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    // 719_468 is the day number of 1970-01-01 counted from 0000-03-01.
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`], total over all `u64` day counts.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_date_round_trips() {
        for s in [
            "19700101T000000Z",
            "20000229T235959Z",
            "20261121T003000Z",
            "21001231T120000Z",
            "99991231T235959Z",
        ] {
            let t = parse_amz_date(s).unwrap();
            assert_eq!(format_amz_date(t), s);
        }
        assert_eq!(parse_amz_date("20261121T003000Z"), Some(1_795_221_000));
        assert_eq!(parse_amz_date("19700102T000001Z"), Some(86_401));
    }

    #[test]
    fn amz_date_rejects_bad_input() {
        for s in [
            "",
            "20261121",
            "20261121T003000",
            "20261121t003000Z",
            "20261121T003000z",
            "2026-11-21T00:30:00Z",
            "20261321T003000Z",
            "20261100T003000Z",
            "20250229T003000Z",
            "20261121T240000Z",
            "20261121T006000Z",
            "20261121T000060Z",
            "19691231T235959Z",
            "2026112+T003000Z",
            "２026112T00300Z",
        ] {
            assert_eq!(parse_amz_date(s), None, "{s}");
        }
    }

    #[test]
    fn http_date() {
        assert_eq!(
            parse_http_date("Sat, 21 Nov 2026 00:30:00 GMT"),
            parse_amz_date("20261121T003000Z")
        );
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("20261121T003000Z"), Some(1_795_221_000));
        for s in [
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Xyz, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 31 Nov 1994 08:49:37 GMT",
            "Sun,  6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08-49-37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMTé",
        ] {
            assert_eq!(parse_http_date(s), None, "{s}");
        }
    }

    #[test]
    fn format_is_total() {
        // No input may panic, however far from the present.
        assert_eq!(format_amz_date(0), "19700101T000000Z");
        let _ = format_amz_date(u64::MAX);
    }
}
