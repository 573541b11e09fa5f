//! The state's tables: every part of [`State`](super::State) that an entry changes is one of
//! these, and they are changed only through `insert`, `update`, `push`, `remove` and `set`.
//! Inside a transaction ([`Transactional::begin`]) each change is logged with its inverse as it
//! is made, so undo is derived from the changes themselves rather than written per event: an
//! event whose application changes a table cannot escape its rollback.
//!
//! - [`Table`]: a map of records, changed by whole-record `insert` or in-place `update` (the
//!   inverse puts back the record as it was).
//! - [`Lists`]: a map of append-only lists (`push`; the inverse pops).
//! - [`Set`]: an ordered set (`insert`/`remove`; the inverse restores membership).
//! - [`Cell`]: one value (`set`/`update`; the inverse is the value before the transaction's
//!   first change).
//!
//! A table's log takes no part in equality, and a clone starts outside any transaction.

use std::borrow::Borrow;
use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;

/// A table's part in a transaction of the whole state.
pub(super) trait Transactional {
    /// Starts logging the inverse of every change (a transaction already open stays open and
    /// keeps what it logged).
    fn begin(&mut self);
    /// Undoes every change logged since [`Transactional::begin`], newest first, and ends the
    /// transaction.
    fn rollback(&mut self);
    /// Keeps the changes and ends the transaction.
    fn commit(&mut self);
}

/// A map of records.
pub struct Table<K, V> {
    rows: HashMap<K, V>,
    /// While in a transaction, each changed key with the record it had before, oldest first.
    log: Option<Vec<(K, Option<V>)>>,
}

impl<K: Eq + Hash + Clone, V: Clone> Table<K, V> {
    /// The record of `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.rows.get(key)
    }

    /// Whether `key` has a record.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.rows.contains_key(key)
    }

    /// Every key and record, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.rows.iter()
    }

    /// Every record, in no particular order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.rows.values()
    }

    /// How many records there are.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// The rows themselves.
    pub(super) fn rows(&self) -> &HashMap<K, V> {
        &self.rows
    }

    /// Makes room for `n` more records (a hint; failure is ignored).
    pub(super) fn reserve(&mut self, n: usize) {
        let _ = self.rows.try_reserve(n);
    }

    /// Sets the record of `key`.
    pub(super) fn insert(&mut self, key: K, value: V) {
        match &mut self.log {
            None => {
                self.rows.insert(key, value);
            }
            Some(log) => {
                let old = self.rows.insert(key.clone(), value);
                log.push((key, old));
            }
        }
    }

    /// Changes the record of `key` in place with `f`, if there is one, and returns what `f`
    /// returns.
    pub(super) fn update<Q, R>(&mut self, key: &Q, f: impl FnOnce(&mut V) -> R) -> Option<R>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let row = self.rows.get_mut(key)?;
        if let Some(log) = &mut self.log {
            log.push((key.to_owned(), Some(row.clone())));
        }
        Some(f(row))
    }
}

impl<K: Eq + Hash, V> Transactional for Table<K, V> {
    fn begin(&mut self) {
        self.log.get_or_insert_with(Vec::new);
    }

    fn rollback(&mut self) {
        for (key, old) in self.log.take().unwrap_or_default().into_iter().rev() {
            match old {
                Some(v) => {
                    self.rows.insert(key, v);
                }
                None => {
                    self.rows.remove(&key);
                }
            }
        }
    }

    fn commit(&mut self) {
        self.log = None;
    }
}

/// A map of append-only lists: a key has a record once something was pushed for it.
pub struct Lists<K, T> {
    rows: HashMap<K, Vec<T>>,
    /// While in a transaction, the key of each push, oldest first.
    log: Option<Vec<K>>,
}

