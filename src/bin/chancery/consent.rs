//! `chancery consent …`: holder keys, consents (用证授权) and use records (用证记录).

use crate::license::{end_time, id, opt_time};
use crate::report::Out;
use crate::{actor, append, keyfile, open, record, CliError, Signer};
use chancery::event::{Consent, UseRecord, UseResult};
use chancery::{Digest32, Event};
use clap::Subcommand;
use serde_json::json;
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum ConsentCommand {
    /// Bind the holder's key to a license (by the issuer); it replaces any earlier holder key.
    BindKey {
        #[command(flatten)]
        signer: Signer,
        /// License id (current version).
        license: String,
        /// The holder's public key file (use a fresh key per license).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
    /// Grant a relying party consent to check a license for a service item (by the holder's
    /// key); prints the consent id.
    Grant {
        #[command(flatten)]
        signer: Signer,
        /// License id (any version).
        license: String,
        /// The relying party's code (a registered authority).
        #[arg(long)]
        party: String,
        /// The service item (服务事项编码).
        #[arg(long)]
        item: String,
        /// Start of the window; default now.
        /// A date alone is the start of that day in the ledger's time zone.
        #[arg(long)]
        from: Option<String>,
        /// End of the window (exclusive). A date alone is the end of that day in the ledger's
        /// time zone.
        #[arg(long)]
        until: String,
        /// How many uses the consent allows.
        #[arg(long, default_value_t = 1)]
        uses: u64,
    },
    /// Revoke a consent (by the holder's key).
    Revoke {
        #[command(flatten)]
        signer: Signer,
        /// The consent id (hex).
        consent: String,
    },
    /// Record a use of a license under a consent (by the relying party).
    Use {
        #[command(flatten)]
        signer: Signer,
        /// The consent id (hex).
        consent: String,
        /// The license version checked.
        #[arg(long)]
        license: String,
        /// The service item (the consent's).
        #[arg(long)]
        item: String,
        /// The relying party's case number.
        #[arg(long)]
        case: String,
        /// The license was refused (default: accepted).
        #[arg(long)]
        refused: bool,
    },
    /// A license's consents and use records.
    History {
        /// License id (any version).
        license: String,
    },
}

fn consent_id(s: &str) -> Result<Digest32, CliError> {
    Digest32::from_hex(s)
        .ok_or_else(|| CliError::usage(format!("bad consent id {s:?}: 64 hex digits")))
}

/// Runs a consent command.
pub fn run(store: &Path, command: ConsentCommand, out: &Out) -> Result<u8, CliError> {
    let mut ledger = if matches!(command, ConsentCommand::History { .. }) {
        crate::open_reader(store)?
    } else {
        open(store)?
    };
    let now = ledger.now();
    let (signer, event) = match command {
        ConsentCommand::BindKey {
            signer,
            license,
            key,
        } => (
            signer,
            Event::HolderKeyBound {
                license: id(&license)?,
                key: keyfile::read_public(&key)?,
            },
        ),
        ConsentCommand::Grant {
            signer,
            license,
            party,
            item,
            from,
            until,
            uses,
        } => {
            let consent = Consent {
                license: id(&license)?,
                relying_party: party,
                service_item: item,
                from: opt_time(&from)?.unwrap_or(now),
                until: end_time(&until)?,
                max_uses: uses,
            };
            let statement = actor(&ledger, &signer)?.sign(Event::UseAuthorized(consent), now);
            let id = statement.id();
            return append(
                &mut ledger,
                statement,
                out,
                &[("consent id", "consent", id.to_string())],
            );
        }
        ConsentCommand::Revoke { signer, consent } => (
            signer,
            Event::UseAuthorizationRevoked {
                consent: consent_id(&consent)?,
            },
        ),
        ConsentCommand::Use {
            signer,
            consent,
            license,
            item,
            case,
            refused,
        } => (
            signer,
            Event::UseRecorded(UseRecord {
                license: id(&license)?,
                consent: consent_id(&consent)?,
                service_item: item,
                case,
                result: if refused {
                    UseResult::Refused
                } else {
                    UseResult::Accepted
                },
            }),
        ),
        ConsentCommand::History { license } => {
            let id = id(&license)?;
            let state = ledger.state();
            if state.lineage(&id).is_none() {
                return Err(CliError::invalid(format!(
                    "license {id} is not on the ledger"
                )));
            }
            let consents = state.consents_for(&id);
            let uses = state.uses_of(&id);
            let mut text = Vec::new();
            for c in &consents {
                let k = &c.consent;
                text.push(format!(
                    "consent {} for {} / {} from {} until {}, {} of {} uses{}",
                    c.id,
                    k.relying_party,
                    k.service_item,
                    crate::show(k.from),
                    crate::show(k.until),
                    c.uses.len(),
                    k.max_uses,
                    if c.revoked.is_some() { ", revoked" } else { "" }
                ));
            }
            for u in uses {
                text.push(format!(
                    "use by {} of {} for {} case {} at {} (entry {}): {:?}",
                    u.relying_party,
                    u.record.license,
                    u.record.service_item,
                    u.record.case,
                    crate::show(u.recorded.ledger_time),
                    u.recorded.seq,
                    u.record.result
                ));
            }
            out.print(
                &text.join("\n"),
                json!({
                    "license": id.to_string(),
                    "consents": consents.iter().map(|c| json!({
                        "id": c.id.to_hex(),
                        "relying_party": c.consent.relying_party,
                        "service_item": c.consent.service_item,
                        "from": crate::show(c.consent.from),
                        "until": crate::show(c.consent.until),
                        "max_uses": c.consent.max_uses,
                        "uses": c.uses.len(),
                        "revoked": c.revoked.is_some(),
                    })).collect::<Vec<_>>(),
                    "uses": uses.iter().map(|u| json!({
                        "relying_party": u.relying_party,
                        "license": u.record.license.to_string(),
                        "service_item": u.record.service_item,
                        "case": u.record.case,
                        "result": format!("{:?}", u.record.result),
                        "ledger_time": crate::show(u.recorded.ledger_time),
                        "seq": u.recorded.seq,
                    })).collect::<Vec<_>>(),
                }),
            );
            return Ok(0);
        }
    };
    record(&mut ledger, &signer, event, out)
}
