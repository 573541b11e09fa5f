#![no_main]
use chancery::Canonical;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(s) = chancery::present::trust::SignedTrustList::from_canonical(data) {
        assert_eq!(s.to_canonical(), data);
    }
});
