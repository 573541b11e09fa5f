//! Archives: export, streaming audit, import; every kind of damage is reported at the first bad
//! entry with its byte offset, and nothing panics.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::archive::{
    self, ArchiveAuditError, ArchiveError, ArchiveReader, ArchiveWriter, Header,
};
use chancery::audit::EntryFault;
use chancery::storage::{Record, Store};
use chancery::{Ledger, ManualClock, MemoryStore};
use common::*;

/// A ledger with `licenses` licenses and its archive.
fn archived(licenses: usize) -> (World<MemoryStore>, Vec<u8>) {
    let (mut w, a) = World::standard(MemoryStore::new());
    for i in 0..licenses {
        w.issue(&a, "AUTH1", &format!("S{i}"));
    }
    let bytes = archive::export(&w.ledger, &[], Vec::new(), |_| {}).unwrap();
    (w, bytes)
}

/// The byte offset of every entry item, read back with the reader.
fn entry_offsets(bytes: &[u8]) -> Vec<u64> {
    let mut r = ArchiveReader::new(bytes).unwrap();
    let mut out = Vec::new();
    while let Some(e) = r.next_entry().unwrap() {
        out.push(e.offset);
    }
    r.finish().unwrap();
    out
}

/// An archive of `records` as given (possibly tampered), with a header announcing them all
/// and a trailer computed from the untampered ledger.
fn rewrite(w: &World<MemoryStore>, records: &[Record]) -> Vec<u8> {
    let header = Header {
        origin: w.ledger.state().origin().unwrap().to_owned(),
        entries: records.len() as u64,
    };
    let mut out = ArchiveWriter::new(Vec::new(), &header).unwrap();
    for r in records {
        out.entry(&r.hash, &r.bytes).unwrap();
    }
    let n = w.ledger.len();
    out.finish(w.ledger.root(n).unwrap(), w.ledger.state().head())
        .unwrap()
}

#[test]
fn export_audit_and_import_round_trip() {
    let (w, bytes) = archived(12);
    let n = w.ledger.len();
    let report = archive::audit_archive(bytes.as_slice(), |_| {}).unwrap();
    assert_eq!(report.header.entries, n);
    assert_eq!(report.trailer.root, w.ledger.root(n).unwrap());
    assert_eq!(&report.state, w.ledger.state());

    let mut store = MemoryStore::new();
    let mut seen = 0;
    archive::import(bytes.as_slice(), &mut store, |k| seen = k).unwrap();
    assert_eq!(seen, n);
    assert_eq!(
        store.read(0, n).unwrap(),
        w.ledger.store().read(0, n).unwrap()
    );
    let reopened = Ledger::open_verified(store, ManualClock::new(w.now())).unwrap();
    assert_eq!(reopened.state(), w.ledger.state());
}

/// Flip each bit-6 of every byte: the audit fails every time, and a flip inside an entry item
/// is reported as that entry (sequence number and the item's offset).
#[test]
fn every_flipped_byte_is_reported() {
    let (_, bytes) = archived(6);
    let offsets = entry_offsets(&bytes);
    let (_, trailer) = ArchiveReader::new(&bytes[..]).unwrap().finish().unwrap();
    let trailer_start = bytes.len() - chancery::Canonical::to_canonical(&trailer).len();
    for i in 0..bytes.len() {
        let mut bad = bytes.clone();
        bad[i] ^= 0x40;
        let result = archive::audit_archive(bad.as_slice(), |_| {});
        let Err(e) = result else {
            panic!("byte {i}: damage went unnoticed");
        };
        let inside = offsets
            .iter()
            .rposition(|o| (*o as usize) <= i)
            .filter(|_| i < trailer_start);
        match (inside, e) {
            (Some(k), ArchiveAuditError::BadEntry { error, offset }) => {
                assert_eq!(error.seq, k as u64, "byte {i}");
                assert_eq!(offset, offsets[k], "byte {i}");
            }
            (Some(k), ArchiveAuditError::Archive(ArchiveError::Malformed { offset, .. }))
            | (Some(k), ArchiveAuditError::Archive(ArchiveError::Truncated { offset, .. })) => {
                // The item's framing itself was hit.
                assert!(
                    offset <= i as u64,
                    "byte {i} reported at {offset}, entries at {offsets:?}"
                );
                assert!(offset >= offsets[k], "byte {i} reported at {offset}");
            }
            (Some(k), other) => panic!("byte {i} in entry {k} at {}: {other}", offsets[k]),
            (None, _) => {} // header or trailer: any error
        }
    }
}

