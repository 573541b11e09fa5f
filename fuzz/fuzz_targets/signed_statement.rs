#![no_main]
use chancery::Canonical;
libfuzzer_sys::fuzz_target!(|data: &[u8]| { let _ = chancery::SignedStatement::from_canonical(data); });
