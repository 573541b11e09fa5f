//! [`State::apply`]: records an entry that passed [`State::check`].

use super::{
    Authority, AuthorityState, KeyRecord, LicenseType, Lineage, Principal, Provenance, Receipt,
    State, Suspension, TerminationKind, TerminationRecord, VersionRecord,
};
use crate::crypto::{Digest32, PublicKey};
use crate::event::{Event, LicenseVersion, SignedStatement, StatementId};
use crate::time::Timestamp;

impl State {
    /// Applies the entry `seq` recorded at `ledger_time` for `statement`, which passed
    /// [`State::check`] at that time and whose signature verified; `hash` is the entry hash.
    pub(crate) fn apply(
        &mut self,
        seq: u64,
        ledger_time: Timestamp,
        statement: &SignedStatement,
        hash: Digest32,
    ) {
        let s = statement.statement();
        let at = Provenance {
            seq,
            ledger_time,
            key: s.actor,
        };
        match s.event.new_version() {
            Some(v) => self.add_version(v.clone(), at),
            None => self.apply_event(&s.origin, statement.id(), &s.event, at),
        }
        self.record(statement.id(), seq, ledger_time, hash);
    }

    /// [`State::apply`] taking the statement by value: a license version moves into the
    /// state instead of being copied (replay owns the entries it decoded).
    pub(crate) fn apply_owned(
        &mut self,
        seq: u64,
        ledger_time: Timestamp,
        statement: SignedStatement,
        hash: Digest32,
    ) {
        let id = statement.id();
        let s = statement.into_statement();
        let at = Provenance {
            seq,
            ledger_time,
            key: s.actor,
        };
        match s.event {
            Event::LicenseIssued(v) => self.add_version(v, at),
            Event::LicenseAmended(x) | Event::LicenseRenewed(x) | Event::LicenseReissued(x) => {
                self.add_version(x.version, at)
            }
            event => self.apply_event(&s.origin, id, &event, at),
        }
        self.record(id, seq, ledger_time, hash);
    }

    /// Applies an event other than a new license version; `id` is its statement's id.
    fn apply_event(&mut self, origin: &str, id: StatementId, event: &Event, at: Provenance) {
        match event {
            Event::SealRegistered(_)
            | Event::SealSuspended { .. }
            | Event::SealResumed { .. }
            | Event::SealReportedLost { .. }
            | Event::SealCancelled { .. }
            | Event::SealInvalidated { .. }
            | Event::SealRemade { .. }
            | Event::SealApplied(_)
            | Event::AutoSealPolicyGranted(_)
            | Event::AutoSealPolicyRevoked { .. }
            | Event::CaseOpened(_)
            | Event::CaseDecided { .. }
            | Event::SealAutoApplied(_) => self.apply_seal_event(event, at),
            Event::HolderKeyBound { .. }
            | Event::UseAuthorized(_)
            | Event::UseAuthorizationRevoked { .. }
            | Event::UseRecorded(_) => self.apply_consent_event(id, event, at),
            Event::RootKeyRotated { new_key, .. } => {
                self.add_key(new_key, Principal::Root, at);
                // The rotation is the old key's declaration about itself: it always counts.
                self.keys
                    .update(&at.key, |old| old.retirements.push((at.ledger_time, at)));
            }
            Event::OperatorKeyAdded { key, .. } => self.add_key(key, Principal::Operator, at),
            Event::OperatorKeyRetired { key } => {
                self.keys
                    .update(key, |k| k.retirements.push((at.ledger_time, at)));
            }
            Event::LedgerCreated { root_keys, policy } => {
                self.origin.set(Some(origin.to_owned()));
                self.policy.set(policy.clone());
                for k in root_keys {
                    self.add_key(k, Principal::Root, at);
                }
            }
            Event::AuthorityRegistered(r) => {
                for k in &r.keys {
                    self.add_key(k, Principal::Authority(r.code.clone()), at);
                }
                self.authorities.insert(
                    r.code.clone(),
                    Authority {
                        code: r.code.clone(),
                        name: r.name.clone(),
                        parent: r.parent.clone(),
                        license_types: r.license_types.clone(),
                        may_register_seals: r.may_register_seals,
                        may_delegate: r.may_delegate,
                        keys: r.keys.iter().map(PublicKey::key_id).collect(),
                        state: AuthorityState::Active,
                        registered: at,
                        transitions: Vec::new(),
                    },
                );
            }
            Event::AuthorityKeyAdded { authority, key } => {
                self.add_key(key, Principal::Authority(authority.clone()), at);
                self.authorities
                    .update(authority.as_str(), |a| a.keys.push(key.key_id()));
            }
            Event::AuthorityKeyRetired { key, from, .. } => {
                self.keys.update(key, |k| k.retirements.push((*from, at)));
            }
            Event::AuthorityKeyCompromised { key, since, .. }
            | Event::RootKeyCompromised { key, since, .. } => {
                self.declare_compromise(super::Declaration {
                    key: *key,
                    since: *since,
                    recorded: at,
                });
            }
            Event::AuthoritySuspended { authority, .. } => {
                self.transition(authority, AuthorityState::Suspended, at)
            }
            Event::AuthorityReinstated { authority } => {
                self.transition(authority, AuthorityState::Active, at)
            }
            Event::AuthorityRevoked { authority, .. } => {
                self.transition(authority, AuthorityState::Revoked, at)
            }
            Event::LicenseTypeDefined {
                code,
                name,
                claim_names,
            } => {
                self.types.insert(
                    code.clone(),
                    LicenseType {
                        code: code.clone(),
                        name: name.clone(),
                        claim_names: claim_names.clone(),
                    },
                );
            }
            // New versions are applied by the callers, which own or borrow them.
            Event::LicenseIssued(_)
            | Event::LicenseAmended(_)
            | Event::LicenseRenewed(_)
            | Event::LicenseReissued(_) => {}
            Event::LicenseSuspended { license, .. } => {
                self.lineages.update(license.lineage(), |l| {
                    l.suspensions.push(Suspension::new(at))
                });
            }
            Event::LicenseSuspensionLifted { license } => {
                self.lineages.update(license.lineage(), |l| {
                    super::lift_all(&mut l.suspensions, at)
                });
            }
            Event::LicenseCancelled(t) => {
                self.terminate(&t.license, TerminationKind::Cancelled, t.effective, at)
            }
            Event::LicenseRevoked(t) => {
                self.terminate(&t.license, TerminationKind::Revoked, t.effective, at)
            }
            Event::LicenseWithdrawn(t) => {
                self.terminate(&t.license, TerminationKind::Withdrawn, t.effective, at)
            }
            Event::LicenseRescinded { license, .. } => {
                self.terminate(license, TerminationKind::Rescinded, at.ledger_time, at)
            }
        }
    }

