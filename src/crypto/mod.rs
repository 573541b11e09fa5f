//! Digests, domain separation, keys, key identifiers and signatures.

mod batch;
mod hash;
mod keys;

pub use batch::{verify_all, verify_many, DomainItem, Item};
#[cfg(feature = "ledger")]
pub(crate) use batch::{verify_threads, BatchJob};
pub use hash::{domain_hash, leaf_hash, node_hash, sha256, Digest32, Domain};
pub use keys::{Algorithm, KeyId, PublicKey, SecretKey, Signature, SignatureError};
