//! Projections: the authority registry and the license registry, built by applying entries.
//!
//! The same two functions serve append and replay: [`State::check`] decides whether a statement
//! may be recorded at a ledger time, and `State::apply` records an entry. Nothing here touches
//! storage.
//!
//! The files are split by domain. Genesis, keys, authorities, license types and licenses have
//! their rules in `rules.rs` and their application in `apply.rs`; each other domain (seals,
//! automatic sealing, consent) has one file with its records, its rules (called from
//! [`State::check`]) and their application (called from `State::apply`).
//!
//! - `mod.rs`: the records (keys, authorities, license types, licenses), [`State`], its queries.
//! - `rules.rs`: [`State::check`]; the rules of genesis, keys, authorities, types and licenses.
//! - `apply.rs`: `State::apply`; records genesis, key, authority, type and license events.
//! - `status.rs`: a license's status at a reference time.
//! - `counting.rs`: what counts (SPEC §9): compromise declarations, void keys and entries.
//! - `signatures.rs`: signature checks for a run of statements, shared by append and replay.
//! - `seals.rs`: seals: records, status at a time, the rules of seal events and their application.
//! - `cases.rs`: automatic sealing: policies, cases, due sealings, their rules and application.
//! - `consent.rs`: holder consents and use records: records, rules and application.
//! - `tables.rs`: the tables the state is made of; their changes are logged with their
//!   inverses inside a transaction, which is how a speculatively applied batch is rolled back.
//! - `codec.rs`: the records in canonical CBOR, as the persistent index stores them.
//! - `error.rs`: why a statement is refused ([`RuleError`], [`Rejection`], [`Invalid`]).

mod apply;
mod cases;
mod codec;
mod consent;
mod counting;
mod error;
mod facts;
mod rules;
mod seals;
mod signatures;
mod status;
mod tables;

pub use crate::status::{SealStatus, Status};
pub use cases::{CaseRecord, DueSealing, PolicyRecord};
pub use consent::{ConsentRecord, UseEntry};
pub use counting::Declaration;
pub use error::{Invalid, Rejection, RuleError};
pub use facts::{LicenseFacts, LifeEvent, VersionFacts};
pub use seals::{Seal, SealUse};
pub use signatures::KeyDirectory;
pub(crate) use signatures::{signature_items, spread_flags, verify_signers};
use tables::{Cell, Lists, Rows, Set, Table, Transactional};
pub(crate) use tables::{RowChange, RowSource};

/// The persisted tables read whole when attached: small, and scanned by the rules.
const RESIDENT: [&str; 9] = [
    "origin",
    "policy",
    "signing_keys",
    "authorities",
    "types",
    "policies",
    "open_cases",
    "compromises",
    "tip",
];

use crate::crypto::{Digest32, KeyId, PublicKey};
use crate::event::{LicenseVersion, Policy, SignedStatement, StatementId};
use crate::id::LicenseId;
use crate::time::Timestamp;

/// Who a key belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Principal {
    /// The ledger's root.
    Root,
    /// An authority, by code.
    Authority(String),
    /// A seal's own key, by esID: it signs the seal's applications and nothing else.
    Seal(String),
    /// An automatic-sealing engine's key: it signs automatic applications under the policies
    /// that name it and nothing else.
    Engine,
    /// A license holder's key, by license lineage: it signs the holder's consents.
    Holder(String),
    /// An operator key (SPEC §16): it signs the ledger's checkpoints and status stamps, and no
    /// statement.
    Operator,
}

/// A registered key and its life. Its ends are derived from the declarations that count
/// ([`State::retired_from`], [`State::compromised_since`]; SPEC §9 "What counts").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// The public key.
    pub public: PublicKey,
    /// Its owner.
    pub owner: Principal,
    /// The entry that brought the key into the ledger (genesis, registration, key addition,
    /// rotation, seal registration, policy, holder key binding): the key counts only while
    /// that entry counts, and a presentation includes it to prove whose key it is.
    pub introduced: Provenance,
    /// For a seal's key, the owner's acceptance of the registration (the owner's key, at the
    /// registration): the seal key counts only while that counts too.
    pub accepted: Option<Provenance>,
    /// Retirements declared for it (`from`, and where each was recorded), in ledger order;
    /// a holder key's retirement is the next binding of its license instead.
    pub retirements: Vec<(Timestamp, Provenance)>,
}

