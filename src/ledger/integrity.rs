//! Integrity records (SPEC §12): a MAC, with a key kept outside the store, over the number of
//! entries and the last entry's hash. Reopening its own store, a ledger that holds the key may
//! trust the signatures of the entries a valid record covers — whoever can write the store but
//! not read the key cannot make a record for entries of their own — and verifies every other
//! signature. Without the key, every signature is verified.

use crate::crypto::Digest32;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The record's first bytes.
const MAGIC: &[u8; 8] = b"CHINTEG1";

/// What the MAC covers, after this tag: `u64be(size) || head[32]`.
const TAG: &[u8] = b"chancery/v1/integrity\0";

/// Bytes in a record: magic, size, head, MAC.
pub const RECORD_LEN: usize = 8 + 8 + 32 + 32;

/// The secret key of integrity records: 32 bytes, kept outside the store directory.
#[derive(Clone, PartialEq, Eq)]
pub struct IntegrityKey([u8; 32]);

impl std::fmt::Debug for IntegrityKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IntegrityKey(..)")
    }
}

/// An integrity key's text is not 64 hexadecimal digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an integrity key is 64 hexadecimal digits")]
pub struct IntegrityKeyError;

impl IntegrityKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A new random key (from the operating system).
    pub fn generate() -> Self {
        use rand_core::RngCore;
        let mut bytes = [0u8; 32];
        rand_core::OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The key as 64 lowercase hexadecimal digits (the CLI's key file).
    pub fn to_hex(&self) -> String {
        crate::encoding::hex(self.0)
    }

    /// A key from 64 hexadecimal digits (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<Self, IntegrityKeyError> {
        let text = text.trim();
        if text.len() != 64 || !text.is_ascii() {
            return Err(IntegrityKeyError);
        }
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| IntegrityKeyError)?;
        }
        Ok(Self(bytes))
    }

    /// HMAC-SHA-256 keyed with this key, nothing fed yet.
    pub(super) fn hmac(&self) -> Hmac<Sha256> {
        // HMAC takes a key of any length: this cannot fail.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"))
    }

    fn mac(&self, size: u64, head: &Digest32) -> Hmac<Sha256> {
        let mut mac = self.hmac();
        mac.update(TAG);
        mac.update(&size.to_be_bytes());
        mac.update(&head.0);
        mac
    }

    /// The record for a ledger of `size` entries whose last entry hash is `head`.
    pub fn seal(&self, size: u64, head: &Digest32) -> Vec<u8> {
        let mut out = Vec::with_capacity(RECORD_LEN);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&size.to_be_bytes());
        out.extend_from_slice(&head.0);
        out.extend_from_slice(&self.mac(size, head).finalize().into_bytes());
        out
    }

    /// The size and head a record vouches for, if it is one and its MAC verifies under this
    /// key (compared in constant time); `None` for anything else (another key, a torn write).
    pub fn open(&self, record: &[u8]) -> Option<(u64, Digest32)> {
        if record.len() != RECORD_LEN || &record[..8] != MAGIC {
            return None;
        }
        let size = u64::from_be_bytes(record[8..16].try_into().ok()?);
        let head = Digest32(record[16..48].try_into().ok()?);
        self.mac(size, &head)
            .verify_slice(&record[48..])
            .ok()
            .map(|()| (size, head))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_opens_only_under_its_key_and_unaltered() {
        let key = IntegrityKey::from_bytes([7; 32]);
        let head = Digest32([9; 32]);
        let record = key.seal(42, &head);
        assert_eq!(key.open(&record), Some((42, head)));
        assert_eq!(IntegrityKey::from_bytes([8; 32]).open(&record), None);
        for i in 0..record.len() {
            let mut bad = record.clone();
            bad[i] ^= 1;
            assert_eq!(key.open(&bad), None, "byte {i}");
        }
        assert_eq!(key.open(&record[..RECORD_LEN - 1]), None);
        assert_eq!(
            IntegrityKey::from_hex(&key.to_hex()).map(|k| k == key),
            Ok(true)
        );
        assert!(IntegrityKey::from_hex("zz").is_err());
    }
}