#[test]
fn dropped_reordered_and_truncated_entries() {
    let (w, bytes) = archived(10);
    let n = w.ledger.len();
    let records = w.ledger.store().read(0, n).unwrap();
    let first_bad = |bytes: &[u8]| match archive::audit_archive(bytes, |_| {}) {
        Err(ArchiveAuditError::BadEntry { error, .. }) => (error.seq, error.fault),
        other => panic!("{other:?}"),
    };

    let mut dropped = records.clone();
    dropped.remove(5);
    let (seq, fault) = first_bad(&rewrite(&w, &dropped));
    assert_eq!(seq, 5);
    assert!(matches!(
        fault,
        EntryFault::WrongSequence {
            expected: 5,
            found: 6
        }
    ));

    let mut swapped = records.clone();
    swapped.swap(4, 7);
    assert_eq!(first_bad(&rewrite(&w, &swapped)).0, 4);

    // The last entry dropped and the header adjusted: the trailer no longer matches.
    let short = rewrite(&w, &records[..records.len() - 1]);
    assert!(matches!(
        archive::audit_archive(short.as_slice(), |_| {}),
        Err(ArchiveAuditError::TrailerMismatch { .. })
    ));

    // Cut anywhere: truncation, never a panic, never success.
    for cut in (1..bytes.len()).step_by(37) {
        assert!(
            archive::audit_archive(&bytes[..cut], |_| {}).is_err(),
            "cut {cut}"
        );
    }
    // Something after the trailer.
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        archive::audit_archive(longer.as_slice(), |_| {}),
        Err(ArchiveAuditError::Archive(
            ArchiveError::TrailingData { .. }
        ))
    ));
}

#[test]
fn header_origin_must_match_genesis() {
    let (w, _) = archived(2);
    let n = w.ledger.len();
    let records = w.ledger.store().read(0, n).unwrap();
    let header = Header {
        origin: "other.example.gov.cn/elicense".into(),
        entries: n,
    };
    let mut out = ArchiveWriter::new(Vec::new(), &header).unwrap();
    for r in &records {
        out.entry(&r.hash, &r.bytes).unwrap();
    }
    let bytes = out
        .finish(w.ledger.root(n).unwrap(), w.ledger.state().head())
        .unwrap();
    assert!(matches!(
        archive::audit_archive(bytes.as_slice(), |_| {}),
        Err(ArchiveAuditError::OriginMismatch { .. })
    ));
}

#[test]
fn empty_and_miscounted_archives() {
    let header = Header {
        origin: "x".into(),
        entries: 0,
    };
    let empty = ArchiveWriter::new(Vec::new(), &header)
        .unwrap()
        .finish(Default::default(), Default::default())
        .unwrap();
    assert!(matches!(
        archive::audit_archive(empty.as_slice(), |_| {}),
        Err(ArchiveAuditError::Empty)
    ));
    let header = Header {
        origin: "x".into(),
        entries: 2,
    };
    let w = ArchiveWriter::new(Vec::new(), &header).unwrap();
    assert!(matches!(
        w.finish(Default::default(), Default::default()),
        Err(ArchiveError::CountMismatch {
            announced: 2,
            written: 0
        })
    ));
}

