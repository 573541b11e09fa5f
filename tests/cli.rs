//! End-to-end tests of the `chancery` binary: the operator's and auditor's workflows, exit codes,
//! one-line errors, key file permissions, and damaged archives.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BUREAU: &str = "11330100MB0000001X";

/// Registers the bureau (key `bureau.key.pub`, type FOODBIZ), signed by the root key.
const REGISTER_BUREAU: &[&str] = &[
    "authority",
    "register",
    "--signer",
    "data/keys/root.key",
    "--code",
    BUREAU,
    "--name",
    "Bureau",
    "--key",
    "bureau.key.pub",
    "--types",
    "FOODBIZ",
];

/// Runs `chancery --store STORE ARGS…` in `dir`.
fn run(dir: &Path, store: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chancery"))
        .current_dir(dir)
        .arg("--store")
        .arg(store)
        .args(args)
        .output()
        .unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs and requires exit code `want`; returns stdout.
fn expect(dir: &Path, store: &str, args: &[&str], want: i32) -> String {
    let o = run(dir, store, args);
    assert_eq!(
        code(&o),
        want,
        "chancery {args:?}\nstdout: {}\nstderr: {}",
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

/// A ledger in `dir/data` with one authority, one type and one issued license; returns the
/// license id.
fn set_up(dir: &Path) -> String {
    expect(
        dir,
        "data",
        &["init", "--origin", "test.gov.cn/elicense"],
        0,
    );
    expect(dir, "data", &["key", "generate", "--out", "bureau.key"], 0);
    expect(dir, "data", REGISTER_BUREAU, 0);
    expect(
        dir,
        "data",
        &[
            "license-type",
            "define",
            "--signer",
            "bureau.key",
            "--code",
            "FOODBIZ",
            "--name",
            "Food business permit",
            "--claims",
            "name,address,scope",
        ],
        0,
    );
    expect(
        dir,
        "data",
        &[
            "license",
            "issue",
            "--signer",
            "bureau.key",
            "--type",
            "FOODBIZ",
            "--issuer",
            BUREAU,
            "--serial",
            "000123",
            "--holder",
            "330106199001011234",
            "--claim",
            "name=West Lake Noodles",
            "--claim",
            "address=1 Wensan Road",
            "--claim",
            "scope=catering",
            "--valid-until",
            "2031-01-01",
            "--out",
            "noodles.cred",
        ],
        0,
    );
    let json = expect(
        dir,
        "data",
        &["--json", "license", "verify", "noodles.cred"],
        0,
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["valid"], true);
    v["license"].as_str().unwrap().to_owned()
}

/// Amends the license of `noodles.cred` with one changed claim, writing the new credential.
fn amend(dir: &Path, claim: &str, out: &str) {
    expect(
        dir,
        "data",
        &[
            "license",
            "amend",
            "--signer",
            "bureau.key",
            "--credential",
            "noodles.cred",
            "--claim",
            claim,
            "--out",
            out,
        ],
        0,
    );
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn operator_workflow_export_import_audit() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let id = set_up(dir);
    #[cfg(unix)]
    {
        assert_eq!(mode(&dir.join("bureau.key")), 0o600);
        assert_eq!(mode(&dir.join("data/keys/root.key")), 0o600);
        assert_eq!(mode(&dir.join("noodles.cred")), 0o600);
    }
    // The secret never appears in output.
    let secret = std::fs::read_to_string(dir.join("bureau.key")).unwrap();
    let seed = secret.split_whitespace().last().unwrap().to_owned();
    let shown = expect(dir, "data", &["key", "show", "bureau.key"], 0);
    assert!(!shown.contains(&seed));

    expect(dir, "data", &["license", "status", &id], 0);
    amend(dir, "address=9 Yan'an Road", "noodles-2.cred");
    // The first version is superseded: status and verify say so with exit code 1.
    let status = expect(dir, "data", &["--json", "license", "status", &id], 1);
    let v: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(v["status"], "Superseded");
    expect(dir, "data", &["license", "verify", "noodles.cred"], 1);
    expect(dir, "data", &["license", "verify", "noodles-2.cred"], 0);
    let id2 = {
        let j = expect(
            dir,
            "data",
            &["--json", "license", "verify", "noodles-2.cred"],
            0,
        );
        serde_json::from_str::<serde_json::Value>(&j).unwrap()["license"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    expect(
        dir,
        "data",
        &[
            "license",
            "suspend",
            "--signer",
            "bureau.key",
            &id2,
            "--reason",
            "inspection",
        ],
        0,
    );
    expect(dir, "data", &["license", "status", &id2], 1);
    expect(
        dir,
        "data",
        &["license", "lift", "--signer", "bureau.key", &id2],
        0,
    );
    expect(dir, "data", &["license", "status", &id2], 0);
    // Refused statement: nothing recorded, exit 2, one line.
    let o = run(
        dir,
        "data",
        &["license", "lift", "--signer", "bureau.key", &id2],
    );
    assert_eq!(code(&o), 2);
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));

    expect(dir, "data", &["export", "--out", "ledger.archive"], 0);
    let audit = expect(
        dir,
        "data",
        &["--json", "audit", "--archive", "ledger.archive"],
        0,
    );
    let a: serde_json::Value = serde_json::from_str(&audit).unwrap();
    assert_eq!(a["entries"], 7);
    expect(dir, "copy", &["import", "ledger.archive"], 0);
    let copy = expect(dir, "copy", &["--json", "audit"], 0);
    let c: serde_json::Value = serde_json::from_str(&copy).unwrap();
    assert_eq!(c["root"], a["root"]);
    assert_eq!(c["head"], a["head"]);
    expect(dir, "copy", &["license", "status", &id2], 0);
}

#[test]
fn damaged_archives_are_reported_and_never_imported() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    set_up(dir);
    expect(dir, "data", &["export", "--out", "good.archive"], 0);
    let good = std::fs::read(dir.join("good.archive")).unwrap();
    let offsets = {
        let mut r = chancery::archive::ArchiveReader::new(good.as_slice()).unwrap();
        let mut v = Vec::new();
        while let Some(e) = r.next_entry().unwrap() {
            v.push(e.offset);
        }
        v
    };
    // A byte in the middle of entry 3 (the license issuance; entry 4 is the last).
    assert_eq!(offsets.len(), 4);
    let at = offsets[3] + 200;
    let mut bad = good.clone();
    bad[at as usize] ^= 0x01;
    std::fs::write(dir.join("bad.archive"), &bad).unwrap();
    let o = run(dir, "data", &["audit", "--archive", "bad.archive"]);
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("entry 3"), "{err}");
    assert!(
        err.contains(&format!("archive byte {}", offsets[3])),
        "{err}"
    );

    let o = run(dir, "imported", &["import", "bad.archive"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(!dir.join("imported").exists(), "nothing written");
    assert!(
        !dir.join("imported.importing").exists(),
        "nothing left behind"
    );

    std::fs::write(dir.join("short.archive"), &good[..good.len() - 40]).unwrap();
    let o = run(dir, "imported", &["import", "short.archive"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(!dir.join("imported").exists());
}

#[test]
fn usage_errors_are_one_line_with_exit_code_2() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let cases: &[&[&str]] = &[
        &["license", "status", "1.2.156.3005.2.X.Y.Z.001.0"], // no ledger
        &["audit", "--archive", "missing.archive"],
        &["key", "show", "missing.key"],
        &["license", "verify", "missing.cred"],
    ];
    for args in cases {
        let o = run(dir, "data", args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).starts_with("chancery: "));
    }
    set_up(dir);
    let more: &[&[&str]] = &[
        &["init", "--origin", "again"],
        &["key", "generate", "--out", "bureau.key"], // never overwrites a key
        &["license", "status", "not-an-id"],
        &["license", "status", "x", "--at", "yesterday"],
        &[
            "license-type",
            "define",
            "--signer",
            "noodles.cred",
            "--code",
            "T",
            "--name",
            "T",
            "--claims",
            "a",
        ], // not a key file
        &["import", "nothing.archive"], // store not empty
    ];
    for args in more {
        let o = run(dir, "data", args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{args:?}: {}", stderr(&o));
    }
    // Unknown arguments: clap's usage error, exit code 2.
    assert_eq!(code(&run(dir, "data", &["license", "frobnicate"])), 2);
}

#[test]
fn demo_ledger_audits_clean() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let out = expect(dir, "demo", &["--json", "demo", "--entries", "3000"], 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["entries"], 3000);
    let statuses = v["licenses_by_status"].as_object().unwrap();
    for kind in ["Valid", "Suspended", "Cancelled", "Revoked"] {
        assert!(statuses.contains_key(kind), "{kind} missing: {statuses:?}");
    }
    for what in [
        "seal_applications",
        "automatic_seal_applications",
        "cases_decided",
        "consents",
        "use_records",
    ] {
        assert!(v[what].as_u64().unwrap() > 0, "no {what}: {v}");
    }
    let audit = expect(dir, "demo", &["--json", "audit"], 0);
    let a: serde_json::Value = serde_json::from_str(&audit).unwrap();
    assert_eq!(a["root"], v["root"]);
    assert_eq!(a["seals_by_status"], v["seals_by_status"]);
    assert_eq!(a["use_records"], v["use_records"]);
    let creds: Vec<PathBuf> = std::fs::read_dir(dir.join("demo/credentials"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(creds.len(), 6);
    for c in creds {
        expect(dir, "demo", &["license", "verify", c.to_str().unwrap()], 0);
    }
}

/// A passphrase-protected key: sealed on disk, usable with the right passphrase (from a file or
/// the environment), refused with a wrong or missing one.
#[test]
fn passphrase_protected_keys() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::write(dir.join("pass"), "correct horse battery staple\n").unwrap();
    expect(
        dir,
        "data",
        &[
            "--passphrase-file",
            "pass",
            "init",
            "--origin",
            "test.gov.cn/elicense",
        ],
        0,
    );
    let sealed = std::fs::read_to_string(dir.join("data/keys/root.key")).unwrap();
    assert!(
        sealed.starts_with("chancery-secret-key ed25519 argon2id:"),
        "{sealed}"
    );
    expect(dir, "data", &["key", "generate", "--out", "bureau.key"], 0);
    let register = |extra: &[&str]| {
        let mut args = extra.to_vec();
        args.extend(REGISTER_BUREAU);
        args.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let run_with = |args: Vec<String>, env: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_chancery"));
        c.current_dir(dir).arg("--store").arg("data").args(&args);
        c.env_remove("CHANCERY_PASSPHRASE");
        if let Some(p) = env {
            c.env("CHANCERY_PASSPHRASE", p);
        }
        c.output().unwrap()
    };
    let missing = run_with(register(&[]), None);
    assert_eq!(code(&missing), 2);
    assert!(
        stderr(&missing).contains("passphrase-protected"),
        "{}",
        stderr(&missing)
    );
    let wrong = run_with(register(&[]), Some("wrong"));
    assert_eq!(code(&wrong), 2);
    assert!(
        stderr(&wrong).contains("wrong passphrase"),
        "{}",
        stderr(&wrong)
    );
    // Nothing was recorded by the refused attempts.
    let ok = run_with(register(&[]), Some("correct horse battery staple"));
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));
    assert!(stdout(&ok).contains("as entry 1 "), "{}", stdout(&ok));
}

/// Key rotation from the command line: add a key, retire the old one (it can no longer sign),
/// then declare it compromised since before the license it signed (the license turns invalid).
#[test]
fn authority_key_rotation_and_compromise() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let id = set_up(dir);
    expect(dir, "data", &["key", "generate", "--out", "bureau2.key"], 0);
    expect(
        dir,
        "data",
        &[
            "authority",
            "add-key",
            "--signer",
            "bureau.key",
            BUREAU,
            "--key",
            "bureau2.key.pub",
        ],
        0,
    );
    expect(
        dir,
        "data",
        &[
            "authority",
            "retire-key",
            "--signer",
            "bureau2.key",
            BUREAU,
            "--key",
            "bureau.key.pub",
        ],
        0,
    );
    let o = run(
        dir,
        "data",
        &[
            "license",
            "suspend",
            "--signer",
            "bureau.key",
            &id,
            "--reason",
            "x",
        ],
    );
    assert_eq!(code(&o), 2, "a retired key cannot sign: {}", stderr(&o));
    expect(dir, "data", &["license", "status", &id], 0);
    expect(
        dir,
        "data",
        &[
            "authority",
            "compromise-key",
            "--signer",
            "bureau2.key",
            BUREAU,
            "--key",
            "bureau.key.pub",
            "--since",
            "2020-01-01",
        ],
        0,
    );
    let status = expect(dir, "data", &["--json", "license", "status", &id], 1);
    let v: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(v["status"], "KeyCompromised", "{v}");
}

/// The root key of a test store, read back from its (unprotected) key file.
fn root_key(dir: &Path) -> chancery::SecretKey {
    let text = std::fs::read_to_string(dir.join("data/keys/root.key")).unwrap();
    let hex = text.split_whitespace().last().unwrap();
    chancery::SecretKey::from_seed(chancery::Digest32::from_hex(hex).unwrap().0)
}

/// Checkpoints: signed with a root key and kept; exported and verified in archives; `audit
/// --since` holds the ledger to a checkpoint trusted before; a fork is refused and reported.
#[test]
fn checkpoints_from_the_command_line() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    set_up(dir);
    let o = run(dir, "data", &["checkpoint", "--signer", "bureau.key"]);
    assert_eq!(
        code(&o),
        2,
        "only a root key signs checkpoints: {}",
        stderr(&o)
    );
    expect(
        dir,
        "data",
        &[
            "checkpoint",
            "--signer",
            "data/keys/root.key",
            "--out",
            "cp1.note",
        ],
        0,
    );
    let cp1 = std::fs::read_to_string(dir.join("cp1.note")).unwrap();
    assert!(cp1.starts_with("test.gov.cn/elicense\n4\n"), "{cp1}");
    expect(dir, "data", &["audit", "--since", "cp1.note"], 0);
    amend(dir, "scope=retail", "n2.cred");
    expect(
        dir,
        "data",
        &["checkpoint", "--signer", "data/keys/root.key"],
        0,
    );
    expect(dir, "data", &["audit", "--since", "cp1.note"], 0);
    expect(dir, "data", &["export", "--out", "a.archive"], 0);
    let audit = expect(
        dir,
        "data",
        &["--json", "audit", "--archive", "a.archive"],
        0,
    );
    let v: serde_json::Value = serde_json::from_str(&audit).unwrap();
    assert_eq!(v["checkpoints_verified"], 2);

    // A checkpoint of another ledger is no proof about this one.
    let other = chancery::checkpoint::Checkpoint {
        origin: "other.gov.cn/elicense".into(),
        size: 1,
        root: chancery::Digest32([1; 32]),
        extensions: vec![],
    }
    .sign("other.gov.cn/elicense", &root_key(dir))
    .unwrap()
    .to_text();
    std::fs::write(dir.join("other.note"), other).unwrap();
    expect(dir, "data", &["audit", "--since", "other.note"], 1);

    // The operator's key signed a fork at size 5: this ledger is not consistent with it, so
    // no further checkpoint is signed and the audit reports it.
    let fork = chancery::checkpoint::Checkpoint {
        origin: "test.gov.cn/elicense".into(),
        size: 5,
        root: chancery::Digest32([1; 32]),
        extensions: vec![],
    }
    .sign("test.gov.cn/elicense", &root_key(dir))
    .unwrap()
    .to_text();
    {
        use chancery::CheckpointLog;
        let mut log = chancery::FileCheckpointLog::open(dir.join("data")).unwrap();
        let last = log.last_checkpoint().unwrap();
        log.keep_checkpoint(&fork, last.as_deref()).unwrap();
    }
    std::fs::write(dir.join("fork.note"), &fork).unwrap();
    let o = run(
        dir,
        "data",
        &["checkpoint", "--signer", "data/keys/root.key"],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("refusing to sign"), "{}", stderr(&o));
    expect(dir, "data", &["audit"], 1);
    expect(
        dir,
        "data",
        &["audit", "--archive", "a.archive", "--since", "fork.note"],
        1,
    );
}

