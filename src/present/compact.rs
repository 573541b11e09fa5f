//! The compact presentation: one QR code (SPEC §20).
//!
//! It keeps only what a verifier cannot rebuild: the license version's entry (whose hash the
//! operator's stamp signs), the stamp's checkpoint size and root, status, window and signature,
//! the witnesses' cosignatures (key id, time, signature; the checkpoint text they sign is
//! rebuilt from origin, size and root), and the disclosed claims by their position in the
//! version with values and salts. The issuer's authority rests on the operator's stamp: the
//! operator only stamps entries its replay accepted. As text it is `CH1:` followed by the
//! base45 (RFC 9285) of the canonical bytes: base45's alphabet is exactly QR's alphanumeric
//! mode, which packs two characters into 11 bits, so the text costs the QR code 8.25 bits per
//! byte (3 % more than binary byte mode) and still survives being copied as plain text.

use super::trust::Trust;
use super::{
    attested_time, check_stamp_signature, finish, malformed, signing_keys, Binding, HolderCheck,
    HolderSignature, Presentation, StampSig, Verification,
};
use crate::checkpoint::{Checkpoint, Note, NoteSignature};
use crate::crypto::{leaf_hash, Digest32, PublicKey, Signature};
use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};
use crate::event::{Entry, LicenseVersion};
use crate::privacy::{ClaimValue, Disclosure, HolderOpening, Salt};
use crate::stamp::{StampKind, StatusClaim, StatusStamp};
use crate::status::Status;
use crate::time::Timestamp;
use crate::verify::{check_claims, Verdict};

/// The prefix of the text form (Chancery, format 1).
pub const TEXT_PREFIX: &str = "CH1:";

/// A witness cosignature without its key name. Encoded `[key id, time, signature bytes]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactCosignature {
    /// The C2SP key id of the witness's cosigner key.
    pub key_id: u32,
    /// When it cosigned (seconds since the epoch).
    pub time: u64,
    /// The Ed25519 signature over the `cosignature/v1` message.
    pub signature: [u8; 64],
}

/// A disclosed claim by its position in the version. Encoded `[index, value, salt]`.
#[derive(Clone, PartialEq, Eq)]
pub struct CompactClaim {
    /// Position of the claim in the version's claim list.
    pub index: u64,
    /// Its value.
    pub value: String,
    /// Its salt.
    pub salt: Salt,
}

impl std::fmt::Debug for CompactClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CompactClaim({}: <redacted>)", self.index)
    }
}

/// The compact presentation. Encoded `[2, entry bytes, [size, root, status, this update, next
/// update, signature, holder key or null], [cosignature...], [claim...], holder opening or
/// null, holder signature or null]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactPresentation {
    /// The license version's entry.
    pub entry: Vec<u8>,
    /// The stamp's checkpoint size.
    pub size: u64,
    /// The stamp's checkpoint root.
    pub root: Digest32,
    /// The stamped status.
    pub status: Status,
    /// The stamp's this update.
    pub this_update: Timestamp,
    /// The stamp's next update.
    pub next_update: Timestamp,
    /// The operator's signature over the stamp's claim.
    pub signature: Signature,
    /// Witness cosignatures of the checkpoint.
    pub cosignatures: Vec<CompactCosignature>,
    /// The disclosed claims.
    pub claims: Vec<CompactClaim>,
    /// The holder's code and salt, if disclosed.
    pub holder: Option<HolderOpening>,
    /// The holder key the stamp names, if one is bound to the license.
    pub holder_key: Option<PublicKey>,
    /// The holder's signature binding it to one verifier (SPEC §20).
    pub holder_signature: Option<HolderSignature>,
}

impl Canonical for CompactCosignature {
    fn encode(&self, e: &mut Encoder) {
        e.array(3);
        e.uint(u64::from(self.key_id));
        e.uint(self.time);
        e.bytes(&self.signature);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(3)?;
        let at = d.position();
        Ok(Self {
            key_id: u32::try_from(d.uint()?).map_err(|_| DecodeError::InvalidValue {
                offset: at,
                what: "key id",
            })?,
            time: d.uint()?,
            signature: d.byte_array()?,
        })
    }
}

