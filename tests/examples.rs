//! Runs the worked examples (built by `cargo test` alongside the tests) and checks what they
//! print: each one asserts its own story too, so a failing assertion fails here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

/// Runs `examples/<name>.rs` with a fresh store directory; returns its standard output.
fn run(name: &str) -> String {
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path: PathBuf = profile.join("examples").join(name);
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

#[test]
fn quickstart() {
    let out = run("quickstart");
    assert!(out.contains("audit"), "{out}");
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
