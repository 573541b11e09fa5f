//! Ledger entries.

use super::statement::SignedStatement;
use crate::crypto::{leaf_hash, Digest32};
use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};
use crate::time::Timestamp;

/// The largest encoded entry, in bytes: 65,535, so that every entry fits a C2SP tlog-tiles
/// entry bundle (a `uint16` length prefix). An append producing a larger entry is refused; a
/// store or archive holding one is damaged.
pub const MAX_ENTRY_LEN: usize = 65_535;

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

    /// The canonical bytes of the entry these parts make, without building an `Entry`.
    pub fn encode_parts(
        seq: u64,
        prev: &Digest32,
        ledger_time: Timestamp,
        statement: &SignedStatement,
    ) -> Vec<u8> {
        // The statement and signature, plus the entry's own fields (at most 60 bytes).
        let mut e = Encoder::with_capacity(statement.statement_bytes().len() + 140);
        write_parts(&mut e, seq, prev, ledger_time, statement);
        e.into_bytes()
    }
}

fn write_parts(e: &mut Encoder, seq: u64, prev: &Digest32, t: Timestamp, s: &SignedStatement) {
    e.array(5);
    e.uint(1);
    e.uint(seq);
    prev.encode(e);
    t.encode(e);
    s.encode(e);
}

impl Canonical for Entry {
    fn encode(&self, e: &mut Encoder) {
        write_parts(e, self.seq, &self.prev, self.ledger_time, &self.statement);
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
