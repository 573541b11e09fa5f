//! C2SP signed notes and checkpoints: the C2SP example from tests/vectors/c2sp, signing and
//! verifying our own, ignoring unknown signatures, and strict parsing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chancery::checkpoint::{sign_note, Checkpoint, Note, NoteError, NoteVerifier};
use chancery::{Digest32, SecretKey};

fn vector(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/c2sp")
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

mod common;

use chancery::checkpoint::{
    ConsistencyError, Monitor, MonitorError, Witness, WitnessError, WitnessPolicy,
};
use chancery::MemoryStore;
use common::{World, ORIGIN};

/// A world with `n` licenses issued.
fn world(n: usize, prefix: &str) -> World<MemoryStore> {
    let (mut w, a) = World::standard(MemoryStore::new());
    for i in 0..n {
        w.issue(&a, "AUTH1", &format!("{prefix}{i}"));
    }
    w
}

/// The ledger's checkpoint at `size`, signed by its root key (seed 1).
fn signed_at(w: &World<MemoryStore>, size: u64) -> String {
    w.signed_checkpoint(size, &SecretKey::from_seed([1; 32]))
}

/// The witness `witness.example/w1` with `key`, for this test log, having cosigned nothing.
fn witness_w1(key: &SecretKey) -> Witness {
    Witness::new(
        "witness.example/w1",
        key.clone(),
        ORIGIN,
        log_verifiers(),
        None,
    )
    .unwrap()
}

fn log_verifiers() -> Vec<NoteVerifier> {
    vec![NoteVerifier::new(ORIGIN, &SecretKey::from_seed([1; 32]).public_key()).unwrap()]
}

#[test]
fn witness_cosigns_only_checkpoints_that_extend_the_last() {
    let w = world(8, "S");
    let key = SecretKey::from_seed([50; 32]);
    let mut witness = witness_w1(&key);
    let first = signed_at(&w, 5);
    let sig = witness
        .cosign(first.as_bytes(), None, 1_767_225_600)
        .unwrap();
    let verifier = NoteVerifier::cosigner("witness.example/w1", &key.public_key()).unwrap();
    assert_eq!(verifier.cosignature_time(&sig), Some(1_767_225_600));
    let mut note = Note::parse(first.as_bytes()).unwrap();
    note.signatures.push(sig);
    let policy = WitnessPolicy {
        witnesses: vec![verifier.clone()],
        threshold: 1,
    };
    assert_eq!(policy.check(&note), Ok(1));
    // The cosigner's vkey (type 0x04) round-trips.
    assert_eq!(NoteVerifier::parse(&verifier.to_vkey()).unwrap(), verifier);

    let n = w.ledger.len();
    let later = signed_at(&w, n);
    let proof = w.ledger.prove_consistency(5, n).unwrap();
    // Refusals change nothing.
    assert!(matches!(
        witness.cosign(later.as_bytes(), None, 1),
        Err(WitnessError::Inconsistent(
            ConsistencyError::MissingProof { .. }
        ))
    ));
    let wrong_proof = w.ledger.prove_consistency(4, n).unwrap();
    assert!(matches!(
        witness.cosign(later.as_bytes(), Some(&wrong_proof), 1),
        Err(WitnessError::Inconsistent(
            ConsistencyError::BadProof { .. }
        ))
    ));
    let fork = Checkpoint {
        origin: ORIGIN.into(),
        size: 5,
        root: chancery::Digest32([3; 32]),
        extensions: vec![],
    }
    .sign(ORIGIN, &SecretKey::from_seed([1; 32]))
    .unwrap()
    .to_text();
    assert_eq!(
        witness.cosign(fork.as_bytes(), None, 1),
        Err(WitnessError::Inconsistent(ConsistencyError::Fork {
            size: 5
        }))
    );
    assert_eq!(witness.last().unwrap().size, 5);
    witness.cosign(later.as_bytes(), Some(&proof), 2).unwrap();
    assert_eq!(witness.last().unwrap().size, n);
    assert!(matches!(
        witness.cosign(first.as_bytes(), None, 3),
        Err(WitnessError::Inconsistent(
            ConsistencyError::Rollback { .. }
        ))
    ));
    // Not signed by the log.
    let stranger = Checkpoint {
        origin: ORIGIN.into(),
        size: n,
        root: w.ledger.root(n).unwrap(),
        extensions: vec![],
    }
    .sign(ORIGIN, &SecretKey::from_seed([9; 32]))
    .unwrap()
    .to_text();
    assert!(matches!(
        witness.cosign(stranger.as_bytes(), None, 4),
        Err(WitnessError::Note(NoteError::NoTrustedSignature))
    ));
}

#[test]
fn witness_policy_k_of_n() {
    let w = world(3, "S");
    let keys: Vec<SecretKey> = (60..63u8).map(|i| SecretKey::from_seed([i; 32])).collect();
    let names = ["w1.example", "w2.example", "w3.example"];
    let text = signed_at(&w, w.ledger.len());
    let mut note = Note::parse(text.as_bytes()).unwrap();
    for (k, name) in keys.iter().zip(names).take(2) {
        let mut witness = Witness::new(name, k.clone(), ORIGIN, log_verifiers(), None).unwrap();
        note.signatures.push(
            witness
                .cosign(text.as_bytes(), None, 1_800_000_000)
                .unwrap(),
        );
    }
    // A cosignature by a witness outside the policy is ignored.
    note.signatures.push(
        chancery::checkpoint::cosign_note(
            &note.text,
            "other.example",
            &SecretKey::from_seed([70; 32]),
            5,
        )
        .unwrap(),
    );
    let policy = |threshold| WitnessPolicy {
        witnesses: keys
            .iter()
            .zip(names)
            .map(|(k, n)| NoteVerifier::cosigner(n, &k.public_key()).unwrap())
            .collect(),
        threshold,
    };
    assert_eq!(policy(2).check(&note), Ok(2));
    assert_eq!(
        policy(3).check(&note),
        Err(NoteError::QuorumNotMet { have: 2, need: 3 })
    );
    // The log's own signature is not a cosignature.
    let bare = Note::parse(text.as_bytes()).unwrap();
    assert_eq!(
        policy(1).check(&bare),
        Err(NoteError::QuorumNotMet { have: 0, need: 1 })
    );
    // A policy witness's cosignature over another text does not count: the note is refused.
    let mut tampered = note.clone();
    tampered.signatures[1].signature[20] ^= 1;
    assert!(matches!(
        policy(1).check(&tampered),
        Err(NoteError::BadSignature { .. })
    ));
    // Round trip through text keeps every line.
    assert_eq!(Note::parse(note.to_text().as_bytes()).unwrap(), note);
}

/// The operator's key signs two ledgers that share their first entries and then differ: the
/// monitor that trusted one reports the other with both signed checkpoints as evidence.
#[test]
fn monitor_reports_a_fork_with_both_checkpoints() {
    let honest = world(6, "S");
    let forked = world(6, "F");
    let mut monitor = Monitor::new(log_verifiers(), None).unwrap();
    let a = signed_at(&honest, 6);
    assert_eq!(monitor.update(a.as_bytes(), None).unwrap().size, 6);
    let n = honest.ledger.len();
    let b = signed_at(&honest, n);
    let proof = honest.ledger.prove_consistency(6, n).unwrap();
    assert_eq!(monitor.update(b.as_bytes(), Some(&proof)).unwrap().size, n);
    // An older view of the same ledger is fine (it is a prefix).
    let back = honest.ledger.prove_consistency(6, n).unwrap();
    assert_eq!(monitor.update(a.as_bytes(), Some(&back)).unwrap().size, n);

    // The fork at the same size: two roots.
    let f = signed_at(&forked, n);
    match monitor.update(f.as_bytes(), None) {
        Err(MonitorError::Fork(e)) => {
            assert_eq!(e.earlier, b);
            assert_eq!(e.later, f);
            assert_eq!(e.reason, ConsistencyError::Fork { size: n });
            // Anyone can check the evidence: both are signed by the log.
            for note in [&e.earlier, &e.later] {
                Checkpoint::open(note.as_bytes(), &log_verifiers()).unwrap();
            }
        }
        other => panic!("{other:?}"),
    }
    // A larger forked checkpoint: its own ledger's proof does not link it to the trusted one.
    let mut forked = forked;
    let a2 = common::actor(10);
    forked.issue(&a2, "AUTH1", "F99");
    let m = forked.ledger.len();
    let g = signed_at(&forked, m);
    let proof = forked.ledger.prove_consistency(n, m).unwrap();
    assert!(matches!(
        monitor.update(g.as_bytes(), Some(&proof)),
        Err(MonitorError::Fork(_))
    ));
    assert_eq!(monitor.last_note(), Some(b.as_str()));
}

/// "Add and get the proof back": each receipt of a batch comes with an inclusion proof to the
/// checkpoint signed after the batch, which a client checks with the ledger's key alone.
#[test]
fn proven_receipts() {
    let (mut w, a) = World::standard(MemoryStore::new());
    let mut batch = Vec::new();
    for i in 0..5 {
        let (ev, _, _) = w.issue_event("AUTH1", &format!("P{i}"));
        batch.push(w.sign(&a, ev));
    }
    // A refused statement: issued by an actor with no rights.
    let (ev, _, _) = w.issue_event("AUTH1", "PX");
    batch.push(w.sign(&common::actor(77), ev));
    let before = w.ledger.len();
    // Only a key that signs checkpoints (here the root key) does; nothing is appended
    // otherwise.
    assert!(matches!(
        w.ledger.append_batch_proven(
            batch.clone(),
            &SecretKey::from_seed([10; 32]),
            &mut chancery::MemoryCheckpointLog::new(),
        ),
        Err(chancery::AppendError::NotACheckpointKey)
    ));
    assert_eq!(w.ledger.len(), before);

    let proven = w
        .ledger
        .append_batch_proven(
            batch,
            &SecretKey::from_seed([1; 32]),
            &mut chancery::MemoryCheckpointLog::new(),
        )
        .unwrap();
    assert_eq!(proven.receipts.len(), 6);
    assert!(matches!(
        &proven.receipts[5],
        Err(chancery::Rejection::Rule(chancery::RuleError::UnknownKey(k))) if *k == common::actor(77).key_id()
    ));
    let verifiers = log_verifiers();
    for r in proven.receipts.iter().take(5) {
        let r = r.as_ref().unwrap();
        let cp = r.verify(&proven.checkpoint, &verifiers).unwrap();
        assert_eq!(cp.size, w.ledger.len());
        let mut bad = r.clone();
        bad.receipt.entry_hash.0[0] ^= 1;
        assert!(matches!(
            bad.verify(&proven.checkpoint, &verifiers),
            Err(chancery::ReceiptError::Proof(
                chancery::merkle::ProofError::RootMismatch
            ))
        ));
    }
    // A checkpoint not signed by the ledger's key proves nothing.
    let r = proven.receipts[0].as_ref().unwrap();
    let other =
        vec![NoteVerifier::new(ORIGIN, &SecretKey::from_seed([9; 32]).public_key()).unwrap()];
    assert!(matches!(
        r.verify(&proven.checkpoint, &other),
        Err(chancery::ReceiptError::Checkpoint(
            chancery::checkpoint::NoteError::NoTrustedSignature
        ))
    ));
}

/// Verifier keys whose base64 key data contains `+` (as about a third of keys' do) parse: the
/// name and key id end at the first two `+`, the key data is the rest.
#[test]
fn verifier_keys_with_plus_in_their_key_data_parse() {
    let mut seen = 0;
    for seed in 0..64u8 {
        let public = chancery::SecretKey::from_seed([seed; 32]).public_key();
        for v in [
            NoteVerifier::new("log.example.org", &public).unwrap(),
            NoteVerifier::cosigner("witness.example.org", &public).unwrap(),
        ] {
            let vkey = v.to_vkey();
            if vkey.matches('+').count() > 2 {
                seen += 1;
            }
            assert_eq!(NoteVerifier::parse(&vkey).unwrap(), v, "{vkey}");
        }
    }
    assert!(seen > 0, "no key data with '+' among the seeds");
}

/// Issue 13, attack 6: a policy naming the same witness twice with threshold 2 is not met by
/// that witness's one cosignature (distinct keys are counted), and a trust list naming a
/// witness twice does not decode.
#[test]
fn given_a_witness_named_twice_when_one_cosignature_is_counted_then_the_quorum_is_not_met() {
    let w = world(8, "S");
    let key = SecretKey::from_seed([50; 32]);
    let mut note = Note::parse(signed_at(&w, 5).as_bytes()).unwrap();
    let sig = witness_w1(&key)
        .cosign(signed_at(&w, 5).as_bytes(), None, 1_767_225_600)
        .unwrap();
    note.signatures.push(sig);
    let verifier = NoteVerifier::cosigner("witness.example/w1", &key.public_key()).unwrap();
    let policy = WitnessPolicy {
        witnesses: vec![verifier.clone(), verifier.clone()],
        threshold: 2,
    };
    assert_eq!(
        policy.check(&note),
        Err(chancery::checkpoint::NoteError::QuorumNotMet { have: 1, need: 2 })
    );
    let listed = chancery::present::trust::TrustedLedger {
        origin: ORIGIN.into(),
        operator_keys: vec![],
        witnesses: policy,
        freshness: chancery::present::trust::Freshness::DEFAULT,
        unwitnessed: false,
        require_holder: false,
    };
    let bytes = chancery::Canonical::to_canonical(&listed);
    assert!(matches!(
        <chancery::present::trust::TrustedLedger as chancery::Canonical>::from_canonical(&bytes),
        Err(chancery::encoding::DecodeError::InvalidValue { what, .. }) if what.contains("twice")
    ));
}
