//! `chancery seal …`: register and manage seals, apply them, automatic sealing, verify sealed
//! documents.

use crate::license::{end_time, file_or_digest, opt_end_time, opt_time, time};
use crate::report::Out;
use crate::{keyfile, open, record, CliError, Signer};
use chancery::crypto::sha256;
use chancery::event::{
    AutoSealApplication, AutoSealPolicy, CaseOpening, SealApplication, SealRegistration, SealTerms,
};
use chancery::state::Principal;
use chancery::{Digest32, Event, FileStore, Ledger, Timestamp};
use clap::{Args, Subcommand};
use serde_json::json;
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum SealCommand {
    /// Register a seal (制作+备案); signed by an authority that may register seals.
    Register(Registration),
    /// Replace a seal by a new one (the old one may not be used after this).
    Remake {
        /// The seal being replaced.
        old: String,
        #[command(flatten)]
        registration: Registration,
    },
    /// Apply a seal to a document (用印); signed by the seal's own key.
    Apply {
        #[command(flatten)]
        signer: Signer,
        /// The seal's esID.
        es_id: String,
        #[command(flatten)]
        document: Document,
        /// The case reference (事项编码 / 业务流水号).
        #[arg(long)]
        case: String,
        /// The operator (a staff code, never a personal ID number).
        #[arg(long)]
        operator: String,
    },
    /// Suspend a seal (by its owner or registrar).
    Suspend(Manage),
    /// Resume a suspended seal.
    Resume {
        #[command(flatten)]
        signer: Signer,
        /// The seal's esID.
        es_id: String,
    },
    /// Report a seal lost (挂失): no application at or after the loss time counts.
    ReportLost {
        #[command(flatten)]
        manage: Manage,
        /// When the seal was lost; default now.
        /// A date alone is the start of that day in the ledger's time zone.
        #[arg(long)]
        since: Option<String>,
    },
    /// Cancel a seal (注销): final.
    Cancel(Manage),
    /// Declare a seal unlawfully made: every application of it is invalid.
    Invalidate(Manage),
    /// Everything the ledger holds about a seal: registration, status, applications.
    Show {
        /// The seal's esID.
        es_id: String,
    },
    /// List seals, optionally of one owner.
    List {
        /// Only seals of this owning unit.
        #[arg(long)]
        owner: Option<String>,
    },
    /// Status of a seal at a time (exit 0 if active, 1 if not).
    Status {
        /// The seal's esID.
        es_id: String,
        /// Reference time; default now.
        /// A date alone is the start of that day in the ledger's time zone.
        #[arg(long)]
        at: Option<String>,
    },
    /// Verify a sealed document: is it validly sealed (by --owner's seals, or --seal), each
    /// seal judged as of when it was applied? Every sealing is listed with its own verdict
    /// (exit 0 if validly sealed, 1 if not).
    VerifyDocument {
        /// The document file (or give --digest).
        #[arg(required_unless_present = "digest")]
        file: Option<PathBuf>,
        /// The document's SHA-256 (64 hex digits) instead of the file.
        #[arg(long, conflicts_with = "file")]
        digest: Option<String>,
        /// Is it validly sealed by this unit (its code)? Default: by any seal.
        #[arg(long)]
        owner: Option<String>,
        /// Is it validly sealed by this seal (esID)?
        #[arg(long = "seal", value_name = "ES_ID")]
        es_id: Option<String>,
        /// Reference time; default now.
        /// A date alone is the start of that day in the ledger's time zone.
        #[arg(long)]
        at: Option<String>,
    },
    /// Grant an auto-seal policy (超时默认、自动用印); signed by the seal's owner.
    GrantPolicy {
        #[command(flatten)]
        signer: Signer,
        /// Policy id.
        #[arg(long)]
        id: String,
        /// The seal's esID.
        #[arg(long)]
        es_id: String,
        /// Case types the policy covers, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        case_types: Vec<String>,
        /// The legal basis, as text.
        #[arg(long)]
        legal_basis: String,
        /// The engine's public key file: the only key that may apply the seal under the policy.
        #[arg(long, value_name = "FILE")]
        engine: PathBuf,
        /// Longest decision period the policy allows, in days.
        #[arg(long)]
        max_days: u64,
    },
    /// Revoke an auto-seal policy.
    RevokePolicy {
        #[command(flatten)]
        signer: Signer,
        /// Policy id.
        id: String,
    },
    /// Open an approval case with its legal deadline.
    OpenCase {
        #[command(flatten)]
        signer: Signer,
        /// Case reference (业务流水号).
        case: String,
        /// Case type (事项编码).
        #[arg(long = "type")]
        case_type: String,
        /// The service item (服务事项) the case is for.
        #[arg(long)]
        item: String,
        /// The document the case decides: the only one the engine may seal for it.
        #[command(flatten)]
        document: Document,
        /// The deadline: sealing is due once it has passed. A date alone is the end of that day
        /// in the ledger's time zone.
        #[arg(long)]
        deadline: String,
    },
    /// Record a case's decision.
    DecideCase {
        #[command(flatten)]
        signer: Signer,
        /// Case reference.
        case: String,
        /// The decision (no personal data).
        #[arg(long)]
        outcome: String,
    },
    /// List the automatic sealings due now (the auto-seal engine's tick).
    Due,
    /// Apply a seal automatically to a due case's document; signed by the policy's engine key.
    AutoApply {
        #[command(flatten)]
        signer: Signer,
        /// Policy id.
        #[arg(long)]
        policy: String,
        /// Case reference.
        #[arg(long)]
        case: String,
        #[command(flatten)]
        document: Document,
    },
}

