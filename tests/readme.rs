//! The README's command-line tour runs exactly as written: every line of the block after
//! `<!-- tour -->` is run in order, in one shell, in an empty temporary directory, with `$C` the
//! binary under test, and each line's exit code must be 0, or N where the line ends with
//! `# exit N`. So README and tool cannot drift apart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

/// One logical line of the tour (continuations joined) and the exit code it must give.
struct Line {
    text: String,
    exit: i32,
}

fn tour() -> Vec<Line> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find("<!-- tour -->")
        .expect("README has a <!-- tour --> block");
    let block = &readme[start..];
    let open = block.find("```sh\n").expect("the tour is a sh block") + "```sh\n".len();
    let close = block[open..].find("\n```").unwrap() + open;
    let mut lines = Vec::new();
    let mut current = String::new();
    for raw in block[open..close].lines() {
        if let Some(head) = raw.strip_suffix('\\') {
            current.push_str(head);
            continue;
        }
        current.push_str(raw);
        let text = std::mem::take(&mut current);
        if text.trim().is_empty() || text.trim_start().starts_with('#') {
            continue;
        }
        let exit = text
            .rsplit_once("# exit ")
            .and_then(|(_, n)| n.trim().parse().ok())
            .unwrap_or(0);
        lines.push(Line { text, exit });
    }
    lines
}

#[test]
fn given_the_readme_tour_when_run_line_by_line_then_every_exit_code_is_as_annotated() {
    let lines = tour();
    assert!(lines.len() > 40, "the tour has {} lines", lines.len());
    let dir = tempfile::tempdir().unwrap();
    let rc = dir.path().join(".tour-exit-codes");
    let mut script = String::from("set +e\n");
    for (i, line) in lines.iter().enumerate() {
        script.push_str(&line.text);
        script.push_str(&format!("\necho \"{i} $?\" >> '{}'\n", rc.display()));
    }
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env("C", env!("CARGO_BIN_EXE_chancery"))
        .env_remove("CHANCERY_PASSPHRASE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let codes = std::fs::read_to_string(&rc).unwrap_or_default();
    let codes: Vec<i32> = codes
        .lines()
        .map(|l| l.split_once(' ').unwrap().1.parse().unwrap())
        .collect();
    assert_eq!(
        codes.len(),
        lines.len(),
        "the tour stopped early\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for (line, code) in lines.iter().zip(&codes) {
        assert_eq!(
            *code, line.exit,
            "README tour line\n  {}\nexited {code}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            line.text
        );
    }
    // What the tour made is what it says.
    assert!(dir.path().join("chancery-data/keys/root.key").exists());
    assert!(dir.path().join("p.png").exists());
    assert!(dir.path().join("copy/journal.log").exists());
}
