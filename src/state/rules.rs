//! [`State::check`]: whether a statement may be recorded at a ledger time.

use super::TerminationKind;
use super::{AuthorityState, Invalid, Principal, RuleError, State};
use crate::crypto::{KeyId, PublicKey};
use crate::event::{Event, LicenseVersion, SignedStatement, Succession};
use crate::id::{is_valid_code, LicenseId};
use crate::time::Timestamp;
use std::collections::HashSet;

/// Keys an event brings into the ledger.
pub fn introduced_keys(event: &Event) -> &[PublicKey] {
    match event {
        Event::LedgerCreated { root_keys, .. } => root_keys,
        Event::AuthorityRegistered(r) => &r.keys,
        Event::AuthorityKeyAdded { key, .. } => std::slice::from_ref(key),
        Event::RootKeyRotated { new_key, .. } => std::slice::from_ref(new_key),
        Event::OperatorKeyAdded { key, .. } => std::slice::from_ref(key),
        Event::SealRegistered(r)
        | Event::SealRemade {
            registration: r, ..
        } => std::slice::from_ref(&r.key),
        Event::AutoSealPolicyGranted(p) => std::slice::from_ref(&p.engine),
        Event::HolderKeyBound { key, .. } => std::slice::from_ref(key),
        _ => &[],
    }
}

fn unique<'a, T: Eq + std::hash::Hash + 'a>(items: impl IntoIterator<Item = &'a T>) -> bool {
    let mut seen = HashSet::new();
    items.into_iter().all(|i| seen.insert(i))
}

impl State {
    /// Decides whether `statement` may be recorded at `ledger_time` (its signature is checked
    /// separately). Used identically by append and by replay.
    pub fn check(
        &self,
        statement: &SignedStatement,
        ledger_time: Timestamp,
    ) -> Result<(), RuleError> {
        let s = statement.statement();
        if self.tip.size == 0 {
            return self.check_genesis(statement, ledger_time);
        }
        // First, so that re-submitting any recorded statement (the genesis included) is
        // recognised as such; append turns this into the original receipt.
        if let Some(r) = self.statements.get(&statement.id()) {
            return Err(RuleError::DuplicateStatement(r.seq));
        }
        if matches!(s.event, Event::LedgerCreated { .. }) {
            return Err(RuleError::GenesisRepeated);
        }
        // Only a genesis comes first (checked above); every later statement names its origin.
        let Some(origin) = self.origin.as_deref() else {
            return Err(RuleError::NotGenesis);
        };
        if s.origin != origin {
            return Err(RuleError::WrongOrigin {
                expected: origin.to_owned(),
                found: s.origin.clone(),
            });
        }
        if ledger_time < self.tip.last_time {
            return Err(RuleError::TimeWentBackwards {
                previous: self.tip.last_time,
                found: ledger_time,
            });
        }
        self.check_skew(s.claimed_time, ledger_time)?;
        // A seal's key applies that seal only: name the mismatch before the key's own state.
        if let (Event::SealApplied(a), Some(rec)) = (&s.event, self.keys.get(&s.actor)) {
            if let Principal::Seal(own) = &rec.owner {
                if *own != a.es_id {
                    return Err(RuleError::SealKeyMismatch {
                        key_of: own.clone(),
                        seal: a.es_id.clone(),
                    });
                }
            }
        }
        let actor = self.usable_key(&s.actor, ledger_time)?;
        if let Event::RootKeyRotated {
            new_key,
            acceptance,
        } = &s.event
        {
            if actor != Principal::Root {
                return Err(RuleError::Unauthorized {
                    event: s.event.kind(),
                });
            }
            self.new_key(new_key)?;
            let message = crate::event::rotation_message(origin, &s.actor, new_key);
            if new_key
                .verify(crate::crypto::Domain::KeyRotation, &message, acceptance)
                .is_err()
            {
                return Err(RuleError::Invalid(Invalid::RotationAcceptance));
            }
            return Ok(());
        }
        if let Event::OperatorKeyAdded { key, acceptance } = &s.event {
            if actor != Principal::Root {
                return Err(RuleError::Unauthorized {
                    event: s.event.kind(),
                });
            }
            self.new_key(key)?;
            let message = crate::event::operator_key_message(origin, &s.actor, key);
            if key
                .verify(crate::crypto::Domain::OperatorKey, &message, acceptance)
                .is_err()
            {
                return Err(RuleError::Invalid(Invalid::OperatorKeyAcceptance));
            }
            return Ok(());
        }
        if let Event::OperatorKeyRetired { key } = &s.event {
            if actor != Principal::Root {
                return Err(RuleError::Unauthorized {
                    event: s.event.kind(),
                });
            }
            return match self.keys.get(key) {
                Some(k) if k.owner == Principal::Operator => match self.retired_from(key) {
                    Some(from) => Err(RuleError::KeyRetired { key: *key, from }),
                    None => Ok(()),
                },
                _ => Err(RuleError::UnknownKey(*key)),
            };
        }
        if let Event::RootKeyCompromised {
            key,
            since,
            cosignatures,
        } = &s.event
        {
            return self.check_root_compromise(
                &actor,
                &s.actor,
                ledger_time,
                key,
                *since,
                cosignatures,
            );
        }
        self.check_event(&actor, &s.actor, ledger_time, &s.event)
    }

