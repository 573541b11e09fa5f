//! Seals: their records and status at a time, the rules for seal events and their application.

use super::{Invalid, Principal, Provenance, RuleError, SealStatus, State, Suspension};
use crate::crypto::{Digest32, KeyId};
use crate::event::{Event, SealRegistration};
use crate::id::is_valid_code;
use crate::time::Timestamp;

/// A loss report (挂失).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loss {
    /// When the seal was lost: no use recorded at or after this counts.
    pub since: Timestamp,
    /// Where the report was recorded.
    pub recorded: Provenance,
}

/// A registered seal and its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seal {
    /// The registration.
    pub registration: SealRegistration,
    /// Where it was recorded.
    pub recorded: Provenance,
    /// Suspensions in order.
    pub suspensions: Vec<Suspension>,
    /// The loss reports, in ledger order; the one that governs is [`State::seal_loss`]'s.
    pub losses: Vec<Loss>,
    /// The cancellation (注销), if any.
    pub cancelled: Option<Provenance>,
    /// The invalidation, if any.
    pub invalidated: Option<Provenance>,
    /// The seal that replaced it and where the remake was recorded.
    pub superseded: Option<(String, Provenance)>,
}

/// One recorded application of a seal to a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealUse {
    /// The seal.
    pub es_id: String,
    /// SHA-256 of the document.
    pub document: Digest32,
    /// The case reference.
    pub case: String,
    /// The operator, for a manual application.
    pub operator: Option<String>,
    /// The policy, for an automatic application.
    pub policy: Option<String>,
    /// Where it was recorded (the key is the seal's, or the engine's).
    pub recorded: Provenance,
}

impl State {
    /// A registered seal.
    pub fn seal(&self, es_id: &str) -> Option<&Seal> {
        self.seals.get(es_id)
    }

    /// Iterates over all seals.
    pub fn seals(&self) -> impl Iterator<Item = &Seal> {
        self.seals.values()
    }

    /// Iterates over every recorded seal application (in no particular order).
    pub fn all_sealings(&self) -> impl Iterator<Item = &SealUse> {
        self.documents.values().flatten()
    }

    /// Every recorded application to the document with this digest, in ledger order.
    pub fn sealings_of(&self, document: &Digest32) -> &[SealUse] {
        self.documents.get(document).map_or(&[], Vec::as_slice)
    }

    /// Every recorded application of a seal, in ledger order.
    pub fn seal_uses(&self, es_id: &str) -> Vec<&SealUse> {
        let mut digests: Vec<&Digest32> = self
            .seal_uses
            .get(es_id)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .collect();
        // A document sealed twice by the seal is listed twice; take each document once.
        digests.sort_unstable();
        digests.dedup();
        let mut out: Vec<&SealUse> = digests
            .into_iter()
            .flat_map(|d| self.sealings_of(d).iter().filter(|u| u.es_id == es_id))
            .collect();
        out.sort_by_key(|u| u.recorded.seq);
        out
    }

