//! Automatic sealing: auto-seal policies, approval cases, which sealings are due, and their rules.

use super::{Invalid, Principal, Provenance, RuleError, SealUse, State};
use crate::crypto::{Digest32, KeyId};
use crate::event::{AutoSealPolicy, CaseOpening, Event};
use crate::time::Timestamp;

/// An auto-seal policy and its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRecord {
    /// The policy.
    pub policy: AutoSealPolicy,
    /// The granting owner.
    pub owner: String,
    /// Where it was granted.
    pub recorded: Provenance,
    /// Where it was revoked.
    pub revoked: Option<Provenance>,
}

/// An approval case and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    /// The case.
    pub opening: CaseOpening,
    /// The unit that opened it.
    pub owner: String,
    /// Where it was opened.
    pub recorded: Provenance,
    /// The decision and where it was recorded.
    pub decided: Option<(String, Provenance)>,
    /// Where the automatic sealing was recorded.
    pub auto_sealed: Option<Provenance>,
}

impl CaseRecord {
    /// Whether a decision or an automatic sealing that `counts` accepts closed the case.
    pub fn closed_by(&self, counts: impl Fn(&Provenance) -> bool) -> bool {
        self.decided.as_ref().is_some_and(|(_, p)| counts(p))
            || self.auto_sealed.as_ref().is_some_and(&counts)
    }
}

/// An automatic sealing that is due: the engine signs a `SealAutoApplied` for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSealing {
    /// The policy to cite.
    pub policy: String,
    /// The seal.
    pub es_id: String,
    /// The case.
    pub case: String,
    /// Its deadline (passed).
    pub deadline: Timestamp,
    /// The engine key that must sign.
    pub engine: KeyId,
    /// The document the case committed to: the one the engine must seal.
    pub document: Digest32,
}

impl State {
    /// Iterates over all approval cases.
    pub fn cases(&self) -> impl Iterator<Item = &CaseRecord> {
        self.cases.values()
    }

    /// An auto-seal policy.
    pub fn auto_seal_policy(&self, id: &str) -> Option<&PolicyRecord> {
        self.policies.get(id)
    }

    /// An approval case.
    pub fn case(&self, case: &str) -> Option<&CaseRecord> {
        self.cases.get(case)
    }

    /// The automatic sealings due at `now`: cases past their deadline, neither decided nor
    /// sealed, under a policy of the case's owner that is in force, covers the case type and
    /// allows the case's decision period, for a seal that is active now. What an auto-seal
    /// engine polls (`tick`); each is signed by the engine and appended as `SealAutoApplied`.
    pub fn due_auto_seals(&self, now: Timestamp) -> Vec<DueSealing> {
        let mut due = Vec::new();
        for (deadline, case) in self.open_cases.iter() {
            if *deadline > now {
                break;
            }
            let Some(c) = self.cases.get(case) else {
                continue;
            };
            let mut policies: Vec<&PolicyRecord> = self
                .policies
                .values()
                .filter(|p| {
                    self.policy_covers(p, c, now).is_ok()
                        && self.usable_seal(&p.policy.es_id, now).is_ok()
                })
                .collect();
            policies.sort_by(|a, b| a.policy.id.cmp(&b.policy.id));
            if let Some(p) = policies.first() {
                due.push(DueSealing {
                    policy: p.policy.id.clone(),
                    es_id: p.policy.es_id.clone(),
                    case: case.clone(),
                    deadline: *deadline,
                    engine: p.policy.engine.key_id(),
                    document: c.opening.document,
                });
            }
        }
        due
    }

