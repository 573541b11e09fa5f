//! Known-answer vectors from transparency-dev/merkle (tests/vectors/rfc6962), must-fail
//! cases included, plus property tests of proof generation against verification.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine;
use chancery::crypto::{leaf_hash, Digest32};
use chancery::merkle::{root_from_leaves, ConsistencyProof, InclusionProof, MerkleTree};
use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/rfc6962")
}

fn b64(v: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().unwrap_or_default())
        .unwrap()
}

fn digest(bytes: &[u8]) -> Option<Digest32> {
    bytes.try_into().ok().map(Digest32)
}

fn cases(kind: &str) -> Vec<(PathBuf, Value)> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(vectors().join(kind)).unwrap() {
        for f in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            let p = f.unwrap().path();
            let v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            out.push((p, v));
        }
    }
    assert!(out.len() > 20, "vectors missing for {kind}");
    out
}

/// The proof hashes of a vector; an error if one is not 32 bytes.
fn proof_path(v: &Value) -> Result<Vec<Digest32>, String> {
    v["proof"].as_array().map_or(Ok(vec![]), |a| {
        a.iter()
            .map(|p| digest(&b64(p)).ok_or_else(|| "proof hash size".to_owned()))
            .collect()
    })
}

/// Verifies one inclusion vector; `Err` means rejected.
fn check_inclusion(v: &Value) -> Result<(), String> {
    let leaf = digest(&b64(&v["leafHash"])).ok_or("leaf hash is not 32 bytes")?;
    let root = digest(&b64(&v["root"])).ok_or("root is not 32 bytes")?;
    let path = proof_path(v)?;
    let proof = InclusionProof {
        index: v["leafIdx"].as_u64().unwrap(),
        tree_size: v["treeSize"].as_u64().unwrap(),
        path,
    };
    proof.verify(&leaf, &root).map_err(|e| e.to_string())
}

fn check_consistency(v: &Value) -> Result<(), String> {
    let root1 = digest(&b64(&v["root1"])).ok_or("root1 size")?;
    let root2 = digest(&b64(&v["root2"])).ok_or("root2 size")?;
    let path = proof_path(v)?;
    let proof = ConsistencyProof {
        old_size: v["size1"].as_u64().unwrap(),
        new_size: v["size2"].as_u64().unwrap(),
        path,
    };
    proof.verify(&root1, &root2).map_err(|e| e.to_string())
}

#[test]
fn inclusion_vectors() {
    let mut must_fail = 0;
    for (path, v) in cases("inclusion") {
        let want_err = v["wantErr"].as_bool().unwrap();
        let got = check_inclusion(&v);
        assert_eq!(got.is_err(), want_err, "{}: {got:?}", path.display());
        must_fail += usize::from(want_err);
    }
    assert!(must_fail > 10);
}

#[test]
fn consistency_vectors() {
    let mut must_fail = 0;
    for (path, v) in cases("consistency") {
        let want_err = v["wantErr"].as_bool().unwrap();
        let got = check_consistency(&v);
        assert_eq!(got.is_err(), want_err, "{}: {got:?}", path.display());
        must_fail += usize::from(want_err);
    }
    assert!(must_fail > 10);
}

#[test]
fn root_vectors() {
    let v: Value =
        serde_json::from_slice(&std::fs::read(vectors().join("roots.json")).unwrap()).unwrap();
    let leaves: Vec<Vec<u8>> = v["leaf_inputs_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| hex::decode(h.as_str().unwrap()).unwrap())
        .collect();
    let roots = v["root_hashes_hex_by_size"].as_array().unwrap();
    let mut tree = MerkleTree::new();
    for l in &leaves {
        tree.push(leaf_hash(l));
    }
    for (size, want) in roots.iter().enumerate() {
        let want = Digest32::from_hex(want.as_str().unwrap()).unwrap();
        let refs: Vec<&[u8]> = leaves[..size].iter().map(Vec::as_slice).collect();
        assert_eq!(
            root_from_leaves(&refs),
            want,
            "reference root at size {size}"
        );
        assert_eq!(
            tree.root(size as u64).unwrap(),
            want,
            "cached root at size {size}"
        );
    }
}

/// The proofs the tree generates for the vector leaves equal the vectors' proofs.
#[test]
fn generated_proofs_match_vectors() {
    let v: Value =
        serde_json::from_slice(&std::fs::read(vectors().join("roots.json")).unwrap()).unwrap();
    let mut tree = MerkleTree::new();
    for h in v["leaf_inputs_hex"].as_array().unwrap() {
        tree.push(leaf_hash(&hex::decode(h.as_str().unwrap()).unwrap()));
    }
    let mut compared = 0;
    for (_, c) in cases("inclusion") {
        if c["wantErr"].as_bool().unwrap() || c["desc"] != "happy path" {
            continue;
        }
        let p = tree
            .prove_inclusion(
                c["leafIdx"].as_u64().unwrap(),
                c["treeSize"].as_u64().unwrap(),
            )
            .unwrap();
        assert_eq!(p.path, proof_path(&c).unwrap());
        compared += 1;
    }
    for (_, c) in cases("consistency") {
        if c["wantErr"].as_bool().unwrap() || c["desc"] != "happy path" {
            continue;
        }
        let p = tree
            .prove_consistency(c["size1"].as_u64().unwrap(), c["size2"].as_u64().unwrap())
            .unwrap();
        assert_eq!(p.path, proof_path(&c).unwrap());
        compared += 1;
    }
    assert!(compared >= 4);
}

fn tree_of(n: u64) -> MerkleTree {
    let mut t = MerkleTree::new();
    for i in 0..n {
        t.push(leaf_hash(&i.to_be_bytes()));
    }
    t
}

proptest! {
    #[test]
    fn inclusion_round_trip(n in 1u64..300, seed in any::<u64>()) {
        let t = tree_of(n);
        let size = 1 + seed % n;
        let index = (seed / 7) % size;
        let p = t.prove_inclusion(index, size).unwrap();
        let root = t.root(size).unwrap();
        prop_assert!(p.verify(&t.leaf(index).unwrap(), &root).is_ok());
        prop_assert!(p.verify(&leaf_hash(b"other"), &root).is_err());
        let refs: Vec<[u8; 8]> = (0..size).map(|i| i.to_be_bytes()).collect();
        let refs: Vec<&[u8]> = refs.iter().map(|r| r.as_slice()).collect();
        prop_assert_eq!(root, root_from_leaves(&refs));
        if !p.path.is_empty() {
            let mut bad = p.clone();
            bad.path[(seed as usize) % p.path.len()].0[0] ^= 1;
            prop_assert!(bad.verify(&t.leaf(index).unwrap(), &root).is_err());
        }
    }

    #[test]
    fn consistency_round_trip(n in 1u64..300, seed in any::<u64>()) {
        let t = tree_of(n);
        let new = 1 + seed % n;
        let old = 1 + (seed / 13) % new;
        let p = t.prove_consistency(old, new).unwrap();
        let (r1, r2) = (t.root(old).unwrap(), t.root(new).unwrap());
        prop_assert!(p.verify(&r1, &r2).is_ok());
        if old != new {
            prop_assert!(p.verify(&leaf_hash(b"x"), &r2).is_err());
            prop_assert!(p.verify(&r1, &leaf_hash(b"x")).is_err());
        }
    }
}