#[test]
fn status_stamps_from_the_command_line() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let id = set_up(dir);
    let o = run(
        dir,
        "data",
        &[
            "license",
            "stamp",
            "--signer",
            "bureau.key",
            &id,
            "--out",
            "x.stamp",
        ],
    );
    assert_eq!(code(&o), 2, "only a root key stamps: {}", stderr(&o));
    expect(
        dir,
        "data",
        &[
            "license",
            "stamp",
            "--signer",
            "data/keys/root.key",
            &id,
            "--out",
            "s.stamp",
        ],
        0,
    );
    expect(dir, "data", &["license", "check-stamp", "s.stamp"], 0);
    // Not current at a time before it was made.
    expect(
        dir,
        "data",
        &["license", "check-stamp", "s.stamp", "--at", "2020-01-01"],
        1,
    );
    let mut bytes = std::fs::read(dir.join("s.stamp")).unwrap();
    let n = bytes.len();
    bytes[n - 10] ^= 1; // inside the signature
    std::fs::write(dir.join("bad.stamp"), &bytes).unwrap();
    expect(dir, "data", &["license", "check-stamp", "bad.stamp"], 1);
    std::fs::write(dir.join("junk.stamp"), b"junk").unwrap();
    expect(dir, "data", &["license", "check-stamp", "junk.stamp"], 2);
}

