//! `chancery present`, `chancery trust-list create` and `chancery verify-presentation`: offline
//! presentations (SPEC §20).

use crate::license::{opt_time, read_credential};
use crate::report::Out;
use crate::{files, keyfile, open, CliError, Signer};
use chancery::checkpoint::{Note, NoteVerifier, Witness, WitnessPolicy};
use chancery::present::compact::{CompactPresentation, TEXT_PREFIX};
use chancery::present::trust::{
    Freshness, ListOperator, SignedTrustList, Trust, TrustError, TrustList, TrustedLedger,
};
use chancery::present::{
    Binding, ExamineError, Examined, HolderCheck, HolderSignature, Presentation, Verification,
};
use chancery::stamp::StatusClaim;
use chancery::{Canonical, Timestamp};
use clap::Args;
use serde_json::json;
use std::path::{Path, PathBuf};

/// `chancery present`.
#[derive(Args, Debug)]
pub struct PresentArgs {
    /// The operator's key (an operator key, or the root key while the ledger has none): it
    /// signs the checkpoint and the status stamp.
    #[command(flatten)]
    signer: Signer,
    /// The holder's credential file.
    credential: PathBuf,
    /// Claims to disclose, comma-separated (default all).
    #[arg(long, value_delimiter = ',')]
    disclose: Option<Vec<String>>,
    /// Also disclose the holder's code.
    #[arg(long)]
    holder: bool,
    /// Hours until the stamp's next update.
    #[arg(long, default_value_t = 24)]
    hours: u64,
    /// A witness to cosign the checkpoint, as NAME=SECRET_KEY_FILE (repeatable; a real
    /// deployment asks its witnesses over the network instead).
    #[arg(long = "witness", value_name = "NAME=FILE")]
    witnesses: Vec<String>,
    /// The full presentation file to write (canonical CBOR).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Also write the compact text form (`CH1:…`) to this file.
    #[arg(long, value_name = "FILE")]
    compact: Option<PathBuf>,
    /// Also write the compact form as a QR code PNG.
    #[arg(long, value_name = "FILE")]
    png: Option<PathBuf>,
    /// Also write the compact form as a QR code SVG.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// Make the presentation even if the license is not valid now (it then shows its status).
    #[arg(long)]
    even_if_not_valid: bool,
}

/// `chancery trust-list create`.
#[derive(Args, Debug)]
pub struct TrustListArgs {
    /// The list operator's secret key file.
    #[command(flatten)]
    signer: Signer,
    /// The list's name.
    #[arg(long)]
    name: String,
    /// The list's version (default: the issue time in seconds since the epoch, so a renewal
    /// always replaces the list it renews; verifiers keep the highest version of a name).
    #[arg(long)]
    version: Option<u64>,
    /// A witness the verifiers require, as a C2SP cosigner verifier key (repeatable).
    #[arg(long = "witness", value_name = "VKEY")]
    witnesses: Vec<String>,
    /// A witness the verifiers require, as its name and public key file (repeatable).
    #[arg(long = "witness-key", value_name = "NAME=FILE")]
    witness_keys: Vec<String>,
    /// How many of the witnesses must have cosigned (default 1 when witnesses are named).
    #[arg(long)]
    threshold: Option<usize>,
    /// Trust the ledger's checkpoints with no witness: nothing but the operator's own stamp
    /// then says when a checkpoint was made (only with no --threshold).
    #[arg(long)]
    unwitnessed: bool,
    /// How old a checkpoint may be, in days (by its witnesses' cosignature times).
    #[arg(long, default_value_t = 7)]
    max_age_days: u64,
    /// How old a status stamp may be, in hours, whatever its next update says.
    #[arg(long, default_value_t = 24)]
    max_stamp_age_hours: u64,
    /// The longest window a status stamp may give itself, in hours.
    #[arg(long, default_value_t = 24)]
    max_stamp_window_hours: u64,
    /// Verifiers require presentations signed by the license's holder (`holder-sign`).
    #[arg(long)]
    require_holder: bool,
    /// How long the list is current, in days: verifiers refuse it from then on (it must be
    /// reissued, e.g. after a root rotation).
    #[arg(long, default_value_t = 30)]
    valid_days: u64,
    /// The signed list to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// The trust lists a verifier loads and the list operators it trusts.
#[derive(Args, Debug)]
pub struct TrustArgs {
    /// A signed trust list (repeatable).
    #[arg(long = "trust", value_name = "FILE", required = true)]
    trust: Vec<PathBuf>,
    /// A list operator the verifier trusts, as the name of the list it may publish and its
    /// public key file (repeatable: one operator may publish several lists). A list is
    /// refused unless its signer may publish its name.
    #[arg(long = "list-key", value_name = "NAME=FILE", required = true)]
    list_keys: Vec<String>,
    /// Restrict the list NAME to these ledger origins (comma-separated; repeatable per list),
    /// and no other operator's list may name them.
    #[arg(long = "list-origins", value_name = "NAME=ORIGIN,…")]
    list_origins: Vec<String>,
}

/// `chancery verify-presentation`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// A full presentation (CBOR) or a compact one (text starting `CH1:`).
    file: PathBuf,
    #[command(flatten)]
    trust: TrustArgs,
    /// Verification time; default now. A date alone is the start of that day at +08:00.
    #[arg(long)]
    at: Option<String>,
    /// Require the presentation to be signed by the license's holder for --audience.
    #[arg(long, requires = "audience")]
    require_holder: bool,
    /// This verifier's audience code (e.g. BANK01): a holder signature must be for it.
    #[arg(long)]
    audience: Option<String>,
    /// This verifier's nonce: a holder signature must be over it.
    #[arg(long, requires = "audience")]
    nonce: Option<String>,
    /// Also print what a valid verdict proves and what it does not (SPEC §24).
    #[arg(long)]
    explain: bool,
}

