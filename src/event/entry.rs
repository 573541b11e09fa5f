//! Ledger entries.

use super::statement::SignedStatement;
use crate::crypto::{leaf_hash, Digest32};
use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};
use crate::time::Timestamp;

/// A recorded statement. Encoded `[1, seq, previous entry hash, ledger time, signed statement]`.
/// Its hash is the RFC 6962 leaf hash `SHA-256(0x00 || entry bytes)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Position in the ledger, from 0 (the genesis entry).
    pub seq: u64,
    /// Hash of the entry at `seq - 1`; 32 zero bytes for the genesis entry.
    pub prev: Digest32,
    /// When the ledger recorded the entry; never decreases along the ledger.
    pub ledger_time: Timestamp,
    /// The actor's signed statement.
    pub statement: SignedStatement,
}

impl Entry {
    /// The entry hash (RFC 6962 leaf hash of the canonical bytes).
    pub fn hash(&self) -> Digest32 {
        leaf_hash(&self.to_canonical())
    }
}

impl Canonical for Entry {
    fn encode(&self, e: &mut Encoder) {
        e.array(5);
        e.uint(1);
        e.uint(self.seq);
        self.prev.encode(e);
        self.ledger_time.encode(e);
        self.statement.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(5)?;
        d.version("entry", 1)?;
        Ok(Self {
            seq: d.uint()?,
            prev: Digest32::decode(d)?,
            ledger_time: Timestamp::decode(d)?,
            statement: SignedStatement::decode(d)?,
        })
    }
}
