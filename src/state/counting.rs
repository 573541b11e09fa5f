//! What counts (SPEC §9): an entry counts while every key its validity rests on — its signing
//! key, the entry that introduced that key, the registration of the key's authority (for a
//! seal's key, also the owner's acceptance), and so on
//! back to genesis — was not compromised by then, as the compromise declarations that count
//! say. Which declarations count is decided here, once per new declaration, with one answer
//! for every ledger; everything else is evaluated when asked, so a later declaration undoes
//! what a compromised key did.

use super::{AuthorityState, Principal, Provenance, State};
use crate::crypto::KeyId;
use crate::time::Timestamp;
use std::collections::HashMap;

/// A declaration that a key is compromised since a point (`AuthorityKeyCompromised`,
/// `SealReportedLost` for the seal's key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    /// The key declared compromised.
    pub key: KeyId,
    /// Statements it signed recorded at or after this point do not count.
    pub since: Timestamp,
    /// Where the declaration was recorded.
    pub recorded: Provenance,
}

impl Declaration {
    /// A key's declaration about itself: it always counts against itself.
    fn about_its_signer(&self) -> bool {
        self.key == self.recorded.key
    }
}

/// Every compromise declaration in ledger order, which of them count, and the compromise
/// point each key has from those.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Compromises {
    list: Vec<Declaration>,
    counts: Vec<bool>,
    /// Index in `list` by entry sequence number.
    by_seq: HashMap<u64, usize>,
    /// The earliest point among the declarations that count, by key.
    since: HashMap<KeyId, Timestamp>,
}

impl Compromises {
    /// The declarations, in ledger order.
    pub(super) fn list(&self) -> &[Declaration] {
        &self.list
    }

    /// Whether each declaration counts.
    pub(super) fn counted(&self) -> &[bool] {
        &self.counts
    }

    /// The declarations and whether each counts, with what follows from them; `None` if the
    /// two lists differ in length or two declarations share an entry.
    pub(super) fn from_parts(list: Vec<Declaration>, counts: Vec<bool>) -> Option<Self> {
        if list.len() != counts.len() {
            return None;
        }
        let mut by_seq = HashMap::with_capacity(list.len());
        for (i, d) in list.iter().enumerate() {
            if by_seq.insert(d.recorded.seq, i).is_some() {
                return None;
            }
        }
        Some(Self {
            since: compromise_points(&list, &counts),
            list,
            counts,
            by_seq,
        })
    }
}

/// The earliest compromise point of each key among the declarations that count (a declaration
/// about its own signer always does).
fn compromise_points(list: &[Declaration], counts: &[bool]) -> HashMap<KeyId, Timestamp> {
    let mut since: HashMap<KeyId, Timestamp> = HashMap::new();
    for (d, _) in list
        .iter()
        .zip(counts)
        .filter(|(d, c)| **c || d.about_its_signer())
    {
        let s = since.entry(d.key).or_insert(d.since);
        *s = (*s).min(d.since);
    }
    since
}

/// The (key, ledger time) pairs an entry's validity rests on.
type Links = Vec<(KeyId, Timestamp)>;

impl State {
    /// The point from which `key` is compromised, as the declarations that count say.
    pub fn compromised_since(&self, key: &KeyId) -> Option<Timestamp> {
        self.compromises.since.get(key).copied()
    }

    /// From when `key` is retired, as the retirements that count say (a key's own retirement,
    /// as a root rotation's of its signer, always counts); a holder key is retired by the next
    /// binding of its license that counts.
    pub fn retired_from(&self, key: &KeyId) -> Option<Timestamp> {
        let rec = self.keys.get(key)?;
        if let Principal::Holder(lineage) = &rec.owner {
            let binds = self.holder_binds.get(lineage)?;
            let mine = binds.iter().position(|k| k == key)?;
            return binds[mine + 1..].iter().find_map(|k| {
                let bound = self.keys.get(k)?.introduced;
                self.counts(&bound).then_some(bound.ledger_time)
            });
        }
        rec.retirements
            .iter()
            .filter(|(_, p)| p.key == *key || self.counts(p))
            .map(|(from, _)| *from)
            .min()
    }

    /// The compromise declarations, in ledger order, with whether each counts.
    pub fn declarations(&self) -> impl Iterator<Item = (&Declaration, bool)> {
        self.compromises
            .list
            .iter()
            .zip(self.compromises.counts.iter().copied())
    }

