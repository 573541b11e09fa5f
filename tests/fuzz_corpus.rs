//! Replays every committed fuzz corpus file through the same library functions the fuzz targets
//! call, so CI exercises them on stable Rust; the seeds that are valid must decode.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chancery::{Canonical, Credential, Disclosure, Entry, LicenseId, SignedStatement};
use std::path::Path;

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|f| {
            let p = f.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "empty corpus {}", dir.display());
    out
}

/// Decodes every file of a corpus; the `seed-*` files are valid and must round-trip.
fn replay<T: Canonical>(target: &str) -> usize {
    let mut seeds = 0;
    for (name, data) in corpus(target) {
        let r = T::from_canonical(&data);
        if name.starts_with("seed-") {
            assert_eq!(r.unwrap().to_canonical(), data, "{target}/{name}");
            seeds += 1;
        }
    }
    seeds
}

#[test]
fn corpora_replay_without_panics() {
    let seeds = replay::<Entry>("entry")
        + replay::<SignedStatement>("signed_statement")
        + replay::<Credential>("credential")
        + replay::<Disclosure>("disclosure");
    for (_, data) in corpus("license_id") {
        let _ = std::str::from_utf8(&data).map(str::parse::<LicenseId>);
    }
    assert!(seeds >= 11);
    let mut archive_seeds = 0;
    for (name, data) in corpus("archive") {
        let r = chancery::archive::audit_archive(data.as_slice(), |_| {});
        if name.starts_with("seed-") {
            assert!(r.is_ok(), "archive/{name}: {r:?}");
            archive_seeds += 1;
        }
    }
    assert!(archive_seeds >= 1);
}

/// The presentation, compact and trust list corpora: every file goes through the same decoding
/// and verification as the fuzz targets (against the seed trust list); the seeds verify.
#[test]
fn presentation_corpora_replay_without_panics() {
    use chancery::present::compact::{verify_compact, CompactPresentation};
    use chancery::present::trust::{SignedTrustList, Trust};
    use chancery::present::{verify_presentation, Presentation};
    let list = corpus("trust_list")
        .into_iter()
        .find(|(n, _)| n == "seed-v1")
        .unwrap()
        .1;
    let trust = Trust::from_lists([SignedTrustList::from_canonical(&list).unwrap().list]);
    let at = chancery::Timestamp(1_767_229_200_000);
    assert!(replay::<SignedTrustList>("trust_list") >= 1);
    assert!(replay::<Presentation>("presentation") >= 1);
    for (name, data) in corpus("presentation") {
        if let Ok(p) = Presentation::from_canonical(&data) {
            let v = verify_presentation(&p, &trust, at);
            assert!(!name.starts_with("seed-") || v.is_valid(), "{name}: {v}");
        }
    }
    for (name, data) in corpus("compact") {
        let c = std::str::from_utf8(&data)
            .ok()
            .and_then(|t| CompactPresentation::from_text(t).ok());
        if name.starts_with("seed-") {
            assert!(c.is_some(), "compact/{name}");
        }
        if let Some(c) = c {
            let v = verify_compact(&c, &trust, at);
            assert!(!name.starts_with("seed-") || v.is_valid(), "{name}: {v}");
        }
        if let Ok(c) = CompactPresentation::from_canonical(&data) {
            let _ = verify_compact(&c, &trust, at);
        }
    }
}

/// The tile-path corpus: seeds parse and are their tile's canonical path; nothing else that
/// parses differs from its canonical path; no input panics.
#[test]
fn tile_path_corpus_replays_canonically() {
    let mut seeds = 0;
    for (name, data) in corpus("tile_path") {
        let Ok(path) = std::str::from_utf8(&data) else {
            continue;
        };
        let parsed = chancery::merkle::Tile::parse(path);
        if name.starts_with("seed-") {
            assert_eq!(
                parsed.as_ref().map(|t| t.path()).as_deref(),
                Ok(path),
                "{name}"
            );
            seeds += 1;
        } else if let Ok(t) = parsed {
            assert_eq!(t.path(), path, "{name}");
        }
    }
    assert_eq!(seeds, 2);
}

