//! Timestamps: milliseconds since the Unix epoch, UTC, and the civil time zone (a fixed UTC
//! offset) in which people type and read them.

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

/// A civil time zone: a fixed offset from UTC in minutes east (China Standard Time, the
/// default of every ledger, is `+08:00`). The wire keeps UTC milliseconds; a ledger's policy
/// names its zone, and dates people type or read are in it (SPEC §3).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct UtcOffset(i32);

impl Default for UtcOffset {
    fn default() -> Self {
        Self::CHINA
    }
}

impl UtcOffset {
    /// China Standard Time, `+08:00`.
    pub const CHINA: UtcOffset = UtcOffset(480);
    /// UTC itself.
    pub const UTC: UtcOffset = UtcOffset(0);
    /// The largest offset allowed either way: 23 hours 59 minutes (RFC 3339's range).
    pub const MAX_MINUTES: i32 = 23 * 60 + 59;

    /// The offset of `minutes` east of UTC, if within ±23:59.
    pub fn from_minutes(minutes: i32) -> Option<Self> {
        (minutes.abs() <= Self::MAX_MINUTES).then_some(Self(minutes))
    }

    /// Minutes east of UTC.
    pub fn minutes(self) -> i32 {
        self.0
    }

    fn millis(self) -> i64 {
        i64::from(self.0) * 60_000
    }

    /// `t` as RFC 3339 local time with milliseconds and this offset, e.g.
    /// `2026-12-01T10:00:00.000+08:00`; parses back with [`UtcOffset::parse`].
    pub fn format(self, t: Timestamp) -> String {
        let local = i64::try_from(t.0)
            .unwrap_or(i64::MAX / 2)
            .saturating_add(self.millis());
        let days = local.div_euclid(86_400_000);
        let rem = local.rem_euclid(86_400_000);
        let (y, mo, d) = civil_from_days(days);
        let secs = rem / 1000;
        format!(
            "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}{self}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60,
            rem % 1000
        )
    }

    /// The calendar date of `t` in this zone, `YYYY-MM-DD`.
    pub fn format_date(self, t: Timestamp) -> String {
        self.format(t)[..10].to_owned()
    }

    /// Parses a time a person typed: an RFC 3339 time with an offset (`Z`, `+08:00`) is that
    /// instant; a local time without one (`YYYY-MM-DDTHH:MM[:SS[.mmm]]`) is in this zone; a
    /// date alone (`YYYY-MM-DD`) is local midnight, the start of that day.
    pub fn parse(self, s: &str) -> Option<Timestamp> {
        self.parse_with(s, false)
    }

    /// As [`UtcOffset::parse`], except that a date alone means the end of that local day (the
    /// next local midnight): for times that end a period (validity ends, consent ends,
    /// deadlines), which are exclusive.
    pub fn parse_end(self, s: &str) -> Option<Timestamp> {
        self.parse_with(s, true)
    }

    fn parse_with(self, s: &str, end_of_day: bool) -> Option<Timestamp> {
        let (local, zone) = split_zone(s)?;
        let zone = zone.unwrap_or(self);
        let b = local.as_bytes();
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = local.get(r)?;
            if !part.is_empty() && part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let date = Timestamp::from_ymd(num(0..4)?, num(5..7)?, num(8..10)?)?;
        let mut ms: u64 = 0;
        if b.len() == 10 {
            if end_of_day {
                ms = 86_400_000;
            }
        } else {
            if b[10] != b'T' || b.len() < 16 || b[13] != b':' {
                return None;
            }
            let (h, m) = (num(11..13)?, num(14..16)?);
            let sec = match b.len() {
                16 => 0,
                19 | 23 if b[16] == b':' => num(17..19)?,
                _ => return None,
            };
            let milli = match b.len() {
                23 if b[19] == b'.' => num(20..23)?,
                23 => return None,
                _ => 0,
            };
            if h > 23 || m > 59 || sec > 59 {
                return None;
            }
            ms = u64::from(h * 3600 + m * 60 + sec) * 1000 + u64::from(milli);
        }
        let utc = i64::try_from(date.0.checked_add(ms)?).ok()? - zone.millis();
        u64::try_from(utc).ok().map(Timestamp)
    }
}