/// Life state of an authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorityState {
    /// May act.
    Active,
    /// Suspended; may be reinstated.
    Suspended,
    /// Revoked; final.
    Revoked,
}

/// A registered authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    /// Code.
    pub code: String,
    /// Filed name.
    pub name: String,
    /// Registering parent, if any.
    pub parent: Option<String>,
    /// License types in scope.
    pub license_types: Vec<String>,
    /// May register seals.
    pub may_register_seals: bool,
    /// May register child authorities.
    pub may_delegate: bool,
    /// Every key ever registered to it.
    pub keys: Vec<KeyId>,
    /// Current state: the last of `transitions` that counts and applies.
    pub state: AuthorityState,
    /// Where it was registered: it counts only while that entry counts.
    pub registered: Provenance,
    /// Suspensions, reinstatements and revocations, in ledger order, with where each was
    /// recorded.
    pub transitions: Vec<(AuthorityState, Provenance)>,
}

/// A license type's catalogue entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseType {
    /// Type code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Claim names, in order.
    pub claim_names: Vec<String>,
}

impl LicenseType {
    /// A credential for `license` (of this type) with the `given` claims in this type's
    /// order, missing ones taken from `previous` (see
    /// [`Credential::for_claim_names`](crate::privacy::Credential::for_claim_names)).
    pub fn credential(
        &self,
        license: crate::id::LicenseId,
        holder_code: &str,
        given: &[(&str, &str)],
        previous: Option<&crate::privacy::Credential>,
    ) -> Result<crate::privacy::Credential, crate::privacy::ClaimsError> {
        crate::privacy::Credential::for_claim_names(
            license,
            holder_code,
            &self.claim_names,
            given,
            previous,
        )
    }
}

/// Where and by which key an event was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provenance {
    /// Entry sequence number.
    pub seq: u64,
    /// Ledger time of the entry.
    pub ledger_time: Timestamp,
    /// Signing key.
    pub key: KeyId,
}

/// One recorded version of a license.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRecord {
    /// The version.
    pub version: LicenseVersion,
    /// Where it was recorded.
    pub recorded: Provenance,
}

/// A suspension and the lifts recorded after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspension {
    /// When it was recorded.
    pub start: Provenance,
    /// Every lift recorded after it, in ledger order: a lift ends every suspension before it,
    /// and the first lift that counts is the one that ends this one ([`Suspension::lifted`]).
    pub lifts: Vec<Provenance>,
}

impl Suspension {
    /// A suspension, not lifted.
    pub fn new(start: Provenance) -> Self {
        Self {
            start,
            lifts: Vec::new(),
        }
    }

    /// The first lift of it that `counts` accepts.
    pub fn lifted(&self, counts: impl Fn(&Provenance) -> bool) -> Option<Provenance> {
        self.lifts.iter().copied().find(|l| counts(l))
    }
}

/// Records a lift: it ends every suspension recorded before it (so a lift never lands on the
/// wrong one when some of them stop counting).
pub(super) fn lift_all(suspensions: &mut [Suspension], at: Provenance) {
    for s in suspensions {
        s.lifts.push(at);
    }
}

/// How a license ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TerminationKind {
    /// 注销.
    Cancelled,
    /// 吊销.
    Revoked,
    /// 废止.
    Withdrawn,
    /// 撤销 (retroactive).
    Rescinded,
}

/// A recorded termination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminationRecord {
    /// Which kind.
    pub kind: TerminationKind,
    /// From when it applies (ignored for rescission, which applies to all time).
    pub effective: Timestamp,
    /// Where it was recorded.
    pub recorded: Provenance,
}

