//! The facts of the ledger, queryable: `license show`, `license list`, `license-type list`,
//! `seal show`, `seal list`; and proofs for outside tools (`prove inclusion|consistency`).

use crate::report::Out;
use crate::{show, CliError};
use base64::Engine;
use chancery::state::{LifeEvent, Lineage, Provenance};
use chancery::{Digest32, FileStore, Ledger, LicenseId, Timestamp};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

/// `chancery license list` filters.
#[derive(Args, Debug)]
pub struct LicenseFilter {
    /// Only licenses of this type.
    #[arg(long = "type")]
    type_code: Option<String>,
    /// Only licenses issued by this authority.
    #[arg(long)]
    issuer: Option<String>,
    /// Only licenses of this holder commitment (64 hex digits, as in the credential).
    #[arg(long, value_name = "HEX")]
    holder: Option<String>,
    /// Only licenses whose current version has this status now (valid, suspended, revoked,
    /// expired, …).
    #[arg(long)]
    status: Option<String>,
    /// Skip this many matching licenses (for paging).
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// Show at most this many.
    #[arg(long, default_value_t = 50)]
    limit: usize,
}

/// `chancery prove …`.
#[derive(Subcommand, Debug)]
pub enum ProveCommand {
    /// An RFC 9162 inclusion proof of entry SEQ in the tree of size N (default: the latest
    /// kept checkpoint's size, else the ledger's size).
    Inclusion {
        /// The entry's sequence number (its leaf index).
        seq: u64,
        /// The tree size.
        #[arg(long)]
        size: Option<u64>,
    },
    /// An RFC 9162 consistency proof from tree size OLD to NEW (default NEW: the latest kept
    /// checkpoint's size, else the ledger's size).
    Consistency {
        /// The older tree size.
        old: u64,
        /// The newer tree size.
        new: Option<u64>,
    },
}

fn b64(d: &Digest32) -> String {
    base64::engine::general_purpose::STANDARD.encode(d.0)
}

fn prov(p: &Provenance) -> Value {
    json!({ "seq": p.seq, "ledger_time": show(p.ledger_time) })
}

/// The current status name of a lineage's latest version at `now`.
fn current_status(ledger: &Ledger<FileStore>, l: &Lineage, now: Timestamp) -> &'static str {
    l.versions
        .last()
        .map_or("unknown", |v| ledger.status(&v.version.id, now).name())
}

/// `license show ID`.
pub fn license_show(ledger: &Ledger<FileStore>, id: &LicenseId, out: &Out) -> Result<u8, CliError> {
    let facts = ledger
        .license_facts(id, ledger.now())
        .ok_or_else(|| CliError::invalid(format!("license {id} is not on the ledger")))?;
    let printed = facts
        .versions
        .first()
        .map(|v| v.printed_number.clone())
        .unwrap_or_default();
    let mut text = vec![format!(
        "license {} ({}), type {} ({}), issuer {}, printed number {printed}",
        facts.lineage,
        facts.status.name(),
        facts.type_code,
        facts.type_name,
        facts.issuer,
    )];
    let mut versions = Vec::new();
    for v in &facts.versions {
        text.push(format!(
            "  {} entry {} at {}: valid {} – {}; now {}",
            v.id,
            v.recorded.seq,
            show(v.recorded.ledger_time),
            show(v.valid_from),
            v.valid_until
                .map(show)
                .unwrap_or_else(|| "no end (长期)".into()),
            v.status,
        ));
        versions.push(json!({
            "id": v.id.to_string(),
            "printed_number": v.printed_number,
            "recorded": prov(&v.recorded),
            "valid_from": show(v.valid_from),
            "valid_until": v.valid_until.map(show),
            "status": v.status.name(),
            "detail": v.status.to_string(),
        }));
    }
    let mut history = Vec::new();
    for e in &facts.events {
        match e {
            LifeEvent::Suspended { recorded, lifted } => {
                text.push(format!(
                    "  suspended at entry {} ({}){}",
                    recorded.seq,
                    show(recorded.ledger_time),
                    lifted
                        .map(|l| format!(", lifted at entry {} ({})", l.seq, show(l.ledger_time)))
                        .unwrap_or_default()
                ));
                history.push(json!({
                    "event": e.name(),
                    "recorded": prov(recorded),
                    "lifted": lifted.as_ref().map(prov),
                }));
            }
            LifeEvent::Terminated {
                kind,
                recorded,
                effective,
            } => {
                text.push(format!(
                    "  {kind:?} at entry {} ({}), effective {}",
                    recorded.seq,
                    show(recorded.ledger_time),
                    show(*effective)
                ));
                history.push(json!({
                    "event": e.name(),
                    "recorded": prov(recorded),
                    "effective": show(*effective),
                }));
            }
        }
    }
    out.print(
        &text.join("\n"),
        json!({
            "license": facts.lineage,
            "type": facts.type_code,
            "type_name": facts.type_name,
            "issuer": facts.issuer,
            "printed_number": printed,
            "status": facts.status.name(),
            "versions": versions,
            "history": history,
        }),
    );
    Ok(0)
}

