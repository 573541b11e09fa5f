#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = chancery::archive::audit_archive(data, |_| {});
});