impl Canonical for CompactClaim {
    fn encode(&self, e: &mut Encoder) {
        e.array(3);
        e.uint(self.index);
        e.text(&self.value);
        e.bytes(&self.salt);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(3)?;
        Ok(Self {
            index: d.uint()?,
            value: d.text()?.to_owned(),
            salt: d.byte_array()?,
        })
    }
}

impl Canonical for CompactPresentation {
    fn encode(&self, e: &mut Encoder) {
        e.array(7);
        e.uint(2);
        e.bytes(&self.entry);
        e.array(7);
        e.uint(self.size);
        self.root.encode(e);
        self.status.encode(e);
        self.this_update.encode(e);
        self.next_update.encode(e);
        self.signature.encode(e);
        self.holder_key.encode(e);
        self.cosignatures.encode(e);
        self.claims.encode(e);
        self.holder.encode(e);
        self.holder_signature.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        // A version-1 compact presentation (six items) is refused by its version.
        d.versioned("compact presentation", 2, 7, &[6])?;
        let entry = d.bytes()?.to_vec();
        d.array(7)?;
        let size = d.uint()?;
        let root = Digest32::decode(d)?;
        let status = Status::decode(d)?;
        let this_update = Timestamp::decode(d)?;
        let next_update = Timestamp::decode(d)?;
        let signature = Signature::decode(d)?;
        let holder_key = Option::decode(d)?;
        Ok(Self {
            entry,
            size,
            root,
            status,
            this_update,
            next_update,
            signature,
            holder_key,
            cosignatures: Vec::decode(d)?,
            claims: Vec::decode(d)?,
            holder: Option::decode(d)?,
            holder_signature: Option::decode(d)?,
        })
    }
}

