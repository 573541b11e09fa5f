//! The service's counters, served at `/metrics` in the Prometheus text format (version 0.0.4,
//! SPEC §25). They count requests and commits, never what a request carried: no credential,
//! claim value, holder code or license id appears in a label.

use crate::ledger::ProvenBatch;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const SECONDS: [f64; 14] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Upper bounds of the batch-size buckets, in statements.
const STATEMENTS: [f64; 13] = [
    1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0, 4096.0,
];

/// A cumulative histogram over fixed bucket bounds.
struct Histogram {
    bounds: &'static [f64],
    counts: Vec<AtomicU64>,
    /// The sum of the observations, in millionths (of a second, or of a statement).
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    fn observe(&self, value: f64) {
        if let Some(i) = self.bounds.iter().position(|b| value <= *b) {
            self.counts[i].fetch_add(1, Ordering::Relaxed);
        }
        // Saturating float-to-int cast: a negative or absurd value cannot wrap the sum.
        self.sum_micros
            .fetch_add((value * 1e6) as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (bound, count) in self.bounds.iter().zip(&self.counts) {
            cumulative += count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let braces = |l: &str| match l {
            "" => String::new(),
            l => format!("{{{l}}}"),
        };
        let _ = writeln!(out, "{name}_sum{} {sum}", braces(labels));
        let _ = writeln!(out, "{name}_count{} {count}", braces(labels));
    }
}

/// The service's counters.
pub struct Metrics {
    /// Requests answered, by route (its pattern, never the path asked for) and status.
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    /// Request latency, by route.
    latency: Mutex<BTreeMap<String, Histogram>>,
    recorded: AtomicU64,
    resubmitted: AtomicU64,
    refused: AtomicU64,
    commits: AtomicU64,
    failed_commits: AtomicU64,
    batch_size: Histogram,
    commit_seconds: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            requests: Mutex::default(),
            latency: Mutex::default(),
            recorded: AtomicU64::new(0),
            resubmitted: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            commits: AtomicU64::new(0),
            failed_commits: AtomicU64::new(0),
            batch_size: Histogram::new(&STATEMENTS),
            commit_seconds: Histogram::new(&SECONDS),
        }
    }
}

impl Metrics {
    /// Counts a request to `route` answered with `status` after `took`.
    pub(super) fn request(&self, route: &str, status: u16, took: Duration) {
        let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        *requests.entry((route.to_owned(), status)).or_default() += 1;
        drop(requests);
        let mut latency = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        latency
            .entry(route.to_owned())
            .or_insert_with(|| Histogram::new(&SECONDS))
            .observe(took.as_secs_f64());
    }

    /// Counts a group commit of `statements` that took `took` (the durable append and the
    /// checkpoint), and what became of its statements if it succeeded.
    pub(super) fn committed(&self, statements: usize, took: Duration, batch: Option<&ProvenBatch>) {
        self.batch_size.observe(statements as f64);
        self.commit_seconds.observe(took.as_secs_f64());
        let Some(batch) = batch else {
            self.failed_commits.fetch_add(1, Ordering::Relaxed);
            return;
        };
        self.commits.fetch_add(1, Ordering::Relaxed);
        for receipt in &batch.receipts {
            let counter = match receipt {
                Ok(r) if r.receipt.resubmission.is_some() => &self.resubmitted,
                Ok(_) => &self.recorded,
                Err(_) => &self.refused,
            };
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts statements refused before they reached a commit.
    pub(super) fn refused_early(&self, n: usize) {
        self.refused.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// The Prometheus text exposition of every counter; `entries` is the ledger's size.
    pub fn render(&self, entries: u64) -> String {
        let mut out = String::new();
        let header = |out: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        header(
            &mut out,
            "chancery_ledger_entries",
            "gauge",
            "Entries in the ledger.",
        );
        let _ = writeln!(out, "chancery_ledger_entries {entries}");

        header(
            &mut out,
            "chancery_http_requests_total",
            "counter",
            "HTTP requests answered, by route and status.",
        );
        for ((route, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "chancery_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        header(
            &mut out,
            "chancery_http_request_duration_seconds",
            "histogram",
            "Time to answer an HTTP request, by route.",
        );
        for (route, h) in self
            .latency
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            h.render(
                &mut out,
                "chancery_http_request_duration_seconds",
                &format!("route=\"{}\"", escape(route)),
            );
        }

        header(
            &mut out,
            "chancery_statements_total",
            "counter",
            "Submitted statements, by outcome.",
        );
        labelled(
            &mut out,
            "chancery_statements_total",
            "outcome",
            &[
                ("recorded", &self.recorded),
                ("resubmitted", &self.resubmitted),
                ("refused", &self.refused),
            ],
        );
        header(
            &mut out,
            "chancery_commits_total",
            "counter",
            "Group commits, by result.",
        );
        labelled(
            &mut out,
            "chancery_commits_total",
            "result",
            &[("ok", &self.commits), ("failed", &self.failed_commits)],
        );
        header(
            &mut out,
            "chancery_commit_statements",
            "histogram",
            "Statements per group commit.",
        );
        self.batch_size
            .render(&mut out, "chancery_commit_statements", "");
        header(
            &mut out,
            "chancery_commit_duration_seconds",
            "histogram",
            "Time of a group commit: validation, the durable append (fsync) and the checkpoint.",
        );
        self.commit_seconds
            .render(&mut out, "chancery_commit_duration_seconds", "");
        out
    }
}

/// One line per counter of `name`, its `label` set to each value.
fn labelled(out: &mut String, name: &str, label: &str, counters: &[(&str, &AtomicU64)]) {
    for (value, n) in counters {
        let _ = writeln!(
            out,
            "{name}{{{label}=\"{value}\"}} {}",
            n.load(Ordering::Relaxed)
        );
    }
}

/// A label value as the text format writes it.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
