//! In-memory store (tests, ephemeral ledgers).

use super::{Record, StorageError, Store};

/// Keeps records in a vector; nothing survives the process.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    records: Vec<Record>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Store for MemoryStore {
    fn len(&self) -> u64 {
        self.records.len() as u64
    }

    fn append(&mut self, expected_len: u64, records: &[Record]) -> Result<(), StorageError> {
        if expected_len != self.len() {
            return Err(StorageError::Conflict {
                expected: expected_len,
                actual: self.len(),
            });
        }
        self.records.extend_from_slice(records);
        Ok(())
    }

    fn read(&self, start: u64, end: u64) -> Result<Vec<Record>, StorageError> {
        if start > end || end > self.len() {
            return Err(StorageError::OutOfRange {
                start,
                end,
                len: self.len(),
            });
        }
        Ok(self.records[start as usize..end as usize].to_vec())
    }
}