impl<K: Eq + Hash + Clone, T> Lists<K, T> {
    /// The list of `key`, if anything was pushed for it.
    pub fn get<Q>(&self, key: &Q) -> Option<&Vec<T>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.rows.get(key)
    }

    /// Every list, in no particular order.
    pub fn values(&self) -> impl Iterator<Item = &Vec<T>> {
        self.rows.values()
    }

    /// The rows themselves.
    pub(super) fn rows(&self) -> &HashMap<K, Vec<T>> {
        &self.rows
    }

    /// Makes room for `n` more keys (a hint; failure is ignored).
    pub(super) fn reserve(&mut self, n: usize) {
        let _ = self.rows.try_reserve(n);
    }

    /// Appends `item` to the list of `key`.
    pub(super) fn push<Q>(&mut self, key: &Q, item: T)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let list = match self.rows.get_mut(key) {
            Some(list) => list,
            // Most keys (a holder's licenses, a lineage's bindings) get one item: an allocation
            // of one instead of the four a first push makes.
            None => self
                .rows
                .entry(key.to_owned())
                .or_insert_with(|| Vec::with_capacity(1)),
        };
        list.push(item);
        if let Some(log) = &mut self.log {
            log.push(key.to_owned());
        }
    }
}

impl<K: Eq + Hash, T> Transactional for Lists<K, T> {
    fn begin(&mut self) {
        self.log.get_or_insert_with(Vec::new);
    }

    fn rollback(&mut self) {
        for key in self.log.take().unwrap_or_default().into_iter().rev() {
            if let Some(list) = self.rows.get_mut(&key) {
                list.pop();
                if list.is_empty() {
                    self.rows.remove(&key);
                }
            }
        }
    }

    fn commit(&mut self) {
        self.log = None;
    }
}

/// An ordered set.
pub struct Set<K> {
    rows: BTreeSet<K>,
    /// While in a transaction, each changed member with whether it was in the set before.
    log: Option<Vec<(K, bool)>>,
}

impl<K: Ord + Clone> Set<K> {
    /// The members, in order.
    pub fn iter(&self) -> impl Iterator<Item = &K> {
        self.rows.iter()
    }

    /// Adds `key`.
    pub(super) fn insert(&mut self, key: K) {
        match &mut self.log {
            None => {
                self.rows.insert(key);
            }
            Some(log) => {
                let was = !self.rows.insert(key.clone());
                log.push((key, was));
            }
        }
    }

    /// Takes `key` out.
    pub(super) fn remove(&mut self, key: &K) {
        let was = self.rows.remove(key);
        if let Some(log) = &mut self.log {
            log.push((key.clone(), was));
        }
    }
}

impl<K: Ord> Transactional for Set<K> {
    fn begin(&mut self) {
        self.log.get_or_insert_with(Vec::new);
    }

    fn rollback(&mut self) {
        for (key, was) in self.log.take().unwrap_or_default().into_iter().rev() {
            if was {
                self.rows.insert(key);
            } else {
                self.rows.remove(&key);
            }
        }
    }

    fn commit(&mut self) {
        self.log = None;
    }
}

/// One value, read through `Deref`.
pub struct Cell<T> {
    value: T,
    /// `None` outside a transaction; in one, the value before its first change, once changed.
    log: Option<Option<T>>,
}

impl<T: Clone> Cell<T> {
    /// Replaces the value.
    pub(super) fn set(&mut self, value: T) {
        self.save();
        self.value = value;
    }

    /// Changes the value in place with `f`.
    pub(super) fn update<R>(&mut self, f: impl FnOnce(&mut T) -> R) -> R {
        self.save();
        f(&mut self.value)
    }

    fn save(&mut self) {
        if let Some(saved @ None) = &mut self.log {
            *saved = Some(self.value.clone());
        }
    }
}

impl<T> std::ops::Deref for Cell<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> Transactional for Cell<T> {
    fn begin(&mut self) {
        self.log.get_or_insert(None);
    }

    fn rollback(&mut self) {
        if let Some(Some(old)) = self.log.take() {
            self.value = old;
        }
    }

