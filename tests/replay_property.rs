//! Property: for random sequences of authority, root key, license, seal, auto-seal, holder key
//! and consent events (legal and illegal), the state replayed from the store equals the state
//! built incrementally, speculative application rolls back exactly, and the audit passes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::{IntegrityKey, Ledger, ManualClock, MemoryStore};
use proptest::prelude::*;

/// Opens the store of `live` with a persistent index twice: the first open builds the index
/// from the journal, the second reads the state from it.
fn indexed(live: &Ledger<MemoryStore>) -> Ledger<MemoryStore> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.redb");
    let key = IntegrityKey::from_bytes([3; 32]);
    let open = || {
        let store = live.store().clone();
        let again = store.clone();
        Ledger::open_indexed(
            store,
            ManualClock::new(live.now()),
            &path,
            key.clone(),
            move || Ok(again.clone()),
        )
        .unwrap()
    };
    let built = open();
    assert_eq!(built.state(), live.state());
    drop(built);
    let read = open();
    let status = read.index_status().unwrap();
    assert!(!status.rebuilt && !status.damaged, "{status:?}");
    assert_eq!(status.entries, live.len());
    // The index file goes with the directory; the ledger keeps its open file.
    read
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]
    #[test]
    fn replay_equals_incremental(ops in proptest::collection::vec((any::<u8>(), any::<u8>()), 1..120)) {
        common::replay::run(MemoryStore::new(), MemoryStore::clone, &ops);
    }

    #[test]
    fn given_a_persistent_index_when_reopened_then_every_answer_is_the_replays(
        ops in proptest::collection::vec((any::<u8>(), any::<u8>()), 1..120)
    ) {
        common::replay::run_then_open(MemoryStore::new(), indexed, &ops);
    }
}
