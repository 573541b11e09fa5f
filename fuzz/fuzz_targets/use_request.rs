#![no_main]
// A request body of `POST /v1/uses` decodes only if it is the canonical encoding of
// `[1, disclosure, signed statement]`, and never panics.
use chancery::server::UseRequest;
use chancery::Canonical;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(request) = UseRequest::from_canonical(data) {
        assert_eq!(request.to_canonical(), data);
    }
});
