//! C2SP signed notes and checkpoints: the C2SP example from ../shared/vectors/c2sp, signing and
//! verifying our own, ignoring unknown signatures, and strict parsing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chancery::checkpoint::{sign_note, Checkpoint, Note, NoteError, NoteVerifier};
use chancery::{Digest32, SecretKey};

fn vector(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/vectors/c2sp")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn c2sp_signed_note_example_verifies() {
    let vkey = String::from_utf8(vector("signed-note-example.vkey")).unwrap();
    let verifier = NoteVerifier::parse(vkey.trim_end()).unwrap();
    assert_eq!(verifier.name(), "example.com/foo");
    assert_eq!(verifier.key_id(), 0x530d903a);
    assert_eq!(verifier.to_vkey(), vkey.trim_end());
    let bytes = vector("signed-note-example.note");
    let note = Note::parse(&bytes).unwrap();
    assert_eq!(note.text, "This is an example message.\n");
    assert_eq!(
        note.verify(std::slice::from_ref(&verifier)).unwrap(),
        vec![0]
    );
    assert_eq!(note.to_text().as_bytes(), bytes.as_slice());

    // One changed character of the text: the known key's signature fails.
    let mut altered = bytes.clone();
    altered[0] = b't';
    let altered = Note::parse(&altered).unwrap();
    assert!(matches!(
        altered.verify(std::slice::from_ref(&verifier)),
        Err(NoteError::BadSignature { .. })
    ));
    // Same name, other key: the signature is not by a known key.
    let other = NoteVerifier::new(
        "example.com/foo",
        &SecretKey::from_seed([9; 32]).public_key(),
    )
    .unwrap();
    assert_eq!(note.verify(&[other]), Err(NoteError::NoTrustedSignature));
}

#[test]
fn checkpoints_sign_verify_and_ignore_unknown_signatures() {
    let operator = SecretKey::from_seed([1; 32]);
    let witness = SecretKey::from_seed([2; 32]);
    let cp = Checkpoint {
        origin: "zj.gov.cn/elicense".into(),
        size: 20852163,
        root: Digest32([7; 32]),
        extensions: vec![],
    };
    let mut note = cp.sign("zj.gov.cn/elicense", &operator).unwrap();
    note.signatures
        .push(sign_note(&note.text, "witness.example/w1", &witness).unwrap());
    let text = note.to_text();
    assert!(text.starts_with("zj.gov.cn/elicense\n20852163\nBwcH"));
    let op = NoteVerifier::new("zj.gov.cn/elicense", &operator.public_key()).unwrap();
    let w = NoteVerifier::new("witness.example/w1", &witness.public_key()).unwrap();
    // The operator alone: the witness signature is ignored.
    let (parsed, _) = Checkpoint::open(text.as_bytes(), std::slice::from_ref(&op)).unwrap();
    assert_eq!(parsed, cp);
    // Both known: both verify.
    let note = Note::parse(text.as_bytes()).unwrap();
    assert_eq!(note.verify(&[op.clone(), w]).unwrap(), vec![0, 1]);
    // Verifier key strings round-trip.
    assert_eq!(NoteVerifier::parse(&op.to_vkey()).unwrap(), op);
}

#[test]
fn strict_parsing() {
    let key = SecretKey::from_seed([3; 32]);
    let good = Checkpoint {
        origin: "o".into(),
        size: 5,
        root: Digest32([1; 32]),
        extensions: vec![],
    }
    .sign("o", &key)
    .unwrap()
    .to_text();
    assert!(Note::parse(good.as_bytes()).is_ok());
    let cases: &[(&str, String)] = &[
        ("no final newline", good.trim_end().to_owned()),
        ("no blank line", good.replacen("\n\n", "\n", 1)),
        ("control character", good.replacen("o\n5", "o\t\n5", 1)),
        ("hyphen for em dash", good.replace('\u{2014}', "-")),
        (
            "unsigned",
            good[..good.find('\u{2014}').unwrap()].to_owned(),
        ),
        ("unpadded signature", {
            let i = good.rfind("=\n").unwrap();
            format!("{}\n", &good[..i])
        }),
    ];
    for (what, text) in cases {
        assert!(Note::parse(text.as_bytes()).is_err(), "{what}: {text:?}");
    }
    assert!(Note::parse(&[0xff, b'\n', b'\n']).is_err());
    let bodies = [
        (
            "leading zero",
            "o\n05\nAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n",
        ),
        ("short root", "o\n5\nAQEB\n"),
        (
            "unpadded root",
            "o\n5\nAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE\n",
        ),
        (
            "empty origin",
            "\n5\nAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n",
        ),
        (
            "negative",
            "o\n-5\nAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n",
        ),
        ("missing root", "o\n5\n"),
        (
            "empty extension",
            "o\n5\nAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n\n",
        ),
    ];
    for (what, body) in bodies {
        assert!(Checkpoint::parse_text(body).is_err(), "{what}");
    }
    let zero =
        Checkpoint::parse_text("o\n0\nAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n").unwrap();
    assert_eq!(zero.size, 0);
    for vkey in [
        "a+530d903a",
        "a b+530d903a+AQ==",
        "example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
    ] {
        assert!(NoteVerifier::parse(vkey).is_err(), "{vkey}");
    }
}

/// The committed fuzz corpus for checkpoints: every file goes through the fuzz target's
/// functions; `seed-*` files are valid notes that print back byte for byte.
#[test]
fn checkpoint_corpus_replays() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/checkpoint");
    let mut seeds = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if let Ok(note) = Note::parse(&data) {
            let _ = Checkpoint::parse_text(&note.text);
            assert_eq!(note.to_text().as_bytes(), data.as_slice(), "{name}");
        }
        if let Ok(s) = std::str::from_utf8(&data) {
            let _ = NoteVerifier::parse(s);
        }
        if name.starts_with("seed-") {
            assert!(Note::parse(&data).is_ok(), "{name}");
            seeds += 1;
        }
    }
    assert!(seeds >= 2);
}

/// Writes a signed checkpoint seed for the fuzz corpus (run with CHANCERY_WRITE_VECTORS=1).
#[test]
fn checkpoint_seed() {
    let key = SecretKey::from_seed([1; 32]);
    let note = Checkpoint {
        origin: "ledger.example.gov.cn/elicense".into(),
        size: 4,
        root: Digest32([0xab; 32]),
        extensions: vec![],
    }
    .sign("ledger.example.gov.cn/elicense", &key)
    .unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus/checkpoint/seed-checkpoint");
    if std::env::var_os("CHANCERY_WRITE_VECTORS").is_some() {
        std::fs::write(&path, note.to_text()).unwrap();
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), note.to_text());
}
