//! Signature checks for a run of statements, shared by append and replay.

use super::rules::introduced_keys;
use super::State;
use crate::crypto::{verify_many, Domain, Item, KeyId, PublicKey};
use crate::event::SignedStatement;
use std::collections::HashMap;

/// Public keys by key id: every key a ledger has mentioned. Because a key id is the hash of the
/// key, any such directory maps an id to the same key; whether the key may sign is decided by
/// [`State::check`], not here.
#[derive(Debug, Default, Clone)]
pub struct KeyDirectory {
    keys: HashMap<KeyId, PublicKey>,
}

impl KeyDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the keys `statement` introduces (root keys, registered and added keys).
    pub fn learn(&mut self, statement: &SignedStatement) {
        for k in introduced_keys(&statement.statement().event) {
            self.keys.insert(k.key_id(), *k);
        }
    }

    /// The key with this id, if known.
    pub fn get(&self, id: &KeyId) -> Option<PublicKey> {
        self.keys.get(id).copied()
    }

    /// The key each statement of a run is to be verified with: the one rule of append,
    /// catch-up and replay. Each statement's introduced keys are learned first (a genesis
    /// statement is signed by the root key it introduces), then its actor is looked up among
    /// the keys learned so far and those `known` (the state before the run) holds. `None`
    /// where no key is known: the rules then refuse the statement as signed by an unknown key.
    pub fn signers_after<'s>(
        &mut self,
        known: &State,
        statements: impl IntoIterator<Item = &'s SignedStatement>,
    ) -> Vec<Option<PublicKey>> {
        statements
            .into_iter()
            .map(|s| {
                self.learn(s);
                let actor = &s.statement().actor;
                self.get(actor)
                    .or_else(|| known.key(actor).map(|k| k.public))
            })
            .collect()
    }
}

impl State {
    /// The key each statement of a run after this state is to be verified with (see
    /// [`KeyDirectory::signers_after`]).
    pub fn resolve_signers(&self, statements: &[&SignedStatement]) -> Vec<Option<PublicKey>> {
        KeyDirectory::new().signers_after(self, statements.iter().copied())
    }
}

/// Verifies each statement's signature with its resolved key, in parallel batches. A statement
/// with no key gets `true` here: it is refused by the rules as signed by an unknown key.
pub(crate) fn verify_signers(
    statements: &[&SignedStatement],
    keys: &[Option<PublicKey>],
) -> Vec<bool> {
    let (items, slots) = signature_items(statements, keys);
    spread_flags(
        statements.len(),
        &slots,
        verify_many(Domain::Statement, &items),
    )
}

/// The `(payload, key, signature)` triples to verify, and the statement index of each; statements
/// without a key are left out.
pub(crate) fn signature_items<'a>(
    statements: &[&'a SignedStatement],
    keys: &'a [Option<PublicKey>],
) -> (Vec<Item<'a>>, Vec<usize>) {
    let mut items = Vec::with_capacity(statements.len());
    let mut slots = Vec::with_capacity(statements.len());
    for (i, (s, k)) in statements.iter().zip(keys).enumerate() {
        if let Some(k) = k {
            items.push((s.statement_bytes(), k, s.signature()));
            slots.push(i);
        }
    }
    (items, slots)
}

/// One flag per statement from the verdicts of [`signature_items`]; statements left out get
/// `true` (the rules refuse them).
pub(crate) fn spread_flags(len: usize, slots: &[usize], verdicts: Vec<bool>) -> Vec<bool> {
    let mut out = vec![true; len];
    for (slot, ok) in slots.iter().zip(verdicts) {
        out[*slot] = ok;
    }
    out
}