    /// `RootKeyCompromised`: another root key signs, further root keys cosign, and together
    /// they are at least two and more than half of the root keys that may sign at `t` (the
    /// declared one included);
    /// the point is not ahead of `t` beyond the skew and moves an end only earlier.
    fn check_root_compromise(
        &self,
        actor: &Principal,
        signer: &KeyId,
        t: Timestamp,
        key: &KeyId,
        since: Timestamp,
        cosignatures: &[crate::event::Cosignature],
    ) -> Result<(), RuleError> {
        let unauthorized = || RuleError::Unauthorized {
            event: "RootKeyCompromised",
        };
        if *actor != Principal::Root || signer == key {
            return Err(unauthorized());
        }
        if self.keys.get(key).map(|k| &k.owner) != Some(&Principal::Root) {
            return Err(RuleError::Invalid(Invalid::NotARootKey));
        }
        if since.0 > t.0.saturating_add(self.policy.max_skew_ms) {
            return Err(RuleError::Invalid(Invalid::CompromisePointAhead));
        }
        if self.compromised_since(key).is_some_and(|o| since >= o) {
            return Err(RuleError::KeyAlreadyEnded(*key));
        }
        let origin = self.origin().ok_or(RuleError::NotGenesis)?;
        let message = crate::event::root_compromise_message(origin, key, since);
        let mut signers = HashSet::from([*signer]);
        for c in cosignatures {
            let cosigner = self.keys.get(&c.key);
            let valid = cosigner.is_some_and(|k| {
                k.owner == Principal::Root
                    && k.public
                        .verify(
                            crate::crypto::Domain::RootCompromise,
                            &message,
                            &c.signature,
                        )
                        .is_ok()
            });
            if c.key == *key || !valid || !signers.insert(c.key) {
                return Err(RuleError::Invalid(Invalid::RootCompromiseCosignature));
            }
            self.usable_key(&c.key, t)?;
        }
        // The root keys that may sign now, the declared one included: at least two others and
        // more than half of all of them must sign, so no single root key ends another.
        let voters = self
            .keys
            .iter()
            .filter(|(id, k)| k.owner == Principal::Root && self.usable_key(id, t).is_ok())
            .count();
        if signers.len() < 2 || signers.len() * 2 <= voters {
            return Err(RuleError::NoMajority {
                signed: signers.len(),
                of: voters,
            });
        }
        Ok(())
    }

