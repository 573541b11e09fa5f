#![no_main]
//! Reads the text form of a compact presentation and verifies it against the trust list of the
//! committed seed (SPEC §20); the raw bytes are also tried as the binary form.
use chancery::present::compact::{verify_compact, CompactPresentation};
use chancery::present::trust::{SignedTrustList, Trust};
use chancery::Canonical;

fn trust() -> Trust {
    let bytes = include_bytes!("../corpus/trust_list/seed-v1");
    let list = SignedTrustList::from_canonical(bytes).map(|s| s.list);
    Trust::from_lists(list)
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let at = chancery::Timestamp(1_767_229_200_000);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(c) = CompactPresentation::from_text(text) {
            let _ = verify_compact(&c, &trust(), at);
        }
    }
    if let Ok(c) = CompactPresentation::from_canonical(data) {
        assert_eq!(c.to_canonical(), data);
        let _ = verify_compact(&c, &trust(), at);
    }
});
