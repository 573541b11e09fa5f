//! Output: human text or JSON on stdout, progress bars on a terminal's stderr, summaries.

use chancery::storage::{Record, StorageError, Store};
use chancery::{Digest32, State, Timestamp};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

/// Where results go: text or JSON on stdout.
///
/// A write to stdout that fails (a closed pipe, as in `chancery … | head`, or a full disk) ends
/// the process quietly with exit code 2: there is no one left to tell.
#[derive(Debug)]
pub struct Out {
    json: bool,
    print_id: bool,
}

impl Out {
    /// Text output, or JSON if `json`; only the id of what a command creates if `print_id`.
    pub fn new(json: bool, print_id: bool) -> Self {
        Self { json, print_id }
    }

    /// Whether output is JSON.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Prints `text`, or `value` as JSON.
    pub fn print(&self, text: &str, value: Value) {
        if self.print_id {
            return;
        }
        if self.json {
            line(&value.to_string());
        } else if !text.is_empty() {
            line(text);
        }
    }

    /// Prints the result of a command that created something: `text` or `value`, or just `id`
    /// under `--print id`.
    pub fn created(&self, id: &str, text: &str, value: Value) {
        if self.print_id {
            line(id);
        } else {
            self.print(text, value);
        }
    }

    /// Whether `--print id` was given.
    pub fn prints_id(&self) -> bool {
        self.print_id
    }
}

/// `text` with every UTC time the library printed (`YYYY-MM-DDTHH:MM:SS.mmmZ`, in statuses,
/// verdicts and refusals) shown in the ledger's civil time zone instead, with its offset: the
/// one place where the tool turns the wire's UTC into the time people read.
pub fn localize(text: &str) -> String {
    const LEN: usize = 24;
    let b = text.as_bytes();
    let shape = |w: &[u8]| {
        w.len() == LEN
            && w.iter().enumerate().all(|(i, c)| match i {
                4 | 7 => *c == b'-',
                10 => *c == b'T',
                13 | 16 => *c == b':',
                19 => *c == b'.',
                23 => *c == b'Z',
                _ => c.is_ascii_digit(),
            })
    };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if i + LEN <= b.len() && shape(&b[i..i + LEN]) {
            if let Some(t) = text.get(i..i + LEN).and_then(Timestamp::parse) {
                out.push_str(&crate::show(t));
                i += LEN;
                continue;
            }
        }
        let ch = text[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// Writes one line to stdout (times localized, see [`localize`]), ending the process with
/// exit code 2 if stdout is gone.
pub fn line(text: &str) {
    use std::io::Write;
    let text = localize(text);
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{text}")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        std::process::exit(2);
    }
}

/// A progress bar drawn on stderr only when stderr is a terminal.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
    by_bytes: bool,
}

impl Progress {
    /// Progress counted in entries, out of `total`.
    pub fn entries(what: &str, total: u64) -> Self {
        Self::new(what, total, false)
    }

    /// Progress of reading a file of `total` bytes, showing the entries read.
    pub fn bytes(what: &str, total: u64) -> Self {
        Self::new(what, total, true)
    }

    fn new(what: &str, total: u64, by_bytes: bool) -> Self {
        let bar = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(
                Some(if by_bytes { 0 } else { total }),
                ProgressDrawTarget::stderr(),
            );
            let template = if by_bytes {
                "{prefix} {spinner} {msg} entries, {elapsed}"
            } else {
                "{prefix} [{bar:40}] {pos}/{len} entries, {per_sec}, eta {eta}"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(what.to_owned());
            bar
        } else {
            ProgressBar::hidden()
        };
        Self { bar, by_bytes }
    }