    /// Whether the entry recorded with `p` counts: no key its validity rests on was
    /// compromised by then.
    pub fn counts(&self, p: &Provenance) -> bool {
        self.void_by(p).is_none()
    }

    /// The compromised key that makes the entry recorded with `p` not count, if any: its
    /// signing key, or a key further back along the entries that introduced it.
    pub fn void_by(&self, p: &Provenance) -> Option<KeyId> {
        // The genesis always counts: it is what the trust lists name.
        if p.seq == 0 {
            return None;
        }
        if let Some(&i) = self.compromises.by_seq.get(&p.seq) {
            if self.compromises.counts[i] {
                return None;
            }
        }
        if !self.keys.contains_key(&p.key) {
            return Some(p.key);
        }
        if self
            .compromised_since(&p.key)
            .is_some_and(|s| s <= p.ledger_time)
        {
            return Some(p.key);
        }
        self.key_void_by(&p.key)
    }

    /// The entries a key rests on besides its own signatures: the one that introduced it, the
    /// owner's acceptance of a seal key, and its authority's registration (each earlier than
    /// anything the key signs).
    fn parents(&self, key: &KeyId) -> Vec<Provenance> {
        let Some(k) = self.keys.get(key) else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(3);
        if k.introduced.seq != 0 {
            out.push(k.introduced);
        }
        out.extend(k.accepted);
        if let Principal::Authority(code) = &k.owner {
            if let Some(r) = self.authorities.get(code).map(|a| a.registered) {
                if r.seq != 0 && r.seq != k.introduced.seq {
                    out.push(r);
                }
            }
        }
        out
    }

    /// The compromised key that makes `key` not count (a key somewhere back along the entries
    /// it rests on, compromised since before that entry), if any. Each key is worked out once
    /// until the next compromise declaration (a memo), without recursion, so a chain of any
    /// length costs its length once.
    pub(super) fn key_void_by(&self, key: &KeyId) -> Option<KeyId> {
        if let Some(known) = self.void_memo.get(key) {
            return known;
        }
        // Depth-first over the parents' signing keys, deciding each key after its parents.
        let mut stack = vec![(*key, false)];
        while let Some((k, expanded)) = stack.pop() {
            if self.void_memo.get(&k).is_some() {
                continue;
            }
            let parents = self.parents(&k);
            if !expanded {
                stack.push((k, true));
                for p in &parents {
                    if self.void_memo.get(&p.key).is_none() && p.key != k {
                        stack.push((p.key, false));
                    }
                }
                continue;
            }
            let culprit = parents.iter().find_map(|p| {
                if self
                    .compromised_since(&p.key)
                    .is_some_and(|s| s <= p.ledger_time)
                {
                    Some(p.key)
                } else {
                    self.void_memo.get(&p.key).flatten()
                }
            });
            self.void_memo.put(k, culprit);
        }
        self.void_memo.get(key).flatten()
    }

    /// Every (key, ledger time) the entry recorded with `p` rests on, its own signing key first.
    fn links(&self, p: &Provenance) -> Links {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![*p];
        while let Some(q) = stack.pop() {
            if !seen.insert((q.key, q.ledger_time)) {
                continue;
            }
            out.push((q.key, q.ledger_time));
            stack.extend(self.parents(&q.key));
        }
        out
    }

    /// Records a compromise declaration and decides again which declarations count.
    pub(super) fn declare_compromise(&mut self, d: Declaration) {
        self.compromises.update(|c| {
            c.by_seq.insert(d.recorded.seq, c.list.len());
            c.list.push(d);
        });
        self.recount();
    }

