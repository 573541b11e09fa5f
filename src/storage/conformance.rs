//! The storage conformance suite. Every backend must pass [`run`]; it panics with a message
//! naming the broken rule.

use super::{Record, StorageError, Store};
use crate::crypto::leaf_hash;

fn record(i: u64) -> Record {
    let bytes = format!("record {i}").into_bytes();
    Record {
        hash: leaf_hash(&bytes),
        bytes,
    }
}

fn ok<T>(r: Result<T, StorageError>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("conformance: {what}: {e}"),
    }
}

/// Runs every conformance check on fresh stores made by `make`.
pub fn run<S: Store>(mut make: impl FnMut() -> S) {
    empty_store(&mut make());
    append_and_read(&mut make());
    conflict_changes_nothing(&mut make());
    out_of_range_reads(&mut make());
}

/// A new store is empty and reads nothing.
pub fn empty_store<S: Store>(s: &mut S) {
    assert_eq!(s.len(), 0, "a new store must be empty");
    assert!(s.is_empty());
    assert!(ok(s.read(0, 0), "empty read").is_empty());
}

/// Batches append in order and read back byte for byte, across batch boundaries.
pub fn append_and_read<S: Store>(s: &mut S) {
    let first: Vec<Record> = (0..3).map(record).collect();
    let second: Vec<Record> = (3..10).map(record).collect();
    ok(s.append(0, &first), "first batch");
    ok(s.append(3, &second), "second batch");
    ok(s.append(10, &[]), "empty batch");
    assert_eq!(s.len(), 10);
    let all = ok(s.read(0, 10), "read all");
    let expected: Vec<Record> = (0..10).map(record).collect();
    assert_eq!(all, expected, "records must read back exactly");
    assert_eq!(ok(s.read(2, 5), "read middle"), expected[2..5].to_vec());
    assert_eq!(ok(s.read(9, 10), "read last"), expected[9..10].to_vec());
}

/// An append at the wrong expected length is a conflict and writes nothing.
pub fn conflict_changes_nothing<S: Store>(s: &mut S) {
    ok(s.append(0, &[record(0)]), "first append");
    for wrong in [0, 2, u64::MAX] {
        match s.append(wrong, &[record(1)]) {
            Err(StorageError::Conflict { expected, actual }) => {
                assert_eq!((expected, actual), (wrong, 1));
            }
            other => panic!("conformance: append at {wrong} must conflict, got {other:?}"),
        }
    }
    assert_eq!(s.len(), 1, "a conflicting append must write nothing");
    assert_eq!(ok(s.read(0, 1), "read after conflict"), vec![record(0)]);
}

/// Reads past the end or with start > end are typed errors.
pub fn out_of_range_reads<S: Store>(s: &mut S) {
    ok(s.append(0, &[record(0), record(1)]), "append");
    for (a, b) in [(0, 3), (2, 3), (3, 3), (2, 1), (0, u64::MAX)] {
        assert!(
            matches!(s.read(a, b), Err(StorageError::OutOfRange { .. })),
            "read {a}..{b} must be out of range"
        );
    }
}
