//! Speculative application: an undo log that puts the state back exactly as it was.
//!
//! The append pipeline applies a batch while its signatures are still being verified on other
//! threads; if any signature then fails, the batch's changes are rolled back and the batch is
//! applied again knowing which statements to refuse.

use super::{Authority, KeyRecord, State};
use crate::crypto::{Digest32, KeyId};
use crate::event::{Event, Policy, SignedStatement, StatementId};
use crate::time::Timestamp;
use std::collections::HashMap;
use std::hash::Hash;

/// One change to undo.
#[derive(Debug)]
enum Undo {
    /// Restore the ledger-wide fields.
    Head {
        size: u64,
        head: Digest32,
        last_time: Timestamp,
    },
    /// Restore origin and policy (genesis).
    Genesis {
        origin: Option<String>,
        policy: Policy,
    },
    /// Forget a recorded statement.
    Statement(StatementId),
    /// Restore a key record (or remove it).
    Key(KeyId, Option<KeyRecord>),
    /// Restore an authority (or remove it).
    Authority(String, Option<Authority>),
    /// Remove a license type.
    Type(String),
    /// Pop the last version of a lineage; remove the lineage if this created it.
    Version { lineage: String, created: bool },
    /// Pop the last license id recorded for a holder; remove the entry if it is then empty.
    Holder(Digest32),
    /// Pop the last suspension of a lineage.
    Suspension(String),
    /// Remove the lift recorded at this sequence number from a lineage's suspensions.
    Lift(String, u64),
    /// Remove the last termination of a lineage.
    Termination(String),
    /// Put back whatever a seal, policy, case, holder key or consent event changed.
    Restore(Restore),
}

/// A closure that puts one part of the state back.
struct Restore(Box<dyn FnOnce(&mut State) + Send + Sync>);

impl std::fmt::Debug for Restore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Restore")
    }
}

/// Undoes a change to `map[key]`: puts back the value it has now, or removes the key.
fn snapshot<K, V>(get: fn(&mut State) -> &mut HashMap<K, V>, map: &HashMap<K, V>, key: K) -> Undo
where
    K: Eq + Hash + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    let old = map.get(&key).cloned();
    Undo::Restore(Restore(Box::new(move |s: &mut State| {
        let map = get(s);
        match old {
            Some(v) => {
                map.insert(key, v);
            }
            None => {
                map.remove(&key);
            }
        }
    })))
}

/// Undoes one push onto `map[key]`: pops it, and removes the key once its list is empty.
fn popped<K, V>(get: fn(&mut State) -> &mut HashMap<K, Vec<V>>, key: K) -> Undo
where
    K: Eq + Hash + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    Undo::Restore(Restore(Box::new(move |s: &mut State| {
        let map = get(s);
        if let Some(list) = map.get_mut(&key) {
            list.pop();
            if list.is_empty() {
                map.remove(&key);
            }
        }
    })))
}

/// Changes made by speculative applications, newest last.
#[derive(Debug, Default)]
pub struct UndoLog {
    ops: Vec<Undo>,
}

impl UndoLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }
}

impl State {
    /// [`State::apply`], first recording in `log` what it is about to change.
    pub(crate) fn apply_speculative(
        &mut self,
        seq: u64,
        ledger_time: Timestamp,
        statement: &SignedStatement,
        hash: Digest32,
        log: &mut UndoLog,
    ) {
        self.record_undo(statement, &mut log.ops);
        self.apply(seq, ledger_time, statement, hash);
    }

