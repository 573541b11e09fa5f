//! Verification of a sealed document: was the seal valid *when it was applied*?

use super::Verdict;
#[cfg(feature = "ledger")]
use super::{IndeterminateReason, InvalidReason};
use crate::crypto::{Digest32, KeyId};
#[cfg(feature = "ledger")]
use crate::state::{SealStatus, SealUse, State};
use crate::time::Timestamp;

/// What an automatic sealing cites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoSealCitation {
    /// The policy.
    pub policy: String,
    /// Its legal basis.
    pub legal_basis: String,
    /// The case.
    pub case: String,
    /// The case's deadline, passed at the time of sealing.
    pub deadline: Timestamp,
    /// The document the case committed to (the one sealed, for a lawful sealing).
    pub case_document: Digest32,
    /// The case's service item.
    pub service_item: String,
    /// The engine key that applied the seal.
    pub engine: KeyId,
}

/// One application of a seal to the document, and its verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealingReport {
    /// The seal.
    pub es_id: String,
    /// Its owner's code (empty if the seal is unknown, which only a damaged state shows).
    pub owner: String,
    /// The seal's name.
    pub seal_name: String,
    /// The seal's type.
    pub seal_type: String,
    /// Ledger time of the sealing.
    pub sealed_at: Timestamp,
    /// Sequence number of the entry that records it.
    pub seq: u64,
    /// The case reference.
    pub case: String,
    /// The operator, for a manual sealing.
    pub operator: Option<String>,
    /// For an automatic sealing: the policy, legal basis, case and deadline it relied on.
    pub automatic: Option<AutoSealCitation>,
    /// Whether this sealing is valid.
    pub verdict: Verdict,
}

/// Which sealings a document question is about: any seal (the default), one owning unit's,
/// or one seal's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SealFilter {
    /// Only seals of this owner (a unit's code).
    pub owner: Option<String>,
    /// Only this seal (esID).
    pub es_id: Option<String>,
}

impl SealFilter {
    /// Sealings by seals of unit `owner`.
    pub fn owner(owner: &str) -> Self {
        Self {
            owner: Some(owner.to_owned()),
            es_id: None,
        }
    }

    /// Sealings by seal `es_id`.
    pub fn seal(es_id: &str) -> Self {
        Self {
            owner: None,
            es_id: Some(es_id.to_owned()),
        }
    }

    /// Whether a sealing is one the question is about.
    pub fn matches(&self, s: &SealingReport) -> bool {
        // An empty code names nothing (an unknown seal reports an empty owner).
        self.owner
            .as_ref()
            .is_none_or(|o| !o.is_empty() && *o == s.owner)
            && self
                .es_id
                .as_ref()
                .is_none_or(|e| !e.is_empty() && *e == s.es_id)
    }
}

/// The verification of a sealed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentReport {
    /// SHA-256 of the document.
    pub document: Digest32,
    /// Every sealing recorded up to the reference time, in ledger order, each with its own
    /// verdict (one sealing's fault never changes another's).
    pub sealings: Vec<SealingReport>,
    /// Which sealings the question was about.
    pub asked: SealFilter,
    /// The answer to "is the document validly sealed (by the seals asked about)?": Valid when
    /// at least one such sealing is valid; `Invalid(NotSealed)` when there is none; otherwise
    /// the first such sealing's problem.
    pub verdict: Verdict,
}

#[cfg(feature = "ledger")]
/// Verifies the document with SHA-256 `document` as of reference time `at` (`now` is the
/// ledger's present): each recorded application must have been made when the seal was active
/// (registered under a key that counts, in its validity window, not suspended, lost, cancelled
/// or remade, and never invalidated), signed by a key not compromised by then, and an
/// automatic one under a policy in force for a case past its deadline and undecided.
pub fn verify_sealed_document(
    state: &State,
    document: &Digest32,
    at: Timestamp,
    now: Timestamp,
) -> DocumentReport {
    verify_sealed_document_by(state, document, &SealFilter::default(), at, now)
}