    fn check_genesis(
        &self,
        statement: &SignedStatement,
        ledger_time: Timestamp,
    ) -> Result<(), RuleError> {
        let s = statement.statement();
        let Event::LedgerCreated { root_keys, policy } = &s.event else {
            return Err(RuleError::NotGenesis);
        };
        if !root_keys.iter().any(|k| k.key_id() == s.actor) {
            return Err(RuleError::NotGenesis);
        }
        if !unique(
            root_keys
                .iter()
                .map(|k| k.key_id())
                .collect::<Vec<_>>()
                .iter(),
        ) {
            return Err(RuleError::DuplicateKey(s.actor));
        }
        if s.origin.len() > 255 || !crate::checkpoint::is_key_name(&s.origin) {
            return Err(RuleError::Invalid(Invalid::Origin));
        }
        if s.claimed_time.0.abs_diff(ledger_time.0) > policy.max_skew_ms {
            return Err(RuleError::ClockSkew {
                claimed: s.claimed_time,
                ledger_time,
                max_skew_ms: policy.max_skew_ms,
            });
        }
        Ok(())
    }

    fn check_skew(&self, claimed: Timestamp, ledger_time: Timestamp) -> Result<(), RuleError> {
        if claimed.0.abs_diff(ledger_time.0) > self.policy.max_skew_ms {
            return Err(RuleError::ClockSkew {
                claimed,
                ledger_time,
                max_skew_ms: self.policy.max_skew_ms,
            });
        }
        Ok(())
    }

    /// The owner of `key` if the key may sign at `t` and its owner may act: not compromised or
    /// retired by then, brought in by entries that count, its authority in good standing.
    pub(super) fn usable_key(&self, key: &KeyId, t: Timestamp) -> Result<Principal, RuleError> {
        let rec = self.keys.get(key).ok_or(RuleError::UnknownKey(*key))?;
        if let Some(since) = self.compromised_since(key).filter(|s| *s <= t) {
            // A lost seal's key is compromised since the loss: say so in the seal's terms.
            if let Principal::Seal(es_id) = &rec.owner {
                if let Some(loss) = self.seal(es_id).and_then(|s| self.seal_loss(s)) {
                    return Err(RuleError::SealNotActive {
                        es_id: es_id.clone(),
                        status: super::SealStatus::Lost { since: loss.since },
                    });
                }
            }
            return Err(RuleError::KeyCompromised { key: *key, since });
        }
        if let Some(from) = self.retired_from(key).filter(|f| *f <= t) {
            return Err(RuleError::KeyRetired { key: *key, from });
        }
        if let Some(by) = self.void_by(&rec.introduced) {
            return Err(RuleError::IntroducedUnderCompromise {
                key: *key,
                by,
                since: self.compromised_since(&by).unwrap_or_default(),
            });
        }
        if let Principal::Authority(code) = &rec.owner {
            self.standing(code)?;
        }
        Ok(rec.owner.clone())
    }

    /// An authority may act only while it and every ancestor (registrar chain) is active: an
    /// ancestor's suspension or revocation stops the whole subtree from then on, and its
    /// reinstatement lifts that. The error names the first one, nearest first, that is not.
    pub fn standing(&self, code: &str) -> Result<(), RuleError> {
        let mut cur = Some(code.to_owned());
        let mut hops = 0;
        while let Some(c) = cur {
            let a = self
                .authorities
                .get(&c)
                .filter(|a| a.state == AuthorityState::Active && self.counts(&a.registered))
                .ok_or_else(|| RuleError::AuthorityNotActive { code: c.clone() })?;
            hops += 1;
            if hops > self.authorities.len() {
                break;
            }
            cur = a.parent.clone();
        }
        Ok(())
    }