#[test]
fn root_key_rotation_from_the_command_line() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let id = set_up(dir);
    expect(dir, "data", &["key", "generate", "--out", "root2.key"], 0);
    expect(
        dir,
        "data",
        &[
            "rotate-root",
            "--signer",
            "data/keys/root.key",
            "--new-key",
            "root2.key",
        ],
        0,
    );
    // The old root key can no longer sign; the new one can, checkpoints included.
    let o = run(
        dir,
        "data",
        &["checkpoint", "--signer", "data/keys/root.key"],
    );
    assert_ne!(code(&o), 0);
    let o = run(
        dir,
        "data",
        &[
            "authority",
            "suspend",
            "--signer",
            "data/keys/root.key",
            BUREAU,
            "--reason",
            "x",
        ],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    expect(dir, "data", &["checkpoint", "--signer", "root2.key"], 0);
    expect(dir, "data", &["license", "status", &id], 0);
    expect(dir, "data", &["audit"], 0);
}

/// Registers `code` (key `<name>.key`, generated here) by the root, with no license types.
fn register_unit(dir: &Path, name: &str, code: &str, seals: bool) {
    let key = format!("{name}.key");
    let public = format!("{name}.key.pub");
    expect(dir, "data", &["key", "generate", "--out", &key], 0);
    let mut args = vec![
        "authority",
        "register",
        "--signer",
        "data/keys/root.key",
        "--code",
        code,
        "--name",
        name,
        "--key",
        &public,
    ];
    if seals {
        args.push("--may-register-seals");
    }
    expect(dir, "data", &args, 0);
}

#[test]
fn seal_workflow() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    set_up(dir);
    register_unit(dir, "police", "POLICE1", true);
    register_unit(dir, "company", "COMPANY1", false);
    expect(dir, "data", &["key", "generate", "--out", "seal.key"], 0);
    std::fs::write(dir.join("seal.png"), b"seal image").unwrap();
    for (f, body) in [("a.pdf", "contract A"), ("b.pdf", "contract B")] {
        std::fs::write(dir.join(f), body).unwrap();
    }
    let register = [
        "seal",
        "register",
        "--signer",
        "police.key",
        "--es-id",
        "ES1",
        "--owner",
        "COMPANY1",
        "--type",
        "公章",
        "--key",
        "seal.key",
        "--owner-signer",
        "company.key",
        "--image",
        "seal.png",
    ];
    // Only an authority with seal rights registers; the company cannot.
    let mut by_company = register;
    by_company[3] = "company.key";
    let o = run(dir, "data", &by_company);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("may not emit SealRegistered"),
        "{}",
        stderr(&o)
    );
    expect(dir, "data", &register, 0);
    let apply = |doc: &str, want: i32| {
        run_apply(dir, doc, want);
    };
    apply("a.pdf", 0);
    let json = expect(dir, "data", &["--json", "seal", "status", "ES1"], 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        (v["status"].as_str(), v["uses"].as_u64()),
        (Some("Active"), Some(1))
    );
    expect(
        dir,
        "data",
        &[
            "seal",
            "report-lost",
            "--signer",
            "company.key",
            "ES1",
            "--reason",
            "stolen",
        ],
        0,
    );
    apply("b.pdf", 2);
    expect(dir, "data", &["seal", "status", "ES1"], 1);
    // The document sealed before the loss verifies; the other was never sealed.
    let json = expect(
        dir,
        "data",
        &["--json", "seal", "verify-document", "a.pdf"],
        0,
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["sealings"][0]["es_id"], "ES1");
    assert_eq!(v["sealings"][0]["owner"], "COMPANY1");
    assert_eq!(v["sealings"][0]["operator"], "clerk");
    let out = expect(dir, "data", &["seal", "verify-document", "b.pdf"], 1);
    assert!(out.contains("no seal application"), "{out}");
    // Issue 13: the sealed document verified offline, with a seal presentation and a list.
    for k in ["witness.key", "listop.key"] {
        expect(dir, "data", &["key", "generate", "--out", k], 0);
    }
    let _ = trust_list_naming_the_witness(dir);
    expect(
        dir,
        "data",
        &[
            "present-seal",
            "--signer",
            "data/keys/root.key",
            "a.pdf",
            "--witness",
            "w.example.org=witness.key",
            "--out",
            "a.seal",
        ],
        0,
    );
    let offline = |doc: &str| {
        code(&run(
            dir,
            "data",
            &[
                "verify-sealed",
                doc,
                "--presentation",
                "a.seal",
                "--trust",
                "trust.list",
                "--list-key",
                "gov.cn/trust=listop.key.pub",
            ],
        ))
    };
    assert_eq!(offline("a.pdf"), 0);
    assert_eq!(offline("b.pdf"), 1);
    // Found unlawful: every application is invalid.
    expect(
        dir,
        "data",
        &[
            "seal",
            "invalidate",
            "--signer",
            "police.key",
            "ES1",
            "--reason",
            "forged",
        ],
        0,
    );
    let out = expect(dir, "data", &["seal", "verify-document", "a.pdf"], 1);
    assert!(out.contains("invalidated"), "{out}");
    expect(dir, "data", &["audit"], 0);
}

