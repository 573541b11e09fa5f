//! One code instead of paper (一码免证): a holder shows a license as one QR code and a bank
//! checks it offline against a trust list.
//!
//! `cargo run --release --example present_qr [DIR]` creates a ledger on the embedded store in
//! DIR (default: a fresh temporary directory), issues a food-business permit, signs a
//! checkpoint that a witness cosigns and a status stamp, and makes the compact presentation
//! disclosing three claims: `DIR/presentation.png` and `.svg`, and its text. A bank that holds
//! only a signed trust list verifies it offline. Then the license is revoked: the holder's old
//! stamp still verifies until its next update, and is refused from then on. The ledger runs on
//! a simulated clock so a day passes in a moment.

use chancery::checkpoint::{cosign_note, Checkpoint, NoteVerifier, WitnessPolicy};
use chancery::event::{AuthorityRegistration, Policy, Termination};
use chancery::present::compact::{verify_compact, CompactPresentation};
use chancery::present::qr;
use chancery::present::trust::{
    Freshness, KeyRoles, ListOperator, OperatorKey, SignedTrustList, Trust, TrustList,
    TrustedLedger,
};
use chancery::{
    crypto::sha256, Actor, Canonical, Clock, Credential, Event, FileStore, Ledger, LicenseId,
    ManualClock, SecretKey,
};
use std::error::Error;

const ORIGIN: &str = "zj.gov.cn/elicense";
const WITNESS: &str = "witness.example.org";
const DAY: u64 = 86_400_000;