    /// Whether policy `p` is in force at `at` (granted, under a key that counts, and not revoked
    /// by then) and covers case `c` (same owner, case type, decision period), with the reason
    /// when it does not.
    pub fn policy_covers(
        &self,
        p: &PolicyRecord,
        c: &CaseRecord,
        at: Timestamp,
    ) -> Result<(), &'static str> {
        if p.revoked
            .is_some_and(|r| r.ledger_time <= at && self.counts(&r))
        {
            return Err("policy revoked");
        }
        if !self.counts(&c.recorded) {
            return Err("case opened under a key that no longer counts");
        }
        if at < p.recorded.ledger_time {
            return Err("policy not granted yet");
        }
        if !self.counts(&p.recorded) {
            return Err("policy granted under a compromised key");
        }
        if p.owner != c.owner {
            return Err("case belongs to another unit");
        }
        if !p.policy.case_types.contains(&c.opening.case_type) {
            return Err("case type not covered");
        }
        let period = c
            .opening
            .deadline
            .millis()
            .saturating_sub(c.recorded.ledger_time.millis());
        if period > p.policy.max_period_ms {
            return Err("decision period longer than the policy allows");
        }
        Ok(())
    }

    /// The rules for auto-seal policy and case events and automatic sealings (tags 40–44).
    pub(super) fn check_case_event(
        &self,
        actor: &Principal,
        key: &KeyId,
        t: Timestamp,
        event: &Event,
    ) -> Result<(), RuleError> {
        let unauthorized = || RuleError::Unauthorized {
            event: event.kind(),
        };
        match event {
            Event::AutoSealPolicyGranted(p) => {
                let seal = self.managed_seal(actor, &p.es_id, event)?;
                if *actor != Principal::Authority(seal.registration.owner.clone()) {
                    return Err(unauthorized());
                }
                if p.id.is_empty() {
                    return Err(RuleError::Invalid(Invalid::PolicyId));
                }
                if self.policies.contains_key(&p.id) {
                    return Err(RuleError::DuplicatePolicy(p.id.clone()));
                }
                let mut types = std::collections::HashSet::new();
                if p.case_types.is_empty()
                    || !p
                        .case_types
                        .iter()
                        .all(|c| !c.is_empty() && types.insert(c))
                {
                    return Err(RuleError::Invalid(Invalid::PolicyCaseTypes));
                }
                if p.legal_basis.is_empty() || p.max_period_ms == 0 {
                    return Err(RuleError::Invalid(Invalid::PolicyTerms));
                }
                Ok(())
            }
            Event::AutoSealPolicyRevoked { policy } => {
                let p = self
                    .policies
                    .get(policy)
                    .ok_or_else(|| RuleError::UnknownPolicy(policy.clone()))?;
                if *actor != Principal::Authority(p.owner.clone()) {
                    return Err(unauthorized());
                }
                if p.revoked.is_some_and(|r| self.counts(&r)) {
                    return Err(RuleError::PolicyRevoked(policy.clone()));
                }
                Ok(())
            }
            Event::CaseOpened(c) => {
                // The case's owner decides it and grants the policies that may cover it: an
                // authority, never the root (whose case no one could decide).
                if !matches!(actor, Principal::Authority(_)) {
                    return Err(unauthorized());
                }
                if c.case.is_empty() || c.case_type.is_empty() {
                    return Err(RuleError::Invalid(Invalid::CaseReference));
                }
                if self.cases.contains_key(&c.case) {
                    return Err(RuleError::DuplicateCase(c.case.clone()));
                }
                if c.deadline <= t {
                    return Err(RuleError::Invalid(Invalid::CaseDeadline));
                }
                Ok(())
            }
            Event::CaseDecided { case, outcome } => {
                let c = self
                    .cases
                    .get(case)
                    .ok_or_else(|| RuleError::UnknownCase(case.clone()))?;
                if *actor != Principal::Authority(c.owner.clone()) {
                    return Err(unauthorized());
                }
                if outcome.is_empty() {
                    return Err(RuleError::Invalid(Invalid::CaseOutcome));
                }
                if c.closed_by(|p| self.counts(p)) {
                    return Err(RuleError::CaseClosed(case.clone()));
                }
                Ok(())
            }
            Event::SealAutoApplied(a) => {
                let p = self
                    .policies
                    .get(&a.policy)
                    .ok_or_else(|| RuleError::UnknownPolicy(a.policy.clone()))?;
                if *key != p.policy.engine.key_id() {
                    return Err(unauthorized());
                }
                let c = self
                    .cases
                    .get(&a.case)
                    .ok_or_else(|| RuleError::UnknownCase(a.case.clone()))?;
                if c.closed_by(|p| self.counts(p)) {
                    return Err(RuleError::CaseClosed(a.case.clone()));
                }
                // The case committed to the one document it decides: the engine seals that
                // document or none.
                if a.document != c.opening.document {
                    return Err(RuleError::NotTheCaseDocument {
                        case: a.case.clone(),
                        document: c.opening.document,
                    });
                }
                if p.revoked.is_some_and(|r| self.counts(&r)) {
                    return Err(RuleError::PolicyRevoked(a.policy.clone()));
                }
                self.policy_covers(p, c, t)
                    .map_err(|what| RuleError::OutsidePolicy {
                        policy: a.policy.clone(),
                        what,
                    })?;
                if t < c.opening.deadline {
                    return Err(RuleError::DeadlineNotPassed {
                        case: a.case.clone(),
                        deadline: c.opening.deadline,
                    });
                }
                self.usable_seal(&p.policy.es_id, t).map(drop)
            }
            _ => Ok(()),
        }
    }

    /// Records an auto-seal policy or case event, or an automatic sealing (tags 40–44).
    pub(super) fn apply_case_event(&mut self, event: &Event, at: Provenance) {
        match event {
            Event::AutoSealPolicyGranted(p) => {
                if !self.keys.contains_key(&p.engine.key_id()) {
                    self.add_key(&p.engine, Principal::Engine, at);
                }
                let owner = self
                    .seals
                    .get(&p.es_id)
                    .map(|s| s.registration.owner.clone())
                    .unwrap_or_default();
                self.policies.insert(
                    p.id.clone(),
                    PolicyRecord {
                        policy: (**p).clone(),
                        owner,
                        recorded: at,
                        revoked: None,
                    },
                );
            }
            Event::AutoSealPolicyRevoked { policy } => {
                self.policies
                    .update(policy.as_str(), |p| p.revoked = Some(at));
            }
            Event::CaseOpened(c) => {
                let owner = match self.keys.get(&at.key).map(|k| &k.owner) {
                    Some(Principal::Authority(code)) => code.clone(),
                    _ => String::new(),
                };
                self.open_cases.insert((c.deadline, c.case.clone()));
                self.cases.insert(
                    c.case.clone(),
                    CaseRecord {
                        opening: c.clone(),
                        owner,
                        recorded: at,
                        decided: None,
                        auto_sealed: None,
                    },
                );
            }
            Event::CaseDecided { case, outcome } => {
                let deadline = self.cases.update(case.as_str(), |c| {
                    c.decided = Some((outcome.clone(), at));
                    c.opening.deadline
                });
                if let Some(deadline) = deadline {
                    self.open_cases.remove(&(deadline, case.clone()));
                }
            }
            Event::SealAutoApplied(a) => {
                let deadline = self.cases.update(a.case.as_str(), |c| {
                    c.auto_sealed = Some(at);
                    c.opening.deadline
                });
                if let Some(deadline) = deadline {
                    self.open_cases.remove(&(deadline, a.case.clone()));
                }
                let es_id = self
                    .policies
                    .get(&a.policy)
                    .map(|p| p.policy.es_id.clone())
                    .unwrap_or_default();
                self.add_sealing(SealUse {
                    es_id,
                    document: a.document,
                    case: a.case.clone(),
                    operator: None,
                    policy: Some(a.policy.clone()),
                    recorded: at,
                });
            }
            _ => {}
        }
    }
}