fn run_apply(dir: &Path, doc: &str, want: i32) {
    expect(
        dir,
        "data",
        &[
            "seal",
            "apply",
            "--signer",
            "seal.key",
            "ES1",
            "--document",
            doc,
            "--case",
            "HT-1",
            "--operator",
            "clerk",
        ],
        want,
    );
}

#[test]
fn automatic_sealing_from_the_command_line() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    set_up(dir);
    register_unit(dir, "police", "POLICE1", true);
    register_unit(dir, "approval", "APPROVAL1", false);
    for k in ["seal.key", "engine.key"] {
        expect(dir, "data", &["key", "generate", "--out", k], 0);
    }
    std::fs::write(dir.join("seal.png"), b"seal image").unwrap();
    std::fs::write(dir.join("approval.pdf"), b"deemed approved").unwrap();
    expect(
        dir,
        "data",
        &[
            "seal",
            "register",
            "--signer",
            "police.key",
            "--es-id",
            "ES2",
            "--owner",
            "APPROVAL1",
            "--type",
            "行政审批专用章",
            "--key",
            "seal.key",
            "--owner-signer",
            "approval.key",
            "--image",
            "seal.png",
        ],
        0,
    );
    expect(
        dir,
        "data",
        &[
            "seal",
            "grant-policy",
            "--signer",
            "approval.key",
            "--id",
            "P1",
            "--es-id",
            "ES2",
            "--case-types",
            "RENEWAL",
            "--legal-basis",
            "deemed granted",
            "--engine",
            "engine.key.pub",
            "--max-days",
            "30",
        ],
        0,
    );
    // A deadline a day away: nothing is due, and the engine is refused.
    let tomorrow = chancery::Timestamp::now().plus_days(1).to_string();
    expect(
        dir,
        "data",
        &[
            "seal",
            "open-case",
            "--signer",
            "approval.key",
            "SP-1",
            "--type",
            "RENEWAL",
            "--item",
            "RENEWAL-ITEM",
            "--document",
            "approval.pdf",
            "--deadline",
            &tomorrow,
        ],
        0,
    );
    let out = expect(dir, "data", &["seal", "due"], 0);
    assert!(out.contains("no automatic sealing is due"), "{out}");
    let auto = [
        "seal",
        "auto-apply",
        "--signer",
        "engine.key",
        "--policy",
        "P1",
        "--case",
        "SP-1",
        "--document",
        "approval.pdf",
    ];
    let o = run(dir, "data", &auto);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("has not passed"), "{}", stderr(&o));
    let out = expect(dir, "data", &["seal", "verify-document", "approval.pdf"], 1);
    assert!(out.contains("no seal application"), "{out}");
}

#[test]
fn consent_workflow() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let license = set_up(dir);
    register_unit(dir, "bank", "BANK1", false);
    expect(dir, "data", &["key", "generate", "--out", "holder.key"], 0);
    expect(
        dir,
        "data",
        &[
            "consent",
            "bind-key",
            "--signer",
            "bureau.key",
            &license,
            "--key",
            "holder.key.pub",
        ],
        0,
    );
    let verify = [
        "license",
        "verify",
        "noodles.cred",
        "--party",
        "BANK1",
        "--item",
        "LOAN",
    ];
    let out = expect(dir, "data", &verify, 1);
    assert!(out.contains("no consent"), "{out}");
    let json = expect(
        dir,
        "data",
        &[
            "--json",
            "consent",
            "grant",
            "--signer",
            "holder.key",
            &license,
            "--party",
            "BANK1",
            "--item",
            "LOAN",
            "--until",
            "2099-01-01",
            "--uses",
            "1",
        ],
        0,
    );
    assert!(json.contains("UseAuthorized"), "{json}");
    expect(dir, "data", &verify, 0);
    let history = expect(dir, "data", &["--json", "consent", "history", &license], 0);
    let v: serde_json::Value = serde_json::from_str(&history).unwrap();
    let consent = v["consents"][0]["id"].as_str().unwrap().to_owned();
    let record_use = [
        "consent",
        "use",
        "--signer",
        "bank.key",
        &consent,
        "--license",
        &license,
        "--item",
        "LOAN",
        "--case",
        "LOAN-1",
    ];
    expect(dir, "data", &record_use, 0);
    // The single use is spent.
    expect(dir, "data", &verify, 1);
    expect(dir, "data", &record_use, 2);
    let history = expect(dir, "data", &["--json", "consent", "history", &license], 0);
    let v: serde_json::Value = serde_json::from_str(&history).unwrap();
    assert_eq!(v["uses"][0]["relying_party"], "BANK1");
    assert_eq!(v["consents"][0]["uses"], 1);
}

