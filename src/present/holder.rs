//! Holder binding (SPEC §20): the person showing a presentation proves they hold the license's
//! holder key by signing, for one verifier (its audience code) and a few minutes, the status
//! claim the presentation carries, so a photo of the QR code is useless to anyone else.

use super::{invalid, trust::TrustedLedger};
use crate::crypto::{sha256, Domain, PublicKey, SecretKey, Signature};
use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};
use crate::stamp::StatusClaim;
use crate::time::Timestamp;
use crate::verify::{IndeterminateReason, InvalidReason, Verdict};

/// The longest window a holder signature may give itself: ten minutes.
pub const MAX_WINDOW_MS: u64 = 600_000;

/// The longest audience code or nonce: 64 bytes.
pub const MAX_TEXT: usize = 64;

/// The holder's signature binding a presentation to one verifier and a short window. Encoded
/// `[audience, nonce or null, not before, not after, signature]`, the signature by the holder
/// key the status claim names, under `chancery/v1/holder-presentation`, over
/// [`holder_message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolderSignature {
    /// The verifier it is for (a relying party's code, e.g. `BANK01`).
    pub audience: String,
    /// The verifier's nonce, when it gave one.
    pub nonce: Option<String>,
    /// First instant it may be relied on.
    pub not_before: Timestamp,
    /// First instant it may no longer be relied on.
    pub not_after: Timestamp,
    /// The holder key's signature.
    pub signature: Signature,
}

impl Canonical for HolderSignature {
    fn encode(&self, e: &mut Encoder) {
        e.array(5);
        e.text(&self.audience);
        self.nonce.encode(e);
        self.not_before.encode(e);
        self.not_after.encode(e);
        self.signature.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(5)?;
        let at = d.position();
        let audience = d.text()?.to_owned();
        let nonce = Option::<String>::decode(d)?;
        let too_long =
            audience.len() > MAX_TEXT || nonce.as_ref().is_some_and(|n| n.len() > MAX_TEXT);
        if audience.is_empty() || too_long {
            return Err(DecodeError::InvalidValue {
                offset: at,
                what: "holder signature audience or nonce (1 to 64 bytes)",
            });
        }
        Ok(Self {
            audience,
            nonce,
            not_before: Timestamp::decode(d)?,
            not_after: Timestamp::decode(d)?,
            signature: Signature::decode(d)?,
        })
    }
}

/// What the holder signs: the canonical encoding of `[1, h'SHA-256(status claim bytes)',
/// audience, nonce or null, not before, not after]`. The status claim is the one both forms of
/// a presentation carry (or rebuild), so one signature serves either.
pub fn holder_message(
    claim: &StatusClaim,
    audience: &str,
    nonce: Option<&str>,
    not_before: Timestamp,
    not_after: Timestamp,
) -> Vec<u8> {
    let mut e = Encoder::new();
    e.array(6);
    e.uint(1);
    e.bytes(&sha256(&claim.to_canonical()).0);
    e.text(audience);
    match nonce {
        Some(n) => e.text(n),
        None => e.null(),
    }
    not_before.encode(&mut e);
    not_after.encode(&mut e);
    e.into_bytes()
}

/// Why a holder signature cannot be made.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HolderError {
    /// The presentation's status claim names no holder key: none is bound to the license.
    #[error("no holder key is bound to the license: the presentation cannot be holder-signed")]
    NoHolderKey,
    /// The key given is not the holder key the status claim names.
    #[error("the key is not the license's holder key")]
    WrongKey,
    /// The window is empty or longer than [`MAX_WINDOW_MS`].
    #[error("the window must be more than 0 and at most 10 minutes")]
    Window,
    /// The audience is empty, or the audience or nonce is longer than [`MAX_TEXT`] bytes.
    #[error("the audience must be 1 to 64 bytes, the nonce at most 64")]
    Text,
}

