//! `chancery license …`: issue, change, terminate, query and verify licenses.

use crate::report::Out;
use crate::{files, keyfile, open, CliError, Signer};
use chancery::crypto::sha256;
use chancery::event::{LicenseVersion, Succession, Termination};
use chancery::privacy::{ClaimsError, VersionTerms};
use chancery::stamp::StampKind;
use chancery::{Canonical, Credential, Digest32, Event, LicenseId, Timestamp};
use clap::{Args, Subcommand};
use serde_json::json;
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum LicenseCommand {
    /// Issue version 001 of a license and write the holder's credential file.
    Issue {
        #[command(flatten)]
        signer: Signer,
        /// License type code.
        #[arg(long = "type")]
        type_code: String,
        /// The issuing authority's code.
        #[arg(long)]
        issuer: String,
        /// Serial number within the issuer and type (0-9, A-Z).
        #[arg(long)]
        serial: String,
        /// The holder's code (ID number or 统一社会信用代码); recorded only as a salted
        /// commitment.
        #[arg(long)]
        holder: String,
        #[command(flatten)]
        fields: VersionFields,
        /// The credential file to write for the holder (must not exist; mode 0600).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// 变更: record a new version with changed claims or details.
    Amend(Change),
    /// 延续: record a new version whose validity ends later.
    Renew(Change),
    /// 补发/换发: record a new version replacing the document.
    Reissue(Change),
    /// 暂扣: suspend the license.
    Suspend {
        #[command(flatten)]
        signer: Signer,
        /// Current version id.
        id: String,
        /// Reason (no personal data).
        #[arg(long)]
        reason: String,
    },
    /// 发还: lift the suspension.
    Lift {
        #[command(flatten)]
        signer: Signer,
        /// Current version id.
        id: String,
    },
    /// 注销: cancel the license.
    Cancel(End),
    /// 吊销: revoke the license.
    Revoke(End),
    /// 废止: withdraw the license.
    Withdraw(End),
    /// 撤销: rescind the license, invalid for all time.
    Rescind {
        #[command(flatten)]
        signer: Signer,
        /// Current version id.
        id: String,
        /// Reason (no personal data).
        #[arg(long)]
        reason: String,
    },
    /// Everything the ledger holds about a license: type, issuer, printed number, every
    /// version with its entry, validity and status, suspensions and termination.
    Show {
        /// A license id (any version of it).
        id: String,
    },
    /// List licenses (newest version of each), filtered and paged.
    List(crate::query::LicenseFilter),
    /// Status of a license version at a time (exit 0 if valid, 1 if not).
    Status {
        /// License version id.
        id: String,
        /// Reference time; default now.
        /// A date alone is the start of that day in the ledger's time zone.
        #[arg(long)]
        at: Option<String>,
    },
    /// Sign a status stamp for a license version (SPEC §17) with an operator key (or the root
    /// key while the ledger has none): its status now, as of the ledger's current size, valid
    /// for a number of hours.
    Stamp {
        #[command(flatten)]
        signer: Signer,
        /// License version id.
        id: String,
        /// Hours until the stamp's next update.
        #[arg(long, default_value_t = 24)]
        hours: u64,
        /// Stamp the status at this past moment instead (an as-of stamp, for auditors and
        /// courts; never accepted as current by a presentation's verifier). A date alone is
        /// the start of that day in the ledger's time zone.
        #[arg(long, value_name = "TIME")]
        as_of: Option<String>,
        /// The stamp file to write (canonical CBOR).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Check a status stamp: signed by a root key of this ledger, current now (or --at), and
    /// true of the log at its size (exit 0 if so, 1 if not).
    CheckStamp {
        /// The stamp file.
        stamp: PathBuf,
        /// Reference time; default now.
        /// A date alone is the start of that day in the ledger's time zone.
        #[arg(long)]
        at: Option<String>,
    },
    /// Check a holder's credential against the ledger (exit 0 if valid, 1 if not).
    Verify {
        /// The credential file.
        credential: PathBuf,
        /// Reference time; default now.
        /// A date alone is the start of that day in the ledger's time zone.
        #[arg(long)]
        at: Option<String>,
        /// Verify only these claims (comma-separated); default all.
        #[arg(long, value_delimiter = ',')]
        disclose: Option<Vec<String>>,
        /// Verify as this relying party (authority code): a consent of the holder must cover
        /// the use (needs --item).
        #[arg(long, requires = "item")]
        party: Option<String>,
        /// The service item the relying party checks the license for.
        #[arg(long, requires = "party")]
        item: Option<String>,
        /// Record this use (用证记录) for the relying party's case, in the same step, signed by
        /// --signer (the party's key): a consent's uses are spent as they are used. Needs
        /// --party and --item; checks at the present only.
        #[arg(long, value_name = "CASE", requires_all = ["party", "signer"], conflicts_with = "at")]
        record_use: Option<String>,
        /// The relying party's secret key file (with --record-use).
        #[arg(long, value_name = "FILE")]
        signer: Option<PathBuf>,
    },
}

/// The fields of a license version that the command line sets.
#[derive(Args, Debug)]
pub struct VersionFields {
    /// A claim as NAME=VALUE (repeat; recorded only as salted digests).
    #[arg(long = "claim", value_name = "NAME=VALUE")]
    claims: Vec<String>,
    /// Start of validity; default now (issue) or unchanged. A date alone is the start of that
    /// day in the ledger's time zone.
    #[arg(long)]
    valid_from: Option<String>,
    /// End of validity (exclusive); required to issue unless --no-expiry. A date alone is the
    /// end of that day in the ledger's time zone (the license is valid all that day).
    #[arg(long, conflicts_with = "no_expiry")]
    valid_until: Option<String>,
    /// No end of validity (长期).
    #[arg(long)]
    no_expiry: bool,
    /// The number printed on the document.
    #[arg(long)]
    printed_number: Option<String>,
    /// The license document (OFD/PDF); its SHA-256 is recorded.
    #[arg(long, value_name = "FILE", conflicts_with = "document_digest")]
    document: Option<PathBuf>,
    /// The document's SHA-256 in hex, instead of --document.
    #[arg(long, value_name = "HEX")]
    document_digest: Option<String>,
}

/// A new version of a license.
#[derive(Args, Debug)]
pub struct Change {
    #[command(flatten)]
    signer: Signer,
    /// The holder's credential for the current version.
    #[arg(long, value_name = "FILE")]
    credential: PathBuf,
    #[command(flatten)]
    fields: VersionFields,
    /// The credential file to write for the new version (must not exist; mode 0600).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// A termination taking effect from a time.
#[derive(Args, Debug)]
pub struct End {
    #[command(flatten)]
    signer: Signer,
    /// Current version id.
    id: String,
    /// Reason (no personal data).
    #[arg(long)]
    reason: String,
    /// From when it applies; default now.
    /// A date alone is the start of that day in the ledger's time zone.
    #[arg(long)]
    effective: Option<String>,
}

/// Parses a time argument: a date alone is local midnight in the ledger's zone (the start of
/// that day), a time without an offset is local, an RFC 3339 time with an offset is exact.
pub fn time(s: &str) -> Result<Timestamp, CliError> {
    crate::zone().parse(s).ok_or_else(|| bad_time(s))
}

/// Parses a time that ends a period (a validity end, a consent's end, a deadline): as
/// [`time`], except that a date alone means the end of that local day.
pub fn end_time(s: &str) -> Result<Timestamp, CliError> {
    crate::zone().parse_end(s).ok_or_else(|| bad_time(s))
}

fn bad_time(s: &str) -> CliError {
    CliError::usage(format!(
        "bad time {s:?}: use a local date YYYY-MM-DD, a local time YYYY-MM-DDTHH:MM[:SS[.mmm]] \
         (zone {}), or RFC 3339 with an offset, e.g. 2026-12-01T10:00:00+08:00",
        crate::zone()
    ))
}

/// Parses an optional period-ending time argument.
pub fn opt_end_time(s: &Option<String>) -> Result<Option<Timestamp>, CliError> {
    s.as_deref().map(end_time).transpose()
}

/// Parses a license id argument.
pub fn id(s: &str) -> Result<LicenseId, CliError> {
    s.parse()
        .map_err(|e| CliError::usage(format!("bad license id {s:?}: {e}")))
}

/// Reads a holder's credential file.
pub fn read_credential(path: &Path) -> Result<Credential, CliError> {
    let bytes = std::fs::read(path).map_err(|e| CliError::io(path, e))?;
    Credential::from_canonical(&bytes)
        .map_err(|e| CliError::usage(format!("{}: not a credential: {e}", path.display())))
}

/// Runs a license command.
pub fn run(store: &Path, command: LicenseCommand, out: &Out) -> Result<u8, CliError> {
    let reads_only = matches!(
        command,
        LicenseCommand::Status { .. }
            | LicenseCommand::CheckStamp { .. }
            | LicenseCommand::Verify {
                record_use: None,
                ..
            }
            | LicenseCommand::Stamp { .. }
            | LicenseCommand::Show { .. }
            | LicenseCommand::List(_)
    );
    let mut ledger = if reads_only {
        crate::open_reader(store)?
    } else {
        open(store)?
    };
    let now = ledger.now();
    let (signer, event, credential) = match command {
        LicenseCommand::Issue {
            signer,
            type_code,
            issuer,
            serial,
            holder,
            fields,
            out: path,
        } => {
            let license = LicenseId::new(&type_code, &issuer, &serial, 1)
                .map_err(|e| CliError::usage(format!("bad license id: {e}")))?;
            let credential = fields.credential(ledger.state(), license, &holder, None)?;
            let version = credential.version(VersionTerms {
                printed_number: fields.printed_number.clone().unwrap_or(serial),
                valid_from: opt_time(&fields.valid_from)?.unwrap_or(now),
                valid_until: if fields.no_expiry {
                    None
                } else {
                    Some(opt_end_time(&fields.valid_until)?.ok_or_else(|| {
                        CliError::usage(
                            "give --valid-until DATE, or --no-expiry for a license without an \
                             end (长期)",
                        )
                    })?)
                },
                document: fields.document_digest()?.unwrap_or_default(),
                related: vec![],
            });
            (
                signer,
                Event::LicenseIssued(version),
                Some((credential, path)),
            )
        }
        LicenseCommand::Amend(c) => change(&ledger, c, Event::LicenseAmended)?,
        LicenseCommand::Renew(c) => change(&ledger, c, Event::LicenseRenewed)?,
        LicenseCommand::Reissue(c) => change(&ledger, c, Event::LicenseReissued)?,
        LicenseCommand::Suspend {
            signer,
            id: s,
            reason,
        } => (
            signer,
            Event::LicenseSuspended {
                license: id(&s)?,
                reason,
            },
            None,
        ),
        LicenseCommand::Lift { signer, id: s } => (
            signer,
            Event::LicenseSuspensionLifted { license: id(&s)? },
            None,
        ),
        LicenseCommand::Cancel(e) => end(e, now, Event::LicenseCancelled)?,
        LicenseCommand::Revoke(e) => end(e, now, Event::LicenseRevoked)?,
        LicenseCommand::Withdraw(e) => end(e, now, Event::LicenseWithdrawn)?,
        LicenseCommand::Rescind {
            signer,
            id: s,
            reason,
        } => (
            signer,
            Event::LicenseRescinded {
                license: id(&s)?,
                reason,
            },
            None,
        ),
        LicenseCommand::Show { id: s } => {
            return crate::query::license_show(&ledger, &id(&s)?, out);
        }
        LicenseCommand::List(f) => return crate::query::license_list(&ledger, &f, out),
        LicenseCommand::Status { id: s, at } => {
            let license = id(&s)?;
            let at = opt_time(&at)?.unwrap_or(now);
            let status = ledger.status(&license, at);
            let versions: Vec<String> = ledger
                .state()
                .versions(&license)
                .iter()
                .map(ToString::to_string)
                .collect();
            out.print(
                &format!("{license} at {}: {status}", crate::show(at)),
                json!({
                    "license": license.to_string(),
                    "at": crate::show(at),
                    "status": status.name(),
                    "detail": status.to_string(),
                    "versions": versions,
                }),
            );
            return Ok(if status.is_valid() { 0 } else { 1 });
        }
        LicenseCommand::Stamp {
            signer,
            id: s,
            hours,
            as_of,
            out: path,
        } => {
            let license = id(&s)?;
            let key = keyfile::read_secret(&signer.signer)?;
            let window = hours.saturating_mul(3_600_000);
            // A stamp signs the ledger's size and root: refused unless the ledger holds the
            // last checkpoint the operator kept.
            let log = chancery::FileCheckpointLog::open_read_only(store)?;
            let stamp = match opt_time(&as_of)? {
                Some(at) => ledger.stamp_as_of(&license, at, at.plus_millis(window), &key, &log),
                None => ledger.stamp(&license, now, now.plus_millis(window), &key, &log),
            }
            .map_err(|e| CliError::usage(e.to_string()))?;
            files::write(
                &path,
                &stamp.to_canonical(),
                files::output(files::Mode::NEW),
            )?;
            let c = &stamp.claim;
            let kind = match c.kind {
                StampKind::Current => "current",
                StampKind::AsOf => "as-of",
            };
            out.print(
                &format!(
                    "{license}: {} at {} as of tree size {} ({kind} stamp, until {}); stamp \
                     written to {}",
                    c.status,
                    crate::show(c.this_update),
                    c.size,
                    crate::show(c.next_update),
                    path.display()
                ),
                json!({
                    "license": license.to_string(),
                    "kind": kind,
                    "status": c.status.name(),
                    "size": c.size,
                    "this_update": crate::show(c.this_update),
                    "next_update": crate::show(c.next_update),
                    "file": path.display().to_string(),
                }),
            );
            return Ok(0);
        }
        LicenseCommand::CheckStamp { stamp: path, at } => {
            let bytes = std::fs::read(&path).map_err(|e| CliError::io(&path, e))?;
            let stamp = chancery::stamp::StatusStamp::from_canonical(&bytes).map_err(|e| {
                CliError::usage(format!("{}: not a status stamp: {e}", path.display()))
            })?;
            let at = opt_time(&at)?.unwrap_or(now);
            // An as-of stamp is about its moment: it is checked against the log, not for
            // currency.
            let verdict = stamp
                .verify(&ledger.state().all_checkpoint_keys())
                .map(|_| ())
                .and_then(|()| match stamp.claim.kind {
                    StampKind::Current => stamp.current_at(at),
                    StampKind::AsOf => Ok(()),
                })
                .map_err(|e| e.to_string())
                .and_then(|()| {
                    ledger
                        .check_stamps(std::slice::from_ref(&stamp))
                        .map_err(|e| e.to_string())
                });
            let c = &stamp.claim;
            let kind = match c.kind {
                StampKind::Current => "current",
                StampKind::AsOf => "as-of",
            };
            out.print(
                &match &verdict {
                    Ok(()) => format!(
                        "{}: {} at {} ({kind} stamp{}, checked against the log)",
                        c.license,
                        c.status,
                        crate::show(c.this_update),
                        if c.kind == StampKind::AsOf {
                            ": the status then, not now"
                        } else {
                            ""
                        }
                    ),
                    Err(e) => format!("{}: stamp refused: {e}", c.license),
                },
                json!({
                    "license": c.license.to_string(),
                    "kind": kind,
                    "this_update": crate::show(c.this_update),
                    "status": c.status.name(),
                    "valid": verdict.is_ok(),
                    "error": verdict.as_ref().err(),
                }),
            );
            return Ok(if verdict.is_ok() && c.status.is_valid() {
                0
            } else {
                1
            });
        }
        LicenseCommand::Verify {
            credential,
            at,
            disclose,
            party,
            item,
            record_use,
            signer,
        } => {
            let cred = read_credential(&credential)?;
            let names: Vec<&str> = match &disclose {
                Some(names) => names.iter().map(String::as_str).collect(),
                None => cred.claims.iter().map(|c| c.name.as_str()).collect(),
            };
            let disclosure = cred
                .disclose(&names, true)
                .map_err(|e| CliError::usage(e.to_string()))?;
            let at = opt_time(&at)?.unwrap_or(now);
            let mut recorded = None;
            let verdict = match (&party, &item, &record_use, &signer) {
                (Some(p), Some(i), Some(case), Some(key)) => {
                    let actor = crate::actor(
                        &ledger,
                        &Signer {
                            signer: key.clone(),
                        },
                    )?;
                    let r = ledger.verify_and_record_use(&disclosure, &actor, p, i, case)?;
                    recorded = Some(r.clone());
                    r.verdict
                }
                (Some(p), Some(i), _, _) => ledger.verify_for_relying_party(&disclosure, p, i, at),
                _ => ledger.verify_disclosure(&disclosure, at),
            };
            // How many uses the covering consent has left (after this one, if recorded).
            let uses_left = match (&recorded, &party, &item) {
                (Some(r), _, _) => r.consent.map(|_| r.uses_left),
                (None, Some(p), Some(i)) => ledger
                    .state()
                    .consent_covering(&disclosure.license, p, i, at)
                    .map(|c| ledger.uses_left(&c.id)),
                _ => None,
            };
            let claims: Vec<(String, String)> = disclosure
                .claims
                .iter()
                .map(|c| (c.name.clone(), c.value.clone()))
                .collect();
            let version = ledger
                .state()
                .license(&disclosure.license)
                .map(|r| r.version.clone());
            let holder = disclosure.holder.as_ref().map(|h| h.code.clone());
            let (mut lines, mut value) = describe(version.as_ref(), &claims, holder.as_deref());
            // The issuer's standing now, beside the verdict (a suspended or revoked issuer, or
            // ancestor, does not change the status of licenses issued before).
            let standing = match ledger.state().standing(disclosure.license.issuer()) {
                Ok(()) => "active".to_owned(),
                Err(e) => e.to_string(),
            };
            lines.insert(0, format!("  issuer standing now: {standing}"));
            if let Some(n) = uses_left {
                lines.insert(1, format!("  consent: {n} use(s) left"));
            }
            if let Some(receipt) = recorded.as_ref().and_then(|r| r.receipt) {
                lines.insert(1, format!("  use recorded as entry {}", receipt.seq));
                value["use_recorded_seq"] = json!(receipt.seq);
            }
            value["uses_left"] = json!(uses_left);
            value["issuer_standing"] = json!(standing);
            value["license"] = json!(disclosure.license.to_string());
            value["at"] = json!(crate::show(at));
            value["valid"] = json!(verdict.is_valid());
            value["verdict"] = json!(verdict.to_string());
            let mut text = vec![format!(
                "{} at {}: {verdict}",
                disclosure.license,
                crate::show(at)
            )];
            text.extend(lines);
            out.print(&text.join("\n"), value);
            return Ok(if verdict.is_valid() { 0 } else { 1 });
        }
    };
    // Write the credential first (refusing to overwrite), so a recorded license always has
    // its credential; remove it if the ledger refuses the statement.
    if let Some((credential, path)) = &credential {
        keyfile::create_private(path, &credential.to_canonical())?;
    }
    let extra: Vec<(&str, &str, String)> = match &credential {
        Some((c, path)) => vec![
            ("license", "license", c.license.to_string()),
            (
                "credential written to",
                "credential",
                path.display().to_string(),
            ),
        ],
        None => vec![],
    };
    let result = crate::record_with(&mut ledger, &signer, event, out, &extra);
    if let (Err(_), Some((_, path))) = (&result, &credential) {
        let _ = std::fs::remove_file(path);
    }
    result
}

type Prepared = (Signer, Event, Option<(Credential, PathBuf)>);

/// Parses an optional time argument.
pub fn opt_time(s: &Option<String>) -> Result<Option<Timestamp>, CliError> {
    s.as_deref().map(time).transpose()
}

fn change(
    ledger: &chancery::Ledger<chancery::FileStore>,
    c: Change,
    make: fn(Succession) -> Event,
) -> Result<Prepared, CliError> {
    let old = read_credential(&c.credential)?;
    let previous = old.license.clone();
    let record = ledger
        .state()
        .license(&previous)
        .ok_or_else(|| CliError::usage(format!("license {previous} is not on the ledger")))?;
    let prior = record.version.clone();
    let next = previous
        .next_version()
        .ok_or_else(|| CliError::usage(format!("{previous} has no next version number")))?;
    let credential = c
        .fields
        .credential(ledger.state(), next, &old.holder.code, Some(&old))?;
    let version = credential.version(VersionTerms {
        printed_number: c
            .fields
            .printed_number
            .clone()
            .unwrap_or(prior.printed_number),
        valid_from: opt_time(&c.fields.valid_from)?.unwrap_or(prior.valid_from),
        valid_until: if c.fields.no_expiry {
            None
        } else {
            opt_end_time(&c.fields.valid_until)?.or(prior.valid_until)
        },
        document: c.fields.document_digest()?.unwrap_or(prior.document),
        related: prior.related,
    });
    Ok((
        c.signer,
        make(Succession { previous, version }),
        Some((credential, c.out)),
    ))
}

fn end(e: End, now: Timestamp, make: fn(Termination) -> Event) -> Result<Prepared, CliError> {
    let termination = Termination {
        license: id(&e.id)?,
        effective: opt_time(&e.effective)?.unwrap_or(now),
        reason: e.reason,
    };
    Ok((e.signer, make(termination), None))
}

impl VersionFields {
    /// The claims in the type's order: `--claim` values, else those of `previous`.
    /// The credential of a new version of `license`: the `--claim NAME=VALUE` pairs in the
    /// order of its type's claim names, the ones not given taken from `previous`.
    fn credential(
        &self,
        state: &chancery::State,
        license: LicenseId,
        holder: &str,
        previous: Option<&Credential>,
    ) -> Result<Credential, CliError> {
        let type_code = license.type_code().to_owned();
        let license_type = state
            .license_type(&type_code)
            .ok_or_else(|| CliError::usage(format!("license type {type_code} is not defined")))?;
        let given = self
            .claims
            .iter()
            .map(|c| {
                c.split_once('=')
                    .ok_or_else(|| CliError::usage(format!("bad --claim {c:?}: use NAME=VALUE")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        license_type
            .credential(license, holder, &given, previous)
            .map_err(|e| match e {
                ClaimsError::Missing(name) => {
                    CliError::usage(format!("missing --claim {name}=VALUE"))
                }
                other => CliError::usage(format!("type {type_code}: {other}")),
            })
    }

    fn document_digest(&self) -> Result<Option<Digest32>, CliError> {
        file_or_digest(self.document.as_deref(), self.document_digest.as_deref())
    }
}

/// The SHA-256 of `file`, or `hex` parsed as one (64 hex digits); `None` when neither is given.
pub fn file_or_digest(
    file: Option<&Path>,
    hex: Option<&str>,
) -> Result<Option<Digest32>, CliError> {
    if let Some(path) = file {
        let bytes = std::fs::read(path).map_err(|e| CliError::io(path, e))?;
        return Ok(Some(sha256(&bytes)));
    }
    hex.map(|h| {
        Digest32::from_hex(h)
            .ok_or_else(|| CliError::usage(format!("bad digest {h:?}: 64 hex digits")))
    })
    .transpose()
}

/// What a relying party reads beside a verdict: the version's type, issuer, version number,
/// printed number and validity window, the holder if disclosed, and the disclosed claims; as
/// text lines and as JSON fields.
pub fn describe(
    version: Option<&LicenseVersion>,
    claims: &[(String, String)],
    holder: Option<&str>,
) -> (Vec<String>, serde_json::Value) {
    let mut text = Vec::new();
    if let Some(v) = version {
        text.push(format!(
            "  type {}, issuer {}, version {:03}, printed number {}",
            v.id.type_code(),
            v.id.issuer(),
            v.id.version(),
            v.printed_number
        ));
        text.push(format!(
            "  valid from {} {}",
            crate::show(v.valid_from),
            v.valid_until
                .map(|u| format!("until {}", crate::show(u)))
                .unwrap_or_else(|| "with no end (长期)".into())
        ));
    }
    if let Some(h) = holder {
        text.push(format!("  holder {h}"));
    }
    for (name, value) in claims {
        text.push(format!("  {name} = {value}"));
    }
    let value = json!({
        "type": version.map(|v| v.id.type_code().to_owned()),
        "issuer": version.map(|v| v.id.issuer().to_owned()),
        "version": version.map(|v| v.id.version()),
        "printed_number": version.map(|v| v.printed_number.clone()),
        "valid_from": version.map(|v| crate::show(v.valid_from)),
        "valid_until": version.and_then(|v| v.valid_until.map(crate::show)),
        "holder": holder,
        "claims": claims
            .iter()
            .map(|(n, v)| json!({ "name": n, "value": v }))
            .collect::<Vec<_>>(),
    });
    (text, value)
}
