//! Signing statements as an actor.

use super::{Event, SignedStatement, Statement};
use crate::crypto::{KeyId, PublicKey, SecretKey};
use crate::time::Timestamp;

/// An actor's signing key bound to the ledger it writes to.
#[derive(Debug, Clone)]
pub struct Actor {
    origin: String,
    key: SecretKey,
}

impl Actor {
    /// An actor signing for the ledger `origin` with `key`.
    pub fn new(origin: impl Into<String>, key: SecretKey) -> Self {
        Self {
            origin: origin.into(),
            key,
        }
    }

    /// The actor's public key.
    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    /// The actor's key id.
    pub fn key_id(&self) -> KeyId {
        self.key.key_id()
    }

    /// The ledger origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Signs `event` with claimed time `at`.
    pub fn sign(&self, event: Event, at: Timestamp) -> SignedStatement {
        Statement {
            origin: self.origin.clone(),
            actor: self.key.key_id(),
            claimed_time: at,
            event,
        }
        .sign(&self.key)
    }

    /// As a seal's owner, accepts a registration of `terms` for this ledger; `seal` (the actor
    /// of the seal's own key, `terms.key`) proves possession (SPEC §18).
    pub fn accept_seal(&self, terms: super::SealTerms, seal: &Actor) -> super::SealRegistration {
        terms.accept(&self.origin, &self.key, &seal.key)
    }
}
