//! Status stamps: issued by the operator for the ledger's present, verified offline with the
//! operator's keys and a freshness window, and checked against the log by replaying it up to the
//! stamp's size, so a false stamp signed by the operator is caught.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::stamp::{StampError, StatusClaim, StatusStamp};
use chancery::{Canonical, Event, MemoryStore, StampCheckError, Status};
use common::*;

#[test]
fn stamps_are_issued_verified_and_checked_against_the_log() {
    let (mut w, a) = World::standard(MemoryStore::new());
    let (id, _) = w.issue(&a, "AUTH1", "S1");
    let (other, _) = w.issue(&a, "AUTH1", "S2");
    let root = key(1);
    let now = w.now();
    let until = now.plus_days(1);
    let valid = w
        .ledger
        .stamp(
            &id,
            now,
            until,
            &root,
            &chancery::MemoryCheckpointLog::new(),
        )
        .unwrap();
    assert_eq!(valid.claim.status, Status::Valid);
    assert_eq!(valid.claim.size, w.ledger.len());
    // Round trip through bytes.
    let bytes = valid.to_canonical();
    assert_eq!(StatusStamp::from_canonical(&bytes).unwrap(), valid);
    // Offline: the operator's key and a time inside the window.
    let keys = [root.public_key()];
    assert_eq!(valid.verify(&keys).unwrap(), &valid.claim);
    assert!(valid.current_at(now.plus_millis(1000)).is_ok());
    assert!(matches!(
        valid.current_at(until),
        Err(StampError::NotCurrent { .. })
    ));
    assert_eq!(
        valid.verify(&[key(10).public_key()]),
        Err(StampError::BadSignature)
    );
    // Not for the future (current or as of), nor with an empty window.
    assert!(matches!(
        w.ledger.stamp(
            &id,
            now.plus_days(1),
            now.plus_days(2),
            &root,
            &chancery::MemoryCheckpointLog::new()
        ),
        Err(chancery::stamp::IssueStampError::Future(_))
    ));
    assert!(matches!(
        w.ledger.stamp_as_of(
            &id,
            now.plus_days(1),
            now.plus_days(2),
            &root,
            &chancery::MemoryCheckpointLog::new()
        ),
        Err(chancery::stamp::IssueStampError::Future(_))
    ));
    assert_eq!(
        w.ledger
            .stamp(&id, now, now, &root, &chancery::MemoryCheckpointLog::new()),
        Err(chancery::stamp::IssueStampError::BadWindow)
    );

    // The license is revoked later; the old stamp stays true of its checkpoint.
    w.advance_days(1);
    let t = w.termination(&id);
    w.ok(&a, Event::LicenseRevoked(t));
    let revoked = w
        .ledger
        .stamp(
            &id,
            w.now(),
            w.now().plus_days(1),
            &root,
            &chancery::MemoryCheckpointLog::new(),
        )
        .unwrap();
    assert!(matches!(revoked.claim.status, Status::Revoked { .. }));
    let other_stamp = w
        .ledger
        .stamp(
            &other,
            w.now(),
            w.now().plus_days(1),
            &root,
            &chancery::MemoryCheckpointLog::new(),
        )
        .unwrap();
    w.ledger
        .check_stamps(&[revoked.clone(), valid.clone(), other_stamp])
        .unwrap();

    // The operator lies: "valid" as of the revocation's checkpoint. Signed by the root key, so
    // it verifies offline, but the log contradicts it.
    let lie = StatusStamp::sign(
        StatusClaim {
            status: Status::Valid,
            ..revoked.claim.clone()
        },
        &root,
    )
    .unwrap();
    assert!(lie.verify(&keys).is_ok());
    match w.ledger.check_stamps(&[valid.clone(), lie]) {
        Err(StampCheckError::Stamp(1, StampError::Mismatch("status"))) => {}
        other => panic!("{other:?}"),
    }
    // A stamp naming another entry, or a root the ledger never had.
    for (claim, what) in [
        (
            StatusClaim {
                entry_seq: valid.claim.entry_seq + 1,
                ..valid.claim.clone()
            },
            "entry",
        ),
        (
            StatusClaim {
                root: chancery::Digest32([5; 32]),
                ..valid.claim.clone()
            },
            "checkpoint root",
        ),
    ] {
        let forged = StatusStamp::sign(claim, &root).unwrap();
        match w.ledger.check_stamps(&[forged]) {
            Err(StampCheckError::Stamp(0, StampError::Mismatch(m))) => assert_eq!(m, what),
            other => panic!("{what}: {other:?}"),
        }
    }
    // Signed by someone else: refused by the log check too.
    let stranger = StatusStamp::sign(valid.claim.clone(), &key(10)).unwrap();
    assert!(matches!(
        w.ledger.check_stamps(&[stranger]),
        Err(StampCheckError::Stamp(0, StampError::BadSignature))
    ));
}

/// Every status encodes and decodes back (the stamp carries it).
#[test]
fn statuses_round_trip() {
    let t = chancery::Timestamp(1_767_225_600_000);
    let id = chancery::LicenseId::new("T1", "AUTH1", "S1", 1).unwrap();
    let all = [
        Status::Valid,
        Status::NotYetValid,
        Status::Expired,
        Status::Suspended,
        Status::Cancelled { since: t },
        Status::Revoked { since: t },
        Status::Withdrawn { since: t },
        Status::Rescinded,
        Status::Superseded { by: id },
        Status::KeyCompromised {
            key: key(3).key_id(),
        },
        Status::Unknown,
    ];
    for s in all {
        let bytes = s.to_canonical();
        assert_eq!(Status::from_canonical(&bytes).unwrap(), s);
    }
    assert!(Status::from_canonical(&[0x81, 0x0b]).is_err());
    assert!(Status::from_canonical(&[0x82, 0x00, 0x00]).is_err());
}

/// A stamp made from fixed keys, the seed of the `stamp` fuzz corpus (written with
/// CHANCERY_WRITE_VECTORS=1); every corpus file decodes without panicking.
#[test]
fn stamp_corpus() {
    let (mut w, a) = World::standard(MemoryStore::new());
    let (id, _) = w.issue(&a, "AUTH1", "S1");
    let mut stamp = w
        .ledger
        .stamp(
            &id,
            w.now(),
            w.now().plus_days(1),
            &key(1),
            &chancery::MemoryCheckpointLog::new(),
        )
        .unwrap();
    // Salts are random, so the entry hash and root differ per run: fix them for the seed file.
    stamp.claim.entry_hash = chancery::Digest32([1; 32]);
    stamp.claim.root = chancery::Digest32([2; 32]);
    let stamp = StatusStamp::sign(stamp.claim, &key(1)).unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/stamp");
    let seed = dir.join("seed-valid");
    if std::env::var_os("CHANCERY_WRITE_VECTORS").is_some() {
        std::fs::write(&seed, stamp.to_canonical()).unwrap();
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let decoded = StatusStamp::from_canonical(&data);
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("seed-")
        {
            assert_eq!(decoded.unwrap().to_canonical(), data);
        }
    }
}