    /// The loss report that governs a seal: among those that count, the earliest loss point (a
    /// report whose signer no longer counts leaves the others in force).
    pub fn seal_loss<'a>(&self, seal: &'a Seal) -> Option<&'a Loss> {
        seal.losses
            .iter()
            .filter(|l| self.counts(&l.recorded))
            .min_by_key(|l| l.since)
    }

    /// Status of seal `es_id` at reference time `at`. Events recorded under keys declared
    /// compromised at or before their recording are disregarded.
    pub fn seal_status(&self, es_id: &str, at: Timestamp) -> SealStatus {
        let Some(seal) = self.seals.get(es_id) else {
            return SealStatus::Unknown;
        };
        // The seal's key rests on its registration and on the owner's acceptance (SPEC §9):
        // if either no longer counts, neither does the seal.
        if let Some(key) = self.key_void_by(&seal.registration.key.key_id()) {
            return SealStatus::RegistrationVoid { key };
        }
        let counted = |p: &Option<Provenance>| p.filter(|p| self.counts(p));
        if counted(&seal.invalidated).is_some() {
            return SealStatus::Invalidated;
        }
        if at < seal.recorded.ledger_time {
            return SealStatus::NotYetValid;
        }
        if let Some(loss) = self.seal_loss(seal).filter(|l| at >= l.since) {
            return SealStatus::Lost { since: loss.since };
        }
        if let Some(c) = counted(&seal.cancelled).filter(|c| at >= c.ledger_time) {
            return SealStatus::Cancelled {
                since: c.ledger_time,
            };
        }
        if let Some((by, p)) = seal
            .superseded
            .as_ref()
            .filter(|(_, p)| self.counts(p) && at >= p.ledger_time)
        {
            return SealStatus::Superseded {
                by: by.clone(),
                since: p.ledger_time,
            };
        }
        if self.suspended_at(&seal.suspensions, at) {
            return SealStatus::Suspended;
        }
        let r = &seal.registration;
        if at < r.valid_from {
            SealStatus::NotYetValid
        } else if r.valid_until.is_some_and(|u| u <= at) {
            SealStatus::Expired
        } else {
            SealStatus::Active
        }
    }

    /// The seal, if it is active at `t` and its owner and registrar are active authorities.
    pub(super) fn usable_seal(&self, es_id: &str, t: Timestamp) -> Result<&Seal, RuleError> {
        let seal = self
            .seals
            .get(es_id)
            .ok_or_else(|| RuleError::UnknownSeal(es_id.to_owned()))?;
        let status = self.seal_status(es_id, t);
        if status != SealStatus::Active {
            return Err(RuleError::SealNotActive {
                es_id: es_id.to_owned(),
                status,
            });
        }
        for code in [&seal.registration.owner, &seal.registration.registrar] {
            self.standing(code)?;
        }
        Ok(seal)
    }

    /// A seal its owner or registrar may manage: it exists, the actor is one of them, and it
    /// has not been cancelled, invalidated or remade.
    pub(super) fn managed_seal(
        &self,
        actor: &Principal,
        es_id: &str,
        event: &Event,
    ) -> Result<&Seal, RuleError> {
        let seal = self
            .seals
            .get(es_id)
            .ok_or_else(|| RuleError::UnknownSeal(es_id.to_owned()))?;
        let r = &seal.registration;
        if !matches!(actor, Principal::Authority(me) if *me == r.owner || *me == r.registrar) {
            return Err(RuleError::Unauthorized {
                event: event.kind(),
            });
        }
        let counted = |p: &Option<Provenance>| p.is_some_and(|p| self.counts(&p));
        let state = if counted(&seal.cancelled) {
            "cancelled"
        } else if counted(&seal.invalidated) {
            "invalidated"
        } else if counted(&seal.superseded.as_ref().map(|(_, p)| *p)) {
            "remade"
        } else {
            return Ok(seal);
        };
        Err(RuleError::SealState {
            es_id: es_id.to_owned(),
            state,
        })
    }

    fn check_registration(
        &self,
        actor: &Principal,
        r: &SealRegistration,
        event: &Event,
        t: Timestamp,
    ) -> Result<(), RuleError> {
        let unauthorized = || RuleError::Unauthorized {
            event: event.kind(),
        };
        let Principal::Authority(me) = actor else {
            return Err(unauthorized());
        };
        let may = self
            .authorities
            .get(me)
            .is_some_and(|a| a.may_register_seals);
        if *me != r.registrar || !may {
            return Err(unauthorized());
        }
        if !is_valid_code(&r.es_id) {
            return Err(RuleError::Invalid(Invalid::EsId));
        }
        if self.seals.contains_key(&r.es_id) {
            return Err(RuleError::DuplicateSeal(r.es_id.clone()));
        }
        let owner = self.target_authority(&r.owner)?;
        self.standing(&r.owner)?;
        if r.name != owner.name {
            return Err(RuleError::Invalid(Invalid::SealName));
        }
        if r.seal_type.is_empty() {
            return Err(RuleError::Invalid(Invalid::SealType));
        }
        if r.valid_until.is_some_and(|u| u <= r.valid_from) {
            return Err(RuleError::InvalidValidity);
        }
        self.new_key(&r.key)?;
        self.check_acceptance(r, t)
    }

    /// Whether `key` (a key of authority `owner`) descends from the owner's registration
    /// through additions the owner made itself: one of its registered keys, or added by such a
    /// key, and so on. A key an ancestor added (an ancestor may add keys to it), or any key
    /// that one added, does not: a registrar above the owner cannot accept in its name.
    fn owners_own_key(&self, key: &super::KeyRecord, owner: &str) -> bool {
        let Some(registered) = self.authorities.get(owner).map(|a| a.registered.seq) else {
            return false;
        };
        let mut cur = key;
        // Each step goes to an earlier entry, so this ends.
        loop {
            if cur.introduced.seq == registered {
                return true;
            }
            match self.keys.get(&cur.introduced.key) {
                Some(by) if by.owner == cur.owner && by.introduced.seq < cur.introduced.seq => {
                    cur = by
                }
                _ => return false,
            }
        }
    }

    /// The owner accepted the registration with a key of its own that may sign at `t`, and the
    /// seal key proved possession, both over the origin and the terms (SPEC §18).
    fn check_acceptance(&self, r: &SealRegistration, t: Timestamp) -> Result<(), RuleError> {
        let refused = |what| RuleError::SealNotAccepted {
            es_id: r.es_id.clone(),
            what,
        };
        let a = &r.acceptance;
        let owner = Principal::Authority(r.owner.clone());
        let owner_key = self
            .keys
            .get(&a.owner_key)
            .filter(|k| k.owner == owner)
            .ok_or_else(|| refused("the accepting key is not a key of the owner"))?;
        if !self.owners_own_key(owner_key, &r.owner) {
            return Err(refused(
                "the accepting key was added by another authority, not the owner",
            ));
        }
        if self.usable_key(&a.owner_key, t).is_err() {
            return Err(refused(
                "the accepting key may not sign now (retired, compromised or void)",
            ));
        }
        let message = r.acceptance_message(self.origin().ok_or(RuleError::NotGenesis)?);
        if owner_key
            .public
            .verify(crate::crypto::Domain::SealAcceptance, &message, &a.owner)
            .is_err()
        {
            return Err(refused("the owner's signature does not verify"));
        }
        if r.key
            .verify(
                crate::crypto::Domain::SealPossession,
                &message,
                &a.possession,
            )
            .is_err()
        {
            return Err(refused(
                "the seal key's proof of possession does not verify",
            ));
        }
        Ok(())
    }

    /// The rules for seal, auto-seal policy and case events (tags 32–44).
    pub(super) fn check_seal_event(
        &self,
        actor: &Principal,
        key: &KeyId,
        t: Timestamp,
        event: &Event,
    ) -> Result<(), RuleError> {
        let unauthorized = || RuleError::Unauthorized {
            event: event.kind(),
        };
        let state = |es_id: &str, state| {
            Err(RuleError::SealState {
                es_id: es_id.to_owned(),
                state,
            })
        };
        match event {
            Event::SealRegistered(r) => self.check_registration(actor, r, event, t),
            Event::SealRemade { old, registration } => {
                let seal = self
                    .seals
                    .get(old)
                    .ok_or_else(|| RuleError::UnknownSeal(old.clone()))?;
                self.check_registration(actor, registration, event, t)?;
                if registration.owner != seal.registration.owner {
                    return Err(RuleError::Invalid(Invalid::RemadeSealOwner));
                }
                self.managed_seal(actor, old, event).map(drop)
            }
            Event::SealSuspended { es_id, .. } => {
                let seal = self.managed_seal(actor, es_id, event)?;
                if self.suspended_at(&seal.suspensions, t) {
                    return state(es_id, "suspended");
                }
                Ok(())
            }
            Event::SealResumed { es_id } => {
                let seal = self.managed_seal(actor, es_id, event)?;
                if !self.suspended_at(&seal.suspensions, t) {
                    return state(es_id, "not suspended");
                }
                Ok(())
            }
            Event::SealReportedLost { es_id, since, .. } => {
                let seal = self.managed_seal(actor, es_id, event)?;
                // A later report may move the loss earlier (the true point found out later),
                // never later.
                if self.seal_loss(seal).is_some_and(|l| *since >= l.since) {
                    return state(es_id, "already reported lost since then or earlier");
                }
                if *since > t {
                    return Err(RuleError::Invalid(Invalid::LossTime));
                }
                Ok(())
            }
            Event::SealCancelled { es_id, .. } => self.managed_seal(actor, es_id, event).map(drop),
            Event::SealInvalidated { es_id, .. } => {
                let seal = self
                    .seals
                    .get(es_id)
                    .ok_or_else(|| RuleError::UnknownSeal(es_id.clone()))?;
                let registrar = &seal.registration.registrar;
                let allowed = matches!(actor, Principal::Authority(me) if me == registrar)
                    || self.manages(actor, registrar);
                if !allowed {
                    return Err(unauthorized());
                }
                if seal.invalidated.is_some() {
                    return state(es_id, "invalidated");
                }
                Ok(())
            }
            Event::SealApplied(a) => {
                if *actor != Principal::Seal(a.es_id.clone()) {
                    return Err(unauthorized());
                }
                if a.case.is_empty() || a.operator.is_empty() {
                    return Err(RuleError::Invalid(Invalid::SealingCase));
                }
                self.usable_seal(&a.es_id, t).map(drop)
            }
            Event::AutoSealPolicyGranted(_)
            | Event::AutoSealPolicyRevoked { .. }
            | Event::CaseOpened(_)
            | Event::CaseDecided { .. }
            | Event::SealAutoApplied(_) => self.check_case_event(actor, key, t, event),
            _ => Ok(()),
        }
    }

    /// Records a seal, policy or case event (tags 32–44).
    pub(super) fn apply_seal_event(&mut self, event: &Event, at: Provenance) {
        match event {
            Event::SealRegistered(r) => self.add_seal(r, at),
            Event::SealRemade { old, registration } => {
                self.seals.update(old.as_str(), |s| {
                    s.superseded = Some((registration.es_id.clone(), at))
                });
                self.add_seal(registration, at);
            }
            Event::SealSuspended { es_id, .. } => {
                self.seals
                    .update(es_id.as_str(), |s| s.suspensions.push(Suspension::new(at)));
            }
            Event::SealResumed { es_id } => {
                self.seals
                    .update(es_id.as_str(), |s| super::lift_all(&mut s.suspensions, at));
            }
            Event::SealReportedLost { es_id, since, .. } => {
                let key = self.seals.update(es_id.as_str(), |s| {
                    s.losses.push(Loss {
                        since: *since,
                        recorded: at,
                    });
                    s.registration.key.key_id()
                });
                if let Some(key) = key {
                    self.declare_compromise(super::Declaration {
                        key,
                        since: *since,
                        recorded: at,
                    });
                }
            }
            Event::SealCancelled { es_id, .. } => {
                self.seals
                    .update(es_id.as_str(), |s| s.cancelled = Some(at));
            }
            Event::SealInvalidated { es_id, .. } => {
                self.seals
                    .update(es_id.as_str(), |s| s.invalidated = Some(at));
            }
            Event::SealApplied(a) => self.add_sealing(SealUse {
                es_id: a.es_id.clone(),
                document: a.document,
                case: a.case.clone(),
                operator: Some(a.operator.clone()),
                policy: None,
                recorded: at,
            }),
            Event::AutoSealPolicyGranted(_)
            | Event::AutoSealPolicyRevoked { .. }
            | Event::CaseOpened(_)
            | Event::CaseDecided { .. }
            | Event::SealAutoApplied(_) => self.apply_case_event(event, at),
            _ => {}
        }
    }

    fn add_seal(&mut self, r: &SealRegistration, at: Provenance) {
        self.add_key(&r.key, Principal::Seal(r.es_id.clone()), at);
        self.keys.update(&r.key.key_id(), |k| {
            k.accepted = Some(Provenance {
                key: r.acceptance.owner_key,
                ..at
            })
        });
        self.seals.insert(
            r.es_id.clone(),
            Seal {
                registration: r.clone(),
                recorded: at,
                suspensions: Vec::new(),
                losses: Vec::new(),
                cancelled: None,
                invalidated: None,
                superseded: None,
            },
        );
    }

    pub(super) fn add_sealing(&mut self, u: SealUse) {
        self.seal_uses.push(u.es_id.as_str(), u.document);
        let document = u.document;
        self.documents.push(&document, u);
    }
}
