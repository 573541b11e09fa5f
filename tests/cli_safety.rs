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

/// Issues license `serial` of type T1 by authority AUTH1 (key `auth.key`), credential
/// `SERIAL.cred`.
fn issue(dir: &Path, serial: &str) -> String {
    let cred = format!("{serial}.cred");
    ok(
        dir,
        &[
            "license",
            "issue",
            "--signer",
            "auth.key",
            "--type",
            "T1",
            "--issuer",
            "AUTH1",
            "--serial",
            serial,
            "--holder",
            "H1",
            "--claim",
            "n=v",
            "--no-expiry",
            "--out",
            &cred,
            "--print",
            "id",
        ],
    )
    .trim()
    .to_owned()
}

#[test]
fn given_a_writer_appending_when_four_readers_query_then_each_sees_a_committed_prefix() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    ledger_with_type(dir, "+08:00");
    let first = issue(dir, "0");
    const LICENSES: u64 = 30;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (dir, done) = (dir.to_owned(), done.clone());
        std::thread::spawn(move || {
            for i in 1..LICENSES {
                issue(&dir, &i.to_string());
            }
            done.store(true, std::sync::atomic::Ordering::SeqCst);
        })
    };
    let reader = |args: Vec<String>| {
        let (dir, done) = (dir.to_owned(), done.clone());
        std::thread::spawn(move || {
            let mut answers = Vec::new();
            // At least one answer each; then as many as the writer's run allows.
            while answers.is_empty() || !done.load(std::sync::atomic::Ordering::SeqCst) {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                answers.push(ok(&dir, &args));
            }
            answers
        })
    };
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    let audits = reader(s(&["--json", "audit"]));
    let lists = reader(s(&["--json", "license", "list", "--limit", "1000"]));
    let statuses = reader(s(&["license", "status", &first]));
    let verifies = reader(s(&["license", "verify", "0.cred"]));
    writer.join().unwrap();
    // Each audit's root is the root of the final ledger's prefix of that size.
    let audits = audits.join().unwrap();
    assert!(audits.len() > 1, "the readers ran beside the writer");
    for out in audits {
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let size = v["entries"].as_u64().unwrap();
        let proof = ok(dir, &["--json", "prove", "consistency", &size.to_string()]);
        let p: serde_json::Value = serde_json::from_str(&proof).unwrap();
        let old = base64::engine::general_purpose::STANDARD
            .decode(p["old_root_hash"].as_str().unwrap())
            .unwrap();
        assert_eq!(hex::encode(old), v["root"].as_str().unwrap(), "size {size}");
    }
    // Each list is the licenses of a prefix: serials 0..k, in order, k never shrinking.
    let mut last = 0;
    for out in lists.join().unwrap() {
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let total = v["total"].as_u64().unwrap();
        assert!(
            (1..=LICENSES).contains(&total) && total >= last,
            "{total} after {last}"
        );
        last = total;
        let serials: Vec<String> = v["licenses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                l["license"]
                    .as_str()
                    .unwrap()
                    .split('.')
                    .nth(7)
                    .unwrap()
                    .to_owned()
            })
            .collect();
        let want: Vec<String> = (0..total).map(|i| i.to_string()).collect();
        assert_eq!(serials, want);
    }
    // The first license is valid in every prefix that holds it (all of them).
    for out in statuses.join().unwrap() {
        assert!(out.contains(": valid"), "{out}");
    }
    for out in verifies.join().unwrap() {
        assert!(out.contains(": valid"), "{out}");
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

#[test]
fn given_a_temp_file_of_a_killed_write_when_writing_beside_it_then_it_is_removed() {
    let d = tempfile::tempdir().unwrap();
    init(d.path());
    // A process id that is not running.
    let dead = (90_000..4_000_000u32)
        .find(|p| !Path::new("/proc").join(p.to_string()).exists())
        .unwrap();
    let leftover = d.path().join(format!(".cp.note.tmp-{dead}"));
    std::fs::write(&leftover, b"half a note").unwrap();
    ok(
        d.path(),
        &[
            "checkpoint",
            "--signer",
            "chancery-data/keys/root.key",
            "--out",
            "cp.note",
        ],
    );
    assert!(!leftover.exists());
    assert!(d.path().join("cp.note").exists());
}

#[test]
fn given_a_file_of_the_wrong_kind_when_given_as_an_archive_or_trust_list_then_exit_2() {
    let d = tempfile::tempdir().unwrap();
    init(d.path());
    std::fs::write(d.path().join("junk"), b"not an archive").unwrap();
    let o = run(d.path(), &["audit", "--archive", "junk"]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.starts_with("chancery: junk:") && e.lines().count() == 1,
        "{e}"
    );
    std::fs::create_dir(d.path().join("adir")).unwrap();
    let o = run(d.path(), &["license", "verify", "adir"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("adir"));
}

/// Sets up AUTH1 with type T1 in a fresh ledger (zone `zone`) in `dir`.
fn ledger_with_type(dir: &Path, zone: &str) {
    ok(
        dir,
        &[
            "init",
            "--origin",
            "test.gov.cn/elicense",
            "--utc-offset",
            zone,
        ],
    );
    ok(dir, &["key", "generate", "--out", "auth.key"]);
    ok(
        dir,
        &[
            "authority",
            "register",
            "--signer",
            "chancery-data/keys/root.key",
            "--code",
            "AUTH1",
            "--name",
            "A",
            "--key",
            "auth.key.pub",
            "--types",
            "T1",
        ],
    );
    ok(
        dir,
        &[
            "license-type",
            "define",
            "--signer",
            "auth.key",
            "--code",
            "T1",
            "--name",
            "T",
            "--claims",
            "n",
        ],
    );
}

#[test]
fn given_a_license_valid_until_a_date_when_checked_then_it_is_valid_all_that_local_day() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    ledger_with_type(dir, "+08:00");
    let id = ok(
        dir,
        &[
            "license",
            "issue",
            "--signer",
            "auth.key",
            "--type",
            "T1",
            "--issuer",
            "AUTH1",
            "--serial",
            "1",
            "--holder",
            "H",
            "--claim",
            "n=v",
            "--valid-from",
            "2026-01-01",
            "--valid-until",
            "2031-01-01",
            "--out",
            "1.cred",
            "--print",
            "id",
        ],
    );
    let id = id.trim();
    let status = |at: &str| {
        run(dir, &["license", "status", id, "--at", at])
            .status
            .code()
    };
    assert_eq!(status("2031-01-01T23:59:59+08:00"), Some(0));
    assert_eq!(
        status("2031-01-01T16:00:00Z"),
        Some(1),
        "midnight at +08:00 ends it"
    );
    let shown = ok(dir, &["--json", "license", "show", id]);
    assert!(shown.contains("2031-01-02T00:00:00.000+08:00"), "{shown}");
    // A date alone starts at local midnight.
    assert!(
        shown.contains("\"valid_from\":\"2026-01-01T00:00:00.000+08:00\""),
        "{shown}"
    );
}

#[test]
fn given_no_validity_end_when_issuing_then_it_is_refused_unless_no_expiry() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    ledger_with_type(dir, "-05:30");
    let issue = [
        "license", "issue", "--signer", "auth.key", "--type", "T1", "--issuer", "AUTH1",
        "--serial", "1", "--holder", "H", "--claim", "n=v", "--out", "1.cred",
    ];
    let o = run(dir, &issue);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--no-expiry"));
    assert!(!dir.join("1.cred").exists(), "nothing written");
    let mut open_ended = issue.to_vec();
    open_ended.push("--no-expiry");
    let out = ok(dir, &open_ended);
    // Times print in the ledger's own zone.
    assert!(out.contains("-05:30"), "{out}");
}
