//! Automatic sealing when an approval passes its legal deadline (超时默认、自动用印).
//!
//! `cargo run --release --example auto_seal [DIR]` creates a ledger on the embedded store in
//! DIR (default: a fresh temporary directory). An administrative-approval bureau owns a seal
//! and grants an auto-seal policy to its approval engine; a renewal case is opened with a
//! 20-day legal deadline; an early attempt to seal is refused; the deadline passes with no
//! decision; the engine's `tick` finds the case due, seals the approval automatically, and a
//! verifier sees that the sealing was automatic and lawful, citing policy, case and deadline.
//! The ledger runs on a simulated clock so that 20 days pass in a moment.

use chancery::event::{
    AuthorityRegistration, AutoSealApplication, AutoSealPolicy, CaseOpening, Policy, SealTerms,
};
use chancery::{crypto::sha256, Actor, Clock, Event, FileStore, Ledger, ManualClock, SecretKey};
use std::error::Error;

const ORIGIN: &str = "ledger.example.gov.cn/eseal";
const DAY: u64 = 86_400_000;

fn main() -> Result<(), Box<dyn Error>> {
    let dir = match std::env::args().nth(1) {
        Some(d) => std::path::PathBuf::from(d),
        None => std::env::temp_dir().join(format!("chancery-autoseal-{}", std::process::id())),
    };
    println!("store: {}", dir.display());
    let clock = ManualClock::new(chancery::Timestamp::now());
    let now = || clock.now();
    let root = Actor::new(ORIGIN, SecretKey::generate());
    let police = Actor::new(ORIGIN, SecretKey::generate());
    let bureau = Actor::new(ORIGIN, SecretKey::generate());
    let seal = Actor::new(ORIGIN, SecretKey::generate());
    let engine = Actor::new(ORIGIN, SecretKey::generate());

    let genesis = root.sign(
        Event::LedgerCreated {
            root_keys: vec![root.public_key()],
            policy: Policy::default(),
        },
        now(),
    );
    let mut ledger = Ledger::create(FileStore::open(&dir)?, genesis, clock.clone())?;

    // 1. The seal registrar and the approval bureau; the bureau's official seal.
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
    let (police_code, bureau_code) = ("11330100POLICE0001", "11330100APPROVAL01");
    let bureau_name = "Hangzhou Administrative Approval Bureau";
    let es_id = "33010020260099";
    // The document the case decides: the only one the engine may seal for it.
    let approval = b"%PDF renewal approval for SP-2026-000731 (deemed granted)";
    let setup = vec![
        root.sign(
            unit(
                police_code,
                "Hangzhou Public Security Bureau",
                &police,
                true,
            ),
            now(),
        ),
        root.sign(unit(bureau_code, bureau_name, &bureau, false), now()),
        police.sign(
            Event::SealRegistered(Box::new(bureau.accept_seal(
                SealTerms {
                    es_id: es_id.into(),
                    owner: bureau_code.into(),
                    name: bureau_name.into(),
                    seal_type: "行政审批专用章".into(),
                    key: seal.public_key(),
                    image: sha256(b"<seal image PNG>"),
                    valid_from: now(),
                    valid_until: None,
                    registrar: police_code.into(),
                },
                &seal,
            ))),
            now(),
        ),
        // 2. The bureau grants the policy: its engine may apply this seal to renewal cases
        //    whose decision period is at most 20 days.
        bureau.sign(
            Event::AutoSealPolicyGranted(Box::new(AutoSealPolicy {
                id: "AUTO-RENEWAL-2026".into(),
                es_id: es_id.into(),
                case_types: vec!["FOODBIZ-RENEWAL".into()],
                legal_basis: "《行政许可法》第五十条: 逾期未作决定的，视为准予延续".into(),
                engine: engine.public_key(),
                max_period_ms: 20 * DAY,
            })),
            now(),
        ),
        // 3. A renewal application arrives: the case is opened with its legal deadline.
        bureau.sign(
            Event::CaseOpened(CaseOpening {
                case: "SP-2026-000731".into(),
                case_type: "FOODBIZ-RENEWAL".into(),
                service_item: "330100-FOODBIZ-RENEWAL".into(),
                document: sha256(approval),
                deadline: now().plus_days(20),
            }),
            now(),
        ),
    ];
    for r in ledger.append_batch(setup)? {
        r?;
    }
    let deadline = ledger
        .state()
        .case("SP-2026-000731")
        .map(|c| c.opening.deadline)
        .ok_or("case not recorded")?;
    println!("case SP-2026-000731 opened; deadline {deadline}");

    let auto_seal = |at| {
        engine.sign(
            Event::SealAutoApplied(AutoSealApplication {
                policy: "AUTO-RENEWAL-2026".into(),
                case: "SP-2026-000731".into(),
                document: sha256(approval),
            }),
            at,
        )
    };

    // 4. Day 5: a premature automatic sealing is refused.
    clock.advance(5 * DAY);
    println!(
        "day 5, automatic sealings due: {}",
        ledger.due_auto_seals().len()
    );
    match ledger.append(auto_seal(now())) {
        Ok(r) => return Err(format!("sealed before the deadline at entry {}", r.seq).into()),
        Err(e) => println!("day 5, premature sealing refused: {e}"),
    }

    // 5. Day 20: the deadline has passed with no decision. The engine's tick finds the case
    //    and seals the approval document.
    clock.advance(15 * DAY);
    let due = ledger.due_auto_seals();
    println!("day 20, due: {due:?}");
    for d in &due {
        assert_eq!(d.engine, engine.key_id());
        let r = ledger.append(auto_seal(now()))?;
        println!(
            "sealed {} automatically at entry {} ({})",
            d.case, r.seq, r.ledger_time
        );
    }
    assert!(ledger.due_auto_seals().is_empty());

    // 6. Anyone verifying the approval sees an automatic, lawful sealing.
    let report = ledger.verify_document(approval, now());
    println!("approval document: {}", report.verdict);
    for s in &report.sealings {
        let cited = s.automatic.as_ref().ok_or("not automatic")?;
        println!(
            "  automatic sealing by {} of {} at {} (entry {})\n  policy {}: {}\n  case {}, deadline {} passed",
            s.es_id, s.owner, s.sealed_at, s.seq, cited.policy, cited.legal_basis, cited.case,
            cited.deadline
        );
    }
    assert!(report.verdict.is_valid());
    Ok(())
}
