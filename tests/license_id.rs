//! License identifiers: ISO/IEC 7064 MOD 37,36 known answers, parse/format, typed errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chancery::id::{mod37_36_check, LicenseIdError};
use chancery::LicenseId;
use proptest::prelude::*;

#[test]
fn mod37_36_known_answers() {
    // The GRid (Global Release Identifier) standard's example A1-2425G-ABC1234002-M uses
    // ISO/IEC 7064 MOD 37,36: check character M.
    assert_eq!(mod37_36_check("A12425GABC1234002"), Some('M'));
    assert_eq!(mod37_36_check("a"), None);
    assert_eq!(mod37_36_check("A.B"), None);
}

#[test]
fn parse_and_format() {
    let id = LicenseId::new("FOODBIZ", "11330100MB0000001X", "000123", 1).unwrap();
    let text = id.to_string();
    assert!(text.starts_with("1.2.156.3005.2.FOODBIZ.11330100MB0000001X.000123.001."));
    let check = text.chars().last().unwrap();
    assert_eq!(
        Some(check),
        mod37_36_check("FOODBIZ11330100MB0000001X000123001")
    );
    assert_eq!(text.parse::<LicenseId>().unwrap(), id);
    assert_eq!(id.next_version().unwrap().version(), 2);
    assert_eq!(id.lineage(), "FOODBIZ.11330100MB0000001X.000123");
}

#[test]
fn typed_errors() {
    let good = LicenseId::new("T1", "AUTH1", "S1", 7).unwrap().to_string();
    let check = good.chars().last().unwrap();
    let wrong = if check == '0' { '1' } else { '0' };
    let bad_check = format!("{}{wrong}", &good[..good.len() - 1]);
    assert!(matches!(
        bad_check.parse::<LicenseId>(),
        Err(LicenseIdError::BadCheckCharacter { .. })
    ));
    assert_eq!(
        "1.2.156.3005.3.T1.AUTH1.S1.007.X".parse::<LicenseId>(),
        Err(LicenseIdError::WrongRoot)
    );
    assert_eq!(
        "2.1.T1".parse::<LicenseId>(),
        Err(LicenseIdError::WrongRoot)
    );
    assert_eq!(
        "1.2.156.3005.2.T1.AUTH1.S1.7.X".parse::<LicenseId>(),
        Err(LicenseIdError::BadVersion)
    );
    assert_eq!(
        "1.2.156.3005.2.T1.AUTH1.S1.000.X".parse::<LicenseId>(),
        Err(LicenseIdError::BadVersion)
    );
    assert_eq!(
        "1.2.156.3005.2.T1.AUTH1.S1.0a1.X".parse::<LicenseId>(),
        Err(LicenseIdError::BadVersion)
    );
    assert_eq!(
        "1.2.156.3005.2.T1.AUTH1.S1.001".parse::<LicenseId>(),
        Err(LicenseIdError::WrongPartCount { found: 4 })
    );
    assert_eq!(
        "1.2.156.3005.2.t1.AUTH1.S1.001.X".parse::<LicenseId>(),
        Err(LicenseIdError::BadCode { part: "type code" })
    );
    assert_eq!(
        LicenseId::new("T1", "", "S1", 1),
        Err(LicenseIdError::BadCode {
            part: "issuer code"
        })
    );
    assert_eq!(
        LicenseId::new("T1", "A", "S1", 1000),
        Err(LicenseIdError::BadVersion)
    );
    assert!(LicenseId::new("T1", "A", "S1", 999)
        .unwrap()
        .next_version()
        .is_none());
}

proptest! {
    #[test]
    fn round_trip_and_single_substitution_detected(
        t in "[0-9A-Z]{1,12}", i in "[0-9A-Z]{1,18}", s in "[0-9A-Z]{1,10}", v in 1u16..=999,
        pos in any::<usize>(), sub in 0usize..36,
    ) {
        let id = LicenseId::new(&t, &i, &s, v).unwrap();
        let text = id.to_string();
        prop_assert_eq!(text.parse::<LicenseId>().unwrap(), id);
        // MOD 37,36 detects every single-character substitution.
        let body_start = "1.2.156.3005.2.".len();
        let chars: Vec<char> = text.chars().collect();
        let idx = body_start + pos % (chars.len() - body_start);
        let alphabet: Vec<char> = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".chars().collect();
        if chars[idx] != '.' && chars[idx] != alphabet[sub] {
            let mut m = chars.clone();
            m[idx] = alphabet[sub];
            let mutated: String = m.into_iter().collect();
            prop_assert!(mutated.parse::<LicenseId>().is_err(), "{} accepted", mutated);
        }
    }
}
