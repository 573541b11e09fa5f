#![no_main]
//! `POST /add-checkpoint` bodies (C2SP tlog-witness): parsing is strict and round-trips, and a
//! witness answers any request without panicking.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(request) = chancery::checkpoint::AddCheckpoint::parse(data) {
        assert_eq!(request.to_text().as_bytes(), data);
        let key = chancery::SecretKey::from_seed([7; 32]);
        let log = chancery::checkpoint::NoteVerifier::new("example.com/behind-the-sofa", &key.public_key())
            .unwrap();
        let mut witness = chancery::checkpoint::Witness::new(
            "w.example",
            key,
            "example.com/behind-the-sofa",
            vec![log],
            None,
        )
        .unwrap();
        let _ = witness.add_checkpoint(&request, 0, |_, _| Ok(()));
    }
});