    /// Undoes every change in `log`, newest first: the state is exactly as it was before the
    /// first speculative application recorded there.
    pub(crate) fn rollback(&mut self, log: UndoLog) {
        // Keys may go: what was worked out about them goes too.
        self.void_memo.clear();
        for op in log.ops.into_iter().rev() {
            match op {
                Undo::Head {
                    size,
                    head,
                    last_time,
                } => {
                    self.size = size;
                    self.head = head;
                    self.last_time = last_time;
                }
                Undo::Genesis { origin, policy } => {
                    self.origin = origin;
                    self.policy = policy;
                }
                Undo::Statement(id) => {
                    self.statements.remove(&id);
                }
                Undo::Key(id, old) => match old {
                    Some(k) => {
                        self.keys.insert(id, k);
                    }
                    None => {
                        self.keys.remove(&id);
                    }
                },
                Undo::Authority(code, old) => match old {
                    Some(a) => {
                        self.authorities.insert(code, a);
                    }
                    None => {
                        self.authorities.remove(&code);
                    }
                },
                Undo::Type(code) => {
                    self.types.remove(&code);
                }
                Undo::Version { lineage, created } => {
                    if created {
                        self.lineages.remove(&lineage);
                    } else if let Some(l) = self.lineages.get_mut(&lineage) {
                        l.versions.pop();
                    }
                }
                Undo::Holder(h) => {
                    if let Some(ids) = self.holders.get_mut(&h) {
                        ids.pop();
                        if ids.is_empty() {
                            self.holders.remove(&h);
                        }
                    }
                }
                Undo::Suspension(lineage) => {
                    if let Some(l) = self.lineages.get_mut(&lineage) {
                        l.suspensions.pop();
                    }
                }
                Undo::Lift(lineage, seq) => {
                    if let Some(l) = self.lineages.get_mut(&lineage) {
                        for s in &mut l.suspensions {
                            if s.lifts.last().is_some_and(|p| p.seq == seq) {
                                s.lifts.pop();
                            }
                        }
                    }
                }
                Undo::Termination(lineage) => {
                    if let Some(l) = self.lineages.get_mut(&lineage) {
                        l.terminations.pop();
                    }
                }
                Undo::Restore(Restore(f)) => f(self),
            }
        }
    }

    /// Pushes the undo operations for what [`State::apply`] will change for `statement`.
    fn record_undo(&self, statement: &SignedStatement, ops: &mut Vec<Undo>) {
        ops.push(Undo::Head {
            size: self.size,
            head: self.head,
            last_time: self.last_time,
        });
        ops.push(Undo::Statement(statement.id()));
        let key =
            |ops: &mut Vec<Undo>, id: KeyId| ops.push(Undo::Key(id, self.keys.get(&id).cloned()));
        let authority = |ops: &mut Vec<Undo>, code: &str| {
            ops.push(Undo::Authority(
                code.to_owned(),
                self.authorities.get(code).cloned(),
            ))
        };
        let version = |ops: &mut Vec<Undo>, v: &crate::event::LicenseVersion| {
            ops.push(Undo::Version {
                lineage: v.id.lineage().to_owned(),
                created: !self.lineages.contains_key(v.id.lineage()),
            });
            ops.push(Undo::Holder(v.holder));
        };
        match &statement.statement().event {
            Event::LedgerCreated { root_keys, .. } => {
                ops.push(Undo::Genesis {
                    origin: self.origin.clone(),
                    policy: self.policy.clone(),
                });
                for k in root_keys {
                    key(ops, k.key_id());
                }
            }
            Event::AuthorityRegistered(r) => {
                for k in &r.keys {
                    key(ops, k.key_id());
                }
                authority(ops, &r.code);
            }
            Event::AuthorityKeyAdded {
                authority: a,
                key: k,
            } => {
                key(ops, k.key_id());
                authority(ops, a);
            }
            Event::AuthorityKeyRetired { key: k, .. } => key(ops, *k),
            Event::AuthorityKeyCompromised { .. } | Event::RootKeyCompromised { .. } => {
                ops.push(self.compromises_undo())
            }
            Event::RootKeyRotated { new_key, .. } => {
                key(ops, new_key.key_id());
                key(ops, statement.statement().actor);
            }
            Event::OperatorKeyAdded { key: k, .. } => key(ops, k.key_id()),
            Event::OperatorKeyRetired { key: k } => key(ops, *k),
            Event::AuthoritySuspended { authority: a, .. }
            | Event::AuthorityReinstated { authority: a }
            | Event::AuthorityRevoked { authority: a, .. } => authority(ops, a),
            Event::LicenseTypeDefined { code, .. } => ops.push(Undo::Type(code.clone())),
            Event::LicenseIssued(_)
            | Event::LicenseAmended(_)
            | Event::LicenseRenewed(_)
            | Event::LicenseReissued(_) => {
                if let Some(v) = statement.statement().event.new_version() {
                    version(ops, v)
                }
            }
            Event::LicenseSuspended { license, .. } => {
                ops.push(Undo::Suspension(license.lineage().to_owned()))
            }
            Event::LicenseSuspensionLifted { license } => {
                ops.push(Undo::Lift(license.lineage().to_owned(), self.size))
            }
            Event::LicenseCancelled(t) | Event::LicenseRevoked(t) | Event::LicenseWithdrawn(t) => {
                ops.push(Undo::Termination(t.license.lineage().to_owned()))
            }
            Event::LicenseRescinded { license, .. } => {
                ops.push(Undo::Termination(license.lineage().to_owned()))
            }
            event => self.record_undo_more(statement, event, ops),
        }
    }