#[test]
fn presentations_from_the_command_line() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    set_up(dir);
    for k in ["witness.key", "listop.key"] {
        expect(dir, "data", &["key", "generate", "--out", k], 0);
    }
    let json = expect(
        dir,
        "data",
        &[
            "--json",
            "present",
            "--signer",
            "data/keys/root.key",
            "noodles.cred",
            "--disclose",
            "name,scope",
            "--witness",
            "w.example.org=witness.key",
            "--out",
            "p.cbor",
            "--compact",
            "p.txt",
            "--png",
            "p.png",
            "--svg",
            "p.svg",
        ],
        0,
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["compact_characters"].as_u64().unwrap() < 1400, "{v}");
    assert!(dir.join("p.png").exists() && dir.join("p.svg").exists());
    // The list operator names the witness by its cosigner verifier key.
    let _ = trust_list_naming_the_witness(dir);
    let verify = |file: &str, list_key: &str, extra: &[&str]| {
        let mut args = vec![
            "verify-presentation",
            file,
            "--trust",
            "trust.list",
            "--list-key",
            list_key,
        ];
        args.extend_from_slice(extra);
        run(dir, "data", &args)
    };
    for file in ["p.cbor", "p.txt"] {
        let o = verify(file, "gov.cn/trust=listop.key.pub", &[]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert!(stdout(&o).contains(": valid"), "{}", stdout(&o));
    }
    // Past the stamp's next update: indeterminate, exit 1.
    let o = verify(
        "p.txt",
        "gov.cn/trust=listop.key.pub",
        &["--at", "2099-01-01"],
    );
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("indeterminate"), "{}", stdout(&o));
    // A trust list signed by someone else is refused.
    let o = verify("p.txt", "gov.cn/trust=witness.key.pub", &[]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("not signed by a list operator"),
        "{}",
        stderr(&o)
    );
    // Issue 13, attack 4: the list operator may publish other lists, not this one; or this
    // one for other origins only.
    let o = verify("p.txt", "other.gov.cn/trust=listop.key.pub", &[]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("may not publish it"), "{}", stderr(&o));
    let o = verify(
        "p.txt",
        "gov.cn/trust=listop.key.pub",
        &["--list-origins", "gov.cn/trust=elsewhere.gov.cn/elicense"],
    );
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("may not vouch for"), "{}", stderr(&o));
    let o = verify("p.txt", "listop.key.pub", &[]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    // Issue 13, attack 8: a file larger than any presentation is refused unread.
    let mut big = b"CH1:".to_vec();
    big.resize(4 << 20, b'0');
    std::fs::write(dir.join("big.txt"), &big).unwrap();
    let o = verify("big.txt", "gov.cn/trust=listop.key.pub", &[]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("too large"), "{}", stderr(&o));
    // A named pipe (which would block the open for ever) is refused unopened.
    let made = std::process::Command::new("mkfifo")
        .arg(dir.join("pipe.txt"))
        .status()
        .unwrap();
    assert!(made.success());
    let o = verify("pipe.txt", "gov.cn/trust=listop.key.pub", &[]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
}

/// The integrity key (SPEC §12): `key integrity` makes one; a writer command given it keeps the
/// store's integrity record, a reader opens trusting it; a key inside the store is refused.
#[test]
fn given_an_integrity_key_when_commands_run_then_the_record_is_kept_and_a_key_in_the_store_is_refused(
) {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let id = set_up(dir);
    expect(
        dir,
        "data",
        &["key", "integrity", "--out", "integrity.key"],
        0,
    );
    expect(
        dir,
        "data",
        &["key", "integrity", "--out", "integrity.key"],
        2,
    );
    let with_key = |args: &[&str]| {
        let mut all = vec!["--integrity-key", "integrity.key"];
        all.extend_from_slice(args);
        all.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let args = with_key(&[
        "license",
        "suspend",
        "--signer",
        "bureau.key",
        &id,
        "--reason",
        "x",
    ]);
    expect(
        dir,
        "data",
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        0,
    );
    assert!(dir.join("data/integrity").exists());
    // With the node's key the CLI keeps the persistent index beside the journal (SPEC §12).
    assert!(dir.join("data/index.redb").exists());
    let args = with_key(&["license", "status", &id]);
    let shown = expect(
        dir,
        "data",
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        1,
    );
    assert!(shown.contains("suspended"), "{shown}");
    std::fs::copy(dir.join("integrity.key"), dir.join("data/integrity.key")).unwrap();
    let o = run(
        dir,
        "data",
        &[
            "--integrity-key",
            "data/integrity.key",
            "license",
            "status",
            &id,
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("inside the store"), "{}", stderr(&o));
}

/// Issue 13, attack 9: a trust list made after a root rotation names the old key until just
/// after its rotation (which it signed at exactly that time) and the new key from the
/// rotation; full and compact presentations signed with the new key verify against it.
#[test]
fn given_a_trust_list_made_after_a_rotation_when_presenting_then_both_forms_verify() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    set_up(dir);
    for k in ["witness.key", "listop.key", "new-root.key"] {
        expect(dir, "data", &["key", "generate", "--out", k], 0);
    }
    expect(
        dir,
        "data",
        &[
            "rotate-root",
            "--signer",
            "data/keys/root.key",
            "--new-key",
            "new-root.key",
        ],
        0,
    );
    expect(
        dir,
        "data",
        &[
            "present",
            "--signer",
            "new-root.key",
            "noodles.cred",
            "--disclose",
            "name",
            "--witness",
            "w.example.org=witness.key",
            "--out",
            "p.cbor",
            "--compact",
            "p.txt",
        ],
        0,
    );
    let vkey = trust_list_naming_the_witness(dir);
    // Review (issue 13): a list a verifier would not load (a witness named twice) is refused
    // before it is signed.
    let o = run(
        dir,
        "data",
        &trust_list_args(&[&vkey, &vkey], "2", "twice.list"),
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("would not load"), "{}", stderr(&o));
    assert!(!dir.join("twice.list").exists());
    for file in ["p.cbor", "p.txt"] {
        let o = run(dir, "data", &verify_args(file));
        assert_eq!(code(&o), 0, "{file}: {}{}", stdout(&o), stderr(&o));
    }
}

/// `trust.list`, signed by `listop.key`, naming the store's ledger with the witness
/// `w.example.org` (`witness.key`) as a 1-of-1 policy.
fn trust_list_naming_the_witness(dir: &Path) -> String {
    let shown = expect(
        dir,
        "data",
        &[
            "--json",
            "key",
            "show",
            "witness.key.pub",
            "--cosigner",
            "w.example.org",
        ],
        0,
    );
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    let vkey = shown["cosigner_vkey"].as_str().unwrap().to_owned();
    expect(
        dir,
        "data",
        &trust_list_args(&[&vkey], "1", "trust.list"),
        0,
    );
    vkey
}

/// `trust-list create` by `listop.key` for `gov.cn/trust` naming `witnesses` with `threshold`.
fn trust_list_args<'a>(witnesses: &[&'a str], threshold: &'a str, out: &'a str) -> Vec<&'a str> {
    let mut args = vec![
        "trust-list",
        "create",
        "--signer",
        "listop.key",
        "--name",
        "gov.cn/trust",
    ];
    for w in witnesses {
        args.extend(["--witness", w]);
    }
    args.extend(["--threshold", threshold, "--out", out]);
    args
}

