//! Salted commitments for personal data: the holder's code and every claim value.
//!
//! The ledger only ever records digests. The issuer gives the holder a [`Credential`] (values and
//! salts); the holder makes a [`Disclosure`] of the claims they choose; a verifier recomputes each
//! disclosed digest and compares it with the one on the ledger.

use crate::crypto::{domain_hash, Digest32, Domain};
use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};
use crate::event::LicenseVersion;
use crate::id::LicenseId;
use crate::time::Timestamp;
use rand_core::RngCore;
use std::fmt;

/// Bytes of every salt (128 bits).
pub const SALT_LEN: usize = 16;

/// A random salt.
pub type Salt = [u8; SALT_LEN];

fn fresh_salt() -> Salt {
    let mut s = [0u8; SALT_LEN];
    rand_core::OsRng.fill_bytes(&mut s);
    s
}

/// Holder commitment: `SHA-256("chancery/v1/holder" || 0x00 || canonical [salt, code])`.
pub fn holder_commitment(code: &str, salt: &Salt) -> Digest32 {
    let mut e = Encoder::new();
    e.array(2);
    e.bytes(salt);
    e.text(code);
    domain_hash(Domain::Holder, &e.into_bytes())
}

/// Claim digest: `SHA-256("chancery/v1/claim" || 0x00 || canonical [salt, name, value])`.
pub fn claim_digest(name: &str, value: &str, salt: &Salt) -> Digest32 {
    let mut e = Encoder::new();
    e.array(3);
    e.bytes(salt);
    e.text(name);
    e.text(value);
    domain_hash(Domain::Claim, &e.into_bytes())
}

/// A claim as recorded on the ledger: its name and salted digest. Encoded `[name, digest]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimDigest {
    /// Claim name, from the license type's catalogue entry.
    pub name: String,
    /// Salted digest of the value.
    pub digest: Digest32,
}

impl Canonical for ClaimDigest {
    fn encode(&self, e: &mut Encoder) {
        e.array(2);
        e.text(&self.name);
        self.digest.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(2)?;
        Ok(Self {
            name: d.text()?.to_owned(),
            digest: Digest32::decode(d)?,
        })
    }
}

/// A claim's value with its salt. Encoded `[name, value, salt]`.
#[derive(Clone, PartialEq, Eq)]
pub struct ClaimValue {
    /// Claim name.
    pub name: String,
    /// Claim value in clear.
    pub value: String,
    /// The salt.
    pub salt: Salt,
}

impl fmt::Debug for ClaimValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClaimValue({}: <redacted>)", self.name)
    }
}

impl ClaimValue {
    /// The digest the ledger records for this claim.
    pub fn digest(&self) -> Digest32 {
        claim_digest(&self.name, &self.value, &self.salt)
    }
}

impl Canonical for ClaimValue {
    fn encode(&self, e: &mut Encoder) {
        e.array(3);
        e.text(&self.name);
        e.text(&self.value);
        e.bytes(&self.salt);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(3)?;
        Ok(Self {
            name: d.text()?.to_owned(),
            value: d.text()?.to_owned(),
            salt: d.byte_array()?,
        })
    }
}

/// The holder's code with its salt. Encoded `[code, salt]`.
#[derive(Clone, PartialEq, Eq)]
pub struct HolderOpening {
    /// The holder's code (an ID number or USCC), in clear.
    pub code: String,
    /// The salt.
    pub salt: Salt,
}

impl fmt::Debug for HolderOpening {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HolderOpening(<redacted>)")
    }
}

impl HolderOpening {
    /// The commitment the ledger records.
    pub fn commitment(&self) -> Digest32 {
        holder_commitment(&self.code, &self.salt)
    }
}

impl Canonical for HolderOpening {
    fn encode(&self, e: &mut Encoder) {
        e.array(2);
        e.text(&self.code);
        e.bytes(&self.salt);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(2)?;
        Ok(Self {
            code: d.text()?.to_owned(),
            salt: d.byte_array()?,
        })
    }
}

/// Everything the issuer hands the holder: the license id, the holder opening and every claim
/// with its salt. Encoded `[1, license id, holder opening, [claim value...]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The license version this credential belongs to.
    pub license: LicenseId,
    /// The holder's code and salt.
    pub holder: HolderOpening,
    /// Every claim, in the order of the license type's claim names.
    pub claims: Vec<ClaimValue>,
}

/// A disclosure asked for a claim the credential does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the credential has no claim named {name:?}")]
pub struct UnknownClaim {
    /// The name asked for.
    pub name: String,
}

/// Claims given for a license type do not pair with its claim names.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimsError {
    /// A claim the license type does not have.
    #[error("the license type has no claim {name:?} (its claims: {})", names.join(", "))]
    Unknown {
        /// The name given.
        name: String,
        /// The type's claim names.
        names: Vec<String>,
    },
    /// A claim given twice.
    #[error("claim {0:?} given twice")]
    Repeated(String),
    /// A claim of the type given no value.
    #[error("claim {0:?} has no value")]
    Missing(String),
}

/// The terms of a license version besides what its credential commits to (§5 `version`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionTerms {
    /// The number printed on the document.
    pub printed_number: String,
    /// Start of validity.
    pub valid_from: Timestamp,
    /// End of validity (exclusive); `None` is 长期 (no end).
    pub valid_until: Option<Timestamp>,
    /// SHA-256 of the OFD/PDF document.
    pub document: Digest32,
    /// Related license ids.
    pub related: Vec<LicenseId>,
}

