//! `chancery`: the command-line tool for ledger operators, issuing authorities and auditors.
//!
//! Exit codes: 0 success (or valid), 1 verified invalid or damage found, 2 usage or I/O error.
//! Errors are one line on stderr. See `chancery --help` and README.md.

mod archive;
mod audit;
mod authority;
mod checkpoint;
mod cli;
mod common;
mod consent;
mod demo;
mod error;
mod files;
mod init;
mod keyfile;
mod keys;
mod license;
mod present;
mod query;
mod report;
mod seal;
#[cfg(feature = "server")]
mod serve;

// What the command modules use through `crate::…`.
pub use checkpoint::sign_checkpoint;
pub use cli::Signer;
pub use common::{actor, append, open, open_reader, record, record_with, show, zone};
pub use error::CliError;

use chancery::event::Policy;
use clap::Parser;
use cli::{Cli, Command, PrintWhat, TrustListCommand};
use common::init_integrity_key;
use report::Out;
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let json = std::env::args_os().any(|a| a == "--json");
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e, json),
    };
    files::set_force(cli.force);
    let out = Out::new(cli.json, cli.print == Some(PrintWhat::Id));
    match run(cli, &out) {
        Ok(code) => ExitCode::from(code),
        Err(e) => fail(&e, json),
    }
}

/// Reports a failed command: one line `chancery: …` on stderr, or under `--json` one JSON
/// object `{"error": …, "exit": …}`; returns its exit code.
fn fail(e: &CliError, json: bool) -> ExitCode {
    use std::io::Write;
    let message = report::localize(&e.message);
    let line = if json {
        json!({ "error": message, "exit": e.code }).to_string()
    } else {
        format!("chancery: {message}")
    };
    let _ = writeln!(std::io::stderr(), "{line}");
    ExitCode::from(e.code)
}

/// Help and version go to stdout (exit 0); a usage error becomes one line like every other
/// error (exit 2), with clap's hint at `--help`.
fn usage_error(e: clap::Error, json: bool) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let code = if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            2
        } else {
            0
        };
        let text = e.render().to_string();
        report::line(text.trim_end());
        return ExitCode::from(code);
    }
    let rendered = e.render().to_string();
    // The first line, with what clap lists under it ("…not provided:" then the arguments).
    let mut lines = rendered.lines().skip_while(|l| l.trim().is_empty());
    let mut first = lines
        .next()
        .unwrap_or("invalid arguments")
        .trim_start_matches("error: ")
        .to_owned();
    if first.ends_with(':') {
        let listed: Vec<&str> = lines
            .take_while(|l| !l.trim().is_empty())
            .map(str::trim)
            .collect();
        first.push(' ');
        first.push_str(&listed.join(", "));
    }
    fail(&CliError::usage(format!("{first} (see --help)")), json)
}

/// Runs a command; the exit code on success is 0 or, for a check that found something
/// invalid, 1.
fn run(cli: Cli, out: &Out) -> Result<u8, CliError> {
    keyfile::init_passphrase(cli.passphrase_file.as_deref())?;
    let store = cli.store.as_path();
    init_integrity_key(
        cli.integrity_key
            .or_else(|| std::env::var_os("CHANCERY_INTEGRITY_KEY").map(PathBuf::from)),
        store,
    )?;
    match cli.command {
        Command::Init {
            origin,
            root_key,
            max_skew_secs,
            utc_offset,
        } => init::run(
            store,
            &origin,
            root_key.as_deref(),
            Policy {
                max_skew_ms: max_skew_secs.saturating_mul(1000),
                utc_offset,
                ..Policy::default()
            },
            out,
        ),
        Command::Key(k) => keys::key(store, k, out),
        Command::RotateRoot { signer, new_key } => keys::rotate_root(store, &signer, &new_key, out),
        Command::OperatorKey(k) => keys::operator_key(store, k, out),
        Command::Authority(a) => authority::run(store, a, out),
        Command::LicenseType(t) => authority::license_type(store, t, out),
        Command::License(l) => license::run(store, l, out),
        Command::Seal(c) => seal::run(store, c, out),
        Command::Consent(c) => consent::run(store, c, out),
        Command::Present(a) => present::present(store, a, out),
        Command::TrustList(TrustListCommand::Create(a)) => present::trust_list(store, a, out),
        Command::VerifyPresentation(a) => present::verify(a, out),
        Command::HolderSign(a) => present::holder_sign(a, out),
        Command::PresentSeal(a) => present::present_seal(store, a, out),
        Command::VerifySealed(a) => present::verify_sealed(a, out),
        Command::Checkpoint { signer, out: file } => {
            checkpoint::run(store, &signer, file.as_deref(), out)
        }
        #[cfg(feature = "server")]
        Command::Audit {
            url: Some(url),
            since,
            ..
        } => serve::audit_url(&url, since.as_deref(), out),
        #[cfg_attr(not(feature = "server"), allow(unused_variables))]
        Command::Audit { archive, since, .. } => {
            audit::run(store, archive.as_deref(), since.as_deref(), out)
        }
        #[cfg(feature = "server")]
        Command::Monitor {
            url,
            log_keys,
            state,
            once,
            every,
        } => serve::monitor(&url, &log_keys, state.as_deref(), once, every, out),
        Command::Export { out: file } => archive::export(store, &file, out),
        Command::Prove(p) => checkpoint::prove(store, p, out),
        Command::Import { file } => archive::import(store, &file, out),
        Command::Demo { entries, origin } => demo::run(store, &origin, entries, out),
        #[cfg(feature = "server")]
        Command::Serve {
            listen,
            public_entries,
            operator_key,
            batch_window_ms,
            per_client,
            trust,
            list_keys,
            list_origins,
            witnesses,
            witness_timeout_ms,
            tls,
            stamps,
            stamp_hours,
        } => {
            let trust = match trust.is_empty() {
                true => None,
                false => Some(std::sync::Arc::new(present::load_trust(
                    &trust,
                    &list_keys,
                    &list_origins,
                )?)),
            };
            let witnesses = witnesses
                .iter()
                .map(|w| {
                    chancery::server::WitnessEndpoint::parse(w)
                        .map_err(|e| CliError::usage(format!("--witness {e}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            serve::run(
                store,
                listen,
                operator_key.as_deref(),
                (
                    witnesses,
                    std::time::Duration::from_millis(witness_timeout_ms),
                ),
                tls.files(),
                stamps.then_some(stamp_hours),
                chancery::server::Options {
                    trust,
                    public_entries,
                    batch_window: std::time::Duration::from_millis(batch_window_ms),
                    per_client,
                    ..chancery::server::Options::default()
                },
            )
        }
        #[cfg(feature = "server")]
        Command::Witness(cli::WitnessCommand::Serve {
            listen,
            key,
            name,
            logs,
            state,
            tls,
        }) => serve::witness(listen, &key, &name, &logs, &state, tls.files()),
    }
}