/// A seal registration's fields.
#[derive(Args, Debug)]
pub struct Registration {
    #[command(flatten)]
    signer: Signer,
    /// The seal's esID (0-9, A-Z).
    #[arg(long)]
    es_id: String,
    /// The owning unit's code (a registered authority).
    #[arg(long)]
    owner: String,
    /// The seal's name; default the owner's filed name (which it must equal).
    #[arg(long)]
    name: Option<String>,
    /// Seal type (公章, 合同专用章, 财务专用章, ...).
    #[arg(long = "type")]
    seal_type: String,
    /// The seal's secret key file (it signs every application; it proves possession here,
    /// and only its public key is recorded).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The owning unit's secret key file: the owner accepts the seal (SPEC §18).
    #[arg(long, value_name = "FILE")]
    owner_signer: PathBuf,
    /// The seal image file; its SHA-256 is recorded.
    #[arg(long, value_name = "FILE")]
    image: PathBuf,
    /// Start of validity; default now.
    /// A date alone is the start of that day in the ledger's time zone.
    #[arg(long)]
    valid_from: Option<String>,
    /// End of validity (exclusive); default none. A date alone is the end of that day in the
    /// ledger's time zone.
    #[arg(long)]
    valid_until: Option<String>,
}

/// A seal management command's fields.
#[derive(Args, Debug)]
pub struct Manage {
    #[command(flatten)]
    signer: Signer,
    /// The seal's esID.
    es_id: String,
    /// Reason (no personal data).
    #[arg(long)]
    reason: String,
}

/// A document given as a file (hashed here) or as its digest.
#[derive(Args, Debug)]
pub struct Document {
    /// The document file; its SHA-256 is recorded.
    #[arg(long, value_name = "FILE", required_unless_present = "document_digest")]
    document: Option<PathBuf>,
    /// The document's SHA-256 (64 hex digits) instead of the file.
    #[arg(long, conflicts_with = "document")]
    document_digest: Option<String>,
}

impl Document {
    fn digest(&self) -> Result<Digest32, CliError> {
        digest_of(self.document.as_deref(), self.document_digest.as_deref())
    }
}

/// SHA-256 of `file`, or `hex` parsed: one of them is required.
fn digest_of(file: Option<&Path>, hex: Option<&str>) -> Result<Digest32, CliError> {
    file_or_digest(file, hex)?.ok_or_else(|| CliError::usage("give a document file or its digest"))
}