#[test]
fn given_an_as_of_time_when_stamping_then_an_as_of_stamp_is_written_and_checked_against_the_log() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let id = set_up(dir);
    let json = expect(
        dir,
        "data",
        &[
            "--json",
            "license",
            "stamp",
            "--signer",
            "data/keys/root.key",
            &id,
            "--as-of",
            "2020-01-01",
            "--out",
            "old.stamp",
        ],
        0,
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["kind"], "as-of", "{v}");
    // Before the version was recorded: not yet recorded, which the log confirms (exit 1: the
    // status is not valid).
    let o = run(dir, "data", &["license", "check-stamp", "old.stamp"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stdout(&o).contains("not yet recorded"), "{}", stdout(&o));
    assert!(stdout(&o).contains("as-of stamp"), "{}", stdout(&o));
}

#[test]
fn given_no_witness_when_creating_a_trust_list_then_it_must_say_unwitnessed() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    set_up(dir);
    expect(dir, "data", &["key", "generate", "--out", "listop.key"], 0);
    let base = [
        "trust-list",
        "create",
        "--signer",
        "listop.key",
        "--name",
        "gov.cn/trust",
        "--out",
        "t.list",
    ];
    let o = run(dir, "data", &base);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--unwitnessed"), "{}", stderr(&o));
    let o = run(dir, "data", &[&base[..], &["--threshold", "0"]].concat());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(!dir.join("t.list").exists());
    expect(dir, "data", &["key", "generate", "--out", "witness.key"], 0);
    let o = run(
        dir,
        "data",
        &[
            &base[..],
            &[
                "--unwitnessed",
                "--witness-key",
                "w.example.org=witness.key.pub",
            ],
        ]
        .concat(),
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    expect(dir, "data", &[&base[..], &["--unwitnessed"]].concat(), 0);
    let bytes = std::fs::read(dir.join("t.list")).unwrap();
    let signed =
        <chancery::present::trust::SignedTrustList as chancery::Canonical>::from_canonical(&bytes)
            .unwrap();
    assert!(signed.list.ledgers[0].unwitnessed);
}

#[test]
fn given_an_operator_key_when_the_operator_signs_then_it_does_and_the_root_key_no_longer_does() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let id = set_up(dir);
    for k in ["op.key", "witness.key", "listop.key"] {
        expect(dir, "data", &["key", "generate", "--out", k], 0);
    }
    expect(
        dir,
        "data",
        &[
            "operator-key",
            "add",
            "--signer",
            "data/keys/root.key",
            "--key",
            "op.key",
        ],
        0,
    );
    let o = run(
        dir,
        "data",
        &["checkpoint", "--signer", "data/keys/root.key"],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("operator key"), "{}", stderr(&o));
    expect(dir, "data", &["checkpoint", "--signer", "op.key"], 0);
    expect(
        dir,
        "data",
        &[
            "license", "stamp", "--signer", "op.key", &id, "--out", "s.stamp",
        ],
        0,
    );
    expect(dir, "data", &["license", "check-stamp", "s.stamp"], 0);
    let _ = trust_list_naming_the_witness(dir);
    expect(
        dir,
        "data",
        &[
            "present",
            "--signer",
            "op.key",
            "noodles.cred",
            "--witness",
            "w.example.org=witness.key",
            "--out",
            "p.cbor",
            "--compact",
            "p.txt",
        ],
        0,
    );
    for file in ["p.cbor", "p.txt"] {
        expect(dir, "data", &verify_args(file), 0);
    }
    expect(
        dir,
        "data",
        &[
            "operator-key",
            "retire",
            "--signer",
            "data/keys/root.key",
            "--key",
            "op.key.pub",
        ],
        0,
    );
    let o = run(dir, "data", &["checkpoint", "--signer", "op.key"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    expect(dir, "data", &["audit"], 0);
}

/// `verify-presentation FILE` against `trust.list` by `listop.key` (list `gov.cn/trust`).
fn verify_args(file: &str) -> [&str; 6] {
    [
        "verify-presentation",
        file,
        "--trust",
        "trust.list",
        "--list-key",
        "gov.cn/trust=listop.key.pub",
    ]
}

#[test]
fn given_a_bound_holder_key_when_the_holder_signs_for_a_bank_then_only_that_bank_accepts_it_bound()
{
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let id = set_up(dir);
    for k in ["holder.key", "other.key", "witness.key", "listop.key"] {
        expect(dir, "data", &["key", "generate", "--out", k], 0);
    }
    expect(
        dir,
        "data",
        &[
            "consent",
            "bind-key",
            "--signer",
            "bureau.key",
            &id,
            "--key",
            "holder.key.pub",
        ],
        0,
    );
    let _ = trust_list_naming_the_witness(dir);
    expect(
        dir,
        "data",
        &[
            "present",
            "--signer",
            "data/keys/root.key",
            "noodles.cred",
            "--witness",
            "w.example.org=witness.key",
            "--out",
            "p.cbor",
            "--compact",
            "p.txt",
        ],
        0,
    );
    let sign = |input: &str, key: &str, out: &str| {
        run(
            dir,
            "data",
            &[
                "holder-sign",
                input,
                "--holder-key",
                key,
                "--audience",
                "BANK01",
                "--nonce",
                "n-1",
                "--ttl",
                "2m",
                "--out",
                out,
            ],
        )
    };
    assert_eq!(code(&sign("p.txt", "holder.key", "signed.txt")), 0);
    assert_eq!(code(&sign("p.cbor", "holder.key", "signed.cbor")), 0);
    let o = sign("p.txt", "other.key", "forged.txt");
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let verify =
        |file: &str, extra: &[&str]| run(dir, "data", &[&verify_args(file)[..], extra].concat());
    let bank = ["--require-holder", "--audience", "BANK01", "--nonce", "n-1"];
    for file in ["signed.txt", "signed.cbor"] {
        let o = verify(file, &bank);
        assert_eq!(code(&o), 0, "{file}: {}{}", stdout(&o), stderr(&o));
        assert!(stdout(&o).contains("holder: bound"), "{}", stdout(&o));
    }
    // Not signed, another bank, another nonce: refused.
    assert_eq!(code(&verify("p.txt", &bank)), 1);
    let shop = ["--require-holder", "--audience", "SHOP99"];
    assert_eq!(code(&verify("signed.txt", &shop)), 1);
    let fresh = ["--require-holder", "--audience", "BANK01", "--nonce", "n-2"];
    assert_eq!(code(&verify("signed.txt", &fresh)), 1);
    // Unasked, an unsigned presentation is valid and says it is unbound; --explain says what
    // that proves.
    let o = verify("p.txt", &["--explain"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("holder: unbound"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("What it does not prove"),
        "{}",
        stdout(&o)
    );
}

/// Issue 15: a reader command given the integrity key on a store without an index builds the
/// index once (no writer holds the store), and later readers read their answers from it.
#[test]
fn given_no_index_when_a_reader_command_runs_with_the_key_then_it_builds_the_index_once() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let id = set_up(dir);
    expect(dir, "data", &["key", "integrity", "--out", "ik.key"], 0);
    assert!(!dir.join("data/index.redb").exists());
    let status = ["--integrity-key", "ik.key", "license", "status", &id];
    let o = run(dir, "data", &status);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("building the index"), "{}", stderr(&o));
    assert!(dir.join("data/index.redb").exists());
    let again = run(dir, "data", &status);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert!(!stderr(&again).contains("building"), "{}", stderr(&again));
    assert_eq!(
        stdout(&again).split(" at ").next(),
        stdout(&o).split(" at ").next()
    );
}

/// With the node's key, `audit` replays the journal into a temporary index and compares it
/// with the store's index (bounded memory): it passes on an untouched store, reports the
/// entries, and leaves no temporary file behind.
#[test]
fn given_an_indexed_store_when_audited_with_the_key_then_it_passes_through_the_index() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let id = set_up(dir);
    expect(dir, "data", &["key", "integrity", "--out", "ik.key"], 0);
    expect(
        dir,
        "data",
        &["--integrity-key", "ik.key", "license", "status", &id],
        0,
    );
    let o = run(
        dir,
        "data",
        &["--integrity-key", "ik.key", "--json", "audit"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(report["result"], "audit passed");
    assert!(report["entries"].as_u64().unwrap() > 1);
    let left = common::files_named(&dir.join("data"), "audit");
    assert!(left.is_empty(), "{left:?}");
}

/// An audit never rebuilds an index it cannot use (one ahead of the journal is evidence of
/// lost entries, another ledger's of a mix-up): it says why, audits the journal in memory, and
/// leaves the index file as it found it.
#[test]
fn given_another_ledgers_index_when_audited_with_the_key_then_it_is_left_alone_and_the_journal_audited(
) {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let id = set_up(a.path());
    set_up(b.path());
    expect(
        a.path(),
        "data",
        &["key", "integrity", "--out", "ik.key"],
        0,
    );
    std::fs::copy(a.path().join("ik.key"), b.path().join("ik.key")).unwrap();
    expect(
        a.path(),
        "data",
        &["--integrity-key", "ik.key", "license", "status", &id],
        0,
    );
    let foreign = b.path().join("data/index.redb");
    std::fs::copy(a.path().join("data/index.redb"), &foreign).unwrap();
    let before = std::fs::read(&foreign).unwrap();
    let o = run(b.path(), "data", &["--integrity-key", "ik.key", "audit"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("not used"), "{}", stderr(&o));
    assert!(stdout(&o).contains("audit passed"), "{}", stdout(&o));
    assert_eq!(std::fs::read(&foreign).unwrap(), before);
}

/// With the node's key the demo appends through the index and leaves it whole: the next
/// command reads it as it is (no rebuild), and the audit through the index agrees with the
/// demo's root.
#[test]
fn given_a_demo_made_with_the_key_when_audited_with_it_then_the_index_serves_and_agrees() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    expect(dir, "demo", &["key", "integrity", "--out", "ik.key"], 0);
    let key = ["--integrity-key", "ik.key"];
    let made = expect(
        dir,
        "demo",
        &[&key[..], &["--json", "demo", "--entries", "3000"]].concat(),
        0,
    );
    let v: serde_json::Value = serde_json::from_str(&made).unwrap();
    assert_eq!(v["entries"], 3000);
    let o = run(dir, "demo", &[&key[..], &["--json", "audit"]].concat());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!stderr(&o).contains("not used"), "{}", stderr(&o));
    let a: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(a["root"], v["root"]);
    assert_eq!(a["entries"], 3000);
}

/// `chancery serve` on a port the system picks: it says where it listens, serves the kept
/// checkpoint and the tiles, takes in a license issued by another command while it runs, and
/// stops with exit code 0 on SIGTERM.
/// Starts `chancery --store data serve ARGS` in `dir` on a free port; returns the child and
/// the address it printed.
fn start_serving(dir: &Path, args: &[&str]) -> (std::process::Child, std::net::SocketAddr, String) {
    let mut all = vec!["--store", "data", "serve", "--listen", "127.0.0.1:0"];
    all.extend_from_slice(args);
    start_listening(dir, &all)
}

/// Starts `chancery ARGS` in `dir`, a command that prints `… http://ADDR/…` on its first line
/// of standard error once it listens; returns the child, the address and that line.
fn start_listening(
    dir: &Path,
    args: &[&str],
) -> (std::process::Child, std::net::SocketAddr, String) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_chancery"))
        .current_dir(dir)
        .args(args)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    err.read_line(&mut banner).unwrap();
    // The rest is read, so that the service never writes to a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    let addr: std::net::SocketAddr = banner
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {banner:?}"))
        .parse()
        .unwrap();
    (child, addr, banner)
}

