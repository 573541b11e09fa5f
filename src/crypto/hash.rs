//! SHA-256 digests and the domain tags that separate every hashed or signed purpose.

use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};
use sha2::{Digest, Sha256};
use std::fmt;

/// A 32-byte SHA-256 digest (entry hashes, Merkle nodes, commitments, document digests).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Digest32(pub [u8; 32]);

impl Digest32 {
    /// The all-zero digest: the previous-entry hash of the genesis entry.
    pub const ZERO: Digest32 = Digest32([0; 32]);

    /// The raw bytes.
    pub fn to_bytes(self) -> [u8; 32] {
        self.0
    }

    /// Lower-case hexadecimal.
    pub fn to_hex(&self) -> String {
        crate::encoding::hex(self.0)
    }

    /// Parses 64 hexadecimal digits.
    pub fn from_hex(s: &str) -> Option<Self> {
        if s.len() != 64 || !s.is_ascii() {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Self(out))
    }
}

impl fmt::Debug for Digest32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_hex())
    }
}

impl fmt::Display for Digest32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_hex())
    }
}

impl Canonical for Digest32 {
    fn encode(&self, e: &mut Encoder) {
        e.bytes(&self.0);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.byte_array().map(Digest32)
    }
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Digest32 {
    Digest32(Sha256::digest(data).into())
}

/// RFC 6962 leaf hash: `SHA-256(0x00 || data)`. The entry hash.
pub fn leaf_hash(data: &[u8]) -> Digest32 {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    Digest32(h.finalize().into())
}

/// RFC 6962 interior node hash: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Digest32, right: &Digest32) -> Digest32 {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left.0);
    h.update(right.0);
    Digest32(h.finalize().into())
}

/// One purpose for a hash or a signature. The message is `tag || 0x00 || payload`, so bytes made
/// for one purpose never verify or collide as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Domain {
    /// Signature over a statement.
    Statement,
    /// Key identifier of a public key.
    KeyId,
    /// Identifier of a statement (idempotent re-submission).
    StatementId,
    /// Holder commitment.
    Holder,
    /// Claim digest.
    Claim,
    /// Signature over a status stamp.
    StatusStamp,
    /// A new root key's signature accepting a rotation.
    KeyRotation,
    /// A list operator's signature over a trust list.
    TrustList,
    /// A seal owner's signature accepting a seal registration.
    SealAcceptance,
    /// A seal key's proof of possession over its registration.
    SealPossession,
    /// A root key's cosignature declaring another root key compromised.
    RootCompromise,
    /// A new operator key's signature accepting its role.
    OperatorKey,
    /// A holder key's signature binding a presentation to a verifier and a window.
    HolderPresentation,
    /// Signature over a sealing stamp.
    SealingStamp,
}

impl Domain {
    /// Every domain, in the order of SPEC §2's table.
    pub const ALL: [Domain; 14] = [
        Domain::Statement,
        Domain::KeyId,
        Domain::StatementId,
        Domain::Holder,
        Domain::Claim,
        Domain::StatusStamp,
        Domain::SealingStamp,
        Domain::KeyRotation,
        Domain::TrustList,
        Domain::SealAcceptance,
        Domain::SealPossession,
        Domain::RootCompromise,
        Domain::OperatorKey,
        Domain::HolderPresentation,
    ];

    /// The ASCII tag.
    pub fn tag(self) -> &'static [u8] {
        match self {
            Domain::Statement => b"chancery/v1/statement",
            Domain::KeyId => b"chancery/v1/key-id",
            Domain::StatementId => b"chancery/v1/statement-id",
            Domain::Holder => b"chancery/v1/holder",
            Domain::Claim => b"chancery/v1/claim",
            Domain::StatusStamp => b"chancery/v1/status-stamp",
            Domain::KeyRotation => b"chancery/v1/key-rotation",
            Domain::TrustList => b"chancery/v1/trust-list",
            Domain::SealAcceptance => b"chancery/v1/seal-acceptance",
            Domain::SealPossession => b"chancery/v1/seal-possession",
            Domain::RootCompromise => b"chancery/v1/root-compromise",
            Domain::OperatorKey => b"chancery/v1/operator-key",
            Domain::HolderPresentation => b"chancery/v1/holder-presentation",
            Domain::SealingStamp => b"chancery/v1/sealing-stamp",
        }
    }

    /// `tag || 0x00 || payload`: the bytes that are signed or hashed.
    pub fn message(self, payload: &[u8]) -> Vec<u8> {
        let tag = self.tag();
        let mut m = Vec::with_capacity(tag.len() + 1 + payload.len());
        m.extend_from_slice(tag);
        m.push(0);
        m.extend_from_slice(payload);
        m
    }
}

/// `SHA-256(tag || 0x00 || payload)`.
pub fn domain_hash(domain: Domain, payload: &[u8]) -> Digest32 {
    let mut h = Sha256::new();
    h.update(domain.tag());
    h.update([0u8]);
    h.update(payload);
    Digest32(h.finalize().into())
}