/// Runs a seal command.
pub fn run(store: &Path, command: SealCommand, out: &Out) -> Result<u8, CliError> {
    let reads_only = matches!(
        command,
        SealCommand::Status { .. }
            | SealCommand::VerifyDocument { .. }
            | SealCommand::Due
            | SealCommand::Show { .. }
            | SealCommand::List { .. }
    );
    let mut ledger = if reads_only {
        crate::open_reader(store)?
    } else {
        open(store)?
    };
    let now = ledger.now();
    let (signer, event) = match command {
        SealCommand::Register(r) => {
            let (signer, registration) = registration(&ledger, r, now)?;
            (signer, Event::SealRegistered(Box::new(registration)))
        }
        SealCommand::Remake {
            old,
            registration: r,
        } => {
            let (signer, registration) = registration(&ledger, r, now)?;
            (
                signer,
                Event::SealRemade {
                    old,
                    registration: Box::new(registration),
                },
            )
        }
        SealCommand::Apply {
            signer,
            es_id,
            document,
            case,
            operator,
        } => (
            signer,
            Event::SealApplied(SealApplication {
                es_id,
                document: document.digest()?,
                case,
                operator,
            }),
        ),
        SealCommand::Suspend(m) => (
            m.signer,
            Event::SealSuspended {
                es_id: m.es_id,
                reason: m.reason,
            },
        ),
        SealCommand::Resume { signer, es_id } => (signer, Event::SealResumed { es_id }),
        SealCommand::ReportLost { manage: m, since } => (
            m.signer,
            Event::SealReportedLost {
                es_id: m.es_id,
                since: opt_time(&since)?.unwrap_or(now),
                reason: m.reason,
            },
        ),
        SealCommand::Cancel(m) => (
            m.signer,
            Event::SealCancelled {
                es_id: m.es_id,
                reason: m.reason,
            },
        ),
        SealCommand::Invalidate(m) => (
            m.signer,
            Event::SealInvalidated {
                es_id: m.es_id,
                reason: m.reason,
            },
        ),
        SealCommand::Show { es_id } => return crate::query::seal_show(&ledger, &es_id, out),
        SealCommand::List { owner } => {
            return crate::query::seal_list(&ledger, owner.as_deref(), out)
        }
        SealCommand::Status { es_id, at } => {
            let at = opt_time(&at)?.unwrap_or(now);
            let status = ledger.seal_status(&es_id, at);
            let seal = ledger.state().seal(&es_id).map(|s| &s.registration);
            out.print(
                &format!("{es_id} at {}: {status}", crate::show(at)),
                json!({
                    "es_id": es_id,
                    "at": crate::show(at),
                    "status": status.name(),
                    "detail": status.to_string(),
                    "owner": seal.map(|r| r.owner.clone()),
                    "name": seal.map(|r| r.name.clone()),
                    "type": seal.map(|r| r.seal_type.clone()),
                    "uses": ledger.state().seal_uses(&es_id).len(),
                }),
            );
            return Ok(u8::from(status != chancery::SealStatus::Active));
        }
        SealCommand::VerifyDocument {
            file,
            digest,
            owner,
            es_id,
            at,
        } => {
            let document = digest_of(file.as_deref(), digest.as_deref())?;
            let at = opt_time(&at)?.unwrap_or(now);
            let asked = chancery::verify::SealFilter { owner, es_id };
            return Ok(print_document(
                &ledger.verify_document_digest_by(&document, &asked, at),
                at,
                out,
            ));
        }
        SealCommand::GrantPolicy {
            signer,
            id,
            es_id,
            case_types,
            legal_basis,
            engine,
            max_days,
        } => (
            signer,
            Event::AutoSealPolicyGranted(Box::new(AutoSealPolicy {
                id,
                es_id,
                case_types,
                legal_basis,
                engine: keyfile::read_public(&engine)?,
                max_period_ms: max_days.saturating_mul(86_400_000),
            })),
        ),
        SealCommand::RevokePolicy { signer, id } => {
            (signer, Event::AutoSealPolicyRevoked { policy: id })
        }
        SealCommand::OpenCase {
            signer,
            case,
            case_type,
            item,
            document,
            deadline,
        } => (
            signer,
            Event::CaseOpened(CaseOpening {
                case,
                case_type,
                service_item: item,
                document: document.digest()?,
                deadline: end_time(&deadline)?,
            }),
        ),
        SealCommand::DecideCase {
            signer,
            case,
            outcome,
        } => (signer, Event::CaseDecided { case, outcome }),
        SealCommand::Due => {
            let due = ledger.due_auto_seals();
            let text: Vec<String> = due
                .iter()
                .map(|d| {
                    format!(
                        "case {} (deadline {}): seal {} under policy {}, engine key {}, \
                         document {}",
                        d.case,
                        crate::show(d.deadline),
                        d.es_id,
                        d.policy,
                        d.engine,
                        d.document
                    )
                })
                .collect();
            let items: Vec<_> = due
                .iter()
                .map(|d| {
                    json!({
                        "case": d.case,
                        "deadline": crate::show(d.deadline),
                        "es_id": d.es_id,
                        "policy": d.policy,
                        "engine_key_id": d.engine.to_string(),
                        "document": d.document.to_hex(),
                    })
                })
                .collect();
            let text = if text.is_empty() {
                "no automatic sealing is due".to_owned()
            } else {
                text.join("\n")
            };
            out.print(&text, json!(items));
            return Ok(0);
        }
        SealCommand::AutoApply {
            signer,
            policy,
            case,
            document,
        } => (
            signer,
            Event::SealAutoApplied(AutoSealApplication {
                policy,
                case,
                document: document.digest()?,
            }),
        ),
    };
    record(&mut ledger, &signer, event, out)
}

