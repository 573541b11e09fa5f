//! Shared fixtures: fixed keys, a manual clock and helpers that sign well-formed statements.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chancery::crypto::sha256;
use chancery::event::{AuthorityRegistration, LicenseVersion, Policy, Succession, Termination};
use chancery::storage::Store;
use chancery::{
    Actor, Credential, Event, Ledger, LicenseId, ManualClock, MemoryStore, Receipt, SecretKey,
    SignedStatement, Timestamp,
};

pub const ORIGIN: &str = "test.example.gov.cn/elicense";
/// 2026-01-01T00:00:00Z.
pub const T0: Timestamp = Timestamp(1_767_225_600_000);
pub const DAY: u64 = 86_400_000;
pub const CLAIMS: [&str; 3] = ["name", "address", "scope"];
pub const HOLDER_ID: &str = "330106199001011234";

pub fn key(seed: u8) -> SecretKey {
    SecretKey::from_seed([seed; 32])
}

pub fn actor(seed: u8) -> Actor {
    Actor::new(ORIGIN, key(seed))
}

pub struct World<S: Store> {
    pub clock: ManualClock,
    pub root: Actor,
    pub ledger: Ledger<S>,
}

impl World<MemoryStore> {
    pub fn new() -> Self {
        Self::with_store(MemoryStore::new())
    }
}

pub fn genesis(root: &Actor, at: Timestamp) -> SignedStatement {
    root.sign(
        Event::LedgerCreated {
            root_keys: vec![root.public_key()],
            policy: Policy::default(),
        },
        at,
    )
}

impl<S: Store> World<S> {
    pub fn with_store(store: S) -> Self {
        let clock = ManualClock::new(T0);
        let root = actor(1);
        let ledger = Ledger::create(store, genesis(&root, T0), clock.clone()).unwrap();
        Self {
            clock,
            root,
            ledger,
        }
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now_ts()
    }

    pub fn advance_days(&self, days: u64) {
        self.clock.advance(days * DAY);
    }

    /// Signs at the present, then moves the clock 1 ms on, so no two statements are identical
    /// by accident (an identical statement is an idempotent re-submission).
    pub fn sign(&self, by: &Actor, event: Event) -> SignedStatement {
        let s = by.sign(event, self.now());
        self.clock.advance(1);
        s
    }

    pub fn append(&mut self, by: &Actor, event: Event) -> Result<Receipt, chancery::AppendError> {
        let s = self.sign(by, event);
        self.ledger.append(s)
    }

    pub fn ok(&mut self, by: &Actor, event: Event) -> Receipt {
        let kind = event.kind();
        self.append(by, event)
            .unwrap_or_else(|e| panic!("{kind} must be accepted: {e}"))
    }

    pub fn registration(
        code: &str,
        keys: &[&Actor],
        types: &[&str],
        parent: Option<&str>,
    ) -> Event {
        Event::AuthorityRegistered(AuthorityRegistration {
            code: code.into(),
            name: format!("Authority {code}"),
            parent: parent.map(Into::into),
            keys: keys.iter().map(|a| a.public_key()).collect(),
            license_types: types.iter().map(|t| (*t).to_owned()).collect(),
            may_register_seals: true,
            may_delegate: true,
        })
    }

    /// Registers authority `code` (by the root) with key seed `seed`, scoped for T1 and T2.
    pub fn authority(&mut self, code: &str, seed: u8) -> Actor {
        let a = actor(seed);
        let root = self.root.clone();
        self.ok(&root, Self::registration(code, &[&a], &["T1", "T2"], None));
        a
    }

    pub fn define_type(&mut self, by: &Actor, code: &str) {
        self.ok(
            by,
            Event::LicenseTypeDefined {
                code: code.into(),
                name: format!("Type {code}"),
                claim_names: CLAIMS.iter().map(|c| (*c).to_owned()).collect(),
            },
        );
    }

    /// A root, authority AUTH1 (seed 10) and type T1: the usual starting point.
    pub fn standard(store: S) -> (Self, Actor) {
        let mut w = Self::with_store(store);
        let a = w.authority("AUTH1", 10);
        w.define_type(&a, "T1");
        (w, a)
    }

    pub fn version(&self, id: &LicenseId, cred: &Credential, days: Option<u64>) -> LicenseVersion {
        LicenseVersion {
            id: id.clone(),
            printed_number: format!("No.{}", id.serial()),
            valid_from: self.now(),
            valid_until: days.map(|d| self.now().plus_days(d)),
            holder: cred.holder_commitment(),
            claims: cred.claim_digests(),
            document: sha256(id.to_string().as_bytes()),
            related: vec![],
        }
    }

    pub fn credential(id: &LicenseId) -> Credential {
        Credential::new(
            id.clone(),
            HOLDER_ID,
            &[
                ("name", "West Lake Noodles"),
                ("address", "1 Wensan Road"),
                ("scope", "catering"),
            ],
        )
    }

    pub fn issue_event(&self, issuer: &str, serial: &str) -> (Event, LicenseId, Credential) {
        let id = LicenseId::new("T1", issuer, serial, 1).unwrap();
        let cred = Self::credential(&id);
        (
            Event::LicenseIssued(self.version(&id, &cred, Some(365))),
            id,
            cred,
        )
    }

    pub fn issue(&mut self, by: &Actor, issuer: &str, serial: &str) -> (LicenseId, Credential) {
        let (ev, id, cred) = self.issue_event(issuer, serial);
        self.ok(by, ev);
        (id, cred)
    }

    pub fn succession(&self, previous: &LicenseId, days: Option<u64>) -> (Succession, Credential) {
        let next = previous.next_version().unwrap();
        let cred = Self::credential(&next);
        (
            Succession {
                previous: previous.clone(),
                version: self.version(&next, &cred, days),
            },
            cred,
        )
    }

    pub fn termination(&self, license: &LicenseId) -> Termination {
        Termination {
            license: license.clone(),
            effective: self.now(),
            reason: "test".into(),
        }
    }
}

pub trait NowTs {
    fn now_ts(&self) -> Timestamp;
}

impl NowTs for ManualClock {
    fn now_ts(&self) -> Timestamp {
        chancery::Clock::now(self)
    }
}
