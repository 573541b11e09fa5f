//! Verdicts and pure verification of what a holder presents, of sealed documents, and of a
//! relying party's right to check a license.

mod document;

#[cfg(feature = "ledger")]
pub(crate) use document::sealing_verdict;
#[cfg(feature = "ledger")]
pub use document::{verify_sealed_document, verify_sealed_document_by};
pub use document::{AutoSealCitation, DocumentReport, SealFilter, SealingReport};

use crate::id::LicenseId;
use crate::privacy::Disclosure;
#[cfg(feature = "ledger")]
use crate::state::State;
use crate::status::Status;
use crate::time::Timestamp;

/// Outcome of a verification: never a bare bool.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Verdict {
    /// Everything checked out.
    Valid,
    /// Something is definitely wrong.
    Invalid(InvalidReason),
    /// The answer cannot be known from what is available.
    Indeterminate(IndeterminateReason),
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Valid => f.write_str("valid"),
            Verdict::Invalid(r) => write!(f, "invalid: {r}"),
            Verdict::Indeterminate(r) => write!(f, "indeterminate: {r}"),
        }
    }
}

impl Verdict {
    /// Whether the verdict is [`Verdict::Valid`].
    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid)
    }
}

/// Why a verification failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidReason {
    /// The license version is not on the ledger.
    #[error("license {0} is not on the ledger")]
    UnknownLicense(LicenseId),
    /// The license version is not valid at the reference time.
    #[error("license status: {0}")]
    NotValid(Status),
    /// A disclosed claim is not part of the license.
    #[error("claim {name:?} is not part of the license")]
    UnknownClaim {
        /// Claim name.
        name: String,
    },
    /// A claim is disclosed twice.
    #[error("claim {name:?} is disclosed twice")]
    DuplicateClaim {
        /// Claim name.
        name: String,
    },
    /// A disclosed value and salt do not match the recorded digest.
    #[error("claim {name:?} does not match the recorded digest")]
    ClaimMismatch {
        /// Claim name.
        name: String,
    },
    /// The disclosed holder code and salt do not match the recorded commitment.
    #[error("the holder does not match the recorded commitment")]
    HolderMismatch,
    /// No seal application is recorded for the document (by the reference time).
    #[error("no seal application is recorded for this document")]
    NotSealed,
    /// The seal was not active when it was applied (or was invalidated since).
    #[error("seal {es_id} was not active when applied: {status}")]
    SealNotActive {
        /// The seal.
        es_id: String,
        /// Its status at the time of sealing.
        status: crate::status::SealStatus,
    },
    /// The application was signed by a key declared compromised since before it was recorded.
    #[error("signed by key {key}, declared compromised before the sealing")]
    SignerCompromised {
        /// The key.
        key: crate::crypto::KeyId,
    },
    /// An automatic sealing whose policy or case does not support it.
    #[error("automatic sealing not lawful: {what}")]
    AutoSealUnlawful {
        /// What is missing.
        what: &'static str,
    },
    /// No consent of the holder lets this relying party check the license for this service.
    #[error("no consent of the holder covers this use")]
    NoConsent,
    /// A presentation that does not decode or does not hold together.
    #[error("malformed presentation: {what}")]
    MalformedPresentation {
        /// What is wrong.
        what: &'static str,
    },
    /// An entry's inclusion proof does not lead to the checkpoint's root.
    #[error("entry {seq}'s inclusion proof does not match the checkpoint")]
    BadProof {
        /// The entry.
        seq: u64,
    },
    /// An entry's statement signature (or a rotation's acceptance) does not verify.
    #[error("entry {seq}'s signature does not verify")]
    BadSignature {
        /// The entry.
        seq: u64,
    },
    /// An entry is signed by a key the presentation does not prove (neither a trusted operator
    /// key nor a key its entries bind to the authority allowed to act).
    #[error("entry {seq} is signed by a key the presentation does not prove")]
    SignerNotProven {
        /// The entry.
        seq: u64,
    },
    /// The license version is not signed by its issuer with a proven key, or the issuer's
    /// registration (and scope for the type) is missing.
    #[error("the issuing authority is not proven")]
    IssuerNotProven,
    /// The checkpoint is not signed by a trusted operator key.
    #[error("the checkpoint is not signed by a trusted operator key")]
    CheckpointNotSigned,
    /// The status stamp is not signed by a trusted operator key.
    #[error("the status stamp's signature does not verify: the presentation was altered, or no trusted operator key signed it")]
    StampSignature,
    /// An operator key signed outside the validity period the trust list gives it.
    #[error("signed by an operator key outside its validity period")]
    OperatorKeyOutsideValidity,
    /// The stamp is for another checkpoint or entry.
    #[error("the status stamp does not match the presentation's {what}")]
    StampMismatch {
        /// What differs.
        what: &'static str,
    },
    /// A policy witness's cosignature does not verify (e.g. it is over another checkpoint).
    #[error("a witness cosignature does not verify")]
    BadCosignature,
    /// The stamp is an as-of stamp (about the past): it is never accepted as current.
    #[error("the status stamp is about the past (as of {this_update}), not a current one")]
    NotACurrentStamp {
        /// The moment it is about.
        this_update: Timestamp,
    },
    /// The stamp's this update lies before the checkpoint's attested time by more than the
    /// trust list's maximum checkpoint age: an old stamp pointed at a fresh checkpoint.
    #[error(
        "the status stamp's this update is {lag_ms} ms before its checkpoint's attested time, \
         more than the {max_ms} ms allowed"
    )]
    StampPredatesCheckpoint {
        /// How much earlier.
        lag_ms: u64,
        /// The limit.
        max_ms: u64,
    },
    /// The operator's sealing stamp says the sealing is not valid (SPEC §18: a seal not active
    /// when applied, a signer compromised by then, an unlawful automatic sealing).
    #[error("the sealing is not valid, as the operator's stamp says")]
    SealingNotValid,
    /// A holder signature is required (by the verifier or the trust list) and the
    /// presentation has none (or the license has no holder key).
    #[error("the presentation is not signed by the license's holder, as required")]
    HolderBindingMissing,
    /// The holder signature does not verify under the holder key the stamp names.
    #[error("the holder signature does not verify")]
    HolderSignature,
    /// The holder signature's window does not hold the present, or is longer than allowed.
    #[error("the holder signature is valid only from {not_before} until {not_after}")]
    HolderWindow {
        /// Its start.
        not_before: Timestamp,
        /// Its end.
        not_after: Timestamp,
    },
    /// The holder signed the presentation for another verifier.
    #[error("the holder signed the presentation for {signed_for:?}, not this verifier")]
    HolderAudience {
        /// The audience it was signed for.
        signed_for: String,
    },
    /// The holder signature is not over the verifier's nonce.
    #[error("the holder signature is not over this verifier's nonce")]
    HolderNonce,
    /// The stamp's window (`next_update − this_update`) is longer than the trust list allows.
    #[error("the status stamp's window is {window_ms} ms, more than the {max_ms} ms allowed")]
    StampWindowTooLong {
        /// Its window.
        window_ms: u64,
        /// The limit.
        max_ms: u64,
    },
}