impl HolderSignature {
    /// Signs `claim` for `audience` (and `nonce`) from `not_before` until `not_after` with the
    /// holder's `key`, which must be the key the claim names.
    pub fn sign(
        claim: &StatusClaim,
        audience: &str,
        nonce: Option<&str>,
        not_before: Timestamp,
        not_after: Timestamp,
        key: &SecretKey,
    ) -> Result<Self, HolderError> {
        let holder = claim.holder.ok_or(HolderError::NoHolderKey)?;
        if holder != key.public_key() {
            return Err(HolderError::WrongKey);
        }
        if not_after <= not_before || not_after.0 - not_before.0 > MAX_WINDOW_MS {
            return Err(HolderError::Window);
        }
        if audience.is_empty()
            || audience.len() > MAX_TEXT
            || nonce.is_some_and(|n| n.len() > MAX_TEXT)
        {
            return Err(HolderError::Text);
        }
        let message = holder_message(claim, audience, nonce, not_before, not_after);
        Ok(Self {
            audience: audience.to_owned(),
            nonce: nonce.map(str::to_owned),
            not_before,
            not_after,
            signature: key.sign(Domain::HolderPresentation, &message),
        })
    }
}

/// What a verifier asks of the holder: with an audience, a holder signature for that audience
/// is required (and, with a nonce, for that nonce). Without one, a holder signature is checked
/// if present but reported [`Binding::Unchecked`]; a nonce without an audience, or a trust
/// list requiring binding, makes the verdict `Indeterminate(AudienceNeeded)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolderCheck {
    /// The verifier's audience code: requires a holder signature for it.
    pub audience: Option<String>,
    /// The verifier's nonce: requires a holder signature over it.
    pub nonce: Option<String>,
}

impl HolderCheck {
    /// Requires a holder signature for `audience`.
    pub fn require(audience: impl Into<String>) -> Self {
        Self {
            audience: Some(audience.into()),
            nonce: None,
        }
    }

    /// Also requires it to be over `nonce`.
    pub fn with_nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }
}

/// Whether the person showing a presentation proved they hold the license's holder key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// No holder signature: anyone holding a copy can show it.
    Unbound,
    /// Signed by the holder key, within its window, for an audience the verifier did not
    /// check (it gave none): whoever shows it may not be the holder.
    Unchecked {
        /// The audience it was signed for (as the holder wrote it).
        audience: String,
    },
    /// Signed by the holder key for the verifier's audience (and nonce), within its window.
    Bound {
        /// The verifier's audience.
        audience: String,
    },
}

/// Checks the holder signature of a presentation whose status claim is `claim`, at `now`,
/// against what the verifier and the trust list (`ledger.require_holder`) ask.
pub(super) fn check(
    ledger: &TrustedLedger,
    claim: &StatusClaim,
    signature: Option<&HolderSignature>,
    asked: &HolderCheck,
    now: Timestamp,
) -> Result<Binding, Verdict> {
    // A nonce alone would let a verifier relay another's challenge: it needs an audience.
    if asked.audience.is_none() && (asked.nonce.is_some() || ledger.require_holder) {
        return Err(Verdict::Indeterminate(IndeterminateReason::AudienceNeeded));
    }
    let required = asked.audience.is_some();
    let Some(s) = signature else {
        return if required {
            Err(invalid(InvalidReason::HolderBindingMissing))
        } else {
            Ok(Binding::Unbound)
        };
    };
    let Some(key) = claim.holder else {
        return Err(invalid(InvalidReason::MalformedPresentation {
            what: "holder signature without a holder key in the status claim",
        }));
    };
    verify_signature(&key, claim, s)?;
    if s.not_after <= s.not_before || s.not_after.0 - s.not_before.0 > MAX_WINDOW_MS {
        return Err(invalid(InvalidReason::HolderWindow {
            not_before: s.not_before,
            not_after: s.not_after,
        }));
    }
    if now < s.not_before || now >= s.not_after {
        return Err(invalid(InvalidReason::HolderWindow {
            not_before: s.not_before,
            not_after: s.not_after,
        }));
    }
    let Some(audience) = &asked.audience else {
        return Ok(Binding::Unchecked {
            audience: s.audience.clone(),
        });
    };
    if *audience != s.audience {
        return Err(invalid(InvalidReason::HolderAudience {
            signed_for: s.audience.clone(),
        }));
    }
    if asked.nonce.is_some() && asked.nonce != s.nonce {
        return Err(invalid(InvalidReason::HolderNonce));
    }
    Ok(Binding::Bound {
        audience: audience.clone(),
    })
}

fn verify_signature(
    key: &PublicKey,
    claim: &StatusClaim,
    s: &HolderSignature,
) -> Result<(), Verdict> {
    let message = holder_message(
        claim,
        &s.audience,
        s.nonce.as_deref(),
        s.not_before,
        s.not_after,
    );
    key.verify(Domain::HolderPresentation, &message, &s.signature)
        .map_err(|_| invalid(InvalidReason::HolderSignature))
}