/// `chancery holder-sign`: the holder binds a presentation to one verifier, offline.
#[derive(Args, Debug)]
pub struct HolderSignArgs {
    /// A full presentation (CBOR) or a compact one (text starting `CH1:`).
    presentation: PathBuf,
    /// The holder's secret key file (the key bound to the license).
    #[arg(long, value_name = "FILE")]
    holder_key: PathBuf,
    /// The verifier's audience code (e.g. BANK01).
    #[arg(long)]
    audience: String,
    /// The verifier's nonce, if it gave one.
    #[arg(long)]
    nonce: Option<String>,
    /// How long the signature holds, from 30 seconds ago (a verifier's clock may lag): seconds
    /// (`90s`) or minutes (`5m`), at most 10 minutes.
    #[arg(long, default_value = "5m")]
    ttl: String,
    /// The signed presentation to write (the same form as the input).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// Runs `chancery present`. Every output file is checked before anything is signed, and the
/// QR code's fit before anything is written.
pub fn present(store: &Path, a: PresentArgs, out: &Out) -> Result<u8, CliError> {
    let mode = files::output(files::Mode::PRIVATE);
    let outputs: Vec<&PathBuf> = std::iter::once(&a.out)
        .chain(a.compact.iter())
        .chain(a.png.iter())
        .chain(a.svg.iter())
        .collect();
    for f in &outputs {
        files::check_writable(f, mode)?;
    }
    let ledger = open(store)?;
    let key = keyfile::read_secret(&a.signer.signer)?;
    let cred = read_credential(&a.credential)?;
    let names: Vec<&str> = match &a.disclose {
        Some(n) => n.iter().map(String::as_str).collect(),
        None => cred.claims.iter().map(|c| c.name.as_str()).collect(),
    };
    let disclosure = cred
        .disclose(&names, a.holder)
        .map_err(|e| CliError::usage(e.to_string()))?;
    let now = ledger.now();
    let status = ledger.status(&disclosure.license, now);
    if !status.is_valid() && !a.even_if_not_valid {
        return Err(CliError::invalid(format!(
            "{} is {status} now: a presentation would only show that; give --even-if-not-valid \
             to make one anyway",
            disclosure.license
        )));
    }
    let (note, cp) = cosigned_checkpoint(store, &ledger, &key, &a.signer, &a.witnesses)?;
    let stamp = ledger
        .stamp(
            &disclosure.license,
            now,
            now.plus_millis(a.hours.saturating_mul(3_600_000)),
            &key,
            &chancery::FileCheckpointLog::open_read_only(store)?,
        )
        .map_err(|e| CliError::usage(format!("cannot stamp: {e}")))?;
    let p = ledger
        .present(disclosure, &note, stamp)
        .map_err(|e| CliError::usage(e.to_string()))?;
    let bytes = p.to_canonical();
    let compact = CompactPresentation::from_presentation(&p, a.witnesses.len())
        .map_err(|e| CliError::usage(e.to_string()))?;
    let text = compact.to_text();
    if a.png.is_some() || a.svg.is_some() {
        chancery::present::qr::modules(&text).map_err(|e| {
            CliError::usage(format!(
                "the compact form ({} characters) does not fit one QR code ({e}); nothing \
                 written: disclose fewer claims with --disclose NAME,…",
                text.len()
            ))
        })?;
    }
    let png = match &a.png {
        Some(_) => Some(
            chancery::present::qr::to_png(&text, 4).map_err(|e| CliError::usage(e.to_string()))?,
        ),
        None => None,
    };
    let svg = match &a.svg {
        Some(_) => Some(
            chancery::present::qr::to_svg(&text, 400)
                .map_err(|e| CliError::usage(e.to_string()))?,
        ),
        None => None,
    };
    files::write(&a.out, &bytes, mode)?;
    if let Some(f) = &a.compact {
        files::write(f, text.as_bytes(), mode)?;
    }
    if let (Some(f), Some(png)) = (&a.png, &png) {
        files::write(f, png, mode)?;
    }
    if let (Some(f), Some(svg)) = (&a.svg, &svg) {
        files::write(f, svg.as_bytes(), mode)?;
    }
    out.print(
        &format!(
            "presentation of {} at checkpoint of tree size {} written to {} ({} bytes, {} \
             entries); compact form {} characters",
            p.disclosure.license,
            cp.size,
            a.out.display(),
            bytes.len(),
            p.entries.len(),
            text.len()
        ),
        json!({
            "license": p.disclosure.license.to_string(),
            "checkpoint_size": cp.size,
            "file": a.out.display().to_string(),
            "bytes": bytes.len(),
            "entries": p.entries.len(),
            "compact_characters": text.len(),
            "next_update": crate::show(p.stamp.claim.next_update),
        }),
    );
    Ok(0)
}

/// Runs `chancery trust-list create`: a list naming this store's ledger with its root keys:
/// each valid from the genesis (or from the rotation that brought it in) until one millisecond
/// after its retirement (its rotation, which it signed then) or until its compromise point; a
/// key brought in by a rotation that no longer counts is left out.
pub fn trust_list(store: &Path, a: TrustListArgs, out: &Out) -> Result<u8, CliError> {
    files::check_writable(&a.out, files::output(files::Mode::NEW))?;
    let ledger = crate::open_reader(store)?;
    let origin = ledger.origin().to_owned();
    let operator_keys = ledger
        .operator_keys()
        .map_err(|e| CliError::invalid(e.to_string()))?;
    let mut witnesses = a
        .witnesses
        .iter()
        .map(|v| {
            NoteVerifier::parse(v).map_err(|e| CliError::usage(format!("--witness {v:?}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    for w in &a.witness_keys {
        let (name, file) = w
            .split_once('=')
            .ok_or_else(|| CliError::usage(format!("--witness-key {w:?}: expected NAME=FILE")))?;
        let key = keyfile::read_public(Path::new(file))?;
        witnesses.push(
            NoteVerifier::cosigner(name, &key)
                .map_err(|e| CliError::usage(format!("--witness-key {name}: {e}")))?,
        );
    }
    if a.unwitnessed && !witnesses.is_empty() {
        return Err(CliError::usage(
            "--unwitnessed trusts checkpoints no witness cosigned: name no --witness with it",
        ));
    }
    let threshold =
        match (a.threshold, a.unwitnessed) {
            (Some(_), true) => {
                return Err(CliError::usage(
                    "--unwitnessed takes no --threshold: it trusts checkpoints no witness cosigned",
                ))
            }
            (Some(0), false) => return Err(CliError::usage(
                "--threshold 0 trusts checkpoints no witness cosigned: say so with --unwitnessed",
            )),
            (Some(n), false) => n,
            (None, true) => 0,
            (None, false) if witnesses.is_empty() => {
                return Err(CliError::usage(
                    "name the witnesses verifiers require with --witness VKEY, or trust the \
                 ledger's checkpoints with no witness with --unwitnessed",
                ))
            }
            (None, false) => 1,
        };
    if threshold > witnesses.len() {
        return Err(CliError::usage(
            "--threshold is more than the witnesses given",
        ));
    }
    if a.valid_days == 0 {
        return Err(CliError::usage("--valid-days must be at least 1"));
    }
    let issued = Timestamp::now();
    let list = TrustList {
        name: a.name,
        version: a.version.unwrap_or(issued.0 / 1000),
        issued,
        next_update: issued.plus_days(a.valid_days),
        ledgers: vec![TrustedLedger {
            origin: origin.clone(),
            operator_keys,
            witnesses: WitnessPolicy {
                witnesses,
                threshold,
            },
            freshness: Freshness {
                max_checkpoint_age_ms: a.max_age_days.saturating_mul(86_400_000),
                max_stamp_age_ms: a.max_stamp_age_hours.saturating_mul(3_600_000),
                max_stamp_window_ms: a.max_stamp_window_hours.saturating_mul(3_600_000),
            },
            unwitnessed: a.unwitnessed,
            require_holder: a.require_holder,
        }],
    };
    // What a verifier would refuse (a witness named twice, colliding key ids, a key that is
    // not a cosigner's) is refused here, before anything is signed.
    TrustList::from_canonical(&list.to_canonical())
        .map_err(|e| CliError::usage(format!("the list would not load in a verifier: {e}")))?;
    let key = keyfile::read_secret(&a.signer.signer)?;
    let signed = SignedTrustList::sign(list, &key);
    files::write(
        &a.out,
        &signed.to_canonical(),
        files::output(files::Mode::NEW),
    )?;
    out.print(
        &format!(
            "trust list {} version {} naming {origin} written to {}",
            signed.list.name,
            signed.list.version,
            a.out.display()
        ),
        json!({
            "name": signed.list.name,
            "version": signed.list.version,
            "origin": origin,
            "file": a.out.display().to_string(),
        }),
    );
    Ok(0)
}

/// Runs `chancery verify-presentation`: exit 0 if valid, 1 if not. Prints what a relying
/// party needs beside the verdict: the license, its type, issuer, version, validity window and
/// the disclosed claims.
pub fn verify(a: VerifyArgs, out: &Out) -> Result<u8, CliError> {
    let trust = a.trust.load()?;
    let at = opt_time(&a.at)?.unwrap_or_else(Timestamp::now);
    let asked = HolderCheck {
        audience: a.audience.clone(),
        nonce: a.nonce.clone(),
    };
    // The larger form is the text (base45 of at most MAX_INPUT_LEN bytes), with its prefix
    // and a line end.
    let most = chancery::present::compact::MAX_TEXT_LEN + TEXT_PREFIX.len() + 2;
    let bytes = files::read_at_most(&a.file, most)?;
    let examined = chancery::present::examine(&bytes, &trust, at, &asked).map_err(|e| match e {
        ExamineError::NotAPresentation => CliError::usage(format!("{}: {e}", a.file.display())),
        ExamineError::Compact(_) => CliError::invalid(format!(
            "{}: {e} (the text was altered, or is not a presentation)",
            a.file.display()
        )),
        _ => CliError::invalid(format!(
            "{}: malformed or altered presentation: {e}",
            a.file.display()
        )),
    })?;
    let Examined {
        form,
        version,
        claims,
        holder,
        verification,
    } = examined;
    let form = form.name();
    let license = version
        .as_ref()
        .map(|v| v.id.to_string())
        .unwrap_or_default();
    let Verification { verdict, binding } = verification;
    let (lines, mut value) = crate::license::describe(version.as_ref(), &claims, holder.as_deref());
    value["license"] = json!(license);
    value["form"] = json!(form);
    value["at"] = json!(crate::show(at));
    value["valid"] = json!(verdict.is_valid());
    value["verdict"] = json!(verdict.to_string());
    let bound = match &binding {
        Binding::Bound { audience } => {
            value["holder_bound"] = json!(true);
            value["audience"] = json!(audience);
            format!("holder: bound (signed by the license's holder key for {audience})")
        }
        Binding::Unchecked { audience } => {
            value["holder_bound"] = json!(false);
            value["signed_for"] = json!(audience);
            format!(
                "holder: signed by the holder key for {:?}, not checked (give --audience)",
                audience
            )
        }
        Binding::Unbound => {
            value["holder_bound"] = json!(false);
            "holder: unbound (no holder signature: anyone with a copy can show it)".to_owned()
        }
    };
    let mut text = vec![format!(
        "{license} ({form} presentation) at {}: {verdict}",
        crate::show(at)
    )];
    text.extend(lines);
    if verdict.is_valid() {
        text.push(bound);
    }
    if a.explain {
        text.push(EXPLAIN.to_owned());
        value["explain"] = json!(EXPLAIN);
    }
    out.print(&text.join("\n"), value);
    Ok(u8::from(!verdict.is_valid()))
}

/// What a valid verdict proves and does not (SPEC §24), for `verify-presentation --explain`.
const EXPLAIN: &str = "\
What a valid verdict proves (SPEC §20, §24):
  - a key of the ledger's operator that the trust list names, valid when the witnesses saw the
    checkpoint and now, stamped the license version's status as valid within the list's
    freshness limits, and the required witnesses cosigned that checkpoint;
  - the disclosed claims (and the holder's code, if shown) are the ones recorded;
  - full form only: the version's entry and its issuer's registration chain are in that
    checkpoint's tree, signed by keys bound back to a root key the list names;
  - when bound (checked against this verifier's --audience): the person showing it holds the
    license's holder key and signed it for this verifier (and nonce) within a few minutes.
What it does not prove:
  - compact form: inclusion, the entry's signature or the issuer's authority (they rest on the
    operator's stamp);
  - unbound, or signed but not checked (no --audience): who shows it (a copy or a photo works
    for anyone until the stamp's next update);
  - that nothing changed after the stamp's this update (a revocation since is known only to a
    fresh stamp), or, with a list made before a root rotation, that the stamp's key was not
    rotated out since (the list's own expiry bounds that).";

/// Runs `chancery holder-sign`: the holder signs a presentation for one verifier, offline,
/// with no store.
pub fn holder_sign(a: HolderSignArgs, out: &Out) -> Result<u8, CliError> {
    let ttl = parse_ttl(&a.ttl)?;
    let key = keyfile::read_secret(&a.holder_key)?;
    files::check_writable(&a.out, files::output(files::Mode::PRIVATE))?;
    let most = chancery::present::compact::MAX_TEXT_LEN + TEXT_PREFIX.len() + 2;
    let bytes = files::read_at_most(&a.presentation, most)?;
    // Valid from 30 s ago (a verifier's clock may lag), for the ttl in all.
    let now = Timestamp::now();
    let from = Timestamp(now.0.saturating_sub(30_000));
    let until = from.plus_millis(ttl);
    let sign = |claim: &StatusClaim| {
        HolderSignature::sign(claim, &a.audience, a.nonce.as_deref(), from, until, &key)
            .map_err(|e| CliError::usage(format!("{}: {e}", a.presentation.display())))
    };
    let written = if bytes.starts_with(TEXT_PREFIX.as_bytes()) {
        let text = String::from_utf8_lossy(&bytes);
        let mut c = CompactPresentation::from_text(text.trim_end())
            .map_err(|e| CliError::usage(format!("{}: {e}", a.presentation.display())))?;
        let claim = c
            .claim()
            .map_err(|e| CliError::usage(format!("{}: {e}", a.presentation.display())))?;
        c.holder_signature = Some(sign(&claim)?);
        c.to_text().into_bytes()
    } else {
        let mut p = Presentation::from_canonical(&bytes).map_err(|e| {
            CliError::usage(format!(
                "{}: not a presentation: {e}",
                a.presentation.display()
            ))
        })?;
        p.holder_signature = Some(sign(&p.stamp.claim)?);
        p.to_canonical()
    };
    files::write(&a.out, &written, files::output(files::Mode::PRIVATE))?;
    out.print(
        &format!(
            "presentation signed for {} until {} written to {}",
            a.audience,
            crate::show(until),
            a.out.display()
        ),
        json!({
            "audience": a.audience,
            "nonce": a.nonce,
            "not_after": crate::show(until),
            "file": a.out.display().to_string(),
        }),
    );
    Ok(0)
}

/// `90s`, `5m` or a number of seconds, at most 10 minutes.
fn parse_ttl(s: &str) -> Result<u64, CliError> {
    let (n, unit) = match s.strip_suffix('m') {
        Some(n) => (n, 60_000),
        None => (s.strip_suffix('s').unwrap_or(s), 1000),
    };
    let ms = n
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .filter(|ms| (1..=chancery::present::holder::MAX_WINDOW_MS).contains(ms))
        .ok_or_else(|| {
            CliError::usage(format!("--ttl {s:?}: expected 1s to 10m (e.g. 90s, 5m)"))
        })?;
    Ok(ms)
}

/// The list operators of `--list-key NAME=FILE` (one per list name) and `--list-origins
/// NAME=ORIGIN,…` (the origins the list NAME may name, and no other operator's list).
fn list_operators(keys: &[String], origins: &[String]) -> Result<Vec<ListOperator>, CliError> {
    let split = |flag: &str, v: &str| -> Result<(String, String), CliError> {
        v.split_once('=')
            .filter(|(n, f)| !n.is_empty() && !f.is_empty())
            .map(|(n, f)| (n.to_owned(), f.to_owned()))
            .ok_or_else(|| CliError::usage(format!("{flag} {v:?}: expected NAME=…")))
    };
    let mut operators: Vec<ListOperator> = Vec::new();
    for v in keys {
        let (name, file) = split("--list-key", v)?;
        let key = keyfile::read_public(Path::new(&file))?;
        operators.push(ListOperator::new(key, [name]));
    }
    for v in origins {
        let (name, list) = split("--list-origins", v)?;
        let mut found = false;
        for o in operators.iter_mut().filter(|o| o.names.contains(&name)) {
            o.origins
                .get_or_insert_with(Vec::new)
                .extend(list.split(',').map(str::to_owned));
            found = true;
        }
        if !found {
            return Err(CliError::usage(format!(
                "--list-origins {name:?}: no --list-key publishes that list"
            )));
        }
    }
    Ok(operators)
}

/// Signs and keeps a checkpoint of the ledger now (refusing one inconsistent with the last
/// kept) and has each `--witness NAME=FILE` cosign it as a witness that follows the ledger
/// (it cosigns only what a key that signs checkpoints now signed).
fn cosigned_checkpoint(
    store: &Path,
    ledger: &chancery::Ledger<chancery::FileStore>,
    key: &chancery::SecretKey,
    signer: &Signer,
    witnesses: &[String],
) -> Result<(String, chancery::checkpoint::Checkpoint), CliError> {
    let kept = crate::sign_checkpoint(store, ledger, key, signer)?;
    let (signed, cp) = (kept.note, kept.checkpoint);
    let mut note =
        Note::parse(signed.as_bytes()).map_err(|e| CliError::usage(format!("checkpoint: {e}")))?;
    let secs = ledger.now().millis() / 1000;
    for w in witnesses {
        let (name, file) = w
            .split_once('=')
            .ok_or_else(|| CliError::usage(format!("--witness {w:?}: expected NAME=FILE")))?;
        let wkey = keyfile::read_secret(Path::new(file))?;
        let mut witness = Witness::new(name, wkey, &cp.origin, vec![], None)
            .map_err(|e| CliError::usage(format!("--witness {name}: {e}")))?;
        let sig = ledger
            .cosign(&mut witness, signed.as_bytes(), secs)
            .map_err(|e| CliError::usage(format!("--witness {name}: {e}")))?;
        note.signatures.push(sig);
    }
    Ok((note.to_text(), cp))
}

/// `chancery present-seal`.
#[derive(Args, Debug)]
pub struct PresentSealArgs {
    /// The operator's key (an operator key, or the root key while the ledger has none).
    #[command(flatten)]
    signer: Signer,
    /// The sealed document.
    document: PathBuf,
    /// Present the sealing by this seal (esID); default the first valid one.
    #[arg(long, value_name = "ES_ID")]
    seal: Option<String>,
    /// Hours until the stamp's next update.
    #[arg(long, default_value_t = 24)]
    hours: u64,
    /// A witness to cosign the checkpoint, as NAME=SECRET_KEY_FILE (repeatable).
    #[arg(long = "witness", value_name = "NAME=FILE")]
    witnesses: Vec<String>,
    /// The seal presentation file to write (canonical CBOR).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Make the presentation even if the sealing is not valid (it then shows that).
    #[arg(long)]
    even_if_not_valid: bool,
}

/// `chancery verify-sealed`.
#[derive(Args, Debug)]
pub struct VerifySealedArgs {
    /// The document.
    document: PathBuf,
    /// Its seal presentation (`chancery present-seal`).
    #[arg(long, value_name = "FILE")]
    presentation: PathBuf,
    #[command(flatten)]
    trust: TrustArgs,
    /// Verification time; default now.
    #[arg(long)]
    at: Option<String>,
    /// Accept only a sealing by this seal (esID).
    #[arg(long, value_name = "ES_ID")]
    seal: Option<String>,
    /// Accept only a sealing by a seal of this unit (its code).
    #[arg(long, value_name = "CODE")]
    owner: Option<String>,
}

/// Runs `chancery present-seal`: a presentation of one sealing of the document that a relying
/// party verifies offline with the document and a trust list.
pub fn present_seal(store: &Path, a: PresentSealArgs, out: &Out) -> Result<u8, CliError> {
    let mode = files::output(files::Mode::PRIVATE);
    files::check_writable(&a.out, mode)?;
    let ledger = open(store)?;
    let key = keyfile::read_secret(&a.signer.signer)?;
    let bytes = std::fs::read(&a.document).map_err(|e| CliError::io(&a.document, e))?;
    let digest = chancery::crypto::sha256(&bytes);
    let now = ledger.now();
    let report = chancery::verify::verify_sealed_document(ledger.state(), &digest, now, now);
    let mine: Vec<_> = report
        .sealings
        .iter()
        .filter(|s| a.seal.as_ref().is_none_or(|e| *e == s.es_id))
        .collect();
    let sealing = mine
        .iter()
        .find(|s| s.verdict.is_valid())
        .or(mine.first())
        .ok_or_else(|| {
            CliError::invalid(match &a.seal {
                Some(e) => format!(
                    "{}: no sealing of it by seal {e} is recorded",
                    a.document.display()
                ),
                None => format!("{}: no sealing of it is recorded", a.document.display()),
            })
        })?;
    if !sealing.verdict.is_valid() && !a.even_if_not_valid {
        return Err(CliError::invalid(format!(
            "{}: its sealing by {} is not valid ({}): a presentation would only show that; give \
             --even-if-not-valid to make one anyway",
            a.document.display(),
            sealing.es_id,
            sealing.verdict
        )));
    }
    let (note, cp) = cosigned_checkpoint(store, &ledger, &key, &a.signer, &a.witnesses)?;
    let stamp = ledger
        .stamp_sealing(
            &digest,
            sealing.seq,
            now,
            now.plus_millis(a.hours.saturating_mul(3_600_000)),
            &key,
            &chancery::FileCheckpointLog::open_read_only(store)?,
        )
        .map_err(|e| CliError::usage(format!("cannot stamp: {e}")))?;
    let valid = stamp.claim.valid;
    let p = ledger
        .present_sealing(&digest, sealing.seq, &note, stamp)
        .map_err(|e| CliError::usage(e.to_string()))?;
    let written = p.to_canonical();
    files::write(&a.out, &written, mode)?;
    out.print(
        &format!(
            "seal presentation of {} (seal {}, entry {}, {}) at checkpoint of tree size {} \
             written to {} ({} bytes)",
            a.document.display(),
            sealing.es_id,
            sealing.seq,
            if valid { "valid" } else { "not valid" },
            cp.size,
            a.out.display(),
            written.len()
        ),
        json!({
            "es_id": sealing.es_id,
            "seq": sealing.seq,
            "valid": valid,
            "checkpoint_size": cp.size,
            "file": a.out.display().to_string(),
            "bytes": written.len(),
        }),
    );
    Ok(0)
}

/// Runs `chancery verify-sealed`: exit 0 if the document is validly sealed, 1 if not.
pub fn verify_sealed(a: VerifySealedArgs, out: &Out) -> Result<u8, CliError> {
    let trust = a.trust.load()?;
    let at = opt_time(&a.at)?.unwrap_or_else(Timestamp::now);
    let bytes = files::read_at_most(&a.presentation, chancery::encoding::MAX_INPUT_LEN)?;
    let p = chancery::present::seal::SealPresentation::from_canonical(&bytes).map_err(|e| {
        CliError::invalid(format!(
            "{}: malformed or altered seal presentation: {e}",
            a.presentation.display()
        ))
    })?;
    let document = std::fs::read(&a.document).map_err(|e| CliError::io(&a.document, e))?;
    let asked = chancery::verify::SealFilter {
        owner: a.owner.clone(),
        es_id: a.seal.clone(),
    };
    let found = chancery::present::seal::verify_sealed(&document, &p, &trust, at, &asked);
    let verdict = &found.verdict;
    let mut text = format!("{} at {}: {verdict}", a.document.display(), crate::show(at));
    let mut value = json!({
        "document": a.document.display().to_string(),
        "at": crate::show(at),
        "valid": verdict.is_valid(),
        "verdict": verdict.to_string(),
    });
    if let Some(s) = &found.sealer {
        text.push_str(&format!(
            "\n  sealed by seal {} ({} {:?}) of {}, registered by {}, on ledger {}, at {}, \
             case {}{}",
            s.es_id,
            s.seal_type,
            s.name,
            s.owner,
            s.registrar,
            s.origin,
            crate::show(s.sealed_at),
            s.case,
            s.policy
                .as_ref()
                .map(|p| format!(", automatically under policy {p}"))
                .unwrap_or_default()
        ));
        value["sealer"] = json!({
            "origin": s.origin,
            "es_id": s.es_id,
            "owner": s.owner,
            "name": s.name,
            "seal_type": s.seal_type,
            "registrar": s.registrar,
            "sealed_at": crate::show(s.sealed_at),
            "case": s.case,
            "policy": s.policy,
        });
    }
    out.print(&text, value);
    Ok(u8::from(!verdict.is_valid()))
}

impl TrustArgs {
    /// The trust lists of `--trust`, loaded against the list operators of `--list-key` and
    /// `--list-origins`.
    fn load(&self) -> Result<Trust, CliError> {
        load_trust(&self.trust, &self.list_keys, &self.list_origins)
    }
}

/// Signed trust lists loaded against the list operators named (`NAME=FILE`, `NAME=ORIGIN,…`).
pub fn load_trust(
    files: &[PathBuf],
    keys: &[String],
    origins: &[String],
) -> Result<Trust, CliError> {
    let operators = list_operators(keys, origins)?;
    let mut trust = Trust::new();
    for f in files {
        let bytes = files::read_at_most(f, chancery::encoding::MAX_INPUT_LEN)?;
        trust.load(&bytes, &operators).map_err(|e| match e {
            // Not a trust list at all: the wrong file (exit 2); a list whose signature fails
            // is a finding (exit 1).
            TrustError::Decode(_) => CliError::usage(format!("{}: {e}", f.display())),
            _ => CliError::invalid(format!("{}: {e}", f.display())),
        })?;
    }
    Ok(trust)
}
