#![no_main]
// An uploaded image (`POST /v1/verify/presentation` with a PNG or JPEG body) is read for a QR
// code without panicking, whatever its bytes, and never decodes more than MAX_PIXELS.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = chancery::present::qr_read::read_text(data);
});
