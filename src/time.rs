//! Timestamps: milliseconds since the Unix epoch, UTC.

use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};
use std::fmt;

/// A point in time: milliseconds since 1970-01-01T00:00:00Z. On the wire an unsigned integer.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// The current system time.
    pub fn now() -> Self {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        Timestamp(u64::try_from(ms).unwrap_or(u64::MAX))
    }

    /// Milliseconds since the epoch.
    pub fn millis(self) -> u64 {
        self.0
    }

    /// This time plus `ms` milliseconds (saturating).
    pub fn plus_millis(self, ms: u64) -> Self {
        Timestamp(self.0.saturating_add(ms))
    }

    /// This time plus `days` days (saturating).
    pub fn plus_days(self, days: u64) -> Self {
        self.plus_millis(days.saturating_mul(86_400_000))
    }

    /// Midnight UTC of a calendar date, or `None` if the date does not exist.
    pub fn from_ymd(year: u32, month: u32, day: u32) -> Option<Self> {
        if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || day == 0 {
            return None;
        }
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days_in = [
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
        ];
        if day > days_in[(month - 1) as usize] {
            return None;
        }
        let days = days_from_civil(i64::from(year), month, day);
        Some(Timestamp(
            u64::try_from(days).ok()?.checked_mul(86_400_000)?,
        ))
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC; the
    /// last is what `Display` prints, so every timestamp shown parses back).
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = s.get(r)?;
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let date = Self::from_ymd(num(0..4)?, num(5..7)?, num(8..10)?)?;
        if b.len() == 10 {
            return Some(date);
        }
        let millis = match b.len() {
            20 => 0,
            24 if b[19] == b'.' => num(20..23)?,
            _ => return None,
        };
        if b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[b.len() - 1] != b'Z' {
            return None;
        }
        let (h, m, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if h > 23 || m > 59 || sec > 59 {
            return None;
        }
        Some(date.plus_millis(u64::from(h * 3600 + m * 60 + sec) * 1000 + u64::from(millis)))
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The calendar date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC with millisecond precision, e.g. `2026-11-23T09:45:00.000Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0 / 1000;
        let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
        let (y, mo, d) = civil_from_days(days);
        let rem = secs % 86_400;
        write!(
            f,
            "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60,
            self.0 % 1000
        )
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Canonical for Timestamp {
    fn encode(&self, e: &mut Encoder) {
        e.uint(self.0);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.uint().map(Timestamp)
    }
}

#[cfg(test)]
mod tests {
    use super::Timestamp;

    #[test]
    fn display_parses_back() {
        for t in [
            0,
            1,
            999,
            1_767_225_600_000,
            1_767_225_600_123,
            253_402_300_799_999,
        ] {
            let ts = Timestamp(t);
            assert_eq!(Timestamp::parse(&ts.to_string()), Some(ts), "{ts}");
        }
        assert_eq!(
            Timestamp::parse("2026-01-01T00:00:01Z"),
            Some(Timestamp(1_767_225_601_000))
        );
        assert_eq!(
            Timestamp::parse("2026-01-01"),
            Some(Timestamp(1_767_225_600_000))
        );
        for bad in [
            "2026-01-01T00:00:01.5Z",
            "2026-01-01T00:00:01.1234Z",
            "2026-01-01T00:00:01.12aZ",
            "2026-01-01T00:00:01.123",
            "2026-13-01",
            "2026-01-01T24:00:00Z",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }
}