    fn commit(&mut self) {
        self.log = None;
    }
}

/// Equality, cloning, `Default` and `Debug` see the rows only, never the log.
macro_rules! rows_only {
    ($name:ident <$($p:ident),+> where $($bound:tt)*) => {
        impl<$($p),+> Default for $name<$($p),+> where $($bound)* {
            fn default() -> Self {
                Self { rows: Default::default(), log: None }
            }
        }
        impl<$($p),+> Clone for $name<$($p),+> where $($bound)*, $($p: Clone),+ {
            fn clone(&self) -> Self {
                Self { rows: self.rows.clone(), log: None }
            }
        }
        impl<$($p),+> PartialEq for $name<$($p),+> where $($bound)*, $($p: PartialEq),+ {
            fn eq(&self, other: &Self) -> bool {
                self.rows == other.rows
            }
        }
        impl<$($p),+> Eq for $name<$($p),+> where $($bound)*, $($p: Eq),+ {}
        impl<$($p),+> std::fmt::Debug for $name<$($p),+>
        where
            $($bound)*,
            $($p: std::fmt::Debug),+
        {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.rows.fmt(f)
            }
        }
    };
}

rows_only!(Table<K, V> where K: Eq + Hash);
rows_only!(Lists<K, T> where K: Eq + Hash);
rows_only!(Set<K> where K: Ord);

impl<T: Default> Default for Cell<T> {
    fn default() -> Self {
        Self {
            value: T::default(),
            log: None,
        }
    }
}

impl<T: Clone> Clone for Cell<T> {
    fn clone(&self) -> Self {
        Self {
            value: self.value.clone(),
            log: None,
        }
    }
}

impl<T: PartialEq> PartialEq for Cell<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Cell<T> {}

impl<T: std::fmt::Debug> std::fmt::Debug for Cell<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.value.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_a_table_changed_in_a_transaction_when_rolled_back_then_every_row_is_as_before() {
        let mut t: Table<u32, Vec<u32>> = Table::default();
        t.insert(1, vec![1]);
        let before = t.clone();
        t.begin();
        t.insert(2, vec![2]);
        t.update(&1, |v| v.push(10));
        t.insert(1, vec![]);
        t.update(&1, |v| v.push(11));
        t.update(&3, |v| v.push(12));
        assert_ne!(t, before);
        t.rollback();
        assert_eq!(t, before);
        assert_eq!(t.get(&2), None);
    }

    #[test]
    fn given_a_committed_transaction_when_rolled_back_later_then_nothing_is_undone() {
        let mut t: Table<u32, u32> = Table::default();
        t.begin();
        t.insert(1, 1);
        t.commit();
        t.rollback();
        assert_eq!(t.get(&1), Some(&1));
    }

    #[test]
    fn given_lists_pushed_in_a_transaction_when_rolled_back_then_new_keys_are_gone() {
        let mut l: Lists<String, u32> = Lists::default();
        l.push("a", 1);
        let before = l.clone();
        l.begin();
        l.push("a", 2);
        l.push("b", 3);
        l.push("b", 4);
        l.rollback();
        assert_eq!(l, before);
        assert!(!l.rows().contains_key("b"));
    }

    #[test]
    fn given_a_set_changed_twice_when_rolled_back_then_membership_is_restored() {
        let mut s: Set<u32> = Set::default();
        s.insert(1);
        let before = s.clone();
        s.begin();
        s.remove(&1);
        s.insert(1);
        s.insert(2);
        s.remove(&7);
        s.rollback();
        assert_eq!(s, before);
    }

    #[test]
    fn given_a_cell_set_twice_when_rolled_back_then_it_has_its_first_value() {
        let mut c: Cell<u32> = Cell::default();
        c.set(1);
        c.begin();
        c.set(2);
        c.update(|v| *v += 1);
        assert_eq!(*c, 3);
        c.rollback();
        assert_eq!(*c, 1);
    }
}