    /// Whether `actor` is the root or an ancestor (registrar chain) of authority `target`.
    pub(super) fn manages(&self, actor: &Principal, target: &str) -> bool {
        let me = match actor {
            Principal::Root => return true,
            Principal::Authority(me) => me,
            _ => return false,
        };
        let mut cur = self.authorities.get(target).and_then(|a| a.parent.clone());
        let mut hops = 0;
        while let Some(p) = cur {
            if &p == me {
                return true;
            }
            hops += 1;
            if hops > self.authorities.len() {
                return false;
            }
            cur = self.authorities.get(&p).and_then(|a| a.parent.clone());
        }
        false
    }

    pub(super) fn target_authority(&self, code: &str) -> Result<&super::Authority, RuleError> {
        self.authorities
            .get(code)
            .ok_or_else(|| RuleError::UnknownAuthority(code.to_owned()))
    }

    /// `key` must not be registered yet; an engine key may serve several auto-seal policies.
    fn new_engine_key(&self, key: &PublicKey) -> Result<(), RuleError> {
        match self.keys.get(&key.key_id()) {
            Some(k) if k.owner == Principal::Engine => Ok(()),
            _ => self.new_key(key),
        }
    }

    pub(super) fn new_key(&self, key: &PublicKey) -> Result<(), RuleError> {
        let id = key.key_id();
        if self.keys.contains_key(&id) {
            return Err(RuleError::DuplicateKey(id));
        }
        Ok(())
    }