    /// Records the entry itself: its statement id, size, head and time.
    fn record(&mut self, id: StatementId, seq: u64, ledger_time: Timestamp, hash: Digest32) {
        self.statements.insert(
            id,
            Receipt {
                seq,
                entry_hash: hash,
                ledger_time,
                resubmission: None,
            },
        );
        self.tip.set(super::Tip {
            size: seq + 1,
            head: hash,
            last_time: ledger_time,
        });
    }

    pub(super) fn add_key(&mut self, key: &PublicKey, owner: Principal, introduced: Provenance) {
        if matches!(owner, Principal::Root | Principal::Operator) {
            self.signing_keys.insert(key.key_id());
        }
        self.keys.insert(
            key.key_id(),
            KeyRecord {
                public: *key,
                owner,
                introduced,
                accepted: None,
                retirements: Vec::new(),
            },
        );
    }

    fn transition(&mut self, code: &str, state: AuthorityState, at: Provenance) {
        self.authorities
            .update(code, |a| a.transitions.push((state, at)));
        self.restate(code);
    }

    fn add_version(&mut self, v: LicenseVersion, at: Provenance) {
        self.holders.push(&v.holder, v.id.clone());
        let lineage = v.id.lineage().to_owned();
        let record = VersionRecord {
            version: v,
            recorded: at,
        };
        if self.lineages.contains_key(&lineage) {
            self.lineages.update(&lineage, |l| l.versions.push(record));
        } else {
            // Most licenses have one version: room for one (a version record is a few hundred
            // bytes, and there are millions).
            self.lineages.insert(
                lineage,
                Lineage {
                    versions: vec![record],
                    ..Lineage::default()
                },
            );
        }
    }

    fn terminate(
        &mut self,
        license: &crate::id::LicenseId,
        kind: TerminationKind,
        effective: crate::time::Timestamp,
        at: Provenance,
    ) {
        self.lineages.update(license.lineage(), |l| {
            l.terminations.push(TerminationRecord {
                kind,
                effective,
                recorded: at,
            })
        });
    }
}