    /// `n` entries done.
    pub fn set_entries(&self, n: u64) {
        if self.by_bytes {
            self.bar.set_message(n.to_string());
            self.bar.tick();
        } else {
            self.bar.set_position(n);
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// A store whose reads advance a progress bar (for replays inside the library).
pub struct Watched<'a, S> {
    inner: S,
    progress: &'a Progress,
}

impl<'a, S: Store> Watched<'a, S> {
    /// Wraps `inner`.
    pub fn new(inner: S, progress: &'a Progress) -> Self {
        Self { inner, progress }
    }
}

impl<S: Store> Store for Watched<'_, S> {
    fn len(&self) -> u64 {
        self.inner.len()
    }

    fn append(&mut self, expected_len: u64, records: &[Record]) -> Result<(), StorageError> {
        self.inner.append(expected_len, records)
    }

    fn read(&self, start: u64, end: u64) -> Result<Vec<Record>, StorageError> {
        let out = self.inner.read(start, end)?;
        self.progress.set_entries(end);
        Ok(out)
    }

    fn locate(&self, seq: u64) -> Option<(PathBuf, u64)> {
        self.inner.locate(seq)
    }
}

/// What a verified ledger holds, for the final report of audit, import and demo.
#[derive(Debug)]
pub struct Summary {
    origin: String,
    entries: u64,
    root: Digest32,
    head: Digest32,
    authorities: usize,
    licenses: usize,
    versions: usize,
    by_status: BTreeMap<&'static str, u64>,
    seals_by_status: BTreeMap<&'static str, u64>,
    /// Seal applications: manual, automatic.
    sealings: (u64, u64),
    /// Approval cases: opened, decided, sealed automatically.
    cases: (u64, u64, u64),
    consents: u64,
    uses: u64,
    checkpoints: usize,
    /// Whether the registries were counted (not for a ledger read from its index, whose
    /// counting would read every row).
    counted: bool,
}

impl Summary {
    /// Summarises the replayed state of the ledger of `origin` whose Merkle root is `root`.
    pub fn of(origin: &str, state: &State, root: Digest32) -> Self {
        let at = Timestamp::now().max(state.last_time());
        let mut by_status = BTreeMap::new();
        let mut licenses = 0;
        let mut versions = 0;
        for lineage in state.lineages() {
            licenses += 1;
            versions += lineage.versions.len();
            if let Some(current) = lineage.versions.last() {
                *by_status
                    .entry(state.status(&current.version.id, at).name())
                    .or_insert(0) += 1;
            }
        }
        let mut seals_by_status = BTreeMap::new();
        for seal in state.seals() {
            *seals_by_status
                .entry(state.seal_status(&seal.registration.es_id, at).name())
                .or_insert(0) += 1;
        }
        let mut sealings = (0, 0);
        for u in state.all_sealings() {
            if u.policy.is_some() {
                sealings.1 += 1;
            } else {
                sealings.0 += 1;
            }
        }
        let mut cases = (0, 0, 0);
        for c in state.cases() {
            cases.0 += 1;
            cases.1 += u64::from(c.decided.is_some());
            cases.2 += u64::from(c.auto_sealed.is_some());
        }
        Self {
            seals_by_status,
            sealings,
            cases,
            consents: state.consents().count() as u64,
            uses: state.all_uses().count() as u64,
            origin: origin.to_owned(),
            entries: state.size(),
            root,
            head: state.head(),
            authorities: state.authorities().count(),
            licenses,
            versions,
            by_status,
            checkpoints: 0,
            counted: true,
        }
    }

    /// The summary of a ledger of `origin` of `entries` entries, without the registries'
    /// counts: what an audit through the persistent index reports, in bounded memory.
    pub fn brief(origin: &str, entries: u64, root: Digest32, head: Digest32) -> Self {
        Self {
            origin: origin.to_owned(),
            entries,
            root,
            head,
            authorities: 0,
            licenses: 0,
            versions: 0,
            by_status: BTreeMap::new(),
            seals_by_status: BTreeMap::new(),
            sealings: (0, 0),
            cases: (0, 0, 0),
            consents: 0,
            uses: 0,
            checkpoints: 0,
            counted: false,
        }
    }

    /// Records how many signed checkpoints were verified.
    pub fn with_checkpoints(self, checkpoints: usize) -> Self {
        Self {
            checkpoints,
            ..self
        }
    }

    /// Prints the summary under `title`, with the time taken and the process's peak memory.
    pub fn print(&self, title: &str, elapsed: Duration, out: &Out) {
        let secs = elapsed.as_secs_f64();
        let rate = if secs > 0.0 {
            self.entries as f64 / secs
        } else {
            0.0
        };
        let peak = peak_rss_kib();
        let join = |m: &BTreeMap<&'static str, u64>| {
            m.iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut text = format!(
            "{title}\n  origin       {}\n  entries      {}\n  merkle root  {}\n  head         {}",
            self.origin, self.entries, self.root, self.head,
        );
        let mut report = json!({
            "result": title,
            "origin": self.origin,
            "entries": self.entries,
            "root": self.root.to_hex(),
            "head": self.head.to_hex(),
            "checkpoints_verified": self.checkpoints,
            "seconds": secs,
            "entries_per_second": rate,
            "peak_rss_kib": peak,
        });
        if self.counted {
            text.push_str(&format!(
                "\n  authorities  {}\n  licenses     {} ({} versions; current: {})\n  \
                 seals        {} ({}); {} applications, {} automatic\n  \
                 cases        {} opened, {} decided, {} sealed automatically\n  \
                 consents     {} ({} use records)",
                self.authorities,
                self.licenses,
                self.versions,
                join(&self.by_status),
                self.seals_by_status.values().sum::<u64>(),
                join(&self.seals_by_status),
                self.sealings.0 + self.sealings.1,
                self.sealings.1,
                self.cases.0,
                self.cases.1,
                self.cases.2,
                self.consents,
                self.uses,
            ));
            if let serde_json::Value::Object(m) = &mut report {
                let counts = json!({
                    "authorities": self.authorities,
                    "licenses": self.licenses,
                    "versions": self.versions,
                    "licenses_by_status": self.by_status,
                    "seals_by_status": self.seals_by_status,
                    "seal_applications": self.sealings.0 + self.sealings.1,
                    "automatic_seal_applications": self.sealings.1,
                    "cases_opened": self.cases.0,
                    "cases_decided": self.cases.1,
                    "cases_sealed_automatically": self.cases.2,
                    "consents": self.consents,
                    "use_records": self.uses,
                });
                if let serde_json::Value::Object(c) = counts {
                    m.extend(c);
                }
            }
        }
        text.push_str(&format!(
            "\n  checkpoints  {} verified\n  time         {secs:.2} s ({rate:.0} entries/s){}",
            self.checkpoints,
            peak.map(|k| format!("\n  peak memory  {} MiB", k / 1024))
                .unwrap_or_default(),
        ));
        out.print(&text, report);
    }
}

/// The process's peak resident set size (Linux), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