impl Credential {
    /// A credential for `license` with fresh salts whose claims are the `given` `(name,
    /// value)` pairs put in the order of the license type's `claim_names`; a claim not given
    /// takes its value from `previous` (the credential of the version before, for an
    /// amendment), if any. A name the type does not have, one given twice, or one left with
    /// no value is refused: the version made from it then passes the ledger's claims rule.
    pub fn for_claim_names(
        license: LicenseId,
        holder_code: &str,
        claim_names: &[String],
        given: &[(&str, &str)],
        previous: Option<&Credential>,
    ) -> Result<Self, ClaimsError> {
        for (i, (name, _)) in given.iter().enumerate() {
            if !claim_names.iter().any(|n| n == name) {
                return Err(ClaimsError::Unknown {
                    name: (*name).to_owned(),
                    names: claim_names.to_vec(),
                });
            }
            if given[..i].iter().any(|(n, _)| n == name) {
                return Err(ClaimsError::Repeated((*name).to_owned()));
            }
        }
        let pairs = claim_names
            .iter()
            .map(|name| {
                given
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| *v)
                    .or_else(|| {
                        previous.and_then(|p| {
                            p.claims
                                .iter()
                                .find(|c| &c.name == name)
                                .map(|c| c.value.as_str())
                        })
                    })
                    .map(|v| (name.as_str(), v))
                    .ok_or_else(|| ClaimsError::Missing(name.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::new(license, holder_code, &pairs))
    }

    /// The license version that records this credential: its license id, holder commitment
    /// and claim digests, with `terms`.
    pub fn version(&self, terms: VersionTerms) -> LicenseVersion {
        LicenseVersion {
            id: self.license.clone(),
            printed_number: terms.printed_number,
            valid_from: terms.valid_from,
            valid_until: terms.valid_until,
            holder: self.holder_commitment(),
            claims: self.claim_digests(),
            document: terms.document,
            related: terms.related,
        }
    }

    /// A credential with fresh random salts for the holder code and each `(name, value)` claim.
    pub fn new(license: LicenseId, holder_code: &str, claims: &[(&str, &str)]) -> Self {
        Self {
            license,
            holder: HolderOpening {
                code: holder_code.to_owned(),
                salt: fresh_salt(),
            },
            claims: claims
                .iter()
                .map(|(n, v)| ClaimValue {
                    name: (*n).to_owned(),
                    value: (*v).to_owned(),
                    salt: fresh_salt(),
                })
                .collect(),
        }
    }

    /// The holder commitment to record.
    pub fn holder_commitment(&self) -> Digest32 {
        self.holder.commitment()
    }

    /// The claim digests to record.
    pub fn claim_digests(&self) -> Vec<ClaimDigest> {
        self.claims
            .iter()
            .map(|c| ClaimDigest {
                name: c.name.clone(),
                digest: c.digest(),
            })
            .collect()
    }

    /// The same credential for another version of the license (after an amendment that kept
    /// the claims), with fresh salts so versions cannot be linked by their digests.
    pub fn for_version(&self, license: LicenseId) -> Self {
        let claims: Vec<(&str, &str)> = self
            .claims
            .iter()
            .map(|c| (c.name.as_str(), c.value.as_str()))
            .collect();
        Self::new(license, &self.holder.code, &claims)
    }

    /// A disclosure of the named claims, and of the holder's code if `reveal_holder`.
    pub fn disclose(
        &self,
        names: &[&str],
        reveal_holder: bool,
    ) -> Result<Disclosure, UnknownClaim> {
        let claims = names
            .iter()
            .map(|n| {
                self.claims
                    .iter()
                    .find(|c| c.name == *n)
                    .cloned()
                    .ok_or_else(|| UnknownClaim {
                        name: (*n).to_owned(),
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Disclosure {
            license: self.license.clone(),
            holder: reveal_holder.then(|| self.holder.clone()),
            claims,
        })
    }
}

impl Canonical for Credential {
    fn encode(&self, e: &mut Encoder) {
        e.array(4);
        e.uint(1);
        self.license.encode(e);
        self.holder.encode(e);
        self.claims.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(4)?;
        d.version("credential", 1)?;
        Ok(Self {
            license: LicenseId::decode(d)?,
            holder: HolderOpening::decode(d)?,
            claims: Vec::decode(d)?,
        })
    }
}

/// What a holder shows a verifier: the license id, chosen claims with salts and optionally the
/// holder opening. Encoded `[1, license id, holder opening or null, [claim value...]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosure {
    /// The license version.
    pub license: LicenseId,
    /// The holder's code and salt, if disclosed.
    pub holder: Option<HolderOpening>,
    /// The disclosed claims.
    pub claims: Vec<ClaimValue>,
}

impl Canonical for Disclosure {
    fn encode(&self, e: &mut Encoder) {
        e.array(4);
        e.uint(1);
        self.license.encode(e);
        self.holder.encode(e);
        self.claims.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(4)?;
        d.version("disclosure", 1)?;
        Ok(Self {
            license: LicenseId::decode(d)?,
            holder: Option::decode(d)?,
            claims: Vec::decode(d)?,
        })
    }
}