    fn check_event(
        &self,
        actor: &Principal,
        key: &KeyId,
        t: Timestamp,
        event: &Event,
    ) -> Result<(), RuleError> {
        let unauthorized = || RuleError::Unauthorized {
            event: event.kind(),
        };
        // Seal, engine and holder keys sign their own events and nothing else; the rest is
        // for the root and authorities.
        let kind_ok = match event {
            Event::SealApplied(_) => matches!(actor, Principal::Seal(_)),
            Event::SealAutoApplied(_) => *actor == Principal::Engine,
            Event::UseAuthorized(_) | Event::UseAuthorizationRevoked { .. } => {
                matches!(actor, Principal::Holder(_))
            }
            _ => matches!(actor, Principal::Root | Principal::Authority(_)),
        };
        if !kind_ok {
            return Err(unauthorized());
        }
        match event {
            Event::SealRegistered(_)
            | Event::SealSuspended { .. }
            | Event::SealResumed { .. }
            | Event::SealReportedLost { .. }
            | Event::SealCancelled { .. }
            | Event::SealInvalidated { .. }
            | Event::SealRemade { .. }
            | Event::SealApplied(_)
            | Event::AutoSealPolicyRevoked { .. }
            | Event::CaseOpened(_)
            | Event::CaseDecided { .. }
            | Event::SealAutoApplied(_) => self.check_seal_event(actor, key, t, event),
            Event::AutoSealPolicyGranted(p) => {
                self.check_seal_event(actor, key, t, event)?;
                self.new_engine_key(&p.engine)
            }
            Event::HolderKeyBound { license, key } => {
                self.check_current(actor, license, event, t)?;
                self.new_key(key)
            }
            Event::UseAuthorized(_)
            | Event::UseAuthorizationRevoked { .. }
            | Event::UseRecorded(_) => self.check_consent_event(actor, t, event),
            // Checked in `check`, which knows the signing key.
            Event::RootKeyRotated { .. }
            | Event::RootKeyCompromised { .. }
            | Event::OperatorKeyAdded { .. }
            | Event::OperatorKeyRetired { .. } => Ok(()),
            Event::LedgerCreated { .. } => Err(RuleError::GenesisRepeated),
            Event::AuthorityRegistered(r) => {
                if !is_valid_code(&r.code) {
                    return Err(RuleError::Invalid(Invalid::AuthorityCode));
                }
                if r.name.is_empty() {
                    return Err(RuleError::Invalid(Invalid::AuthorityName));
                }
                if self.authorities.contains_key(&r.code) {
                    return Err(RuleError::DuplicateAuthority(r.code.clone()));
                }
                if r.keys.is_empty() {
                    return Err(RuleError::Invalid(Invalid::NoKeys));
                }
                if !unique(r.keys.iter().map(|k| k.key_id()).collect::<Vec<_>>().iter()) {
                    return Err(RuleError::Invalid(Invalid::RepeatedKey));
                }
                for k in &r.keys {
                    self.new_key(k)?;
                }
                if !r.license_types.iter().all(|t| is_valid_code(t)) || !unique(&r.license_types) {
                    return Err(RuleError::Invalid(Invalid::LicenseTypeScope));
                }
                match (actor, &r.parent) {
                    (Principal::Root, None) => Ok(()),
                    (Principal::Authority(me), Some(p)) if me != p => Err(unauthorized()),
                    (_, None) => Err(unauthorized()),
                    (_, Some(p)) => {
                        let parent = self.target_authority(p)?;
                        if matches!(actor, Principal::Authority(_)) && !parent.may_delegate {
                            return Err(unauthorized());
                        }
                        let within = r
                            .license_types
                            .iter()
                            .all(|t| parent.license_types.contains(t))
                            && (!r.may_register_seals || parent.may_register_seals)
                            && (!r.may_delegate || parent.may_delegate);
                        if within {
                            Ok(())
                        } else {
                            Err(RuleError::ScopeExceeded)
                        }
                    }
                }
            }
            Event::AuthorityKeyAdded { authority, key } => {
                self.target_authority(authority)?;
                self.self_or_manager(actor, authority, event)?;
                self.new_key(key)
            }
            Event::AuthorityKeyRetired {
                authority,
                key: ended,
                ..
            }
            | Event::AuthorityKeyCompromised {
                authority,
                key: ended,
                ..
            } => {
                let a = self.target_authority(authority)?;
                self.self_or_manager(actor, authority, event)?;
                if !a.keys.contains(ended) {
                    return Err(RuleError::KeyNotOwned {
                        key: *ended,
                        authority: authority.clone(),
                    });
                }
                if !self.keys.contains_key(ended) {
                    return Err(RuleError::UnknownKey(*ended));
                }
                // A compromise is found out, so its point lies in the past (or within the skew
                // of the present): a point far ahead would let a thief pre-empt the honest
                // declaration. A retirement may be scheduled ahead.
                let (new, old) = match event {
                    Event::AuthorityKeyRetired { from, .. } => (*from, self.retired_from(ended)),
                    Event::AuthorityKeyCompromised { since, .. } => {
                        if since.0 > t.0.saturating_add(self.policy.max_skew_ms) {
                            return Err(RuleError::Invalid(Invalid::CompromisePointAhead));
                        }
                        (*since, self.compromised_since(ended))
                    }
                    _ => return Ok(()),
                };
                // A later declaration may move an end earlier, never later (a thief's earlier
                // point stops counting once the thief's key is declared: SPEC §9).
                if old.is_some_and(|o| new >= o) {
                    return Err(RuleError::KeyAlreadyEnded(*ended));
                }
                Ok(())
            }
            Event::AuthoritySuspended { authority, .. }
            | Event::AuthorityReinstated { authority }
            | Event::AuthorityRevoked { authority, .. } => {
                let a = self.target_authority(authority)?;
                if matches!(actor, Principal::Authority(me) if me == authority)
                    || !self.manages(actor, authority)
                {
                    return Err(unauthorized());
                }
                let ok = match event {
                    Event::AuthoritySuspended { .. } => a.state == AuthorityState::Active,
                    Event::AuthorityReinstated { .. } => a.state == AuthorityState::Suspended,
                    _ => a.state != AuthorityState::Revoked,
                };
                if ok {
                    Ok(())
                } else {
                    Err(RuleError::AuthorityState {
                        code: authority.clone(),
                        state: match a.state {
                            AuthorityState::Active => "active",
                            AuthorityState::Suspended => "suspended",
                            AuthorityState::Revoked => "revoked",
                        },
                    })
                }
            }
            Event::LicenseTypeDefined {
                code,
                name,
                claim_names,
            } => {
                if !is_valid_code(code) {
                    return Err(RuleError::Invalid(Invalid::LicenseTypeCode));
                }
                if name.is_empty()
                    || claim_names.iter().any(String::is_empty)
                    || !unique(claim_names)
                {
                    return Err(RuleError::Invalid(Invalid::LicenseTypeNames));
                }
                if self.types.contains_key(code) {
                    return Err(RuleError::DuplicateLicenseType(code.clone()));
                }
                match actor {
                    Principal::Root => Ok(()),
                    Principal::Authority(me)
                        if self
                            .authorities
                            .get(me)
                            .is_some_and(|a| a.license_types.contains(code)) =>
                    {
                        Ok(())
                    }
                    _ => Err(unauthorized()),
                }
            }
            Event::LicenseIssued(v) => {
                self.check_issuer(actor, &v.id, event)?;
                if v.id.version() != 1 {
                    return Err(RuleError::NotFirstVersion);
                }
                if self.lineages.contains_key(v.id.lineage()) {
                    return Err(RuleError::LicenseExists(v.id.clone()));
                }
                self.check_version(v)
            }
            Event::LicenseAmended(s) | Event::LicenseRenewed(s) | Event::LicenseReissued(s) => {
                self.check_succession(actor, s, event, t)
            }
            Event::LicenseSuspended { license, .. } => {
                self.check_current(actor, license, event, t)?;
                if self.is_suspended(license, t) {
                    return Err(RuleError::LicenseSuspended(license.clone()));
                }
                Ok(())
            }
            Event::LicenseSuspensionLifted { license } => {
                self.check_current(actor, license, event, t)?;
                if !self.is_suspended(license, t) {
                    return Err(RuleError::LicenseNotSuspended(license.clone()));
                }
                Ok(())
            }
            Event::LicenseCancelled(end)
            | Event::LicenseRevoked(end)
            | Event::LicenseWithdrawn(end) => {
                if end.effective.0 > t.0.saturating_add(self.policy.max_effective_lead_ms) {
                    return Err(RuleError::Invalid(Invalid::EffectiveTooFarAhead));
                }
                // Nor before the ledger held the license: a termination backdated further
                // would leave no room for an earlier-effective revocation.
                let first = self
                    .lineages
                    .get(end.license.lineage())
                    .and_then(|l| l.versions.first())
                    .map(|v| v.recorded.ledger_time);
                if first.is_some_and(|f| end.effective < f) {
                    return Err(RuleError::Invalid(Invalid::EffectiveBeforeRecorded));
                }
                self.check_current(actor, &end.license, event, t)
            }
            Event::LicenseRescinded { license, .. } => self.check_current(actor, license, event, t),
        }
    }