#[cfg(feature = "ledger")]
/// As [`verify_sealed_document`], answering for the sealings `asked` selects (a unit's seals,
/// or one seal); every sealing is still reported with its own verdict.
pub fn verify_sealed_document_by(
    state: &State,
    document: &Digest32,
    asked: &SealFilter,
    at: Timestamp,
    now: Timestamp,
) -> DocumentReport {
    let sealings: Vec<SealingReport> = state
        .sealings_of(document)
        .iter()
        .filter(|u| u.recorded.ledger_time <= at)
        .map(|u| sealing_report(state, u))
        .collect();
    let verdict = if at > now {
        Verdict::Indeterminate(IndeterminateReason::FutureReferenceTime { at, now })
    } else {
        let mine: Vec<&SealingReport> = sealings.iter().filter(|s| asked.matches(s)).collect();
        if mine.iter().any(|s| s.verdict.is_valid()) {
            Verdict::Valid
        } else {
            mine.first()
                .map_or(Verdict::Invalid(InvalidReason::NotSealed), |s| {
                    s.verdict.clone()
                })
        }
    };
    DocumentReport {
        document: *document,
        sealings,
        asked: asked.clone(),
        verdict,
    }
}

#[cfg(feature = "ledger")]
fn sealing_report(state: &State, u: &SealUse) -> SealingReport {
    let seal = state.seal(&u.es_id).map(|s| &s.registration);
    let t = u.recorded.ledger_time;
    let automatic = u.policy.as_ref().and_then(|p| {
        let policy = state.auto_seal_policy(p)?;
        let case = state.case(&u.case)?;
        Some(AutoSealCitation {
            policy: p.clone(),
            legal_basis: policy.policy.legal_basis.clone(),
            case: u.case.clone(),
            deadline: case.opening.deadline,
            case_document: case.opening.document,
            service_item: case.opening.service_item.clone(),
            engine: policy.policy.engine.key_id(),
        })
    });
    SealingReport {
        es_id: u.es_id.clone(),
        owner: seal.map(|r| r.owner.clone()).unwrap_or_default(),
        seal_name: seal.map(|r| r.name.clone()).unwrap_or_default(),
        seal_type: seal.map(|r| r.seal_type.clone()).unwrap_or_default(),
        sealed_at: t,
        seq: u.recorded.seq,
        case: u.case.clone(),
        operator: u.operator.clone(),
        automatic,
        verdict: sealing_verdict(state, u),
    }
}

#[cfg(feature = "ledger")]
pub(crate) fn sealing_verdict(state: &State, u: &SealUse) -> Verdict {
    let t = u.recorded.ledger_time;
    let status = state.seal_status(&u.es_id, t);
    if status != SealStatus::Active {
        return Verdict::Invalid(InvalidReason::SealNotActive {
            es_id: u.es_id.clone(),
            status,
        });
    }
    if !state.counts(&u.recorded) {
        return Verdict::Invalid(InvalidReason::SignerCompromised {
            key: u.recorded.key,
        });
    }
    if let Some(p) = &u.policy {
        let unlawful = |what| Verdict::Invalid(InvalidReason::AutoSealUnlawful { what });
        let Some(policy) = state.auto_seal_policy(p) else {
            return unlawful("unknown policy");
        };
        let Some(case) = state.case(&u.case) else {
            return unlawful("unknown case");
        };
        if policy.policy.es_id != u.es_id || policy.policy.engine.key_id() != u.recorded.key {
            return unlawful("seal or engine key not the policy's");
        }
        if let Err(what) = state.policy_covers(policy, case, t) {
            return unlawful(what);
        }
        if !state.counts(&case.recorded) {
            return unlawful("case opened under a compromised key");
        }
        if t < case.opening.deadline {
            return unlawful("deadline had not passed");
        }
        if case.opening.document != u.document {
            return unlawful("not the document the case committed to");
        }
        if case
            .decided
            .as_ref()
            .is_some_and(|(_, d)| d.seq < u.recorded.seq)
        {
            return unlawful("case was decided before");
        }
    }
    Verdict::Valid
}