/// The signer and the registration a `register` or `remake` command describes; the registrar
/// is the authority owning the signer's key.
fn registration(
    ledger: &Ledger<FileStore>,
    r: Registration,
    now: Timestamp,
) -> Result<(Signer, SealRegistration), CliError> {
    let signer_key = keyfile::read_secret(&r.signer.signer)?.key_id();
    let registrar = match ledger.state().key(&signer_key).map(|k| &k.owner) {
        Some(Principal::Authority(code)) => code.clone(),
        _ => {
            return Err(CliError::usage(format!(
                "{} is not an authority's key in this ledger",
                r.signer.signer.display()
            )))
        }
    };
    let name = match r.name {
        Some(n) => n,
        None => ledger
            .state()
            .authority(&r.owner)
            .map(|a| a.name.clone())
            .ok_or_else(|| CliError::usage(format!("unknown owner {}", r.owner)))?,
    };
    let image = std::fs::read(&r.image).map_err(|e| CliError::io(&r.image, e))?;
    let seal_key = keyfile::read_secret(&r.key)?;
    let owner_key = keyfile::read_secret(&r.owner_signer)?;
    let terms = SealTerms {
        es_id: r.es_id,
        owner: r.owner,
        name,
        seal_type: r.seal_type,
        key: seal_key.public_key(),
        image: sha256(&image),
        valid_from: r
            .valid_from
            .as_deref()
            .map(time)
            .transpose()?
            .unwrap_or(now),
        valid_until: opt_end_time(&r.valid_until)?,
        registrar,
    };
    let origin = ledger.origin();
    Ok((r.signer, terms.accept(origin, &owner_key, &seal_key)))
}

/// Prints a sealed document's verification; the exit code (0 valid, 1 not).
fn print_document(report: &chancery::DocumentReport, at: Timestamp, out: &Out) -> u8 {
    let asked = match (&report.asked.owner, &report.asked.es_id) {
        (Some(o), Some(e)) => format!(" (sealed by seal {e} of {o}?)"),
        (Some(o), None) => format!(" (sealed by a seal of {o}?)"),
        (None, Some(e)) => format!(" (sealed by seal {e}?)"),
        (None, None) => String::new(),
    };
    let mut text = vec![format!(
        "document {} at {}{asked}: {}",
        report.document,
        crate::show(at),
        report.verdict
    )];
    let mut items = Vec::new();
    for s in &report.sealings {
        let how = match (&s.automatic, &s.operator) {
            (Some(a), _) => format!(
                "automatically under policy {} ({}), case {} past its deadline {}",
                a.policy,
                a.legal_basis,
                a.case,
                crate::show(a.deadline)
            ),
            (None, Some(op)) => format!("by operator {op}, case {}", s.case),
            (None, None) => format!("case {}", s.case),
        };
        text.push(format!(
            "  seal {} ({}, {}) of {} at {} (entry {}), {how}: {}",
            s.es_id,
            s.seal_name,
            s.seal_type,
            s.owner,
            crate::show(s.sealed_at),
            s.seq,
            s.verdict
        ));
        items.push(json!({
            "es_id": s.es_id,
            "owner": s.owner,
            "seal_name": s.seal_name,
            "seal_type": s.seal_type,
            "sealed_at": crate::show(s.sealed_at),
            "seq": s.seq,
            "case": s.case,
            "operator": s.operator,
            "automatic": s.automatic.as_ref().map(|a| json!({
                "policy": a.policy,
                "legal_basis": a.legal_basis,
                "case": a.case,
                "deadline": crate::show(a.deadline),
                "engine_key_id": a.engine.to_string(),
            })),
            "valid": s.verdict.is_valid(),
            "verdict": s.verdict.to_string(),
        }));
    }
    out.print(
        &text.join("\n"),
        json!({
            "document": report.document.to_hex(),
            "at": crate::show(at),
            "valid": report.verdict.is_valid(),
            "verdict": report.verdict.to_string(),
            "owner_asked": report.asked.owner,
            "seal_asked": report.asked.es_id,
            "sealings": items,
        }),
    );
    u8::from(!report.verdict.is_valid())
}