/// Why a compact presentation cannot be made or read.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompactError {
    /// The text does not start with [`TEXT_PREFIX`].
    #[error("not a Chancery compact presentation (expected the prefix {TEXT_PREFIX})")]
    Prefix,
    /// The text is longer than any presentation's base45 can be.
    #[error(
        "the text is {len} characters after the prefix, more than the {max} a presentation can be"
    )]
    TooLong {
        /// Its length.
        len: usize,
        /// The most a presentation's text can be.
        max: usize,
    },
    /// A character outside the base45 alphabet, or a group that does not decode.
    #[error("invalid base45 at character {0}")]
    Base45(usize),
    /// The bytes are not a canonical compact presentation.
    #[error("malformed compact presentation: {0}")]
    Decode(#[from] DecodeError),
    /// The full presentation lacks the stamped entry, or a disclosed claim is not in it.
    #[error("the presentation does not hold {0}")]
    Incomplete(&'static str),
}

impl CompactPresentation {
    /// The compact form of a full presentation, keeping at most `max_cosignatures` witness
    /// cosignatures (the verifier's policy decides how many it needs).
    pub fn from_presentation(
        p: &Presentation,
        max_cosignatures: usize,
    ) -> Result<Self, CompactError> {
        let claim = &p.stamp.claim;
        let entry = p
            .entries
            .iter()
            .find(|pe| leaf_hash(&pe.entry) == claim.entry_hash)
            .ok_or(CompactError::Incomplete("the stamped entry"))?;
        let decoded = Entry::from_canonical(&entry.entry)?;
        let version = decoded
            .statement
            .statement()
            .event
            .new_version()
            .ok_or(CompactError::Incomplete("a license version entry"))?;
        let claims = p
            .disclosure
            .claims
            .iter()
            .map(|c| {
                let index = version
                    .claims
                    .iter()
                    .position(|v| v.name == c.name)
                    .ok_or(CompactError::Incomplete("a disclosed claim"))?;
                Ok(CompactClaim {
                    index: index as u64,
                    value: c.value.clone(),
                    salt: c.salt,
                })
            })
            .collect::<Result<_, CompactError>>()?;
        let note = Note::parse(p.checkpoint.as_bytes())
            .map_err(|_| CompactError::Incomplete("a checkpoint note"))?;
        let cosignatures = note
            .signatures
            .iter()
            .filter_map(|s| {
                let (time, sig) = s.signature.split_first_chunk::<8>()?;
                Some(CompactCosignature {
                    key_id: s.key_id,
                    time: u64::from_be_bytes(*time),
                    signature: <[u8; 64]>::try_from(sig).ok()?,
                })
            })
            .take(max_cosignatures)
            .collect();
        Ok(Self {
            entry: entry.entry.clone(),
            size: claim.size,
            root: claim.root,
            status: claim.status.clone(),
            this_update: claim.this_update,
            next_update: claim.next_update,
            signature: p.stamp.signature,
            cosignatures,
            claims,
            holder: p.disclosure.holder.clone(),
            holder_key: claim.holder,
            holder_signature: p.holder_signature.clone(),
        })
    }

    /// The status claim the stamp signs, rebuilt from the entry and the stamp's fields (what a
    /// holder signature is over).
    pub fn claim(&self) -> Result<StatusClaim, CompactError> {
        let entry = Entry::from_canonical(&self.entry)?;
        let version = entry
            .statement
            .statement()
            .event
            .new_version()
            .ok_or(CompactError::Incomplete("a license version entry"))?;
        Ok(self.claim_of(&entry, version))
    }

    /// The claim, from the entry already decoded and its version.
    fn claim_of(&self, entry: &Entry, version: &LicenseVersion) -> StatusClaim {
        StatusClaim {
            kind: StampKind::Current,
            origin: entry.statement.statement().origin.clone(),
            size: self.size,
            root: self.root,
            license: version.id.clone(),
            entry_seq: entry.seq,
            entry_hash: leaf_hash(&self.entry),
            status: self.status.clone(),
            this_update: self.this_update,
            next_update: self.next_update,
            holder: self.holder_key,
        }
    }

    /// The text form: `CH1:` and the base45 of the canonical bytes.
    pub fn to_text(&self) -> String {
        format!("{TEXT_PREFIX}{}", base45_encode(&self.to_canonical()))
    }

    /// Reads the text form. A text longer than the base45 of the largest canonical input
    /// ([`MAX_TEXT_LEN`] characters after the prefix) is refused before it is decoded.
    pub fn from_text(text: &str) -> Result<Self, CompactError> {
        let body = text.strip_prefix(TEXT_PREFIX).ok_or(CompactError::Prefix)?;
        if body.len() > MAX_TEXT_LEN {
            return Err(CompactError::TooLong {
                len: body.len(),
                max: MAX_TEXT_LEN,
            });
        }
        let bytes = base45_decode(body).map_err(|i| CompactError::Base45(i + TEXT_PREFIX.len()))?;
        Ok(Self::from_canonical(&bytes)?)
    }
}

/// The longest base45 body of a compact presentation's text: three characters for every two
/// bytes of the largest canonical input ([`crate::encoding::MAX_INPUT_LEN`]).
pub const MAX_TEXT_LEN: usize = crate::encoding::MAX_INPUT_LEN.div_ceil(2) * 3;

/// Verifies a compact presentation at `now` against the trust lists held, offline: the stamp
/// rebuilt from the entry and signed by an operator key valid when it was made, the witness
/// policy over the checkpoint rebuilt from origin, size and root, the checkpoint's age, the
/// claims against the version's digests, the stamp's currency, the status and the validity
/// window.
pub fn verify_compact(c: &CompactPresentation, trust: &Trust, now: Timestamp) -> Verdict {
    verify_compact_for(c, trust, now, &HolderCheck::default()).verdict
}

/// Verifies a compact presentation as [`verify_compact`] does, and its holder signature as
/// [`super::verify_presentation_for`] does.
pub fn verify_compact_for(
    c: &CompactPresentation,
    trust: &Trust,
    now: Timestamp,
    holder: &HolderCheck,
) -> Verification {
    Verification::of(check_compact(c, trust, now, holder))
}

fn check_compact(
    c: &CompactPresentation,
    trust: &Trust,
    now: Timestamp,
    asked: &HolderCheck,
) -> Result<Binding, Verdict> {
    let entry = Entry::from_canonical(&c.entry).map_err(|_| malformed("entry"))?;
    let statement = entry.statement.statement();
    let version = statement
        .event
        .new_version()
        .ok_or_else(|| malformed("not a license version entry"))?;
    let origin = &statement.origin;
    let ledger = trust
        .ledger_for(origin, now)
        .map_err(Verdict::Indeterminate)?;
    let stamp = StatusStamp {
        claim: c.claim_of(&entry, version),
        signature: c.signature,
    };
    if entry.seq >= c.size {
        return Err(malformed("entry beyond the checkpoint"));
    }
    let text = Checkpoint {
        origin: origin.clone(),
        size: c.size,
        root: c.root,
        extensions: vec![],
    }
    .to_text();
    let signatures = c
        .cosignatures
        .iter()
        .filter_map(|s| {
            let w = ledger
                .witnesses
                .witnesses
                .iter()
                .find(|w| w.key_id() == s.key_id)?;
            let mut signature = s.time.to_be_bytes().to_vec();
            signature.extend_from_slice(&s.signature);
            Some(NoteSignature {
                name: w.name().to_owned(),
                key_id: s.key_id,
                signature,
            })
        })
        .collect();
    let note = Note { text, signatures };
    let attested = attested_time(ledger, &note, c.this_update);
    let at = attested.as_ref().copied().unwrap_or(c.this_update);
    let (valid, all) = signing_keys(&ledger.operator_keys, at, now);
    check_stamp_signature(&StampSig::status(&stamp), &valid, &all)?;
    let claims = c
        .claims
        .iter()
        .map(|k| {
            let recorded = usize::try_from(k.index)
                .ok()
                .and_then(|i| version.claims.get(i))
                .ok_or_else(|| malformed("claim index"))?;
            Ok(ClaimValue {
                name: recorded.name.clone(),
                value: k.value.clone(),
                salt: k.salt,
            })
        })
        .collect::<Result<Vec<_>, Verdict>>()?;
    let disclosure = Disclosure {
        license: version.id.clone(),
        holder: c.holder.clone(),
        claims,
    };
    check_claims(version, &disclosure).map_err(Verdict::Invalid)?;
    finish(ledger, attested, &stamp.claim, version, now)?;
    super::holder::check(
        ledger,
        &stamp.claim,
        c.holder_signature.as_ref(),
        asked,
        now,
    )
}

const BASE45: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Base45 (RFC 9285): each two bytes `[a, b]` become three characters of `n = a·256 + b`
/// (least significant first), a final odd byte two characters.
pub fn base45_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(2) * 3);
    for pair in bytes.chunks(2) {
        let (mut n, digits) = match *pair {
            [a, b] => (usize::from(a) * 256 + usize::from(b), 3),
            [a] => (usize::from(a), 2),
            _ => (0, 0),
        };
        for _ in 0..digits {
            out.push(char::from(BASE45[n % 45]));
            n /= 45;
        }
    }
    out
}