/// The submission corpus (`POST /v1/add` bodies): seeds decode and re-encode to themselves;
/// nothing that decodes differs from its encoding; no input panics.
#[cfg(feature = "server")]
#[test]
fn submission_corpus_replays_canonically() {
    use chancery::server::Submission;
    let mut seeds = 0;
    for (name, data) in corpus("submission") {
        let encoded = match Submission::decode(&data) {
            Ok(Submission::One(s)) => Some(s.to_canonical()),
            Ok(Submission::Batch(b)) => Some(b.to_canonical()),
            Err(_) => None,
        };
        if name.starts_with("seed-") {
            assert_eq!(encoded.as_deref(), Some(&data[..]), "{name}");
            seeds += 1;
        } else if let Some(e) = encoded {
            assert_eq!(e, data, "{name}");
        }
    }
    assert_eq!(seeds, 2);
}

/// The QR image corpus (uploaded PNG and JPEG photos): no input panics; a header claiming a
/// huge image is refused by its size; the blank seed decodes and holds no code.
#[cfg(feature = "server")]
#[test]
fn qr_image_corpus_reads_without_panicking() {
    use chancery::present::qr_read::{read_text, ReadQrError};
    let mut seen = 0;
    for (name, data) in corpus("qr_image") {
        let read = read_text(&data);
        match name.as_str() {
            "seed-blank-8x8.png" => assert_eq!(read, Err(ReadQrError::NoCode), "{name}"),
            "huge-header.png" => {
                assert!(
                    matches!(read, Err(ReadQrError::TooLarge { .. })),
                    "{read:?}"
                )
            }
            _ => assert!(read.is_err(), "{name}"),
        }
        seen += 1;
    }
    assert_eq!(seen, 5);
}

/// The use-request corpus (`POST /v1/uses` bodies): seeds decode and re-encode to themselves;
/// nothing that decodes differs from its encoding; no input panics.
#[cfg(feature = "server")]
#[test]
fn use_request_corpus_replays_canonically() {
    use chancery::server::UseRequest;
    let mut seeds = 0;
    for (name, data) in corpus("use_request") {
        let encoded = UseRequest::from_canonical(&data).map(|r| r.to_canonical());
        if name.starts_with("seed-") {
            assert_eq!(encoded.as_deref(), Ok(&data[..]), "{name}");
            seeds += 1;
        } else if let Ok(e) = encoded {
            assert_eq!(e, data, "{name}");
        }
    }
    assert_eq!(seeds, 2);
}

/// The add-checkpoint corpus (`POST /add-checkpoint` bodies, C2SP tlog-witness): seeds parse and
/// write back byte for byte, as does anything else that parses; a witness answers each without
/// panicking.
#[test]
fn add_checkpoint_corpus_replays_canonically() {
    use chancery::checkpoint::{AddCheckpoint, NoteVerifier, Witness};
    let origin = "example.com/behind-the-sofa";
    let key = chancery::SecretKey::from_seed([7; 32]);
    let log = NoteVerifier::new(origin, &key.public_key()).unwrap();
    let mut seeds = 0;
    for (name, data) in corpus("add_checkpoint") {
        let parsed = AddCheckpoint::parse(&data);
        if name.starts_with("seed-") {
            assert!(parsed.is_ok(), "{name}: {parsed:?}");
            seeds += 1;
        }
        if let Ok(request) = parsed {
            assert_eq!(request.to_text().as_bytes(), &data[..], "{name}");
            let mut witness =
                Witness::new("w.example", key.clone(), origin, vec![log.clone()], None).unwrap();
            let _ = witness.add_checkpoint(&request, 0, |_, _| Ok(()));
        }
    }
    assert_eq!(seeds, 2);
}
