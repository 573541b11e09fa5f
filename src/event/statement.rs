//! Statements and signed statements.

use super::body::Event;
use crate::crypto::{domain_hash, Digest32, Domain, KeyId, SecretKey, Signature};
use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};
use crate::time::Timestamp;

/// What an actor asserts. Encoded `[1, origin, actor key id, claimed time, event]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The ledger this statement is meant for; a statement for another ledger is refused.
    pub origin: String,
    /// Key id of the signing key.
    pub actor: KeyId,
    /// When the actor says it made the statement.
    pub claimed_time: Timestamp,
    /// The event.
    pub event: Event,
}

/// Identifier of a statement: `SHA-256("chancery/v1/statement-id" || 0x00 || statement bytes)`.
/// Re-submitting a statement with the same identifier returns the original receipt.
pub type StatementId = Digest32;

fn statement_id(bytes: &[u8]) -> StatementId {
    domain_hash(Domain::StatementId, bytes)
}

impl Statement {
    /// Signs the statement with `key` (whose id should be `self.actor`).
    pub fn sign(self, key: &SecretKey) -> SignedStatement {
        let bytes = self.to_canonical();
        let signature = key.sign(Domain::Statement, &bytes);
        SignedStatement {
            id: statement_id(&bytes),
            statement: self,
            statement_bytes: bytes,
            signature,
        }
    }
}

impl Canonical for Statement {
    fn encode(&self, e: &mut Encoder) {
        e.array(5);
        e.uint(1);
        e.text(&self.origin);
        self.actor.encode(e);
        self.claimed_time.encode(e);
        self.event.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(5)?;
        d.version("statement", 1)?;
        Ok(Self {
            origin: d.text()?.to_owned(),
            actor: KeyId::decode(d)?,
            claimed_time: Timestamp::decode(d)?,
            event: Event::decode(d)?,
        })
    }
}

/// A statement with the actor's signature over
/// `"chancery/v1/statement" || 0x00 || statement bytes`.
/// Encoded `[1, statement, signature]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedStatement {
    statement: Statement,
    statement_bytes: Vec<u8>,
    signature: Signature,
    /// Computed once, when the statement is signed, paired or decoded.
    id: StatementId,
}

impl SignedStatement {
    /// Pairs a statement with a signature made elsewhere (e.g. by an HSM).
    pub fn new(statement: Statement, signature: Signature) -> Self {
        let statement_bytes = statement.to_canonical();
        Self {
            id: statement_id(&statement_bytes),
            statement,
            statement_bytes,
            signature,
        }
    }

    /// The statement.
    pub fn statement(&self) -> &Statement {
        &self.statement
    }

    /// The statement, giving up the encoding and signature.
    pub fn into_statement(self) -> Statement {
        self.statement
    }

    /// The exact signed bytes of the statement.
    pub fn statement_bytes(&self) -> &[u8] {
        &self.statement_bytes
    }

    /// The signature.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// The statement identifier.
    pub fn id(&self) -> StatementId {
        self.id
    }
}

impl Canonical for SignedStatement {
    fn encode(&self, e: &mut Encoder) {
        e.array(3);
        e.uint(1);
        // The kept bytes are the statement's canonical encoding (made by encoding, or strictly
        // decoded), so they are written as they are rather than encoded again.
        e.raw(&self.statement_bytes);
        self.signature.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(3)?;
        d.version("signed statement", 1)?;
        let start = d.position();
        let statement = Statement::decode(d)?;
        let statement_bytes = d.slice(start, d.position()).to_vec();
        Ok(Self {
            id: statement_id(&statement_bytes),
            statement,
            statement_bytes,
            signature: Signature::decode(d)?,
        })
    }
}