/// Decodes base45; the error is the index of the first character of the bad group.
pub fn base45_decode(text: &str) -> Result<Vec<u8>, usize> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len() / 3 * 2 + 1);
    for (g, group) in b.chunks(3).enumerate() {
        let at = g * 3;
        let mut n = 0usize;
        for (i, c) in group.iter().enumerate() {
            let v = BASE45.iter().position(|x| x == c).ok_or(at + i)?;
            n += v * 45usize.pow(i as u32);
        }
        match group.len() {
            3 if n <= 0xFFFF => out.extend_from_slice(&[(n >> 8) as u8, (n & 0xFF) as u8]),
            2 if n <= 0xFF => out.push(n as u8),
            _ => return Err(at),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base45_rfc9285_examples() {
        for (bytes, text) in [
            (&b"AB"[..], "BB8"),
            (b"Hello!!", "%69 VD92EX0"),
            (b"base-45", "UJCLQE7W581"),
            (b"ietf!", "QED8WEX0"),
            (b"", ""),
        ] {
            assert_eq!(base45_encode(bytes), text);
            assert_eq!(base45_decode(text).unwrap(), bytes);
        }
        // RFC 9285 §6: "GGW" is 65535 + 1, not a valid group; lower-case is not base45.
        assert_eq!(base45_decode("GGW"), Err(0));
        assert_eq!(base45_decode("BB8a"), Err(3));
        assert_eq!(base45_decode("BB8A"), Err(3));
        for n in 0..=255u8 {
            let v = vec![n, 255 - n, n / 3];
            assert_eq!(base45_decode(&base45_encode(&v)).unwrap(), v);
        }
    }
}
