//! E-seals: register a seal, seal documents, report the seal lost, verify the documents.
//!
//! `cargo run --release --example seal_document [DIR]` creates a ledger on the embedded store
//! in DIR (default: a fresh temporary directory); a public-security bureau registers a
//! company's official seal (公章); the company seals two contracts; the seal is reported lost
//! (挂失); a third sealing is refused; then all three documents are verified as a relying party
//! would, each as of the time it was sealed.

use chancery::event::{AuthorityRegistration, Policy, SealApplication, SealTerms};
use chancery::{
    crypto::sha256, Actor, Event, FileStore, Ledger, SecretKey, SystemClock, Timestamp,
};
use std::error::Error;

const ORIGIN: &str = "ledger.example.gov.cn/eseal";

fn main() -> Result<(), Box<dyn Error>> {
    let dir = match std::env::args().nth(1) {
        Some(d) => std::path::PathBuf::from(d),
        None => std::env::temp_dir().join(format!("chancery-seal-{}", std::process::id())),
    };
    println!("store: {}", dir.display());
    let now = Timestamp::now;
    let root = Actor::new(ORIGIN, SecretKey::generate());
    let police = Actor::new(ORIGIN, SecretKey::generate());
    let company = Actor::new(ORIGIN, SecretKey::generate());
    // The seal's own key: kept in the company's seal device; it signs every application.
    let seal = Actor::new(ORIGIN, SecretKey::generate());

    let genesis = root.sign(
        Event::LedgerCreated {
            root_keys: vec![root.public_key()],
            policy: Policy::default(),
        },
        now(),
    );
    let mut ledger = Ledger::create(FileStore::open(&dir)?, genesis, SystemClock)?;

    // 1. The root registers the seal registrar (公安机关, may register seals) and the company.
    let unit = |code: &str, name: &str, key: &Actor, seals: bool| {
        Event::AuthorityRegistered(AuthorityRegistration {
            code: code.into(),
            name: name.into(),
            parent: None,
            keys: vec![key.public_key()],
            license_types: vec![],
            may_register_seals: seals,
            may_delegate: false,
        })
    };
    let company_name = "Hangzhou West Lake Noodles Co., Ltd.";
    for r in ledger.append_batch(vec![
        root.sign(
            unit(
                "11330100POLICE0001",
                "Hangzhou Public Security Bureau",
                &police,
                true,
            ),
            now(),
        ),
        root.sign(
            unit("91330100MA27XXXX1Q", company_name, &company, false),
            now(),
        ),
    ])? {
        r?;
    }

    // 2. The registrar registers the company's official seal (制作+备案); the company accepts
    //    it with its own key, and the seal's key proves possession.
    let es_id = "33010020260001";
    ledger.append(police.sign(
        Event::SealRegistered(Box::new(company.accept_seal(
            SealTerms {
                es_id: es_id.into(),
                owner: "91330100MA27XXXX1Q".into(),
                name: company_name.into(),
                seal_type: "公章".into(),
                key: seal.public_key(),
                image: sha256(b"<seal image PNG>"),
                valid_from: now(),
                valid_until: Some(now().plus_days(5 * 365)),
                registrar: "11330100POLICE0001".into(),
            },
            &seal,
        ))),
        now(),
    ))?;
    println!(
        "seal {es_id} registered: {}",
        ledger.seal_status(es_id, now())
    );

    // 3. Two contracts are sealed; each application is signed by the seal's key.
    let documents: [&[u8]; 3] = [
        b"%PDF lease contract no. 1",
        b"%PDF supply contract no. 2",
        b"%PDF loan contract no. 3",
    ];
    let apply = |doc: &[u8], case: &str| {
        seal.sign(
            Event::SealApplied(SealApplication {
                es_id: es_id.into(),
                document: sha256(doc),
                case: case.into(),
                operator: "office-clerk-07".into(),
            }),
            now(),
        )
    };
    for (i, doc) in documents[..2].iter().enumerate() {
        let r = ledger.append(apply(doc, &format!("HT-2026-{:04}", i + 1)))?;
        println!(
            "document {} sealed at entry {} ({})",
            i + 1,
            r.seq,
            r.ledger_time
        );
    }

    // 4. The seal is reported lost: from now on no application counts or is accepted.
    std::thread::sleep(std::time::Duration::from_millis(5));
    ledger.append(company.sign(
        Event::SealReportedLost {
            es_id: es_id.into(),
            since: now(),
            reason: "seal device stolen".into(),
        },
        now(),
    ))?;
    println!(
        "seal {es_id} reported lost: {}",
        ledger.seal_status(es_id, now())
    );

    // 5. A third sealing, by whoever holds the device now, is refused and changes nothing.
    let before = ledger.len();
    match ledger.append(apply(documents[2], "HT-2026-0003")) {
        Ok(r) => return Err(format!("a lost seal was applied at entry {}", r.seq).into()),
        Err(e) => println!("document 3 refused: {e}"),
    }
    assert_eq!(ledger.len(), before);

    // 6. A relying party verifies the three documents (by their bytes).
    for (i, doc) in documents.iter().enumerate() {
        let report = ledger.verify_document(doc, now());
        println!("document {}: {}", i + 1, report.verdict);
        for s in &report.sealings {
            println!(
                "  sealed by {} ({}, {}) of {} at {}, entry {}, case {}",
                s.es_id, s.seal_name, s.seal_type, s.owner, s.sealed_at, s.seq, s.case
            );
        }
    }
    let valid: Vec<bool> = documents
        .iter()
        .map(|d| ledger.verify_document(d, now()).verdict.is_valid())
        .collect();
    assert_eq!(valid, [true, true, false]);

    // 7. An auditor replays the store from genesis and finds the same.
    drop(ledger);
    let reopened = Ledger::open_verified(FileStore::open(&dir)?, SystemClock)?;
    println!(
        "replayed {} entries: document 1 {}",
        reopened.len(),
        reopened.verify_document(documents[0], now()).verdict
    );
    Ok(())
}