/// Stops a `chancery serve` with SIGTERM; its exit status.
fn stop_serving(mut child: std::process::Child) -> std::process::ExitStatus {
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap()
}

#[test]
fn given_an_operator_key_when_served_from_the_command_line_then_submissions_get_proven_receipts() {
    use chancery::{Canonical, Store};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    set_up(dir);
    // A statement the ledger holds (entry 1), submitted again: its original receipt.
    let record = chancery::FileStore::open_read_only(dir.join("data"))
        .unwrap()
        .read(1, 2)
        .unwrap()
        .remove(0);
    let entry = chancery::Entry::from_canonical(&record.bytes).unwrap();
    let statement = entry.statement.to_canonical();
    let mut forged = statement.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    let (child, addr, banner) = start_serving(dir, &["--operator-key", "data/keys/root.key"]);

    let again = common::http::send(addr, "POST", "/v1/add", "application/cbor", &statement);
    let refused = common::http::send(addr, "POST", "/v1/add", "application/cbor", &forged);
    let status = stop_serving(child);

    assert!(banner.contains("taking submissions"), "{banner}");
    assert_eq!(again.status, 200, "{}", again.text());
    let body: serde_json::Value = serde_json::from_slice(&again.body).unwrap();
    assert_eq!(body["receipt"]["seq"], 1);
    assert_eq!(body["receipt"]["resubmitted"], true);
    assert!(body["checkpoint"]
        .as_str()
        .unwrap()
        .starts_with("test.gov.cn/elicense\n"));
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert_eq!(status.code(), Some(0));
}

