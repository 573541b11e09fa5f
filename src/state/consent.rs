//! Holder consent (用证授权) and use records (用证记录): records, rules and application.

use super::{AuthorityState, Invalid, Principal, Provenance, RuleError, State};
use crate::crypto::{Digest32, KeyId};
use crate::event::{Consent, Event, StatementId, UseRecord, UseResult};
use crate::id::LicenseId;
use crate::time::Timestamp;

/// A recorded consent and its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    /// Its identifier: the id of the statement that granted it.
    pub id: StatementId,
    /// The consent.
    pub consent: Consent,
    /// Where it was granted.
    pub recorded: Provenance,
    /// Where it was revoked.
    pub revoked: Option<Provenance>,
    /// Where each use recorded under it was recorded.
    pub uses: Vec<Provenance>,
}

impl ConsentRecord {
    /// Whether the consent lets a relying party use the license at `at`: inside its window,
    /// not revoked by then, with a use left (uses recorded up to `at` counted); a revocation
    /// or a use counts only if `counts` accepts where it was recorded (SPEC §9).
    pub fn covers_at(
        &self,
        at: Timestamp,
        counts: impl Fn(&Provenance) -> bool,
    ) -> Result<(), &'static str> {
        if self
            .revoked
            .is_some_and(|r| r.ledger_time <= at && counts(&r))
        {
            return Err("consent revoked");
        }
        if at < self.consent.from || at < self.recorded.ledger_time {
            return Err("consent window not started");
        }
        if at >= self.consent.until {
            return Err("consent window ended");
        }
        let used = self
            .uses
            .iter()
            .filter(|u| u.ledger_time <= at && counts(u))
            .count();
        if u64::try_from(used).unwrap_or(u64::MAX) >= self.consent.max_uses {
            return Err("no uses left");
        }
        Ok(())
    }
}

/// One recorded use of a license by a relying party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseEntry {
    /// The record.
    pub record: UseRecord,
    /// The relying party (the consent's).
    pub relying_party: String,
    /// Where it was recorded.
    pub recorded: Provenance,
}

impl State {
    /// A consent by id.
    pub fn consent(&self, id: &StatementId) -> Option<&ConsentRecord> {
        self.consents.get(id)
    }

    /// Iterates over all consents.
    pub fn consents(&self) -> impl Iterator<Item = &ConsentRecord> {
        self.consents.values()
    }

    /// Iterates over every use record (in no particular order).
    pub fn all_uses(&self) -> impl Iterator<Item = &UseEntry> {
        self.uses.values().flatten()
    }

    /// The consents granted for a license (any version), in ledger order.
    pub fn consents_for(&self, license: &LicenseId) -> Vec<&ConsentRecord> {
        self.lineage_consents
            .get(license.lineage())
            .map(|ids| ids.iter().filter_map(|id| self.consents.get(id)).collect())
            .unwrap_or_default()
    }

    /// The consent that lets `relying_party` check `license` for `service_item` at `at`, if
    /// any: counted (not granted under a compromised key), in its window, not revoked, with a
    /// use left.
    pub fn consent_covering(
        &self,
        license: &LicenseId,
        relying_party: &str,
        service_item: &str,
        at: Timestamp,
    ) -> Option<&ConsentRecord> {
        self.consents_for(license)
            .into_iter()
            .find(|c| self.covers(c, relying_party, service_item, at))
    }

    /// Whether consent `id`, given for `license`'s lineage, covers a use by `relying_party`
    /// for `service_item` at `at` (as [`State::consent_covering`] asks of each consent).
    pub fn consent_covers(
        &self,
        id: &StatementId,
        license: &LicenseId,
        relying_party: &str,
        service_item: &str,
        at: Timestamp,
    ) -> bool {
        self.consent(id).is_some_and(|c| {
            c.consent.license.lineage() == license.lineage()
                && self.covers(c, relying_party, service_item, at)
        })
    }

    /// The one test of whether a consent covers a use: its party and item, it counts, and it
    /// is in force at `at` with a use left.
    fn covers(
        &self,
        c: &ConsentRecord,
        relying_party: &str,
        service_item: &str,
        at: Timestamp,
    ) -> bool {
        c.consent.relying_party == relying_party
            && c.consent.service_item == service_item
            && self.counts(&c.recorded)
            && c.covers_at(at, |p| self.counts(p)).is_ok()
    }

    /// The use records of a license (every version), in ledger order.
    pub fn uses_of(&self, license: &LicenseId) -> &[UseEntry] {
        self.uses.get(license.lineage()).map_or(&[], Vec::as_slice)
    }

    /// A holder's use history: the use records of every license recorded for the holder
    /// commitment, in ledger order.
    pub fn use_history(&self, holder: &Digest32) -> Vec<&UseEntry> {
        let mut lineages: Vec<&str> = self
            .by_holder(holder)
            .iter()
            .map(|id| id.lineage())
            .collect();
        lineages.sort_unstable();
        lineages.dedup();
        let mut out: Vec<&UseEntry> = lineages
            .into_iter()
            .flat_map(|l| self.uses.get(l).map_or(&[][..], Vec::as_slice))
            .collect();
        out.sort_by_key(|u| u.recorded.seq);
        out
    }

