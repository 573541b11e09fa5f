//! RFC 6962 / RFC 9162 Merkle-tree arithmetic written here from the RFC, independently of the
//! library, so the service's proofs and tiles are checked against what a client computes.

use sha2::{Digest, Sha256};

pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// RFC 6962: `SHA-256(0x00 || entry)`.
pub fn leaf(entry: &[u8]) -> [u8; 32] {
    sha256(&[&[0], entry])
}

/// RFC 9162 §2.1.3.2: the root from a leaf hash, its index, the tree size and the path.
pub fn root_from_path(
    leaf: [u8; 32],
    index: u64,
    size: u64,
    path: &[[u8; 32]],
) -> Option<[u8; 32]> {
    if index >= size {
        return None;
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = leaf;
    for p in path {
        if s_n == 0 {
            return None;
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = sha256(&[&[1], p, &r]);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            r = sha256(&[&[1], &r, p]);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    (s_n == 0).then_some(r)
}