/// `license list`.
pub fn license_list(
    ledger: &Ledger<FileStore>,
    f: &LicenseFilter,
    out: &Out,
) -> Result<u8, CliError> {
    let now = ledger.now();
    let holder = f
        .holder
        .as_deref()
        .map(|h| {
            Digest32::from_hex(h)
                .ok_or_else(|| CliError::usage(format!("bad --holder {h:?}: 64 hex digits")))
        })
        .transpose()?;
    let mut rows: Vec<(&Lineage, &'static str)> = ledger
        .state()
        .lineages()
        .filter_map(|l| {
            let v = &l.versions.last()?.version;
            let status = current_status(ledger, l, now);
            let keep = f.type_code.as_deref().is_none_or(|t| v.id.type_code() == t)
                && f.issuer.as_deref().is_none_or(|i| v.id.issuer() == i)
                && holder.is_none_or(|h| l.versions.iter().any(|x| x.version.holder == h))
                && f.status
                    .as_deref()
                    .is_none_or(|s| status.eq_ignore_ascii_case(s));
            keep.then_some((l, status))
        })
        .collect();
    rows.sort_by(|a, b| {
        a.0.versions[0]
            .recorded
            .seq
            .cmp(&b.0.versions[0].recorded.seq)
    });
    let total = rows.len();
    let page: Vec<_> = rows.into_iter().skip(f.offset).take(f.limit).collect();
    let text: Vec<String> = page
        .iter()
        .map(|(l, status)| {
            let v = &l.versions[l.versions.len() - 1];
            format!("{} {status} (entry {})", v.version.id, v.recorded.seq)
        })
        .collect();
    let items: Vec<Value> = page
        .iter()
        .map(|(l, status)| {
            let v = &l.versions[l.versions.len() - 1];
            json!({
                "license": v.version.id.to_string(),
                "status": status,
                "versions": l.versions.len(),
                "recorded": prov(&v.recorded),
            })
        })
        .collect();
    let mut text = text.join("\n");
    if total > f.offset + page.len() {
        text.push_str(&format!(
            "\n… {} more (use --offset {})",
            total - f.offset - page.len(),
            f.offset + page.len()
        ));
    }
    if total == 0 {
        text = "no license matches".into();
    }
    out.print(
        &text,
        json!({ "total": total, "offset": f.offset, "licenses": items }),
    );
    Ok(0)
}

/// `license-type list`.
pub fn license_type_list(ledger: &Ledger<FileStore>, out: &Out) -> Result<u8, CliError> {
    let mut types: Vec<_> = ledger.state().license_types().collect();
    types.sort_by(|a, b| a.code.cmp(&b.code));
    let text: Vec<String> = types
        .iter()
        .map(|t| {
            format!(
                "{} {:?}: claims {}",
                t.code,
                t.name,
                t.claim_names.join(",")
            )
        })
        .collect();
    out.print(
        &if text.is_empty() {
            "no license type is defined".into()
        } else {
            text.join("\n")
        },
        json!(types
            .iter()
            .map(|t| json!({ "code": t.code, "name": t.name, "claims": t.claim_names }))
            .collect::<Vec<_>>()),
    );
    Ok(0)
}

/// `seal show ES_ID`.
pub fn seal_show(ledger: &Ledger<FileStore>, es_id: &str, out: &Out) -> Result<u8, CliError> {
    let now = ledger.now();
    let seal = ledger
        .state()
        .seal(es_id)
        .ok_or_else(|| CliError::invalid(format!("seal {es_id} is not on the ledger")))?;
    let r = &seal.registration;
    let status = ledger.seal_status(es_id, now);
    let uses = ledger.state().seal_uses(es_id);
    let mut text = vec![
        format!(
            "seal {es_id} {:?} ({}) of {}, registered by {} at entry {} ({}): {status}",
            r.name,
            r.seal_type,
            r.owner,
            r.registrar,
            seal.recorded.seq,
            show(seal.recorded.ledger_time)
        ),
        format!(
            "  valid from {} {}; key {}; {} applications",
            show(r.valid_from),
            r.valid_until
                .map(|u| format!("until {}", show(u)))
                .unwrap_or_else(|| "with no end".into()),
            r.key.key_id(),
            uses.len()
        ),
    ];
    for u in uses.iter().take(20) {
        text.push(format!(
            "  applied to {} at entry {} ({})",
            u.document,
            u.recorded.seq,
            show(u.recorded.ledger_time)
        ));
    }
    out.print(
        &text.join("\n"),
        json!({
            "es_id": es_id,
            "name": r.name,
            "type": r.seal_type,
            "owner": r.owner,
            "registrar": r.registrar,
            "recorded": prov(&seal.recorded),
            "valid_from": show(r.valid_from),
            "valid_until": r.valid_until.map(show),
            "key_id": r.key.key_id().to_string(),
            "status": status.name(),
            "detail": status.to_string(),
            "applications": uses.iter().map(|u| json!({
                "document": u.document.to_hex(),
                "recorded": prov(&u.recorded),
            })).collect::<Vec<_>>(),
        }),
    );
    Ok(0)
}

/// `seal list [--owner CODE]`.
pub fn seal_list(
    ledger: &Ledger<FileStore>,
    owner: Option<&str>,
    out: &Out,
) -> Result<u8, CliError> {
    let now = ledger.now();
    let mut seals: Vec<_> = ledger
        .state()
        .seals()
        .filter(|s| owner.is_none_or(|o| s.registration.owner == o))
        .collect();
    seals.sort_by(|a, b| a.registration.es_id.cmp(&b.registration.es_id));
    let rows: Vec<(String, Value)> = seals
        .iter()
        .map(|s| {
            let r = &s.registration;
            let status = ledger.seal_status(&r.es_id, now);
            (
                format!(
                    "{} {} ({}) of {}: {}",
                    r.es_id,
                    r.name,
                    r.seal_type,
                    r.owner,
                    status.name()
                ),
                json!({
                    "es_id": r.es_id,
                    "name": r.name,
                    "type": r.seal_type,
                    "owner": r.owner,
                    "status": status.name(),
                }),
            )
        })
        .collect();
    let text = if rows.is_empty() {
        "no seal matches".to_owned()
    } else {
        rows.iter()
            .map(|r| r.0.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    out.print(
        &text,
        json!(rows.into_iter().map(|r| r.1).collect::<Vec<_>>()),
    );
    Ok(0)
}

/// `prove inclusion|consistency`: RFC 9162 proofs with hashes in base64.
pub fn prove(
    ledger: &Ledger<FileStore>,
    latest_kept: Option<u64>,
    command: ProveCommand,
    out: &Out,
) -> Result<u8, CliError> {
    let default_size = latest_kept.unwrap_or(ledger.len());
    let proof_error = |e: chancery::merkle::ProofError| CliError::usage(e.to_string());
    match command {
        ProveCommand::Inclusion { seq, size } => {
            let size = size.unwrap_or(default_size);
            if seq >= size || size > ledger.len() {
                return Err(CliError::usage(format!(
                    "no entry {seq} in a tree of size {size} (the ledger has {} entries)",
                    ledger.len()
                )));
            }
            let proof = ledger.prove_inclusion(seq, size).map_err(proof_error)?;
            let root = ledger.root(size).map_err(proof_error)?;
            let leaf = ledger
                .entry(seq)
                .map_err(|e| CliError::invalid(e.to_string()))?
                .hash();
            let path: Vec<String> = proof.path.iter().map(b64).collect();
            let mut text = vec![
                format!("inclusion of entry {seq} in the tree of size {size}"),
                format!("leaf hash {}", b64(&leaf)),
                format!("root {}", b64(&root)),
            ];
            text.extend(path.iter().map(|h| format!("  {h}")));
            out.print(
                &text.join("\n"),
                json!({
                    "leaf_index": seq,
                    "tree_size": size,
                    "leaf_hash": b64(&leaf),
                    "root_hash": b64(&root),
                    "inclusion_path": path,
                }),
            );
        }
        ProveCommand::Consistency { old, new } => {
            let new = new.unwrap_or(default_size);
            if old == 0 || old > new || new > ledger.len() {
                return Err(CliError::usage(format!(
                    "need 0 < OLD <= NEW <= {} (the ledger's size); got {old} and {new}",
                    ledger.len()
                )));
            }
            let proof = ledger.prove_consistency(old, new).map_err(proof_error)?;
            let old_root = ledger.root(old).map_err(proof_error)?;
            let new_root = ledger.root(new).map_err(proof_error)?;
            let path: Vec<String> = proof.path.iter().map(b64).collect();
            let mut text = vec![
                format!("consistency of tree size {old} with tree size {new}"),
                format!("old root {}", b64(&old_root)),
                format!("new root {}", b64(&new_root)),
            ];
            text.extend(path.iter().map(|h| format!("  {h}")));
            out.print(
                &text.join("\n"),
                json!({
                    "old_size": old,
                    "new_size": new,
                    "old_root_hash": b64(&old_root),
                    "new_root_hash": b64(&new_root),
                    "consistency_path": path,
                }),
            );
        }
    }
    Ok(0)
}
