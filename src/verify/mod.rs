//! Verdicts and pure verification of what a holder presents, of sealed documents, and of a
//! relying party's right to check a license.

mod document;

pub use document::{verify_sealed_document, AutoSealCitation, DocumentReport, SealingReport};

use crate::id::LicenseId;
use crate::privacy::Disclosure;
use crate::state::{State, Status};
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
        status: crate::state::SealStatus,
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
}

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
    let version = &record.version;
    for (i, claim) in disclosure.claims.iter().enumerate() {
        if disclosure.claims[..i].iter().any(|c| c.name == claim.name) {
            return Verdict::Invalid(InvalidReason::DuplicateClaim {
                name: claim.name.clone(),
            });
        }
        let Some(recorded) = version.claims.iter().find(|c| c.name == claim.name) else {
            return Verdict::Invalid(InvalidReason::UnknownClaim {
                name: claim.name.clone(),
            });
        };
        if recorded.digest != claim.digest() {
            return Verdict::Invalid(InvalidReason::ClaimMismatch {
                name: claim.name.clone(),
            });
        }
    }
    if let Some(h) = &disclosure.holder {
        if h.commitment() != version.holder {
            return Verdict::Invalid(InvalidReason::HolderMismatch);
        }
    }
    if at > now {
        return Verdict::Indeterminate(IndeterminateReason::FutureReferenceTime { at, now });
    }
    match state.status(id, at) {
        Status::Valid => Verdict::Valid,
        other => Verdict::Invalid(InvalidReason::NotValid(other)),
    }
}

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