/// Why a verification could not decide.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IndeterminateReason {
    /// The reference time lies after the ledger's present: later events could change the
    /// answer.
    #[error("reference time {at} is after the ledger's present {now}")]
    FutureReferenceTime {
        /// The reference time asked for.
        at: Timestamp,
        /// The ledger's present.
        now: Timestamp,
    },
    /// The ledger is on none of the trust lists held.
    #[error("ledger {0:?} is not on a trusted list")]
    UntrustedOrigin(String),
    /// The only trust lists naming the ledger are not current (expired, or issued after the
    /// verifier's present): fetch the list's newer version.
    #[error("trust list {name:?} is current only from {issued} until {next_update}")]
    TrustListNotCurrent {
        /// The list.
        name: String,
        /// When it was issued.
        issued: Timestamp,
        /// When it expired (or expires).
        next_update: Timestamp,
    },
    /// Too few of the trust list's witnesses cosigned the checkpoint.
    #[error("{have} of the {need} witness cosignatures required")]
    WitnessQuorum {
        /// Valid policy cosignatures present.
        have: usize,
        /// The threshold.
        need: usize,
    },
    /// The checkpoint is older than the trust list allows.
    #[error("checkpoint is {age_ms} ms old, more than the {max_ms} ms allowed")]
    StaleCheckpoint {
        /// Its age.
        age_ms: u64,
        /// The limit.
        max_ms: u64,
    },
    /// The status stamp's next update has passed: the status may have changed since.
    #[error("status stamp expired at {next_update}")]
    StaleStamp {
        /// Its next update.
        next_update: Timestamp,
    },
    /// The reference time is before the license version was recorded: the ledger vouches for
    /// nothing before then.
    #[error("the license version was recorded only at {recorded_at}")]
    NotYetRecorded {
        /// The version's ledger time.
        recorded_at: Timestamp,
    },
    /// The status stamp is older than the trust list allows, whatever its next update says.
    #[error("status stamp is {age_ms} ms old, more than the {max_ms} ms allowed")]
    StampTooOld {
        /// Its age (`now − this_update`).
        age_ms: u64,
        /// The limit.
        max_ms: u64,
    },
    /// The trust list requires no witness for the ledger (threshold 0) but does not allow
    /// unwitnessed ledgers: with no witness nothing attests when the checkpoint was made.
    #[error(
        "the trust list requires no witness for {origin:?} and does not allow unwitnessed ledgers"
    )]
    Unwitnessed {
        /// The ledger.
        origin: String,
    },
    /// The trust list requires holder binding, and the verifier gave no audience to check
    /// the holder signature against.
    #[error("the trust list requires holder binding: give the verifier's audience")]
    AudienceNeeded,
    /// The status stamp is from after the verifier's present (a clock is wrong).
    #[error("status stamp is from {this_update}, after the present")]
    StampNotYetValid {
        /// Its this update.
        this_update: Timestamp,
    },
}