/// Makes the witness key `witness.key` in `dir`; its cosigner verifier key as `w.example/1`.
fn witness_key(dir: &Path) -> String {
    expect(dir, "data", &["key", "generate", "--out", "witness.key"], 0);
    let shown = expect(
        dir,
        "data",
        &[
            "--json",
            "key",
            "show",
            "witness.key",
            "--cosigner",
            "w.example/1",
        ],
        0,
    );
    serde_json::from_str::<serde_json::Value>(&shown).unwrap()["cosigner_vkey"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The signed statement of entry 1 of the store in `dir/data` (to submit again).
fn recorded_statement(dir: &Path) -> Vec<u8> {
    use chancery::{Canonical, Store};
    let record = chancery::FileStore::open_read_only(dir.join("data"))
        .unwrap()
        .read(1, 2)
        .unwrap()
        .remove(0);
    chancery::Entry::from_canonical(&record.bytes)
        .unwrap()
        .statement
        .to_canonical()
}

#[test]
fn given_a_witness_served_from_the_command_line_when_the_service_commits_then_the_checkpoint_is_cosigned(
) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    set_up(dir);
    let witness_vkey = witness_key(dir);
    let kept = expect(
        dir,
        "data",
        &["--json", "checkpoint", "--signer", "data/keys/root.key"],
        0,
    );
    let log_vkey = serde_json::from_str::<serde_json::Value>(&kept).unwrap()["vkey"]
        .as_str()
        .unwrap()
        .to_owned();
    let (witness, witness_addr, _) = start_listening(
        dir,
        &[
            "witness",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--key",
            "witness.key",
            "--name",
            "w.example/1",
            "--log",
            &log_vkey,
            "--state",
            "witness-state",
        ],
    );
    let statement = recorded_statement(dir);
    let endpoint = format!("{witness_vkey}=http://{witness_addr}");
    let (child, addr, _) = start_serving(
        dir,
        &[
            "--operator-key",
            "data/keys/root.key",
            "--witness",
            &endpoint,
            // A loaded machine's fsync may take long: the cosignature must not time out.
            "--witness-timeout-ms",
            "20000",
        ],
    );

    let answer = common::http::send(addr, "POST", "/v1/add", "application/cbor", &statement);
    let served = common::http::request(addr, "GET", "/checkpoint");
    let health = common::http::request(addr, "GET", "/healthz");
    stop_serving(child);
    stop_serving(witness);

    assert_eq!(answer.status, 200, "{} {}", answer.text(), health.text());
    let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    let note =
        chancery::checkpoint::Note::parse(body["checkpoint"].as_str().unwrap().as_bytes()).unwrap();
    let policy = chancery::checkpoint::WitnessPolicy {
        witnesses: vec![chancery::checkpoint::NoteVerifier::parse(&witness_vkey).unwrap()],
        threshold: 1,
    };
    assert_eq!(policy.check(&note).unwrap(), 1);
    assert_eq!(served.text(), body["checkpoint"].as_str().unwrap());
}

#[test]
fn given_a_served_ledger_when_audited_and_monitored_by_url_then_both_pass_with_no_store_access() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    set_up(dir);
    let kept = expect(
        dir,
        "data",
        &["--json", "checkpoint", "--signer", "data/keys/root.key"],
        0,
    );
    let log_vkey = serde_json::from_str::<serde_json::Value>(&kept).unwrap()["vkey"]
        .as_str()
        .unwrap()
        .to_owned();
    let (child, addr, _) = start_serving(dir, &["--public-entries"]);
    let url = format!("http://{addr}");
    // Another directory, no store in it: everything comes from the URL.
    let elsewhere = tempfile::tempdir().unwrap();

    let audit = run(
        elsewhere.path(),
        "none",
        &["--json", "audit", "--url", &url],
    );
    let watch = [
        "monitor",
        &url,
        "--log-key",
        &log_vkey,
        "--once",
        "--state",
        "mon.note",
    ];
    let first = run(elsewhere.path(), "none", &watch);
    let again = run(elsewhere.path(), "none", &watch);
    stop_serving(child);

    assert_eq!(code(&audit), 0, "{}", stderr(&audit));
    let report: serde_json::Value = serde_json::from_str(stdout(&audit).trim()).unwrap();
    assert_eq!(report["result"], "audit passed");
    assert_eq!(report["origin"], "test.gov.cn/elicense");
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    assert!(stdout(&first).contains("consistent"), "{}", stdout(&first));
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert!(elsewhere.path().join("mon.note").exists());
}

#[test]
fn given_a_served_ledger_without_public_entries_when_audited_by_url_then_it_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    set_up(dir);
    expect(
        dir,
        "data",
        &["checkpoint", "--signer", "data/keys/root.key"],
        0,
    );
    let (child, addr, _) = start_serving(dir, &[]);
    let out = run(dir, "none", &["audit", "--url", &format!("http://{addr}")]);
    stop_serving(child);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--public-entries"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn given_a_service_whose_standard_error_is_closed_when_a_witness_fails_then_the_commit_is_still_answered(
) {
    use std::io::{BufRead, BufReader};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    set_up(dir);
    let vkey = witness_key(dir);
    // A witness nothing listens for: its failure is reported on standard error.
    let down = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let endpoint = format!("{vkey}=http://{down}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_chancery"))
        .current_dir(dir)
        .args(["--store", "data", "serve", "--listen", "127.0.0.1:0"])
        .args([
            "--operator-key",
            "data/keys/root.key",
            "--witness",
            &endpoint,
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    err.read_line(&mut banner).unwrap();
    // Whoever read the service's standard error is gone.
    drop(err);
    let addr: std::net::SocketAddr = banner
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .parse()
        .unwrap();
    let statement = recorded_statement(dir);

    let answer = common::http::send(addr, "POST", "/v1/add", "application/cbor", &statement);
    stop_serving(child);

    assert_eq!(answer.status, 200, "{}", answer.text());
}

#[test]
fn given_a_key_that_signs_no_checkpoints_when_serving_with_it_then_refused_at_start() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    set_up(dir);
    expect(
        dir,
        "data",
        &["key", "generate", "--out", "stranger.key"],
        0,
    );

    let out = run(
        dir,
        "data",
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--operator-key",
            "stranger.key",
        ],
    );

    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not sign this ledger's checkpoints")
    );
}

#[test]
fn given_a_ledger_when_served_from_the_command_line_then_tiles_and_checkpoint_are_served() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    set_up(dir);
    expect(
        dir,
        "data",
        &["checkpoint", "--signer", "data/keys/root.key"],
        0,
    );
    let (child, addr, banner) = start_serving(dir, &[]);
    assert!(
        banner.starts_with("serving test.gov.cn/elicense on "),
        "{banner}"
    );

    let note = common::http::request(addr, "GET", "/checkpoint");
    let entries = common::http::request(addr, "GET", "/tile/entries/000.p/1");
    amend(dir, "name=Later", "later.cred");
    let size: u64 = note.text().lines().nth(1).unwrap().parse().unwrap();
    let grown = common::http::request(addr, "GET", &format!("/tile/0/000.p/{}", size + 1));
    let status = stop_serving(child);

    assert_eq!(note.status, 200, "{}", note.text());
    assert!(
        note.text().starts_with("test.gov.cn/elicense\n"),
        "{}",
        note.text()
    );
    assert_eq!(entries.status, 403, "entries are not public by default");
    assert_eq!(
        grown.status,
        200,
        "the amendment is served: {}",
        grown.text()
    );
    assert_eq!(grown.body.len() as u64, 32 * (size + 1));
    assert_eq!(status.code(), Some(0));
}

/// Stamps use the server's own key: `--stamps` is refused unless the service also has the
/// operator key and a client CA to admit only certified clients (SPEC §25).
#[cfg(feature = "server")]
#[test]
fn given_stamps_without_a_client_ca_when_served_then_refused_before_listening() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    set_up(dir);

    let o = run(
        dir,
        "data",
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--stamps",
            "--operator-key",
            "data/keys/root.key",
        ],
    );

    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("--client-ca"), "{}", stderr(&o));
}
