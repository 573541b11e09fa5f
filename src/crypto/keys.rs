//! Public keys, secret keys, key identifiers and signatures, each tagged with its algorithm.

use super::hash::{domain_hash, Digest32, Domain};
use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use std::fmt;

/// Signature algorithms. The identifier travels with every key and signature, so another
/// algorithm (SM2 with SM3) can be added without re-encoding old entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// Ed25519 (RFC 8032), verified by the cofactored rule of SPEC §3. Wire identifier 1.
    Ed25519,
}

impl Algorithm {
    /// The wire identifier.
    pub fn id(self) -> u64 {
        match self {
            Algorithm::Ed25519 => 1,
        }
    }
}

/// A public key with its algorithm. Encoded `[alg, key bytes]`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PublicKey {
    /// An Ed25519 key; weak (small-order) keys are refused at decode.
    Ed25519(VerifyingKey),
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.key_id())
    }
}

impl PublicKey {
    /// The key's algorithm.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            PublicKey::Ed25519(_) => Algorithm::Ed25519,
        }
    }

    /// The key identifier: `SHA-256("chancery/v1/key-id" || 0x00 || canonical key encoding)`.
    pub fn key_id(&self) -> KeyId {
        KeyId(domain_hash(Domain::KeyId, &self.to_canonical()))
    }

    /// Verifies `signature` over `domain || 0x00 || payload` by the rule of SPEC §3: canonical
    /// `s`, `R` a point not of small order, and the cofactored equation
    /// `[8][s]B = [8]R + [8][k]A`. The same rule decides in batches, so whether a signature is
    /// accepted never depends on which batch it was checked in.
    pub fn verify(
        &self,
        domain: Domain,
        payload: &[u8],
        signature: &Signature,
    ) -> Result<(), SignatureError> {
        if super::batch::verify_one(domain, payload, self, signature) {
            Ok(())
        } else {
            Err(SignatureError)
        }
    }

    /// The key's 32 bytes as a C2SP signed note's verifier key carries them (SPEC §16).
    pub fn note_key_bytes(&self) -> [u8; 32] {
        match self {
            PublicKey::Ed25519(k) => k.to_bytes(),
        }
    }

    /// The Ed25519 key of a C2SP verifier key's 32 bytes: any encoding of a curve point, as
    /// RFC 8032 reads it (a weak key is refused when it verifies, by
    /// [`PublicKey::verify_note_text`]).
    pub fn from_note_key_bytes(bytes: &[u8; 32]) -> Option<Self> {
        VerifyingKey::from_bytes(bytes).ok().map(PublicKey::Ed25519)
    }

    /// Verifies a plain RFC 8032 signature over a signed note's `message` (its text, or a
    /// cosignature's signed message; SPEC §16), strictly: canonical `s`, no small-order key or
    /// `R`, the cofactorless equation, as C2SP notes are verified elsewhere.
    pub fn verify_note_text(
        &self,
        message: &[u8],
        signature: &[u8; 64],
    ) -> Result<(), SignatureError> {
        match self {
            PublicKey::Ed25519(k) => k
                .verify_strict(message, &ed25519_dalek::Signature::from_bytes(signature))
                .map_err(|_| SignatureError),
        }
    }
}

impl Canonical for PublicKey {
    fn encode(&self, e: &mut Encoder) {
        e.array(2);
        match self {
            PublicKey::Ed25519(k) => {
                e.uint(Algorithm::Ed25519.id());
                e.bytes(k.as_bytes());
            }
        }
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(2)?;
        let at = d.position();
        match d.uint()? {
            1 => {
                let at = d.position();
                let bytes: [u8; 32] = d.byte_array()?;
                let key =
                    VerifyingKey::from_bytes(&bytes).map_err(|_| DecodeError::InvalidValue {
                        offset: at,
                        what: "Ed25519 public key",
                    })?;
                if key.is_weak() {
                    return Err(DecodeError::InvalidValue {
                        offset: at,
                        what: "Ed25519 public key of small order",
                    });
                }
                // One key, one encoding: a non-canonical y coordinate (y >= p) would give the
                // same key a second key id.
                if key.to_edwards().compress().to_bytes() != bytes {
                    return Err(DecodeError::InvalidValue {
                        offset: at,
                        what: "non-canonical Ed25519 public key encoding",
                    });
                }
                Ok(PublicKey::Ed25519(key))
            }
            alg => Err(DecodeError::UnknownAlgorithm { offset: at, alg }),
        }
    }
}

/// Identifier of a public key (32 bytes), carried by every statement instead of the key itself.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub Digest32);

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", &self.0.to_hex()[..16])
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Canonical for KeyId {
    fn encode(&self, e: &mut Encoder) {
        self.0.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        Digest32::decode(d).map(KeyId)
    }
}

/// A signature with its algorithm. Encoded `[alg, signature bytes]`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Signature {
    /// An Ed25519 signature (64 bytes).
    Ed25519(ed25519_dalek::Signature),
}

impl Canonical for Signature {
    fn encode(&self, e: &mut Encoder) {
        e.array(2);
        match self {
            Signature::Ed25519(s) => {
                e.uint(Algorithm::Ed25519.id());
                e.bytes(&s.to_bytes());
            }
        }
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(2)?;
        let at = d.position();
        match d.uint()? {
            1 => {
                let bytes: [u8; 64] = d.byte_array()?;
                Ok(Signature::Ed25519(ed25519_dalek::Signature::from_bytes(
                    &bytes,
                )))
            }
            alg => Err(DecodeError::UnknownAlgorithm { offset: at, alg }),
        }
    }
}

/// A signature did not verify. Deliberately carries no detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("signature verification failed")]
pub struct SignatureError;

/// A secret signing key. Its `Debug` output never shows the secret.
#[derive(Clone)]
pub struct SecretKey(SigningKey);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({:?})", self.key_id())
    }
}

impl SecretKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Self {
        Self(SigningKey::generate(&mut rand_core::OsRng))
    }

    /// The Ed25519 key with this 32-byte seed (RFC 8032 secret key).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self(SigningKey::from_bytes(&seed))
    }

    /// The 32-byte seed, for storing the key.
    pub fn to_seed(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::Ed25519(self.0.verifying_key())
    }

    /// The key identifier of the public half.
    pub fn key_id(&self) -> KeyId {
        self.public_key().key_id()
    }

    /// Signs `domain || 0x00 || payload`.
    pub fn sign(&self, domain: Domain, payload: &[u8]) -> Signature {
        Signature::Ed25519(self.0.sign(&domain.message(payload)))
    }

    /// A plain RFC 8032 signature over the text of a C2SP signed note (SPEC §16). Note texts
    /// contain no NUL byte, so they can never be mistaken for a domain-separated message.
    pub fn sign_note_text(&self, text: &str) -> [u8; 64] {
        self.0.sign(text.as_bytes()).to_bytes()
    }
}
