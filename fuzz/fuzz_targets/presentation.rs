#![no_main]
//! Decodes a full presentation and verifies it against the trust list of the committed seed
//! (SPEC §20), so the verifier's every step sees mutated bundles.
use chancery::present::trust::{SignedTrustList, Trust};
use chancery::Canonical;

fn trust() -> Trust {
    let bytes = include_bytes!("../corpus/trust_list/seed-v1");
    let list = SignedTrustList::from_canonical(bytes).map(|s| s.list);
    Trust::from_lists(list)
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(p) = chancery::present::Presentation::from_canonical(data) {
        assert_eq!(p.to_canonical(), data);
        let at = chancery::Timestamp(1_767_229_200_000);
        let _ = chancery::present::verify_presentation(&p, &trust(), at);
    }
});