    /// Decides which declarations count (SPEC §9):
    /// 1. Declaration `x` attacks declaration `y` (x ≠ y) when `x`'s key is among the keys `y`
    ///    rests on at a time at or after `x`'s point. A declaration about its own signer is
    ///    never attacked: it always counts against itself.
    /// 2. An attack on an earlier declaration is set aside when that earlier declaration
    ///    attacks the later one, directly or through a chain of attacks: in a circle the
    ///    earlier declaration wins. No circle is left.
    /// 3. A declaration counts when none of its remaining attackers counts.
    fn recount(&mut self) {
        let list = &self.compromises.list;
        let n = list.len();
        let links: Vec<Links> = list.iter().map(|d| self.links(&d.recorded)).collect();
        let mut by_key: HashMap<KeyId, Vec<usize>> = HashMap::new();
        for (i, d) in list.iter().enumerate() {
            by_key.entry(d.key).or_default().push(i);
        }
        // attackers[y] = every x attacking y; attacks[x] = every y x attacks.
        let mut attackers: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut attacks: Vec<Vec<usize>> = vec![Vec::new(); n];
        for y in 0..n {
            if list[y].about_its_signer() {
                continue;
            }
            for (key, t) in &links[y] {
                for &x in by_key.get(key).map_or(&[][..], Vec::as_slice) {
                    if x != y && list[x].since <= *t && !attackers[y].contains(&x) {
                        attackers[y].push(x);
                        attacks[x].push(y);
                    }
                }
            }
        }
        let reaches = |from: usize, to: usize| {
            let mut seen = vec![false; n];
            let mut stack = vec![from];
            while let Some(v) = stack.pop() {
                for &w in &attacks[v] {
                    if w == to {
                        return true;
                    }
                    if !std::mem::replace(&mut seen[w], true) {
                        stack.push(w);
                    }
                }
            }
            false
        };
        let kept: Vec<Vec<usize>> = (0..n)
            .map(|y| {
                attackers[y]
                    .iter()
                    .copied()
                    .filter(|&x| x < y || !reaches(y, x))
                    .collect()
            })
            .collect();
        // What remains has no circle, so deciding each declaration after its attackers (depth
        // first, each visited once) terminates with one answer.
        let mut decided: Vec<Option<bool>> = vec![None; n];
        let mut entered = vec![false; n];
        for start in 0..n {
            if entered[start] {
                continue;
            }
            entered[start] = true;
            let mut stack = vec![(start, 0usize)];
            while let Some((y, next)) = stack.last().copied() {
                if let Some(&x) = kept[y].get(next) {
                    if let Some(top) = stack.last_mut() {
                        top.1 += 1;
                    }
                    if !entered[x] {
                        entered[x] = true;
                        stack.push((x, 0));
                    }
                } else {
                    decided[y] = Some(kept[y].iter().all(|&x| decided[x] != Some(true)));
                    stack.pop();
                }
            }
        }
        let counts: Vec<bool> = decided.into_iter().map(|d| d == Some(true)).collect();
        self.compromises.update(|c| {
            c.since = compromise_points(&c.list, &counts);
            c.counts = counts;
        });
        self.void_memo.clear();
        let codes: Vec<String> = self
            .authorities
            .values()
            .filter(|a| !a.transitions.is_empty())
            .map(|a| a.code.clone())
            .collect();
        for code in codes {
            self.restate(&code);
        }
    }

    /// Sets an authority's state from its transitions that count: a suspension applies to an
    /// active authority, a reinstatement to a suspended one, a revocation to any (and is
    /// final).
    pub(super) fn restate(&mut self, code: &str) {
        let Some(a) = self.authorities.get(code) else {
            return;
        };
        let mut state = AuthorityState::Active;
        for (to, p) in &a.transitions {
            if state == AuthorityState::Revoked || !self.counts(p) {
                continue;
            }
            state = match (state, to) {
                (AuthorityState::Active, AuthorityState::Suspended)
                | (AuthorityState::Suspended, AuthorityState::Active)
                | (_, AuthorityState::Revoked) => *to,
                (s, _) => s,
            };
        }
        if a.state != state {
            self.authorities.update(code, |a| a.state = state);
        }
    }

    /// The current holder key of each license lineage: the last bound whose binding counts.
    pub(super) fn current_holder_key(&self, lineage: &str) -> Option<KeyId> {
        self.holder_binds
            .get(lineage)?
            .iter()
            .rev()
            .find(|k| self.keys.get(k).is_some_and(|r| self.counts(&r.introduced)))
            .copied()
    }
}

/// Which keys do not count, and why (the compromised key each rests on), worked out when first
/// asked and forgotten at every compromise declaration. A cache: it takes no part in equality,
/// and a clone starts empty.
#[derive(Default)]
pub(super) struct VoidMemo(std::sync::RwLock<HashMap<KeyId, Option<KeyId>>>);

impl VoidMemo {
    fn get(&self, key: &KeyId) -> Option<Option<KeyId>> {
        self.0.read().ok()?.get(key).copied()
    }

    fn put(&self, key: KeyId, culprit: Option<KeyId>) {
        if let Ok(mut m) = self.0.write() {
            m.insert(key, culprit);
        }
    }

    pub(super) fn clear(&self) {
        if let Ok(mut m) = self.0.write() {
            m.clear();
        }
    }
}

impl Clone for VoidMemo {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl PartialEq for VoidMemo {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for VoidMemo {}

impl std::fmt::Debug for VoidMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VoidMemo")
    }
}