    fn self_or_manager(
        &self,
        actor: &Principal,
        authority: &str,
        event: &Event,
    ) -> Result<(), RuleError> {
        let is_self = matches!(actor, Principal::Authority(me) if me == authority);
        if is_self || self.manages(actor, authority) {
            Ok(())
        } else {
            Err(RuleError::Unauthorized {
                event: event.kind(),
            })
        }
    }

    /// The actor must be the issuing authority named in `id`, scoped for its type.
    fn check_issuer(
        &self,
        actor: &Principal,
        id: &LicenseId,
        event: &Event,
    ) -> Result<(), RuleError> {
        let Principal::Authority(me) = actor else {
            return Err(RuleError::Unauthorized {
                event: event.kind(),
            });
        };
        let scoped = self
            .authorities
            .get(me)
            .is_some_and(|a| a.license_types.iter().any(|t| t == id.type_code()));
        if me != id.issuer() || !scoped {
            return Err(RuleError::Unauthorized {
                event: event.kind(),
            });
        }
        Ok(())
    }

    fn check_version(&self, v: &LicenseVersion) -> Result<(), RuleError> {
        let ty = self
            .types
            .get(v.id.type_code())
            .ok_or_else(|| RuleError::UnknownLicenseType(v.id.type_code().to_owned()))?;
        let found = |i: usize| v.claims.get(i).map(|c| &c.name);
        if let Some(position) = (0..v.claims.len().max(ty.claim_names.len()))
            .find(|&i| ty.claim_names.get(i) != found(i))
        {
            return Err(RuleError::ClaimsMismatch {
                position,
                expected: ty.claim_names.get(position).cloned(),
                found: v.claims.get(position).map(|c| c.name.clone()),
            });
        }
        if v.valid_until.is_some_and(|u| u <= v.valid_from) {
            return Err(RuleError::InvalidValidity);
        }
        if v.printed_number.is_empty() {
            return Err(RuleError::Invalid(Invalid::PrintedNumber));
        }
        Ok(())
    }

