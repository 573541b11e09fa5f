//! The command-line tool's promises about files, processes and output: nothing is overwritten
//! silently, `init` is crash- and race-safe, readers see committed prefixes while a writer
//! appends, errors are typed lines (JSON under `--json`), a full stdout ends quietly, and the
//! printed verifier key follows the C2SP key-id rule.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn chancery(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_chancery"));
    c.current_dir(dir).env_remove("CHANCERY_PASSPHRASE");
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    chancery(dir).args(args).output().unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = run(dir, args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn init(dir: &Path) {
    ok(dir, &["init", "--origin", "test.gov.cn/elicense"]);
}

#[test]
fn given_an_existing_output_file_when_writing_it_again_then_it_is_refused_unless_force() {
    let d = tempfile::tempdir().unwrap();
    init(d.path());
    let sign = [
        "checkpoint",
        "--signer",
        "chancery-data/keys/root.key",
        "--out",
        "cp.note",
    ];
    ok(d.path(), &sign);
    let before = std::fs::read(d.path().join("cp.note")).unwrap();
    let o = run(d.path(), &sign);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert_eq!(std::fs::read(d.path().join("cp.note")).unwrap(), before);
    let mut forced = sign.to_vec();
    forced.push("--force");
    ok(d.path(), &forced);
    // No temporary file is left beside it.
    let names: Vec<String> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn given_two_inits_of_one_store_at_once_when_both_run_then_one_succeeds_and_one_is_refused() {
    for _ in 0..5 {
        let d = tempfile::tempdir().unwrap();
        let spawn = || {
            chancery(d.path())
                .args(["init", "--origin", "test.gov.cn/elicense"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
        let codes: Vec<_> = outs.iter().map(|o| o.status.code()).collect();
        assert!(
            codes.contains(&Some(0)) && codes.contains(&Some(2)),
            "{codes:?}"
        );
        for o in &outs {
            let e = String::from_utf8_lossy(&o.stderr);
            assert!(!e.contains("damaged"), "{e}");
        }
        ok(d.path(), &["audit"]);
    }
}

#[test]
fn given_init_killed_at_any_point_then_there_is_no_store_or_a_complete_one() {
    for i in 0..12u64 {
        let d = tempfile::tempdir().unwrap();
        let mut child = chancery(d.path())
            .args(["init", "--origin", "test.gov.cn/elicense"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_micros(i * 700));
        let _ = child.kill();
        let _ = child.wait();
        if d.path().join("chancery-data").exists() {
            ok(d.path(), &["audit"]);
        } else {
            // A retry works and removes what the killed run left.
            init(d.path());
            let leftovers: Vec<String> = std::fs::read_dir(d.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(".init-"))
                .collect();
            assert!(leftovers.is_empty(), "{leftovers:?}");
        }
    }
}

#[test]
fn given_a_writer_appending_when_readers_audit_then_each_sees_a_committed_prefix() {
    let d = tempfile::tempdir().unwrap();
    init(d.path());
    let writer = {
        let dir = d.path().to_owned();
        std::thread::spawn(move || {
            for i in 0..40 {
                let code = format!("A{i}");
                let key = format!("a{i}.key");
                let public = format!("a{i}.key.pub");
                ok(&dir, &["key", "generate", "--out", &key]);
                let signer = "chancery-data/keys/root.key";
                ok(
                    &dir,
                    &[
                        "authority",
                        "register",
                        "--signer",
                        signer,
                        "--code",
                        &code,
                        "--name",
                        "Unit",
                        "--key",
                        &public,
                    ],
                );
            }
        })
    };
    let mut seen = Vec::new();
    while !writer.is_finished() {
        let out = ok(d.path(), &["--json", "audit"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        seen.push((
            v["entries"].as_u64().unwrap(),
            v["root"].as_str().unwrap().to_owned(),
        ));
    }
    writer.join().unwrap();
    assert!(!seen.is_empty());
    // Each root a reader saw is the root of the final ledger's prefix of that size.
    for (size, root) in &seen {
        let proof = ok(
            d.path(),
            &["--json", "prove", "consistency", &size.to_string()],
        );
        let p: serde_json::Value = serde_json::from_str(&proof).unwrap();
        let old = base64::engine::general_purpose::STANDARD
            .decode(p["old_root_hash"].as_str().unwrap())
            .unwrap();
        assert_eq!(hex::encode(old), *root, "size {size}");
    }
}

#[test]
fn given_json_when_a_command_fails_then_stderr_is_one_json_object_with_the_exit_code() {
    let d = tempfile::tempdir().unwrap();
    init(d.path());
    let o = run(d.path(), &["--json", "license", "status", "not-an-id"]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stderr).unwrap();
    assert_eq!(v["exit"], 2);
    assert!(v["error"].as_str().unwrap().contains("bad license id"));
}

#[test]
fn given_a_usage_error_when_parsing_arguments_then_it_is_one_line_starting_chancery() {
    let d = tempfile::tempdir().unwrap();
    let o = run(d.path(), &["license", "issue", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.starts_with("chancery: "), "{e}");
    assert_eq!(e.trim_end().lines().count(), 1, "{e}");
}

#[test]
fn given_a_full_stdout_when_printing_then_the_tool_ends_quietly_with_exit_2() {
    let d = tempfile::tempdir().unwrap();
    init(d.path());
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = chancery(d.path())
        .args(["audit"])
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
}

#[test]
fn given_a_root_key_when_shown_then_its_verifier_key_follows_the_c2sp_key_id_rule() {
    let d = tempfile::tempdir().unwrap();
    init(d.path());
    let out = ok(
        d.path(),
        &["--json", "key", "show", "chancery-data/keys/root.key"],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let vkey = v["vkey"].as_str().unwrap();
    let parts: Vec<&str> = vkey.splitn(3, '+').collect();
    assert_eq!(parts[0], "test.gov.cn/elicense");
    let data = base64::engine::general_purpose::STANDARD
        .decode(parts[2])
        .unwrap();
    assert_eq!(data[0], 0x01);
    assert_eq!(hex::encode(&data[1..]), v["public_key"].as_str().unwrap());
    let id = Sha256::new()
        .chain_update(parts[0].as_bytes())
        .chain_update([0x0a])
        .chain_update(&data)
        .finalize();
    assert_eq!(parts[1], hex::encode(&id[..4]));
}