/// Checkpoints in an archive are verified against the replay: signed by a root key, for the
/// ledger's origin, with the root the ledger has at their size. A forged one is reported with
/// its offset.
#[test]
fn archive_checkpoints_are_verified() {
    use chancery::checkpoint::{CheckpointError, NoteError};
    let (w, _) = archived(5);
    let n = w.ledger.len();
    let root_key = key(1);
    let good = [
        w.signed_checkpoint(3, &root_key),
        w.signed_checkpoint(n, &root_key),
    ];
    let bytes = archive::export(&w.ledger, &good, Vec::new(), |_| {}).unwrap();
    let report = archive::audit_archive(bytes.as_slice(), |_| {}).unwrap();
    assert_eq!(report.checkpoints.len(), 2);
    assert_eq!(report.checkpoints[1].size, n);

    let check = |note: String| {
        let bytes =
            archive::export(&w.ledger, &[good[0].clone(), note], Vec::new(), |_| {}).unwrap();
        match archive::audit_archive(bytes.as_slice(), |_| {}) {
            Err(ArchiveAuditError::BadCheckpoint { offset, reason }) => {
                assert!(offset > 0);
                reason
            }
            other => panic!("{other:?}"),
        }
    };
    // Signed by a key that is not a root key of the ledger (an authority's).
    assert_eq!(
        check(w.signed_checkpoint(n, &key(10))),
        CheckpointError::Note(NoteError::NoTrustedSignature)
    );
    // A root it never had at that size: a fork signed by the root key.
    let fork = chancery::checkpoint::Checkpoint {
        origin: ORIGIN.into(),
        size: 4,
        root: chancery::Digest32([9; 32]),
        extensions: vec![],
    }
    .sign(ORIGIN, &root_key)
    .unwrap()
    .to_text();
    assert_eq!(check(fork), CheckpointError::Inconsistent { size: 4 });
    // Beyond the ledger.
    let ahead = chancery::checkpoint::Checkpoint {
        origin: ORIGIN.into(),
        size: n + 1,
        root: w.ledger.root(n).unwrap(),
        extensions: vec![],
    }
    .sign(ORIGIN, &root_key)
    .unwrap()
    .to_text();
    assert!(matches!(check(ahead), CheckpointError::BeyondLedger { .. }));
    // One altered character of a genuine checkpoint.
    let altered = good[1].replacen(&format!("\n{n}\n"), &format!("\n{}\n", n - 1), 1);
    assert!(matches!(
        check(altered),
        CheckpointError::Note(NoteError::BadSignature { .. })
    ));
}

/// The archive seed of the fuzz corpus (`fuzz/corpus/archive/seed-8-entries`) is rewritten
/// from a standard ledger when CHANCERY_WRITE_VECTORS is set; either way it audits clean.
#[test]
fn given_the_archive_fuzz_seed_when_audited_then_it_is_clean() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/archive/seed-8-entries");
    if std::env::var_os("CHANCERY_WRITE_VECTORS").is_some() {
        let (w, bytes) = archived(8 - 3);
        assert_eq!(w.ledger.len(), 8);
        std::fs::write(&path, bytes).unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    archive::audit_archive(bytes.as_slice(), |_| {}).unwrap();
}

#[test]
fn given_an_archive_cut_among_its_entries_when_audited_then_the_cut_entry_is_named() {
    let (_, bytes) = archived(4);
    let offsets = entry_offsets(&bytes);
    for (k, start) in offsets.iter().enumerate() {
        for cut in [*start as usize, *start as usize + 5] {
            let e = archive::audit_archive(&bytes[..cut], |_| {}).unwrap_err();
            match e {
                ArchiveAuditError::Archive(ArchiveError::Truncated { entry, .. }) => {
                    assert_eq!(entry, Some(k as u64), "cut at {cut}");
                    assert!(e.to_string().contains(&format!("(entry {k})")), "{e}");
                }
                other => panic!("cut at {cut}: {other}"),
            }
        }
    }
}

#[test]
fn given_an_archive_of_format_v1_when_read_then_it_is_refused_by_name() {
    let (_, mut bytes) = archived(1);
    // ["chancery-archive", 2, …]: the version follows the 16-character magic.
    let at = 1 + 1 + "chancery-archive".len();
    assert_eq!(bytes[at], 2);
    bytes[at] = 1;
    let e = archive::audit_archive(bytes.as_slice(), |_| {}).unwrap_err();
    assert!(
        matches!(
            e,
            ArchiveAuditError::Archive(ArchiveError::OldFormat { found: 1 })
        ),
        "{e}"
    );
    assert!(e.to_string().contains("made by format v1"), "{e}");
}