/// Splits a trailing `Z` or `±HH:MM` off a typed time.
fn split_zone(s: &str) -> Option<(&str, Option<UtcOffset>)> {
    if let Some(local) = s.strip_suffix('Z') {
        return Some((local, Some(UtcOffset::UTC)));
    }
    // At a character boundary only: typed text may hold any character.
    if s.len() > 16 && s.is_char_boundary(s.len() - 6) {
        let (local, zone) = s.split_at(s.len() - 6);
        if let Ok(z) = zone.parse::<UtcOffset>() {
            return Some((local, Some(z)));
        }
    }
    Some((s, None))
}

impl fmt::Display for UtcOffset {
    /// `+08:00`, `-05:30`, `+00:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { '-' } else { '+' };
        let m = self.0.unsigned_abs();
        write!(f, "{sign}{:02}:{:02}", m / 60, m % 60)
    }
}

impl std::str::FromStr for UtcOffset {
    type Err = &'static str;

    /// `+08:00`, `-05:30` or `Z`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const BAD: &str = "a UTC offset is +HH:MM or -HH:MM";
        if s == "Z" {
            return Ok(Self::UTC);
        }
        let b = s.as_bytes();
        if b.len() != 6 || b[3] != b':' || !matches!(b[0], b'+' | b'-') {
            return Err(BAD);
        }
        let digits = |r: std::ops::Range<usize>| -> Result<i32, &'static str> {
            let part = s.get(r).ok_or(BAD)?;
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().map_err(|_| BAD)
            } else {
                Err(BAD)
            }
        };
        let (h, m) = (digits(1..3)?, digits(4..6)?);
        if h > 23 || m > 59 {
            return Err(BAD);
        }
        let minutes = h * 60 + m;
        Ok(Self(if b[0] == b'-' { -minutes } else { minutes }))
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
    use super::{Timestamp, UtcOffset};

    #[test]
    fn given_china_time_when_formatting_then_it_parses_back() {
        let z = UtcOffset::CHINA;
        for t in [0, 1_767_225_600_000, 1_767_225_600_123, 253_402_271_999_999] {
            let ts = Timestamp(t);
            assert_eq!(z.parse(&z.format(ts)), Some(ts), "{}", z.format(ts));
        }
        assert_eq!(
            z.format(Timestamp(1_767_225_600_000)),
            "2026-01-01T08:00:00.000+08:00"
        );
    }

    #[test]
    fn given_a_date_alone_when_parsing_then_it_is_local_midnight_or_the_end_of_that_day() {
        let z = UtcOffset::CHINA;
        // 2026-12-01 00:00 +08:00 is 2026-11-30T16:00Z.
        let start = Timestamp::parse("2026-11-30T16:00:00Z");
        assert_eq!(z.parse("2026-12-01"), start);
        assert_eq!(z.parse_end("2026-12-01"), start.map(|t| t.plus_days(1)));
        assert_eq!(z.parse_end("2026-12-01T10:00"), z.parse("2026-12-01T10:00"));
    }

    #[test]
    fn given_an_explicit_offset_when_parsing_then_the_zone_is_ignored() {
        for z in [UtcOffset::CHINA, UtcOffset::UTC] {
            assert_eq!(
                z.parse("2026-12-01T10:00:00+08:00"),
                Timestamp::parse("2026-12-01T02:00:00Z")
            );
            assert_eq!(
                z.parse("2026-12-01T10:00:00.250-05:30"),
                Timestamp::parse("2026-12-01T15:30:00.250Z")
            );
        }
        assert_eq!(
            UtcOffset::UTC.parse("2026-12-01T10:00"),
            Timestamp::parse("2026-12-01T10:00:00Z")
        );
    }

    #[test]
    fn given_malformed_times_or_offsets_when_parsing_then_they_are_refused() {
        let z = UtcOffset::CHINA;
        for bad in [
            "2026-12-01T10",
            "2026-12-01T10:00:0",
            "2026-12-01 10:00",
            "2026-12-01T10:00+8",
            "2026-13-01",
            "2026-12-01T24:00",
        ] {
            assert_eq!(z.parse(bad), None, "{bad}");
        }
        for bad in ["+8:00", "+24:00", "08:00", "+08:60", "+0800"] {
            assert!(bad.parse::<UtcOffset>().is_err(), "{bad}");
        }
        assert_eq!(
            "-05:30".parse::<UtcOffset>().map(UtcOffset::minutes),
            Ok(-330)
        );
        assert_eq!(UtcOffset::from_minutes(24 * 60), None);
    }

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
