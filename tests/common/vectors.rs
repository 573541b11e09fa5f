//! Known-answer vector helpers shared by the vector tests: entries as JSON, and their
//! independent check with sha2 and ed25519-dalek directly (as an implementation following
//! SPEC.md alone would).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chancery::storage::Store;
use chancery::{Canonical, Entry, Ledger};
use ed25519_dalek::Verifier;
use serde_json::{json, Value};
use sha2::Digest;

/// SHA-256 of the concatenated parts, in hex.
pub fn h(parts: &[&[u8]]) -> String {
    let mut s = sha2::Sha256::new();
    for p in parts {
        s.update(p);
    }
    hex::encode(s.finalize())
}

/// Every entry of the ledger with its statement, id, signature, bytes and hash.
pub fn entries_json<S: Store>(ledger: &Ledger<S>) -> Vec<Value> {
    (0..ledger.len())
        .map(|seq| {
        let e = ledger.entry(seq).unwrap();
        json!({
            "seq": seq,
            "event": e.statement.statement().event.kind(),
            "statement_hex": hex::encode(e.statement.statement_bytes()),
            "statement_id": e.statement.id().to_hex(),
            "signed_statement_hex": hex::encode(e.statement.to_canonical()),
            "signature_hex": hex::encode(match e.statement.signature() { chancery::Signature::Ed25519(s) => s.to_bytes() }),
            "entry_hex": hex::encode(e.to_canonical()),
            "entry_hash": e.hash().to_hex(),
        })
    })
    .collect()
}

/// Checks the keys (seed → CBOR public key → key id) and every entry (hash, statement id,
/// signature, chain link, strict decoding) of a vector file; returns the entry hashes.
pub fn check_entries_independently(v: &Value) -> Vec<[u8; 32]> {
    let keys = v["keys"].as_array().unwrap();
    let mut vks = std::collections::HashMap::new();
    for k in keys {
        let seed: [u8; 32] = hex::decode(k["seed_hex"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let sk = ed25519_dalek::SigningKey::from_bytes(&seed);
        let cbor = hex::decode(k["public_key_cbor_hex"].as_str().unwrap()).unwrap();
        // [1, h'<32 bytes>'] = 0x82 0x01 0x58 0x20 <key>
        assert_eq!(&cbor[..4], &[0x82, 0x01, 0x58, 0x20]);
        assert_eq!(&cbor[4..], sk.verifying_key().as_bytes());
        assert_eq!(k["key_id"], h(&[b"chancery/v1/key-id", &[0], &cbor]));
        vks.insert(k["key_id"].as_str().unwrap().to_owned(), sk.verifying_key());
    }
    let mut leaves = vec![];
    let mut prev = [0u8; 32];
    for e in v["entries"].as_array().unwrap() {
        let stmt = hex::decode(e["statement_hex"].as_str().unwrap()).unwrap();
        let entry = hex::decode(e["entry_hex"].as_str().unwrap()).unwrap();
        assert_eq!(e["entry_hash"], h(&[&[0], &entry]));
        assert_eq!(
            e["statement_id"],
            h(&[b"chancery/v1/statement-id", &[0], &stmt])
        );
        // Statement: 0x85 0x01 <origin: 0x78 len bytes> <key id: 0x58 0x20 32 bytes> ...
        assert_eq!(&stmt[..3], &[0x85, 0x01, 0x78]);
        let off = 4 + stmt[3] as usize;
        assert_eq!(&stmt[off..off + 2], &[0x58, 0x20]);
        let key_id = hex::encode(&stmt[off + 2..off + 34]);
        let sig: [u8; 64] = hex::decode(e["signature_hex"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let msg = [b"chancery/v1/statement".as_slice(), &[0], &stmt].concat();
        vks[&key_id]
            .verify(&msg, &ed25519_dalek::Signature::from_bytes(&sig))
            .unwrap();
        // The entry links to the previous entry hash.
        assert!(entry
            .windows(34)
            .any(|w| w[..2] == [0x58, 0x20] && w[2..] == prev));
        prev = hex::decode(e["entry_hash"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        leaves.push(prev);
        let decoded = Entry::from_canonical(&entry).unwrap();
        assert_eq!(decoded.to_canonical(), entry);
    }
    leaves
}
