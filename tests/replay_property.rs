//! Property: for random sequences of authority, root key, license, seal, auto-seal, holder key
//! and consent events (legal and illegal), the state replayed from the store equals the state
//! built incrementally, speculative application rolls back exactly, and the audit passes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::MemoryStore;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]
    #[test]
    fn replay_equals_incremental(ops in proptest::collection::vec((any::<u8>(), any::<u8>()), 1..120)) {
        common::replay::run(MemoryStore::new(), MemoryStore::clone, &ops);
    }
}
