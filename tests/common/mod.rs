//! Shared fixtures: fixed keys, a manual clock and helpers that sign well-formed statements.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod http;
pub mod replay;
pub mod rfc9162;
#[cfg(feature = "server")]
pub mod serving;
pub mod vectors;

use chancery::crypto::sha256;
use chancery::event::{
    AuthorityRegistration, AutoSealPolicy, CaseOpening, Consent, LicenseVersion, Policy,
    SealApplication, SealRegistration, SealTerms, Succession, Termination,
};
use chancery::state::{Rejection, RuleError};
use chancery::storage::Store;
use chancery::{
    Actor, AppendError, Credential, Event, Ledger, LicenseId, ManualClock, MemoryStore, Receipt,
    SecretKey, SignedStatement, Timestamp,
};

pub const ORIGIN: &str = "test.example.gov.cn/elicense";
/// 2026-01-01T00:00:00Z.
pub const T0: Timestamp = Timestamp(1_767_225_600_000);
pub const DAY: u64 = 86_400_000;
pub const CLAIMS: [&str; 3] = ["name", "address", "scope"];
pub const HOLDER_ID: &str = "330106199001011234";

/// The names of the files in `dir` that contain `part` (an audit's temporary index, say).
pub fn files_named(dir: &std::path::Path, part: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.contains(part))
        .collect()
}

pub fn key(seed: u8) -> SecretKey {
    SecretKey::from_seed([seed; 32])
}

pub fn actor(seed: u8) -> Actor {
    Actor::new(ORIGIN, key(seed))
}