/// All versions and life events of one license.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lineage {
    /// Versions, index = version number − 1.
    pub versions: Vec<VersionRecord>,
    /// Suspensions in order.
    pub suspensions: Vec<Suspension>,
    /// Terminations in ledger order. The one that governs is [`State::termination`]'s.
    pub terminations: Vec<TerminationRecord>,
}

/// What an append returns for a recorded statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    /// Sequence number of the entry.
    pub seq: u64,
    /// Entry hash (RFC 6962 leaf hash).
    pub entry_hash: Digest32,
    /// Ledger time of the entry.
    pub ledger_time: Timestamp,
    /// For a statement submitted again (idempotent: nothing new is recorded), what its entry
    /// `seq` means now; `None` for a statement recorded by this append.
    pub resubmission: Option<Effect>,
}

/// What a recorded entry's event means now, as a re-submission's receipt tells it (later
/// entries may have undone it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Effect {
    /// Nothing recorded since has undone it.
    InForce,
    /// It no longer counts: its signing key was declared compromised since before it.
    SignerCompromised,
    /// A consent (`UseAuthorized`), revoked at this entry.
    ConsentRevoked {
        /// The revocation's entry.
        at_entry: u64,
    },
    /// A license version that is not valid now: its status (a `Status::name`).
    LicenseNot {
        /// The version's status now.
        status: &'static str,
    },
}

impl std::fmt::Display for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Effect::InForce => f.write_str("in force"),
            Effect::SignerCompromised => {
                f.write_str("void: its signing key was declared compromised since before it")
            }
            Effect::ConsentRevoked { at_entry } => write!(f, "consent revoked at entry {at_entry}"),
            Effect::LicenseNot { status } => write!(f, "license version now {status}"),
        }
    }
}

/// Every table of the state, each named after its field, as `$as`: the state is taken apart
/// field by field with no `..`, so a field added to [`State`] does not compile until it is
/// listed here (or, like the memo, said not to be a table).
macro_rules! every_table {
    ($state:expr, $as:ty) => {
        every_table!(@ $state, $as; origin, policy, keys, signing_keys, authorities, types, lineages, holders,
            statements, seals, documents, seal_uses, policies, cases, open_cases, holder_binds,
            compromises, consents, lineage_consents, uses, tip)
    };
    (@ $state:expr, $as:ty; $($table:ident),*) => {{
        let State { $($table,)* void_memo: _ } = $state;
        [$((stringify!($table), $table as $as)),*]
    }};
}

/// The ledger-wide values every entry changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Tip {
    /// Number of entries applied.
    pub(super) size: u64,
    /// Hash of the last entry (zero before genesis).
    pub(super) head: Digest32,
    /// Ledger time of the last entry.
    pub(super) last_time: Timestamp,
}

/// The state derived from a ledger's entries. Every part an entry changes is a table
/// (`tables.rs`), changed only through its logged operations, and listed once in
/// `State::tables`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct State {
    origin: Cell<Option<String>>,
    policy: Cell<Policy>,
    keys: Table<KeyId, KeyRecord>,
    /// The root and operator keys (which sign checkpoints and stamps), of `keys`: the few
    /// that are scanned, so that `keys` (holder and seal keys too) is read by key only.
    signing_keys: Set<KeyId>,
    authorities: Table<String, Authority>,
    types: Table<String, LicenseType>,
    lineages: Table<String, Lineage>,
    holders: Lists<Digest32, LicenseId>,
    statements: Table<StatementId, Receipt>,
    seals: Table<String, Seal>,
    /// Sealings by document digest, in ledger order.
    documents: Lists<Digest32, SealUse>,
    /// Digests of the documents each seal was applied to, in ledger order.
    seal_uses: Lists<String, Digest32>,
    policies: Table<String, PolicyRecord>,
    cases: Table<String, CaseRecord>,
    /// Cases neither decided nor sealed automatically, by deadline.
    open_cases: Set<(Timestamp, String)>,
    /// The holder keys bound to each license lineage, in ledger order: the current one is
    /// the last whose binding counts.
    holder_binds: Lists<String, KeyId>,
    /// Compromise declarations and which of them count.
    compromises: Cell<counting::Compromises>,
    /// Which keys do not count (a cache of what `compromises` implies; not a table).
    void_memo: counting::VoidMemo,
    consents: Table<StatementId, ConsentRecord>,
    /// Consent ids by license lineage, in ledger order.
    lineage_consents: Lists<String, StatementId>,
    /// Use records by license lineage, in ledger order.
    uses: Lists<String, UseEntry>,
    tip: Cell<Tip>,
}