/// Checks a disclosure against the recorded version: every disclosed claim is part of it, once,
/// and hashes to its digest; a disclosed holder opening matches the commitment.
pub fn check_claims(
    version: &crate::event::LicenseVersion,
    disclosure: &Disclosure,
) -> Result<(), InvalidReason> {
    for (i, claim) in disclosure.claims.iter().enumerate() {
        if disclosure.claims[..i].iter().any(|c| c.name == claim.name) {
            return Err(InvalidReason::DuplicateClaim {
                name: claim.name.clone(),
            });
        }
        let Some(recorded) = version.claims.iter().find(|c| c.name == claim.name) else {
            return Err(InvalidReason::UnknownClaim {
                name: claim.name.clone(),
            });
        };
        if recorded.digest != claim.digest() {
            return Err(InvalidReason::ClaimMismatch {
                name: claim.name.clone(),
            });
        }
    }
    if let Some(h) = &disclosure.holder {
        if h.commitment() != version.holder {
            return Err(InvalidReason::HolderMismatch);
        }
    }
    Ok(())
}

#[cfg(feature = "ledger")]
/// Verifies a holder's disclosure against the ledger state at reference time `at`; `now` is
/// the ledger's present (reference times after it are indeterminate).
pub fn verify_disclosure(
    state: &State,
    disclosure: &Disclosure,
    at: Timestamp,
    now: Timestamp,
) -> Verdict {
    let id = &disclosure.license;
    let Some(record) = state.license(id) else {
        return Verdict::Invalid(InvalidReason::UnknownLicense(id.clone()));
    };
    if let Err(reason) = check_claims(&record.version, disclosure) {
        return Verdict::Invalid(reason);
    }
    if at > now {
        return Verdict::Indeterminate(IndeterminateReason::FutureReferenceTime { at, now });
    }
    match state.status(id, at) {
        Status::Valid => Verdict::Valid,
        Status::NotYetRecorded { recorded_at } => {
            Verdict::Indeterminate(IndeterminateReason::NotYetRecorded { recorded_at })
        }
        other => Verdict::Invalid(InvalidReason::NotValid(other)),
    }
}

#[cfg(feature = "ledger")]
/// Verifies a holder's disclosure for relying party `relying_party` checking the license for
/// `service_item` at `at`: a consent of the holder must cover it (party, service item, window,
/// a use left), else the verdict is `Invalid(NoConsent)`; then as [`verify_disclosure`].
pub fn verify_for_relying_party(
    state: &State,
    disclosure: &Disclosure,
    relying_party: &str,
    service_item: &str,
    at: Timestamp,
    now: Timestamp,
) -> Verdict {
    if at > now {
        return Verdict::Indeterminate(IndeterminateReason::FutureReferenceTime { at, now });
    }
    if state
        .consent_covering(&disclosure.license, relying_party, service_item, at)
        .is_none()
    {
        return Verdict::Invalid(InvalidReason::NoConsent);
    }
    verify_disclosure(state, disclosure, at, now)
}
