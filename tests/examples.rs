//! Runs the worked examples (built by `cargo test` alongside the tests) and checks what they
//! print: each one asserts its own story too, so a failing assertion fails here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

/// The built `examples/<name>.rs`.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().and_then(|deps| deps.parent()).unwrap();
    profile.join("examples").join(name)
}

/// Runs `examples/<name>.rs` with a fresh store directory; returns its standard output.
fn run(name: &str) -> String {
    let path = example(name);
    let dir = std::env::temp_dir().join(format!("chancery-example-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(&path)
        .arg(&dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Whether `line` is `pattern` with each `<hex>` in it a SHA-256 digest in lowercase hex and each
/// `<time>` an RFC 3339 time with milliseconds in UTC (`2026-11-23T09:45:00.000Z`).
fn fits(mut line: &str, mut pattern: &str) -> bool {
    loop {
        let next = ["<hex>", "<time>"]
            .into_iter()
            .filter_map(|p| pattern.find(p).map(|i| (i, p)))
            .min();
        let Some((i, placeholder)) = next else {
            return line == pattern;
        };
        let Some(rest) = line.strip_prefix(&pattern[..i]) else {
            return false;
        };
        let hex = placeholder == "<hex>";
        let len = if hex { 64 } else { 24 };
        let Some(value) = rest.get(..len) else {
            return false;
        };
        let fine = if hex {
            is_hex(value.as_bytes())
        } else {
            is_time(value.as_bytes())
        };
        if !fine {
            return false;
        }
        line = &rest[len..];
        pattern = &pattern[i + placeholder.len()..];
    }
}

fn is_hex(s: &[u8]) -> bool {
    s.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn is_time(s: &[u8]) -> bool {
    s.iter().enumerate().all(|(i, b)| match i {
        4 | 7 => *b == b'-',
        10 => *b == b'T',
        13 | 16 => *b == b':',
        19 => *b == b'.',
        23 => *b == b'Z',
        _ => b.is_ascii_digit(),
    })
}

/// Every line the quickstart prints: its store, the entries it records (genesis, the
/// authority and the type, two licenses), statuses after each step, the refused suspension,
/// the three verdicts, the inclusion proof and the audit of the reopened store.
#[test]
fn quickstart() {
    let out = run("quickstart");
    let id = |serial: &str, version: u16| {
        chancery::LicenseId::new("FOODBIZ", "11330100MB0000001X", serial, version)
            .unwrap()
            .to_string()
    };
    let (v1, v2, other) = (id("000123", 1), id("000123", 2), id("000124", 1));
    let store = std::env::temp_dir().join(format!(
        "chancery-example-quickstart-{}",
        std::process::id()
    ));
    let want = [
        format!("store: {}", store.display()),
        "created ledger ledger.example.gov.cn/elicense".to_owned(),
        "  recorded entry 1".to_owned(),
        "  recorded entry 2".to_owned(),
        "issued at entry 3 (<hex>)".to_owned(),
        "issued at entry 4 (<hex>)".to_owned(),
        format!("{v1}: valid"),
        format!("amended: {v1} -> superseded by {v2}"),
        format!("         {v2} -> valid"),
        format!("suspended: {other} -> suspended"),
        format!("lifted:    {other} -> valid"),
        format!("revoked:   {other} -> revoked since <time>"),
        format!(
            "suspending a revoked license is refused: statement refused: license {other} has \
             been terminated"
        ),
        format!("verdict for {v2} (name, scope): valid"),
        format!("verdict for superseded {v1}: invalid: license status: superseded by {v2}"),
        "verdict for a forged value: invalid: claim \"name\" does not match the recorded digest"
            .to_owned(),
        "entry 3 is included in the tree of size 9 (proof of 4 hashes)".to_owned(),
        "audit: 9 entries verified, root <hex>, head <hex>".to_owned(),
    ];
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), want.len(), "{out}");
    for (line, pattern) in lines.iter().zip(&want) {
        assert!(fits(line, pattern), "{line:?} is not {pattern:?}:\n{out}");
    }
}

#[test]
fn seal_document() {
    let out = run("seal_document");
    assert!(out.contains("document 1: valid"), "{out}");
    assert!(out.contains("document 2: valid"), "{out}");
    assert!(out.contains("document 3 refused"), "{out}");
    assert!(out.contains("document 3: invalid"), "{out}");
}

#[test]
fn auto_seal() {
    let out = run("auto_seal");
    assert!(out.contains("premature sealing refused"), "{out}");
    assert!(out.contains("sealed SP-2026-000731 automatically"), "{out}");
    assert!(out.contains("approval document: valid"), "{out}");
    assert!(out.contains("automatic sealing by"), "{out}");
}

#[test]
fn present_qr() {
    let out = run("present_qr");
    assert!(out.contains("bank, offline, now: valid"), "{out}");
    assert!(out.contains("before its next update: valid"), "{out}");
    assert!(
        out.contains("after its next update: indeterminate: status stamp expired"),
        "{out}"
    );
    assert!(
        out.contains("fresh stamp: invalid: license status: revoked"),
        "{out}"
    );
    let text = out
        .lines()
        .find(|l| l.starts_with("CH1:"))
        .expect("the compact text is printed");
    assert!(text.len() <= 1400, "{} characters", text.len());
}

/// The crate's front page walks through this example; it asserts its own story and prints
/// nothing.
#[test]
fn library() {
    assert_eq!(run("library"), "");
}

/// The service's load test, small: 4 clients, 2 single statements and 1 batch each. It fails
/// on any answer that is not 200, so this checks that it drives every route it measures.
#[test]
fn load() {
    let out = Command::new(example("load"))
        .args(["4", "2", "1"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{stdout}");
    assert!(lines[0].starts_with("raw ed25519 verify_batch, 2 threads: "));
    assert!(lines[1].starts_with("add-and-get-proof, 4 clients x 2 single statements: p50 "));
    assert!(lines[2].starts_with("add-and-get-proof, 4 clients x 1 batches of 100: "));
    assert!(lines[3].starts_with("full hash tiles: "));
    assert!(lines[4].starts_with("presentation verification over HTTP: "));
}
