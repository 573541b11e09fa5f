#![no_main]
// A request body of `POST /v1/add` decodes only if it is the canonical encoding of a signed
// statement or of an array of 1 to 1,000 of them, and never panics.
use chancery::server::Submission;
use chancery::Canonical;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    match Submission::decode(data) {
        Ok(Submission::One(s)) => assert_eq!(s.to_canonical(), data),
        Ok(Submission::Batch(b)) => assert_eq!(b.to_canonical(), data),
        Err(_) => {}
    }
});