    /// The current holder key of a license, if the issuer bound one.
    pub fn holder_key(&self, license: &LicenseId) -> Option<KeyId> {
        self.current_holder_key(license.lineage())
    }

    /// The rules for consent and use events (tags 65–67).
    pub(super) fn check_consent_event(
        &self,
        actor: &Principal,
        t: Timestamp,
        event: &Event,
    ) -> Result<(), RuleError> {
        let unauthorized = || RuleError::Unauthorized {
            event: event.kind(),
        };
        let holder_of = |license: &LicenseId| {
            if *actor == Principal::Holder(license.lineage().to_owned()) {
                Ok(())
            } else {
                Err(unauthorized())
            }
        };
        match event {
            Event::UseAuthorized(c) => {
                holder_of(&c.license)?;
                let lin = self
                    .lineage(&c.license)
                    .filter(|l| l.versions.len() >= usize::from(c.license.version()))
                    .ok_or_else(|| RuleError::UnknownLicense(c.license.clone()))?;
                if self.terminated_at(lin, t).is_some() {
                    return Err(RuleError::LicenseTerminated(c.license.clone()));
                }
                let party = self.target_authority(&c.relying_party)?;
                if party.state == AuthorityState::Revoked || !self.counts(&party.registered) {
                    return Err(RuleError::AuthorityNotActive {
                        code: c.relying_party.clone(),
                    });
                }
                if c.service_item.is_empty() || c.until <= c.from || c.max_uses == 0 {
                    return Err(RuleError::Invalid(Invalid::ConsentTerms));
                }
                Ok(())
            }
            Event::UseAuthorizationRevoked { consent } => {
                let c = self
                    .consents
                    .get(consent)
                    .ok_or(RuleError::UnknownConsent(*consent))?;
                holder_of(&c.consent.license)?;
                if c.revoked.is_some_and(|r| self.counts(&r)) {
                    return Err(RuleError::ConsentNotInForce {
                        consent: *consent,
                        what: "consent revoked",
                    });
                }
                Ok(())
            }
            Event::UseRecorded(u) => self.check_use(actor, t, u, event),
            _ => Ok(()),
        }
    }

    fn check_use(
        &self,
        actor: &Principal,
        t: Timestamp,
        u: &UseRecord,
        event: &Event,
    ) -> Result<(), RuleError> {
        let c = self
            .consents
            .get(&u.consent)
            .ok_or(RuleError::UnknownConsent(u.consent))?;
        if *actor != Principal::Authority(c.consent.relying_party.clone()) {
            return Err(RuleError::Unauthorized {
                event: event.kind(),
            });
        }
        // A consent granted under a key later declared compromised does not count: no use is
        // recorded under it (verification refuses it too).
        if !self.counts(&c.recorded) {
            return Err(RuleError::ConsentNotInForce {
                consent: u.consent,
                what: "granted under a compromised key",
            });
        }
        if u.license.lineage() != c.consent.license.lineage() || self.license(&u.license).is_none()
        {
            return Err(RuleError::UnknownLicense(u.license.clone()));
        }
        if u.service_item != c.consent.service_item {
            return Err(RuleError::ConsentNotInForce {
                consent: u.consent,
                what: "another service item",
            });
        }
        if u.case.is_empty() {
            return Err(RuleError::Invalid(Invalid::UseCase));
        }
        // A use that accepts the license records that it was valid then: never one that was
        // suspended, terminated or superseded by the ledger time of the use (however the
        // events before it were batched).
        if u.result == UseResult::Accepted {
            let status = self.status(&u.license, t);
            if !status.is_valid() {
                return Err(RuleError::AcceptedWhileNotValid {
                    license: u.license.clone(),
                    status,
                });
            }
        }
        c.covers_at(t, |p| self.counts(p))
            .map_err(|what| RuleError::ConsentNotInForce {
                consent: u.consent,
                what,
            })
    }

    /// Records a holder key, consent or use event (tags 64–67). `id` is the statement's id.
    pub(super) fn apply_consent_event(&mut self, id: StatementId, event: &Event, at: Provenance) {
        match event {
            Event::HolderKeyBound { license, key } => {
                // The binding retires the key bound before it while the binding counts
                // (`State::retired_from`).
                let lineage = license.lineage().to_owned();
                self.holder_binds.push(lineage.as_str(), key.key_id());
                self.add_key(key, Principal::Holder(lineage), at);
            }
            Event::UseAuthorized(c) => {
                self.lineage_consents.push(c.license.lineage(), id);
                self.consents.insert(
                    id,
                    ConsentRecord {
                        id,
                        consent: c.clone(),
                        recorded: at,
                        revoked: None,
                        uses: Vec::new(),
                    },
                );
            }
            Event::UseAuthorizationRevoked { consent } => {
                self.consents.update(consent, |c| c.revoked = Some(at));
            }
            Event::UseRecorded(u) => {
                let party = self
                    .consents
                    .update(&u.consent, |c| {
                        c.uses.push(at);
                        c.consent.relying_party.clone()
                    })
                    .unwrap_or_default();
                self.uses.push(
                    u.license.lineage(),
                    UseEntry {
                        record: u.clone(),
                        relying_party: party,
                        recorded: at,
                    },
                );
            }
            _ => {}
        }
    }
}