impl State {
    /// Every table ([`every_table`]): what a transaction begins, rolls back and commits, and
    /// what the persistent index stores (under each field's name).
    fn tables(&mut self) -> [(&'static str, &mut dyn Transactional); 21] {
        every_table!(self, &mut dyn Transactional)
    }

    /// [`State::tables`], to read.
    fn tables_ref(&self) -> [(&'static str, &dyn Rows); 21] {
        every_table!(self, &dyn Rows)
    }

    /// Starts a transaction: from here every change to the state is logged with its inverse
    /// until [`State::rollback`] or [`State::commit`]. A transaction already open stays open.
    /// Whether a transaction is open (its changes may yet be rolled back).
    pub(crate) fn in_transaction(&self) -> bool {
        self.tip.in_transaction()
    }

    pub(crate) fn begin(&mut self) {
        for (_, t) in self.tables() {
            t.begin();
        }
    }

    /// Undoes every change since [`State::begin`]: the state is exactly as it was then.
    pub(crate) fn rollback(&mut self) {
        for (_, t) in self.tables() {
            t.rollback();
        }
        // Keys may have gone: what was worked out about them goes too.
        self.void_memo.clear();
    }

    /// Keeps every change since [`State::begin`] and ends the transaction.
    pub(crate) fn commit(&mut self) {
        for (_, t) in self.tables() {
            t.commit();
        }
    }

    /// A state persisted in `source` (the persistent index): the small registries (keys,
    /// authorities, license types, auto-sealing policies, open cases and the ledger-wide
    /// values) are read whole now, every other table row by row when first asked.
    pub(crate) fn persisted(source: std::sync::Arc<dyn RowSource>) -> State {
        let mut state = State::new();
        for (name, t) in state.tables() {
            t.attach(
                name,
                std::sync::Arc::clone(&source),
                RESIDENT.contains(&name),
            );
        }
        state
    }

    /// The rows changed since the last [`State::settle`], by table: what the persistent index
    /// writes after the entries that changed them are durable.
    pub(crate) fn changes(&self) -> Vec<(&'static str, Vec<RowChange>)> {
        self.tables_ref()
            .into_iter()
            .map(|(name, t)| (name, t.changes()))
            .filter(|(_, rows)| !rows.is_empty())
            .collect()
    }

    /// The changes are written: from now on they are read from the index.
    pub(crate) fn settle(&mut self) {
        for (_, t) in self.tables() {
            t.settle();
        }
    }

    /// The names of the state's tables, in [`State::tables`] order.
    pub(crate) fn table_names(&self) -> Vec<&'static str> {
        self.tables_ref()
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    }

    /// Every row of table `name`, encoded.
    pub(crate) fn table_rows(&self, name: &str) -> Vec<RowChange> {
        self.table_named(name)
            .map(Rows::all_rows)
            .unwrap_or_default()
    }

    /// Row `key` (encoded) of table `name`, encoded: how the journal answers for a row of the
    /// index that failed its check.
    pub(crate) fn encoded_row(&self, name: &str, key: &[u8]) -> Option<Vec<u8>> {
        self.table_named(name)?.encoded_row(key)
    }

    fn table_named(&self, name: &str) -> Option<&dyn Rows> {
        self.tables_ref()
            .into_iter()
            .find_map(|(n, t)| (n == name).then_some(t))
    }

    /// Every row of table `name`, encoded.
    pub(crate) fn encoded_rows(&self, name: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.table_named(name)
            .map(|t| {
                t.all_rows()
                    .into_iter()
                    .filter_map(|(k, v)| Some((k, v?)))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl State {
    /// The empty state before genesis.
    pub fn new() -> Self {
        Self::default()
    }

    /// The ledger origin (after genesis).
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// The ledger policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Number of entries applied.
    pub fn size(&self) -> u64 {
        self.tip.size
    }

    /// Hash of the last entry (zero before genesis).
    pub fn head(&self) -> Digest32 {
        self.tip.head
    }

    /// Ledger time of the last entry.
    pub fn last_time(&self) -> Timestamp {
        self.tip.last_time
    }

    /// The receipt of an already-recorded statement.
    pub fn receipt_of(&self, id: &StatementId) -> Option<Receipt> {
        self.statements.get(id).copied()
    }

    /// A registered key.
    pub fn key(&self, id: &KeyId) -> Option<&KeyRecord> {
        self.keys.get(id)
    }

    /// The root keys not declared compromised, in key id order: the keys that sign the
    /// ledger's checkpoints (SPEC §16).
    pub fn root_keys(&self) -> Vec<PublicKey> {
        self.root_keys_where(|_| true)
    }

    /// The operator keys (SPEC §16) that may sign at `t`: not retired by then and brought in by
    /// an entry that counts (§9).
    pub fn operator_keys_at(&self, t: Timestamp) -> Vec<PublicKey> {
        self.operator_keys_where(|k| {
            k.introduced.ledger_time <= t
                && self.retired_from(&k.public.key_id()).is_none_or(|r| t < r)
        })
    }

    /// Whether the ledger has an operator key that counts (retired or not): from its first,
    /// root keys no longer sign checkpoints and stamps (SPEC §16).
    pub fn has_operator_keys(&self) -> bool {
        !self.operator_keys_where(|_| true).is_empty()
    }

    /// The keys that may sign the ledger's checkpoints and status stamps at `t` (SPEC §16): its
    /// operator keys active then once it had one that counts by then, else its root keys
    /// active then; judged with all the ledger knows now.
    pub fn checkpoint_keys(&self, t: Timestamp) -> Vec<PublicKey> {
        let by_then = |k: &KeyRecord| k.introduced.ledger_time <= t;
        if self.operator_keys_where(by_then).is_empty() {
            self.active_root_keys(t)
        } else {
            self.operator_keys_at(t)
        }
    }

    /// Every key that signs or signed the ledger's checkpoints and stamps: root keys not
    /// declared compromised and operator keys that count, retired or not.
    pub fn all_checkpoint_keys(&self) -> Vec<PublicKey> {
        let mut keys = self.root_keys();
        keys.extend(self.operator_keys_where(|_| true));
        keys
    }

    /// Every key that ever signed or could have signed the ledger's checkpoints and stamps: its
    /// root and operator keys, compromised, voided and retired ones included. What the
    /// operator checks its own checkpoint log against ("did we sign this"), not what a relying
    /// party trusts ([`State::all_checkpoint_keys`]).
    pub fn every_checkpoint_key(&self) -> Vec<PublicKey> {
        let mut keys: Vec<PublicKey> = self
            .all_keys_of(&Principal::Root)
            .into_iter()
            .map(|k| k.public)
            .collect();
        keys.extend(self.all_operator_keys().into_iter().map(|k| k.public));
        keys
    }

    /// Every operator key the ledger ever had, in key id order, with its record.
    pub fn all_operator_keys(&self) -> Vec<&KeyRecord> {
        self.all_keys_of(&Principal::Operator)
    }

    /// Operator keys brought in by entries that count and satisfying `keep`, in key id order.
    fn operator_keys_where(&self, keep: impl Fn(&KeyRecord) -> bool) -> Vec<PublicKey> {
        self.all_operator_keys()
            .into_iter()
            .filter(|k| self.void_by(&k.introduced).is_none() && keep(k))
            .map(|k| k.public)
            .collect()
    }

    /// The root keys that may sign at `t` (not retired by then, not compromised): those that
    /// sign new checkpoints and status stamps while the ledger has no operator key.
    pub fn active_root_keys(&self, t: Timestamp) -> Vec<PublicKey> {
        self.root_keys_where(|k| {
            k.introduced.ledger_time <= t
                && self.retired_from(&k.public.key_id()).is_none_or(|r| t < r)
        })
    }

    /// Every root key the ledger ever had, compromised or not, in key id order: what a trust
    /// list's operator keys are made from (with [`State::retired_from`],
    /// [`State::compromised_since`] and whether its introduction counts).
    pub fn all_root_keys(&self) -> Vec<&KeyRecord> {
        self.all_keys_of(&Principal::Root)
    }

    /// The ids of the root and operator keys.
    fn signing_ids(&self) -> impl Iterator<Item = &KeyId> {
        self.signing_keys.iter()
    }

    fn all_keys_of(&self, owner: &Principal) -> Vec<&KeyRecord> {
        let mut keys: Vec<(&KeyId, &KeyRecord)> = self
            .signing_ids()
            .filter_map(|id| Some((id, self.keys.get(id)?)))
            .filter(|(_, k)| k.owner == *owner)
            .collect();
        keys.sort_by_key(|(id, _)| **id);
        keys.into_iter().map(|(_, k)| k).collect()
    }

    /// Root keys not declared compromised that also satisfy `keep`, in key id order.
    fn root_keys_where(&self, keep: impl Fn(&KeyRecord) -> bool) -> Vec<PublicKey> {
        let mut keys: Vec<(&KeyId, &KeyRecord)> = self
            .signing_ids()
            .filter_map(|id| Some((id, self.keys.get(id)?)))
            .filter(|(id, k)| {
                k.owner == Principal::Root && self.compromised_since(id).is_none() && keep(k)
            })
            .collect();
        keys.sort_by_key(|(id, _)| **id);
        keys.into_iter().map(|(_, k)| k.public).collect()
    }

    /// A registered authority.
    pub fn authority(&self, code: &str) -> Option<&Authority> {
        self.authorities.get(code)
    }

    /// Iterates over all authorities.
    pub fn authorities(&self) -> impl Iterator<Item = &Authority> {
        self.authorities.values()
    }

    /// A license type.
    pub fn license_type(&self, code: &str) -> Option<&LicenseType> {
        self.types.get(code)
    }

    /// Iterates over all license types.
    pub fn license_types(&self) -> impl Iterator<Item = &LicenseType> {
        self.types.values()
    }

    /// The lineage a license version belongs to.
    pub fn lineage(&self, id: &LicenseId) -> Option<&Lineage> {
        self.lineages.get(id.lineage())
    }

    /// Iterates over all license lineages.
    pub fn lineages(&self) -> impl Iterator<Item = &Lineage> {
        self.lineages.values()
    }

    /// The recorded version with this id.
    pub fn license(&self, id: &LicenseId) -> Option<&VersionRecord> {
        let idx = usize::from(id.version()).checked_sub(1)?;
        self.lineage(id)?.versions.get(idx)
    }

    /// Version ids of the license, oldest first.
    pub fn versions(&self, id: &LicenseId) -> Vec<LicenseId> {
        self.lineage(id)
            .map(|l| l.versions.iter().map(|v| v.version.id.clone()).collect())
            .unwrap_or_default()
    }

    /// License versions recorded for a holder commitment.
    pub fn by_holder(&self, commitment: &Digest32) -> &[LicenseId] {
        self.holders.get(commitment).map_or(&[], Vec::as_slice)
    }

    /// Makes room for a ledger of about `entries` entries (a replay knows how many it will
    /// apply), so the largest maps are not rehashed while it runs: one statement id per entry,
    /// and room for license lineages and holders of half as many. A hint only; allocation
    /// failure is ignored here and reported by the allocator later if it matters.
    pub(crate) fn reserve(&mut self, entries: u64) {
        let n = usize::try_from(entries).unwrap_or(usize::MAX);
        self.statements.reserve(n);
        self.lineages.reserve(n / 2);
        self.holders.reserve(n / 2);
    }

    /// Whether two states are equal (as `==`), with the map entries shared out over every
    /// core: an audit compares a replayed state of millions of entries with the live one.
    pub fn equals_on_cores(&self, other: &State) -> bool {
        let scalars = self.origin == other.origin
            && self.policy == other.policy
            && self.tip == other.tip
            && self.open_cases == other.open_cases
            && self.signing_keys == other.signing_keys
            && self.compromises == other.compromises;
        let parts = crate::parallel::cores();
        let part = |i: usize| {
            self.keys.same_part(&other.keys, i, parts)
                && self.authorities.same_part(&other.authorities, i, parts)
                && self.types.same_part(&other.types, i, parts)
                && self.lineages.same_part(&other.lineages, i, parts)
                && self.holders.same_part(&other.holders, i, parts)
                && self.statements.same_part(&other.statements, i, parts)
                && self.seals.same_part(&other.seals, i, parts)
                && self.documents.same_part(&other.documents, i, parts)
                && self.seal_uses.same_part(&other.seal_uses, i, parts)
                && self.policies.same_part(&other.policies, i, parts)
                && self.cases.same_part(&other.cases, i, parts)
                && self.holder_binds.same_part(&other.holder_binds, i, parts)
                && self.consents.same_part(&other.consents, i, parts)
                && self
                    .lineage_consents
                    .same_part(&other.lineage_consents, i, parts)
                && self.uses.same_part(&other.uses, i, parts)
        };
        scalars
            && std::thread::scope(|s| {
                let others: Vec<_> = (1..parts).map(|i| s.spawn(move || part(i))).collect();
                let mine = part(0);
                // A comparing thread that panicked cannot have found the states equal.
                others.into_iter().all(|h| h.join().unwrap_or(false)) && mine
            })
    }

    /// The termination that governs a lineage: among those that count, a rescission (撤销,
    /// retroactive), else the one effective earliest. A termination whose signing key was
    /// declared compromised at or before its recording does not count.
    pub fn termination<'a>(&self, lineage: &'a Lineage) -> Option<&'a TerminationRecord> {
        let counting = lineage
            .terminations
            .iter()
            .filter(|t| self.counts(&t.recorded));
        let mut best: Option<&TerminationRecord> = None;
        for t in counting {
            best = match best {
                Some(b) if b.kind == TerminationKind::Rescinded => Some(b),
                _ if t.kind == TerminationKind::Rescinded => Some(t),
                // Earliest effective; on a tie a revocation (the remedy) governs.
                Some(b)
                    if b.effective < t.effective
                        || (b.effective == t.effective
                            && (b.kind == TerminationKind::Revoked
                                || t.kind != TerminationKind::Revoked)) =>
                {
                    Some(b)
                }
                _ => Some(t),
            };
        }
        best
    }

    /// The governing termination of `lineage` if it is in effect at `t` (a rescission always
    /// is): what blocks further events on the lineage.
    pub fn terminated_at<'a>(
        &self,
        lineage: &'a Lineage,
        t: Timestamp,
    ) -> Option<&'a TerminationRecord> {
        self.termination(lineage)
            .filter(|r| r.kind == TerminationKind::Rescinded || r.effective <= t)
    }

    /// What the entry that recorded `statement` (receipt `r`) means at `now`: for the receipt
    /// of a re-submission.
    pub fn effect_of(&self, statement: &SignedStatement, r: &Receipt, now: Timestamp) -> Effect {
        let recorded = Provenance {
            seq: r.seq,
            ledger_time: r.ledger_time,
            key: statement.statement().actor,
        };
        if !self.counts(&recorded) {
            return Effect::SignerCompromised;
        }
        let event = &statement.statement().event;
        if let Some(v) = event.new_version() {
            let status = self.status(&v.id, now);
            if !status.is_valid() {
                return Effect::LicenseNot {
                    status: status.name(),
                };
            }
        }
        if let crate::event::Event::UseAuthorized(_) = event {
            if let Some(revoked) = self
                .consent(&statement.id())
                .and_then(|c| c.revoked)
                .filter(|r| self.counts(r))
            {
                return Effect::ConsentRevoked {
                    at_entry: revoked.seq,
                };
            }
        }
        Effect::InForce
    }
}
