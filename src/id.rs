//! License identifiers (证照标识) in the GB/T 36903 style:
//! `1.2.156.3005.2.{type code}.{issuer code}.{serial}.{version:3}.{check}`.
//!
//! Type code, issuer code and serial are 1 to 32 characters of `0-9A-Z`; the version is three
//! decimal digits `001`–`999`; the check character is ISO/IEC 7064 MOD 37,36 computed over the
//! type code, issuer code, serial and version concatenated without dots.

use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};
use std::fmt;
use std::str::FromStr;

/// The fixed root arc of every identifier.
pub const LICENSE_ID_ROOT: &str = "1.2.156.3005.2";

const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Longest type code, issuer code or serial.
pub const MAX_CODE_LEN: usize = 32;

/// Why a string is not a valid license identifier.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LicenseIdError {
    /// It does not start with `1.2.156.3005.2.`.
    #[error("identifier does not start with the root {LICENSE_ID_ROOT}")]
    WrongRoot,
    /// It does not have exactly five parts after the root.
    #[error("identifier has {found} parts after the root, expected 5")]
    WrongPartCount {
        /// Parts found.
        found: usize,
    },
    /// A code part is empty, too long or has a character outside `0-9A-Z`.
    #[error("{part} is not 1 to 32 characters of 0-9A-Z")]
    BadCode {
        /// Which part.
        part: &'static str,
    },
    /// The version is not three digits from 001 to 999.
    #[error("version must be three digits from 001 to 999")]
    BadVersion,
    /// The check character is not the MOD 37,36 check of the rest.
    #[error("check character {found:?} is wrong, expected {expected:?}")]
    BadCheckCharacter {
        /// The character present.
        found: String,
        /// The correct character.
        expected: char,
    },
}

/// ISO/IEC 7064 MOD 37,36 (hybrid system, alphabet `0-9A-Z`) check character of `data`, or `None`
/// if `data` has a character outside the alphabet.
pub fn mod37_36_check(data: &str) -> Option<char> {
    const M: u32 = 36;
    let mut p = M;
    for c in data.bytes() {
        let v = ALPHABET.iter().position(|a| *a == c)? as u32;
        let mut s = (p + v) % M;
        if s == 0 {
            s = M;
        }
        p = (s * 2) % (M + 1);
    }
    Some(char::from(ALPHABET[((M + 1 - p) % M) as usize]))
}

/// Checks an authority or license-type code: 1 to 32 characters of `0-9A-Z`.
pub fn is_valid_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_CODE_LEN
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

/// A validated license identifier. Every version of a license has its own identifier; the
/// versions of one license share type code, issuer code and serial (the *lineage*).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LicenseId {
    /// The full text form, check character included (formatted once, at construction); the
    /// parts are slices of it.
    text: String,
    /// End of the type code in `text`.
    type_end: u8,
    /// End of the issuer code in `text`.
    issuer_end: u8,
    /// End of the serial in `text`.
    serial_end: u8,
    version: u16,
}

impl LicenseId {
    /// Builds an identifier; the check character is computed.
    pub fn new(
        type_code: &str,
        issuer: &str,
        serial: &str,
        version: u16,
    ) -> Result<Self, LicenseIdError> {
        for (part, v) in [
            ("type code", type_code),
            ("issuer code", issuer),
            ("serial", serial),
        ] {
            if !is_valid_code(v) {
                return Err(LicenseIdError::BadCode { part });
            }
        }
        if !(1..=999).contains(&version) {
            return Err(LicenseIdError::BadVersion);
        }
        let data = format!("{type_code}{issuer}{serial}{version:03}");
        let check = mod37_36_check(&data).unwrap_or('0');
        let type_end = LICENSE_ID_ROOT.len() + 1 + type_code.len();
        let issuer_end = type_end + 1 + issuer.len();
        let serial_end = issuer_end + 1 + serial.len();
        // Codes are at most 32 bytes, so every offset is below 255.
        let offset = |o: usize| u8::try_from(o).unwrap_or(u8::MAX);
        Ok(Self {
            text: format!("{LICENSE_ID_ROOT}.{type_code}.{issuer}.{serial}.{version:03}.{check}"),
            type_end: offset(type_end),
            issuer_end: offset(issuer_end),
            serial_end: offset(serial_end),
            version,
        })
    }

    /// The text form, e.g. `1.2.156.3005.2.FOODBIZ.11330100MB0000001X.000123.001.A`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The license-type code.
    pub fn type_code(&self) -> &str {
        self.part(LICENSE_ID_ROOT.len() + 1, self.type_end)
    }

    /// The issuing authority's code.
    pub fn issuer(&self) -> &str {
        self.part(usize::from(self.type_end) + 1, self.issuer_end)
    }

    /// The serial number within type and issuer.
    pub fn serial(&self) -> &str {
        self.part(usize::from(self.issuer_end) + 1, self.serial_end)
    }

    fn part(&self, start: usize, end: u8) -> &str {
        self.text.get(start..usize::from(end)).unwrap_or_default()
    }

    /// The version, 1 for the first issuance.
    pub fn version(&self) -> u16 {
        self.version
    }

    /// The identifier of the next version of the same license, if there can be one.
    pub fn next_version(&self) -> Option<Self> {
        Self::new(
            self.type_code(),
            self.issuer(),
            self.serial(),
            self.version.checked_add(1)?,
        )
        .ok()
    }

    /// The lineage key shared by all versions: `{type}.{issuer}.{serial}`.
    pub fn lineage(&self) -> &str {
        self.part(LICENSE_ID_ROOT.len() + 1, self.serial_end)
    }

    /// The check character.
    pub fn check_character(&self) -> char {
        self.text.chars().last().unwrap_or('0')
    }
}

impl fmt::Display for LicenseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for LicenseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LicenseId({self})")
    }
}

impl FromStr for LicenseId {
    type Err = LicenseIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rest = s
            .strip_prefix(LICENSE_ID_ROOT)
            .and_then(|r| r.strip_prefix('.'))
            .ok_or(LicenseIdError::WrongRoot)?;
        let parts: Vec<&str> = rest.split('.').collect();
        let [type_code, issuer, serial, version, check] = parts[..] else {
            return Err(LicenseIdError::WrongPartCount { found: parts.len() });
        };
        if version.len() != 3 || !version.bytes().all(|b| b.is_ascii_digit()) {
            return Err(LicenseIdError::BadVersion);
        }
        let version: u16 = version.parse().map_err(|_| LicenseIdError::BadVersion)?;
        let id = Self::new(type_code, issuer, serial, version)?;
        let expected = id.check_character();
        if check.len() != 1 || !check.starts_with(expected) {
            return Err(LicenseIdError::BadCheckCharacter {
                found: check.to_owned(),
                expected,
            });
        }
        Ok(id)
    }
}

impl Canonical for LicenseId {
    /// Encoded as its text form.
    fn encode(&self, e: &mut Encoder) {
        e.text(&self.text);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        let at = d.position();
        d.text()?.parse().map_err(|_| DecodeError::InvalidValue {
            offset: at,
            what: "license identifier",
        })
    }
}