fn main() -> Result<(), Box<dyn Error>> {
    let dir = match std::env::args().nth(1) {
        Some(d) => std::path::PathBuf::from(d),
        None => std::env::temp_dir().join(format!("chancery-present-{}", std::process::id())),
    };
    println!("store: {}", dir.display());
    let clock = ManualClock::new(chancery::Timestamp::now());
    let now = || clock.now();
    let root_key = SecretKey::generate();
    let root = Actor::new(ORIGIN, root_key.clone());
    let bureau = Actor::new(ORIGIN, SecretKey::generate());
    let witness = SecretKey::generate();
    let list_operator = SecretKey::generate();

    // 1. The ledger, the bureau, the license type and one license with three claims.
    let genesis = root.sign(
        Event::LedgerCreated {
            root_keys: vec![root.public_key()],
            policy: Policy::default(),
        },
        now(),
    );
    let mut ledger = Ledger::create(FileStore::open(dir.join("store"))?, genesis, clock.clone())?;
    let code = "11330100MB0000001X";
    let id = LicenseId::new("FOODBIZ", code, "000123", 1)?;
    let cred = Credential::new(
        id.clone(),
        "91330100MA27XXXX1Q",
        &[
            ("name", "West Lake Noodles Co., Ltd."),
            ("address", "1 Wensan Road, Hangzhou"),
            ("scope", "catering; pre-packaged food"),
            ("legal_representative", "Zhang San"),
        ],
    );
    let setup = vec![
        root.sign(
            Event::AuthorityRegistered(AuthorityRegistration {
                code: code.into(),
                name: "Hangzhou Market Supervision Bureau".into(),
                parent: None,
                keys: vec![bureau.public_key()],
                license_types: vec!["FOODBIZ".into()],
                may_register_seals: false,
                may_delegate: false,
            }),
            now(),
        ),
        bureau.sign(
            Event::LicenseTypeDefined {
                code: "FOODBIZ".into(),
                name: "Food business permit".into(),
                claim_names: ["name", "address", "scope", "legal_representative"]
                    .map(String::from)
                    .to_vec(),
            },
            now(),
        ),
        bureau.sign(
            Event::LicenseIssued(cred.version(chancery::VersionTerms {
                printed_number: "JY13301000000123".into(),
                valid_from: now(),
                valid_until: Some(now().plus_days(5 * 365)),
                document: sha256(b"%PDF food business permit"),
                related: vec![],
            })),
            now(),
        ),
    ];
    for r in ledger.append_batch(setup)? {
        r?;
    }

    // 2. The operator signs a checkpoint; a witness cosigns it; the operator stamps the
    //    license's status for a day.
    let presentation_now = |ledger: &Ledger<FileStore>| -> Result<String, Box<dyn Error>> {
        let size = ledger.len();
        let cp = Checkpoint {
            origin: ORIGIN.into(),
            size,
            root: ledger.root(size)?,
            extensions: vec![],
        };
        let mut note = cp.sign(ORIGIN, &root_key)?;
        let secs = ledger.now().millis() / 1000;
        note.signatures
            .push(cosign_note(&note.text, WITNESS, &witness, secs)?);
        let stamp = ledger.stamp(
            &id,
            ledger.now(),
            ledger.now().plus_days(1),
            &root_key,
            &chancery::MemoryCheckpointLog::new(),
        )?;
        let disclosure = cred.disclose(&["name", "address", "scope"], false)?;
        let full = ledger.present(disclosure, &note.to_text(), stamp)?;
        Ok(CompactPresentation::from_presentation(&full, 1)?.to_text())
    };
    let text = presentation_now(&ledger)?;
    let png = dir.join("presentation.png");
    std::fs::write(&png, qr::to_png(&text, 4)?)?;
    std::fs::write(dir.join("presentation.svg"), qr::to_svg(&text, 400)?)?;
    println!(
        "compact presentation: {} characters (QR version {}), written to {}\n{text}",
        text.len(),
        (qr::modules(&text)? - 17) / 4,
        png.display()
    );

    // 3. The bank holds only the trust list, signed by the national list operator.
    let trust_list = SignedTrustList::sign(
        TrustList {
            name: "gov.cn/trust/elicense".into(),
            version: 1,
            issued: now(),
            next_update: now().plus_days(30),
            ledgers: vec![TrustedLedger {
                origin: ORIGIN.into(),
                operator_keys: vec![OperatorKey {
                    key: root.public_key(),
                    valid_from: now(),
                    valid_until: None,
                    roles: KeyRoles::ROOT,
                }],
                witnesses: WitnessPolicy {
                    witnesses: vec![NoteVerifier::cosigner(WITNESS, &witness.public_key())?],
                    threshold: 1,
                },
                freshness: Freshness::DEFAULT,
                unwitnessed: false,
                require_holder: false,
            }],
        },
        &list_operator,
    )
    .to_canonical();
    let mut bank = Trust::new();
    // The bank trusts this list operator for this list's name only.
    bank.load(
        &trust_list,
        &[ListOperator::new(
            list_operator.public_key(),
            ["gov.cn/trust/elicense"],
        )],
    )?;
    let scanned = CompactPresentation::from_text(&text)?;
    let verdict = verify_compact(&scanned, &bank, now());
    println!("bank, offline, now: {verdict}");
    assert!(verdict.is_valid());

    // 4. The license is revoked an hour later. The holder still has yesterday's stamp: it
    //    verifies until its next update, and is refused from then on.
    clock.advance(3_600_000);
    ledger.append(bureau.sign(
        Event::LicenseRevoked(Termination {
            license: id.clone(),
            effective: now(),
            reason: "serious food-safety violation".into(),
        }),
        now(),
    ))?;
    println!("revoked: {}", ledger.status(&id, now()));
    let before = verify_compact(&scanned, &bank, now());
    println!("bank, with the old stamp before its next update: {before}");
    clock.advance(DAY);
    let after = verify_compact(&scanned, &bank, now());
    println!("bank, with the old stamp after its next update: {after}");
    assert!(!after.is_valid());
    // A fresh presentation carries the truth.
    let fresh = CompactPresentation::from_text(&presentation_now(&ledger)?)?;
    let verdict = verify_compact(&fresh, &bank, now());
    println!("bank, with a fresh stamp: {verdict}");
    assert!(!verdict.is_valid());
    Ok(())
}