    /// Puts back the compromise declarations, which of them count and the authority states
    /// they decide.
    fn compromises_undo(&self) -> Undo {
        let saved = self.compromises_snapshot();
        Undo::Restore(Restore(Box::new(move |s: &mut State| {
            s.restore_compromises(saved)
        })))
    }

    /// The undo operations for seal, policy, case, holder key and consent events.
    fn record_undo_more(&self, statement: &SignedStatement, event: &Event, ops: &mut Vec<Undo>) {
        let key =
            |ops: &mut Vec<Undo>, id: KeyId| ops.push(snapshot(|s| &mut s.keys, &self.keys, id));
        let seal = |ops: &mut Vec<Undo>, es_id: &str| {
            ops.push(snapshot(|s| &mut s.seals, &self.seals, es_id.to_owned()))
        };
        let sealing = |ops: &mut Vec<Undo>, document: Digest32, es_id: String| {
            ops.push(popped(|s| &mut s.documents, document));
            ops.push(popped(|s| &mut s.seal_uses, es_id));
        };
        let case = |ops: &mut Vec<Undo>, case: &str| {
            ops.push(snapshot(|s| &mut s.cases, &self.cases, case.to_owned()));
            if let Some(c) = self.cases.get(case) {
                let slot = (c.opening.deadline, case.to_owned());
                let open = self.open_cases.contains(&slot);
                ops.push(Undo::Restore(Restore(Box::new(move |s: &mut State| {
                    if open {
                        s.open_cases.insert(slot);
                    } else {
                        s.open_cases.remove(&slot);
                    }
                }))));
            }
        };
        let policy = |ops: &mut Vec<Undo>, id: &str| {
            ops.push(snapshot(|s| &mut s.policies, &self.policies, id.to_owned()))
        };
        let consent = |ops: &mut Vec<Undo>, id: StatementId| {
            ops.push(snapshot(|s| &mut s.consents, &self.consents, id))
        };
        match event {
            Event::SealRegistered(r) => {
                key(ops, r.key.key_id());
                seal(ops, &r.es_id);
            }
            Event::SealRemade { old, registration } => {
                key(ops, registration.key.key_id());
                seal(ops, old);
                seal(ops, &registration.es_id);
            }
            Event::SealSuspended { es_id, .. }
            | Event::SealResumed { es_id }
            | Event::SealCancelled { es_id, .. }
            | Event::SealInvalidated { es_id, .. } => seal(ops, es_id),
            Event::SealReportedLost { es_id, .. } => {
                seal(ops, es_id);
                ops.push(self.compromises_undo());
            }
            Event::SealApplied(a) => sealing(ops, a.document, a.es_id.clone()),
            Event::AutoSealPolicyGranted(p) => {
                key(ops, p.engine.key_id());
                policy(ops, &p.id);
            }
            Event::AutoSealPolicyRevoked { policy: p } => policy(ops, p),
            Event::CaseOpened(c) => {
                ops.push(snapshot(|s| &mut s.cases, &self.cases, c.case.clone()));
                let slot = (c.deadline, c.case.clone());
                ops.push(Undo::Restore(Restore(Box::new(move |s: &mut State| {
                    s.open_cases.remove(&slot);
                }))));
            }
            Event::CaseDecided { case: c, .. } => case(ops, c),
            Event::SealAutoApplied(a) => {
                case(ops, &a.case);
                let es_id = self
                    .policies
                    .get(&a.policy)
                    .map(|p| p.policy.es_id.clone())
                    .unwrap_or_default();
                sealing(ops, a.document, es_id);
            }
            Event::HolderKeyBound { license, key: k } => {
                key(ops, k.key_id());
                ops.push(popped(
                    |s| &mut s.holder_binds,
                    license.lineage().to_owned(),
                ));
            }
            Event::UseAuthorized(c) => {
                consent(ops, statement.id());
                ops.push(popped(
                    |s| &mut s.lineage_consents,
                    c.license.lineage().to_owned(),
                ));
            }
            Event::UseAuthorizationRevoked { consent: id } => consent(ops, *id),
            Event::UseRecorded(u) => {
                consent(ops, u.consent);
                ops.push(popped(|s| &mut s.uses, u.license.lineage().to_owned()));
            }
            _ => {}
        }
    }
}
