//! A complete worked example on the embedded durable store.
//!
//! `cargo run --release --example quickstart [DIR]` creates a ledger in DIR (default: a fresh
//! temporary directory), registers an authority, defines a license type, issues, amends,
//! suspends and revokes licenses, prints statuses and verdicts, reopens the store and audits it.

use chancery::event::{AuthorityRegistration, LicenseVersion, Policy, Succession, Termination};
use chancery::{
    crypto::sha256, Actor, Credential, Event, FileStore, Ledger, LicenseId, SecretKey, SystemClock,
    Timestamp,
};
use std::error::Error;

const ORIGIN: &str = "ledger.example.gov.cn/elicense";

fn main() -> Result<(), Box<dyn Error>> {
    let dir = match std::env::args().nth(1) {
        Some(d) => std::path::PathBuf::from(d),
        None => std::env::temp_dir().join(format!("chancery-quickstart-{}", std::process::id())),
    };
    println!("store: {}", dir.display());

    // Keys: the ledger root and one issuing authority (a market-regulation bureau).
    let root = Actor::new(ORIGIN, SecretKey::generate());
    let bureau = Actor::new(ORIGIN, SecretKey::generate());
    let now = Timestamp::now;

    // 1. Create the ledger with its genesis statement.
    let genesis = root.sign(
        Event::LedgerCreated {
            root_keys: vec![root.public_key()],
            policy: Policy::default(),
        },
        now(),
    );
    let mut ledger = Ledger::create(FileStore::open(&dir)?, genesis, SystemClock)?;
    println!("created ledger {ORIGIN}");

    // 2. Register the authority and a license type (食品经营许可证).
    let bureau_code = "11330100MB0000001X";
    let results = ledger.append_batch(vec![
        root.sign(
            Event::AuthorityRegistered(AuthorityRegistration {
                code: bureau_code.into(),
                name: "Hangzhou Market Supervision Bureau".into(),
                parent: None,
                keys: vec![bureau.public_key()],
                license_types: vec!["FOODBIZ".into()],
                may_register_seals: true,
                may_delegate: false,
            }),
            now(),
        ),
        bureau.sign(
            Event::LicenseTypeDefined {
                code: "FOODBIZ".into(),
                name: "Food business permit".into(),
                claim_names: vec!["name".into(), "address".into(), "scope".into()],
            },
            now(),
        ),
    ])?;
    for r in results {
        println!("  recorded entry {}", r?.seq);
    }

    // 3. Issue two licenses. Personal data stays in the holder's credential.
    let issue = |serial: &str,
                 holder: &str,
                 name: &str|
     -> Result<(LicenseVersion, Credential), Box<dyn Error>> {
        let id = LicenseId::new("FOODBIZ", bureau_code, serial, 1)?;
        let cred = Credential::new(
            id.clone(),
            holder,
            &[
                ("name", name),
                ("address", "1 Wensan Road"),
                ("scope", "catering"),
            ],
        );
        let v = cred.version(chancery::VersionTerms {
            printed_number: format!("JY{serial}"),
            valid_from: now(),
            valid_until: Some(now().plus_days(5 * 365)),
            document: sha256(format!("PDF of {serial}").as_bytes()),
            related: vec![],
        });
        Ok((v, cred))
    };
    let (v1, cred1) = issue("000123", "330106199001011234", "West Lake Noodles")?;
    let (v2, _cred2) = issue("000124", "91330100MA27XXXX1Q", "Canal Dumplings")?;
    let id1 = v1.id.clone();
    let id2 = v2.id.clone();
    for v in [v1, v2] {
        let r = ledger.append(bureau.sign(Event::LicenseIssued(v), now()))?;
        println!("issued at entry {} ({})", r.seq, r.entry_hash);
    }
    println!("{id1}: {}", ledger.status(&id1, now()));

    // 4. Amend license 1 (new address): version 002 supersedes 001.
    let id1b = id1.next_version().ok_or("no next version")?;
    let cred1b = Credential::new(
        id1b.clone(),
        &cred1.holder.code,
        &[
            ("name", "West Lake Noodles"),
            ("address", "9 Yan'an Road"),
            ("scope", "catering"),
        ],
    );
    let amended = cred1b.version(chancery::VersionTerms {
        printed_number: "JY000123".into(),
        valid_from: now(),
        valid_until: Some(now().plus_days(5 * 365)),
        document: sha256(b"PDF of 000123 v2"),
        related: vec![],
    });
    ledger.append(bureau.sign(
        Event::LicenseAmended(Succession {
            previous: id1.clone(),
            version: amended,
        }),
        now(),
    ))?;
    println!("amended: {id1} -> {}", ledger.status(&id1, now()));
    println!("         {id1b} -> {}", ledger.status(&id1b, now()));

    // 5. Suspend license 2, lift it, then revoke it.
    ledger.append(bureau.sign(
        Event::LicenseSuspended {
            license: id2.clone(),
            reason: "hygiene inspection".into(),
        },
        now(),
    ))?;
    println!("suspended: {id2} -> {}", ledger.status(&id2, now()));
    ledger.append(bureau.sign(
        Event::LicenseSuspensionLifted {
            license: id2.clone(),
        },
        now(),
    ))?;
    println!("lifted:    {id2} -> {}", ledger.status(&id2, now()));
    ledger.append(bureau.sign(
        Event::LicenseRevoked(Termination {
            license: id2.clone(),
            effective: now(),
            reason: "repeated violations".into(),
        }),
        now(),
    ))?;
    println!("revoked:   {id2} -> {}", ledger.status(&id2, now()));

    // 6. An illegal transition is refused and changes nothing: a revoked license cannot be
    // suspended again. (Re-submitting a statement already recorded is not a refusal: it
    // returns the original receipt.)
    let before = ledger.len();
    let refused = ledger.append(bureau.sign(
        Event::LicenseSuspended {
            license: id2.clone(),
            reason: "second inspection".into(),
        },
        now(),
    ));
    match refused {
        Err(e) => println!("suspending a revoked license is refused: {e}"),
        Ok(r) => return Err(format!("a revoked license was suspended at entry {}", r.seq).into()),
    }
    assert_eq!(ledger.len(), before);

    // 7. The holder discloses two claims; a relying party verifies them.
    let disclosure = cred1b.disclose(&["name", "scope"], false)?;
    println!(
        "verdict for {id1b} (name, scope): {}",
        ledger.verify_disclosure(&disclosure, now())
    );
    let stale = cred1.disclose(&["name"], false)?;
    println!(
        "verdict for superseded {id1}: {}",
        ledger.verify_disclosure(&stale, now())
    );
    let mut forged = disclosure.clone();
    forged.claims[0].value = "Someone Else".into();
    println!(
        "verdict for a forged value: {}",
        ledger.verify_disclosure(&forged, now())
    );

    // 8. Proofs, reopen and audit.
    let size = ledger.len();
    let proof = ledger.prove_inclusion(3, size)?;
    let entry_hash = ledger.entry(3)?.hash();
    proof.verify(&entry_hash, &ledger.root(size)?)?;
    println!(
        "entry 3 is included in the tree of size {size} (proof of {} hashes)",
        proof.path.len()
    );
    drop(ledger);
    let ledger = Ledger::open(FileStore::open(&dir)?, SystemClock)?;
    let report = ledger.audit()?;
    println!(
        "audit: {} entries verified, root {}, head {}",
        report.entries, report.root, report.head
    );
    Ok(())
}
