//! Verdicts and pure verification of what a holder presents.

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
