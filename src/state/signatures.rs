//! Signature checks for a run of statements, shared by append and replay.

use super::rules::introduced_keys;
use super::State;
use crate::crypto::{verify_many, Domain, KeyId, PublicKey};
use crate::event::SignedStatement;
use std::collections::HashMap;

impl State {
    /// Checks the signatures of `statements`, which are to be applied in order after the
    /// current state: each is verified with its actor's key, found in the state or introduced
    /// by an earlier statement of the run. Returns one flag per statement; a statement whose
    /// key cannot be found gets `true` here and is refused by [`State::check`] as an unknown
    /// key. Verification runs as parallel batches.
    pub fn verify_signatures(&self, statements: &[&SignedStatement]) -> Vec<bool> {
        let mut pending: HashMap<KeyId, PublicKey> = HashMap::new();
        let mut keys = Vec::with_capacity(statements.len());
        for s in statements {
            keys.push(self.signer_key(s, &pending));
            for k in introduced_keys(&s.statement().event) {
                pending.insert(k.key_id(), *k);
            }
        }
        let mut items = Vec::with_capacity(statements.len());
        let mut slots = Vec::with_capacity(statements.len());
        for (i, (s, k)) in statements.iter().zip(&keys).enumerate() {
            if let Some(k) = k {
                items.push((s.statement_bytes(), k, s.signature()));
                slots.push(i);
            }
        }
        let verdicts = verify_many(Domain::Statement, &items);
        let mut out = vec![true; statements.len()];
        for (slot, ok) in slots.into_iter().zip(verdicts) {
            out[slot] = ok;
        }
        out
    }
}
