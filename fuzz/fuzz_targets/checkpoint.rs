#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(note) = chancery::checkpoint::Note::parse(data) {
        let _ = chancery::checkpoint::Checkpoint::parse_text(&note.text);
        assert_eq!(note.to_text().as_bytes(), data);
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = chancery::checkpoint::NoteVerifier::parse(s);
    }
});