/// The seed of the test key with this id, if it is one.
pub fn seed_of(id: chancery::KeyId) -> Option<u8> {
    (0..=255u8).find(|s| key(*s).key_id() == id)
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
    /// The ledger's checkpoint at `size` (no extensions), signed by `key` under its origin.
    #[allow(dead_code)]
    pub fn signed_checkpoint(&self, size: u64, key: &SecretKey) -> String {
        chancery::checkpoint::Checkpoint {
            origin: ORIGIN.into(),
            size,
            root: self.ledger.root(size).unwrap(),
            extensions: vec![],
        }
        .sign(ORIGIN, key)
        .unwrap()
        .to_text()
    }

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

    /// Adds a key (seed `seed`) to `authority`, signed by `by`; returns its actor.
    pub fn add_key(&mut self, by: &Actor, authority: &str, seed: u8) -> Actor {
        let k = actor(seed);
        self.ok(
            by,
            Event::AuthorityKeyAdded {
                authority: authority.into(),
                key: k.public_key(),
            },
        );
        k
    }

    /// Records, signed by `by`, that `key` of `authority` is compromised since `since`.
    pub fn compromise(
        &mut self,
        by: &Actor,
        authority: &str,
        key: &Actor,
        since: Timestamp,
    ) -> Receipt {
        self.ok(
            by,
            Event::AuthorityKeyCompromised {
                authority: authority.into(),
                key: key.key_id(),
                since,
            },
        )
    }

    /// Registers seal `es_id` of `owner` with seal key `key` (accepted by the owner), signed by
    /// `by` of authority `registrar`.
    pub fn register_seal(
        &mut self,
        by: &Actor,
        es_id: &str,
        owner: &str,
        key: &Actor,
        registrar: &str,
    ) {
        let reg = self.seal_registration(es_id, owner, key, registrar);
        self.ok(by, Event::SealRegistered(Box::new(reg)));
    }

    /// Binds a holder key (seed `seed`) to `license`, signed by its issuer; returns it.
    pub fn bind_holder(&mut self, issuer: &Actor, license: &LicenseId, seed: u8) -> Actor {
        let holder = actor(seed);
        self.ok(
            issuer,
            Event::HolderKeyBound {
                license: license.clone(),
                key: holder.public_key(),
            },
        );
        holder
    }

    /// A root, authority AUTH1 (seed 10) and type T1: the usual starting point.
    pub fn standard(store: S) -> (Self, Actor) {
        let mut w = Self::with_store(store);
        let a = w.authority("AUTH1", 10);
        w.define_type(&a, "T1");
        (w, a)
    }

    pub fn version(&self, id: &LicenseId, cred: &Credential, days: Option<u64>) -> LicenseVersion {
        // Some tests record a credential under another id on purpose.
        let mut version = cred.version(chancery::privacy::VersionTerms {
            printed_number: format!("No.{}", id.serial()),
            valid_from: self.now(),
            valid_until: days.map(|d| self.now().plus_days(d)),
            document: sha256(id.to_string().as_bytes()),
            related: vec![],
        });
        version.id = id.clone();
        version
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

/// Seals, automatic sealing and consent.
impl<S: Store> World<S> {
    /// Registers (by the root) a unit with no license types, no seal rights: a seal owner or a
    /// relying party. Its filed name is `Authority {code}`.
    pub fn unit(&mut self, code: &str, seed: u8) -> Actor {
        let a = actor(seed);
        let root = self.root.clone();
        let mut reg = Self::registration(code, &[&a], &[], None);
        if let Event::AuthorityRegistered(r) = &mut reg {
            r.may_register_seals = false;
            r.may_delegate = false;
        }
        self.ok(&root, reg);
        a
    }

    /// A seal registration for `owner` by `registrar`, valid from now with no end, accepted by
    /// the owner's first key and with `key`'s proof of possession.
    pub fn seal_registration(
        &self,
        es_id: &str,
        owner: &str,
        key: &Actor,
        registrar: &str,
    ) -> SealRegistration {
        self.accepted(self.seal_terms(es_id, owner, key, registrar))
    }

    /// The terms of [`World::seal_registration`], not yet accepted.
    pub fn seal_terms(&self, es_id: &str, owner: &str, key: &Actor, registrar: &str) -> SealTerms {
        SealTerms {
            es_id: es_id.into(),
            owner: owner.into(),
            name: format!("Authority {owner}"),
            seal_type: "公章".into(),
            key: key.public_key(),
            image: sha256(format!("image of {es_id}").as_bytes()),
            valid_from: self.now(),
            valid_until: None,
            registrar: registrar.into(),
        }
    }

    /// `terms` accepted by the owner's first key (a test key `actor(seed)`, or a fixed key
    /// when the owner is unknown) with the proof of possession of the seal key (a test key).
    pub fn accepted(&self, terms: SealTerms) -> SealRegistration {
        let owner_key = self
            .ledger
            .state()
            .authority(&terms.owner)
            .and_then(|a| a.keys.first().copied());
        let owner = owner_key.and_then(seed_of).map_or(actor(250), actor);
        let seal = seed_of(terms.key.key_id()).map_or(actor(251), actor);
        owner.accept_seal(terms, &seal)
    }

    /// A manual application of `es_id` to `document`.
    pub fn application(es_id: &str, document: &[u8], case: &str) -> Event {
        Event::SealApplied(SealApplication {
            es_id: es_id.into(),
            document: sha256(document),
            case: case.into(),
            operator: "clerk-07".into(),
        })
    }

    /// A policy letting `engine` apply `es_id` to cases of type `case_type` decided within
    /// `days` days.
    pub fn auto_policy(id: &str, es_id: &str, case_type: &str, engine: &Actor, days: u64) -> Event {
        Event::AutoSealPolicyGranted(Box::new(AutoSealPolicy {
            id: id.into(),
            es_id: es_id.into(),
            case_types: vec![case_type.into()],
            legal_basis: "行政许可法 第五十条: 逾期未作决定的，视为准予延续".into(),
            engine: engine.public_key(),
            max_period_ms: days * DAY,
        }))
    }

    /// A case of type `case_type` with a deadline `days` days from now, deciding the document
    /// `b"approval"` (what an automatic sealing of it must seal).
    pub fn case_opening(&self, case: &str, case_type: &str, days: u64) -> Event {
        Event::CaseOpened(CaseOpening {
            case: case.into(),
            case_type: case_type.into(),
            service_item: "ITEM-1".into(),
            document: sha256(b"approval"),
            deadline: self.now().plus_days(days),
        })
    }

    /// A consent for `party` to check `license` for `item`, from now for `days` days.
    pub fn consent(
        &self,
        license: &LicenseId,
        party: &str,
        item: &str,
        days: u64,
        uses: u64,
    ) -> Consent {
        Consent {
            license: license.clone(),
            relying_party: party.into(),
            service_item: item.into(),
            from: self.now(),
            until: self.now().plus_days(days),
            max_uses: uses,
        }
    }
}

/// When `by` submits `event`, it is refused with an error matching `want`, and nothing changes.
#[track_caller]
pub fn refused<S: Store>(
    w: &mut World<S>,
    by: &Actor,
    event: Event,
    want: impl Fn(&RuleError) -> bool,
) {
    let before_state = w.ledger.state().clone();
    let before_len = w.ledger.len();
    let before_root = w.ledger.root(before_len).unwrap();
    match w.append(by, event) {
        Err(AppendError::Rejected(Rejection::Rule(e))) => {
            assert!(want(&e), "unexpected error: {e:?}")
        }
        other => panic!("expected a rule rejection, got {other:?}"),
    }
    assert_eq!(w.ledger.len(), before_len);
    assert_eq!(w.ledger.root(before_len).unwrap(), before_root);
    assert_eq!(
        w.ledger.state(),
        &before_state,
        "a refused statement must change nothing"
    );
}

pub trait NowTs {
    fn now_ts(&self) -> Timestamp;
}

impl NowTs for ManualClock {
    fn now_ts(&self) -> Timestamp {
        chancery::Clock::now(self)
    }
}

/// Root keys.
impl<S: Store> World<S> {
    /// Rotates root key `old` to the key of `seed` (which accepts it) and returns the new one.
    pub fn rotate_root(&mut self, old: &Actor, seed: u8) -> Actor {
        let new = actor(seed);
        let message = chancery::event::rotation_message(ORIGIN, &old.key_id(), &new.public_key());
        self.ok(
            old,
            Event::RootKeyRotated {
                new_key: new.public_key(),
                acceptance: key(seed).sign(chancery::crypto::Domain::KeyRotation, &message),
            },
        );
        new
    }
}

/// Checkpoints.
impl<S: Store> World<S> {
    /// A checkpoint note of the ledger now, signed by `signer` under the origin, cosigned by
    /// each `(name, key)` witness now.
    pub fn note(&self, signer: &SecretKey, witnesses: &[(&str, &SecretKey)]) -> String {
        let size = self.ledger.len();
        let cp = chancery::checkpoint::Checkpoint {
            origin: ORIGIN.into(),
            size,
            root: self.ledger.root(size).unwrap(),
            extensions: vec![],
        };
        let mut note = cp.sign(ORIGIN, signer).unwrap();
        let secs = self.now().millis() / 1000;
        for (name, key) in witnesses {
            note.signatures
                .push(chancery::checkpoint::cosign_note(&note.text, name, key, secs).unwrap());
        }
        note.to_text()
    }
}

impl<S: Store> World<S> {
    /// The ledger's entries copied into a file store in a new temporary directory (the world
    /// keeps signing; what opens the copy records).
    pub fn on_disk(&self) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let records = self.ledger.store().read(0, self.ledger.len()).unwrap();
        chancery::FileStore::open(dir.path())
            .unwrap()
            .append(0, &records)
            .unwrap();
        dir
    }
}

/// Operator keys.
impl<S: Store> World<S> {
    /// The root adds the key of `seed` as an operator key (which accepts it).
    pub fn add_operator_key(&mut self, seed: u8) -> SecretKey {
        let k = key(seed);
        let root = self.root.clone();
        let message =
            chancery::event::operator_key_message(ORIGIN, &root.key_id(), &k.public_key());
        self.ok(
            &root,
            Event::OperatorKeyAdded {
                key: k.public_key(),
                acceptance: k.sign(chancery::crypto::Domain::OperatorKey, &message),
            },
        );
        k
    }
}

/// The witness the trust lists of [`World::trust`] require.
pub const WITNESS: &str = "witness.example.org";

/// Trust lists.
impl<S: Store> World<S> {
    /// A trust list naming this ledger with its keys now (`Ledger::operator_keys`), the witness
    /// `WITNESS` (key 90) required, default freshness, changed by `f`.
    pub fn trust(
        &self,
        f: impl FnOnce(&mut chancery::present::trust::TrustedLedger),
    ) -> chancery::present::trust::Trust {
        use chancery::checkpoint::{NoteVerifier, WitnessPolicy};
        use chancery::present::trust::{Freshness, Trust, TrustList, TrustedLedger};
        let mut ledger = TrustedLedger {
            origin: ORIGIN.into(),
            operator_keys: self.ledger.operator_keys().unwrap(),
            witnesses: WitnessPolicy {
                witnesses: vec![NoteVerifier::cosigner(WITNESS, &key(90).public_key()).unwrap()],
                threshold: 1,
            },
            freshness: Freshness::DEFAULT,
            unwitnessed: false,
            require_holder: false,
        };
        f(&mut ledger);
        Trust::from_lists([TrustList {
            name: "gov.cn/trust/elicense".into(),
            version: 1,
            issued: T0,
            next_update: T0.plus_days(3650),
            ledgers: vec![ledger],
        }])
    }
}

impl<S: Store> World<S> {
    /// A current status stamp of `id` at `at`, valid for a day, signed with `key` (checked
    /// against an empty checkpoint log).
    pub fn stamp_for_a_day(
        &self,
        id: &LicenseId,
        at: Timestamp,
        key: &SecretKey,
    ) -> Result<chancery::stamp::StatusStamp, chancery::stamp::IssueStampError> {
        self.ledger.stamp(
            id,
            at,
            at.plus_days(1),
            key,
            &chancery::MemoryCheckpointLog::new(),
        )
    }

    /// A sealing stamp of the sealing of `document` at entry `seq`, at `at`, valid for a day,
    /// signed with `key` (checked against an empty checkpoint log).
    pub fn seal_stamp_for_a_day(
        &self,
        document: &chancery::Digest32,
        seq: u64,
        at: Timestamp,
        key: &SecretKey,
    ) -> Result<chancery::stamp::SealingStamp, chancery::stamp::IssueStampError> {
        self.ledger.stamp_sealing(
            document,
            seq,
            at,
            at.plus_days(1),
            key,
            &chancery::MemoryCheckpointLog::new(),
        )
    }
}
