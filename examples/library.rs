//! The library in one page: a ledger in memory, genesis, an authority, a license type, an
//! issuance from a credential, a disclosure checked, an inclusion proof and an audit. The crate
//! documentation shows this file; `cargo run --example library` runs it.

use chancery::{
    sha256, Actor, AuthorityRegistration, Event, Ledger, LicenseId, ManualClock, Policy, SecretKey,
    Status, Timestamp, Verdict, VersionTerms,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let origin = "ledger.example.gov.cn/elicense";
    let t0 = Timestamp::parse("2026-11-23").ok_or("bad date")?;
    let clock = ManualClock::new(t0);
    let root = Actor::new(origin, SecretKey::generate());
    let bureau = Actor::new(origin, SecretKey::generate());

    // Genesis, then an authority scoped for one license type.
    let genesis = root.sign(
        Event::LedgerCreated {
            root_keys: vec![root.public_key()],
            policy: Policy::default(),
        },
        t0,
    );
    let mut ledger = Ledger::in_memory(genesis, clock.clone())?;
    ledger.append(root.sign(
        Event::AuthorityRegistered(AuthorityRegistration {
            code: "11330100MB0000001X".into(),
            name: "Market Supervision Bureau".into(),
            parent: None,
            keys: vec![bureau.public_key()],
            license_types: vec!["FOODBIZ".into()],
            may_register_seals: true,
            may_delegate: false,
        }),
        t0,
    ))?;
    ledger.append(bureau.sign(
        Event::LicenseTypeDefined {
            code: "FOODBIZ".into(),
            name: "Food business permit".into(),
            claim_names: vec!["name".into(), "scope".into()],
        },
        t0,
    ))?;

    // Issue: the ledger records only salted digests; the holder keeps the credential. The
    // claims are paired with the type's claim names (in its order) by the library.
    let id = LicenseId::new("FOODBIZ", "11330100MB0000001X", "000123", 1)?;
    let credential = ledger
        .state()
        .license_type("FOODBIZ")
        .ok_or("no such type")?
        .credential(
            id.clone(),
            "330106199001011234",
            &[("scope", "catering"), ("name", "West Lake Noodles")],
            None,
        )?;
    let version = credential.version(VersionTerms {
        printed_number: "JY13301000000123".into(),
        valid_from: t0,
        valid_until: Some(t0.plus_days(5 * 365)),
        document: sha256(b"%PDF-1.7 ..."),
        related: vec![],
    });
    let receipt = ledger.append(bureau.sign(Event::LicenseIssued(version), t0))?;
    assert_eq!(receipt.seq, 3);
    assert_eq!(ledger.status(&id, t0), Status::Valid);

    // A relying party checks only the claim the holder discloses.
    let disclosure = credential.disclose(&["scope"], false)?;
    assert_eq!(ledger.verify_disclosure(&disclosure, t0), Verdict::Valid);

    // Anyone can check that the entry is in the tree, and audit the whole ledger.
    let size = ledger.len();
    ledger
        .prove_inclusion(3, size)?
        .verify(&receipt.entry_hash, &ledger.root(size)?)?;
    ledger.audit()?;
    Ok(())
}