    /// `license` must be the current version of a lineage that no termination in effect at `t`
    /// closes, and the actor its issuer. Remedies stay open: a revocation or a rescission may
    /// also come from an ancestor of the issuer or the root, a rescission follows any
    /// termination but a rescission, and a revocation one that took effect later than it
    /// would.
    pub(super) fn check_current(
        &self,
        actor: &Principal,
        license: &LicenseId,
        event: &Event,
        t: Timestamp,
    ) -> Result<(), RuleError> {
        let remedy = matches!(
            event,
            Event::LicenseRevoked(_) | Event::LicenseRescinded { .. }
        );
        if !(remedy && self.manages(actor, license.issuer())) {
            self.check_issuer(actor, license, event)?;
        }
        let lin = self
            .lineages
            .get(license.lineage())
            .filter(|l| l.versions.len() >= usize::from(license.version()))
            .ok_or_else(|| RuleError::UnknownLicense(license.clone()))?;
        let current = lin.versions.last().map(|v| &v.version.id);
        if let Some(current) = current.filter(|c| *c != license) {
            return Err(RuleError::NotCurrentVersion {
                current: current.clone(),
            });
        }
        if let Some(done) = self.terminated_at(lin, t) {
            let open = done.kind != TerminationKind::Rescinded
                && match event {
                    Event::LicenseRescinded { .. } => true,
                    Event::LicenseRevoked(r) => {
                        r.effective < done.effective
                            || (r.effective == done.effective
                                && done.kind != TerminationKind::Revoked)
                    }
                    _ => false,
                };
            if !open {
                return Err(RuleError::LicenseTerminated(license.clone()));
            }
        }
        Ok(())
    }

    /// Whether a counting suspension is in force at `t` (§9's counting: a suspension signed
    /// with a key later declared compromised since before it blocks nothing).
    fn is_suspended(&self, license: &LicenseId, t: Timestamp) -> bool {
        self.lineages
            .get(license.lineage())
            .is_some_and(|l| self.suspended_at(&l.suspensions, t))
    }

    fn check_succession(
        &self,
        actor: &Principal,
        s: &Succession,
        event: &Event,
        t: Timestamp,
    ) -> Result<(), RuleError> {
        self.check_current(actor, &s.previous, event, t)?;
        if self.is_suspended(&s.previous, t) {
            return Err(RuleError::LicenseSuspended(s.previous.clone()));
        }
        let next = s
            .previous
            .next_version()
            .ok_or(RuleError::Invalid(Invalid::NoNextVersion))?;
        if s.version.id != next {
            return Err(RuleError::WrongSuccessor(next));
        }
        self.check_version(&s.version)?;
        if let Event::LicenseRenewed(_) = event {
            let old = self
                .license(&s.previous)
                .and_then(|v| v.version.valid_until);
            let extends = match (old, s.version.valid_until) {
                (_, None) => true,
                (None, Some(_)) => false,
                (Some(o), Some(n)) => n > o,
            };
            if !extends {
                return Err(RuleError::RenewalMustExtend);
            }
        }
        Ok(())
    }
}
