//! `chancery`: the command-line tool for ledger operators, issuing authorities and auditors.
//!
//! Exit codes: 0 success (or valid), 1 verified invalid or damage found, 2 usage or I/O error.
//! Errors are one line on stderr. See `chancery --help` and README.md.

mod consent;
mod demo;
mod files;
mod keyfile;
mod license;
mod present;
mod query;
mod report;
mod seal;

use chancery::archive::{self, ArchiveAuditError};
use chancery::checkpoint;
use chancery::event::{AuthorityRegistration, Policy};
use chancery::{
    Actor, AuditError, CheckpointLog, Event, FileCheckpointLog, FileStore, Ledger, OpenError,
    SecretKey, SignCheckpointError, SignedStatement, StorageError, SystemClock, Timestamp,
    UtcOffset,
};
use clap::{Args, Parser, Subcommand};
use report::{Out, Progress};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Tamper-evident ledger of e-licenses (电子证照) and e-seals (电子印章).
#[derive(Parser, Debug)]
#[command(name = "chancery", version, about, long_about = None)]
pub struct Cli {
    /// The ledger's store directory.
    #[arg(
        long,
        global = true,
        default_value = "./chancery-data",
        value_name = "DIR"
    )]
    store: PathBuf,
    /// Print results as JSON on stdout (and errors as JSON on stderr:
    /// `{"error": …, "exit": …}`).
    #[arg(long, global = true)]
    json: bool,
    /// Print only the id of what the command creates (`--print id`): a license id, a consent
    /// id, a key id, a seal's esID; for capturing it in a script with `$(…)`.
    #[arg(long, global = true, value_enum, value_name = "WHAT")]
    print: Option<PrintWhat>,
    /// Replace existing output files (stamps, checkpoints, presentations, trust lists,
    /// archives). Key and credential files are never replaced.
    #[arg(long, global = true)]
    force: bool,
    /// Read the passphrase for secret key files from the first line of FILE (default: the
    /// CHANCERY_PASSPHRASE environment variable). New keys are sealed with it; protected keys
    /// need it to sign.
    #[arg(long, global = true, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// The integrity key file (made by `key integrity`; default: the CHANCERY_INTEGRITY_KEY
    /// environment variable names it), kept outside the store directory: with it, opening the
    /// ledger trusts the signatures its integrity record covers instead of verifying each, and
    /// the record is kept up to date (SPEC §12).
    #[arg(long, global = true, value_name = "FILE")]
    integrity_key: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// What `--print` prints.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum PrintWhat {
    /// The id of what the command created.
    Id,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a new ledger in the store, with a new root key (written to DIR/keys/root.key).
    Init {
        /// The ledger's origin: a name unique to this ledger, e.g. `zj.gov.cn/elicense`.
        #[arg(long)]
        origin: String,
        /// Use this existing secret key file as the root key instead of generating one.
        #[arg(long, value_name = "FILE")]
        root_key: Option<PathBuf>,
        /// Largest allowed difference between a statement's claimed time and its ledger time,
        /// in seconds.
        #[arg(long, default_value_t = 300)]
        max_skew_secs: u64,
        /// The ledger's civil time zone, as a UTC offset: dates typed and shown are in it.
        #[arg(
            long,
            default_value = "+08:00",
            value_name = "±HH:MM",
            allow_hyphen_values = true
        )]
        utc_offset: UtcOffset,
    },
    /// Key files.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Hand the root role from one root key to a new one (both sign; the old key retires).
    RotateRoot {
        #[command(flatten)]
        signer: Signer,
        /// The new root key's secret key file (it signs its acceptance).
        #[arg(long, value_name = "FILE")]
        new_key: PathBuf,
    },
    /// Operator keys: dedicated keys that sign checkpoints and status stamps (and no
    /// statement), so the root key can stay offline (SPEC §16).
    #[command(subcommand, name = "operator-key")]
    OperatorKey(OperatorKeyCommand),
    /// Issuing authorities.
    #[command(subcommand)]
    Authority(AuthorityCommand),
    /// License types (the catalogue).
    #[command(subcommand, name = "license-type")]
    LicenseType(LicenseTypeCommand),
    /// Licenses: issue, change, terminate, query and verify.
    #[command(subcommand)]
    License(license::LicenseCommand),
    /// Seals (电子印章): register, manage, apply, automatic sealing, verify sealed documents.
    #[command(subcommand)]
    Seal(seal::SealCommand),
    /// Holder keys, consents (用证授权) and use records (用证记录).
    #[command(subcommand)]
    Consent(consent::ConsentCommand),
    /// Make a holder's offline presentation (SPEC §20): signs a checkpoint (kept like
    /// `chancery checkpoint`) and a status stamp with a root key, writes the full presentation
    /// and, on request, the compact text and its QR code (PNG, SVG).
    Present(present::PresentArgs),
    /// Trust lists (互通互认).
    #[command(subcommand, name = "trust-list")]
    TrustList(TrustListCommand),
    /// Verify a presentation offline against signed trust lists (exit 0 if valid, 1 if not).
    VerifyPresentation(present::VerifyArgs),
    /// The holder signs a presentation for one verifier and a few minutes (offline, no store):
    /// a copy is then useless to anyone else.
    HolderSign(present::HolderSignArgs),
    /// Make a seal presentation of a sealed document (one sealing, its seal's registration
    /// chain, inclusion proofs, a checkpoint and a stamp of the sealing's verdict).
    PresentSeal(present::PresentSealArgs),
    /// Verify a sealed document offline with its seal presentation and trust lists (exit 0 if
    /// validly sealed, 1 if not).
    VerifySealed(present::VerifySealedArgs),
    /// Sign a checkpoint (C2SP signed note: origin, size, Merkle root) with an operator key (or
    /// the root key while the ledger has none) and keep it in DIR/checkpoints; refused if the
    /// ledger is not consistent with the last one kept.
    Checkpoint {
        #[command(flatten)]
        signer: Signer,
        /// Also write the signed note to this file.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Re-check everything: every entry's hash, encoding, signature and rules from genesis,
    /// the chain, the Merkle root and every signed checkpoint; of the store, or of an archive.
    Audit {
        /// Audit this archive file instead of the store.
        #[arg(long, value_name = "FILE")]
        archive: Option<PathBuf>,
        /// A signed checkpoint you trusted before: the ledger must still contain exactly what
        /// it covered (same root at its size).
        #[arg(long, value_name = "CHECKPOINT_FILE")]
        since: Option<PathBuf>,
    },
    /// RFC 9162 proofs for transparency-log tools (hashes in base64).
    #[command(subcommand)]
    Prove(query::ProveCommand),
    /// Write the whole ledger to a portable archive file (SPEC §14).
    Export {
        /// The archive to write (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Create the store from an archive, verifying everything it reads; a damaged archive
    /// leaves nothing written.
    Import {
        /// The archive to read.
        file: PathBuf,
    },
    /// Generate a realistic ledger into a new store over a simulated past year: authorities,
    /// license types, licenses with amendments, renewals, suspensions and terminations, seals
    /// and their applications, approval cases sealed automatically past their deadline,
    /// consents and use records; every statement signed by its actor.
    Demo {
        /// Number of entries to generate.
        #[arg(long, default_value_t = 10_000)]
        entries: u64,
        /// The ledger's origin.
        #[arg(long, default_value = "demo.example.gov.cn/elicense")]
        origin: String,
    },
}

#[derive(Subcommand, Debug)]
enum OperatorKeyCommand {
    /// Add an operator key, signed by a root key (the new key signs its acceptance). From the
    /// first, only operator keys sign checkpoints and stamps.
    Add {
        #[command(flatten)]
        signer: Signer,
        /// The new operator key's secret key file.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
    /// Retire an operator key now, signed by a root key.
    Retire {
        #[command(flatten)]
        signer: Signer,
        /// The operator key's public key file.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum TrustListCommand {
    /// Sign a trust list naming this store's ledger: its origin, root and operator keys (each
    /// with what it signs and when), the witnesses required and the freshness limits.
    Create(present::TrustListArgs),
}

#[derive(Subcommand, Debug)]
enum KeyCommand {
    /// Generate an Ed25519 key: the secret key file (mode 0600; sealed with the passphrase if
    /// one is given) and FILE.pub.
    Generate {
        /// The secret key file to create (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Generate an integrity key (64 hex digits, mode 0600), to keep outside the store
    /// directory and pass as --integrity-key (SPEC §12).
    Integrity {
        /// The key file to create (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Show the public key and key id of a key file (never the secret).
    Show {
        /// A secret or public key file.
        file: PathBuf,
        /// Also show the key's C2SP witness cosigner verifier key under this name (what a
        /// trust list names a witness by).
        #[arg(long, value_name = "NAME")]
        cosigner: Option<String>,
    },
}

/// Who signs a statement: a secret key file.
#[derive(Args, Debug)]
pub struct Signer {
    /// The signing actor's secret key file.
    #[arg(long, value_name = "FILE")]
    signer: PathBuf,
}

#[derive(Subcommand, Debug)]
enum AuthorityCommand {
    /// Register an issuing authority (signed by the root, or by a parent with delegation rights).
    Register {
        #[command(flatten)]
        signer: Signer,
        /// The authority's code (统一社会信用代码 or equivalent: 0-9, A-Z).
        #[arg(long)]
        code: String,
        /// Its filed name.
        #[arg(long)]
        name: String,
        /// Its signing key: a public key file (repeat for several).
        #[arg(long = "key", value_name = "FILE", required = true)]
        keys: Vec<PathBuf>,
        /// License-type codes it may define and issue, comma-separated (none for a unit that
        /// only owns seals or relies on licenses).
        #[arg(long, value_delimiter = ',')]
        types: Vec<String>,
        /// The parent authority the new one is registered under (the signer is that parent, or
        /// the root).
        #[arg(long)]
        parent: Option<String>,
        /// It may register seals.
        #[arg(long)]
        may_register_seals: bool,
        /// It may register child authorities.
        #[arg(long)]
        may_delegate: bool,
    },
    /// Suspend an authority.
    Suspend {
        #[command(flatten)]
        signer: Signer,
        /// Authority code.
        code: String,
        /// Reason.
        #[arg(long)]
        reason: String,
    },
    /// End an authority's suspension.
    Reinstate {
        #[command(flatten)]
        signer: Signer,
        /// Authority code.
        code: String,
    },
    /// Revoke an authority (final).
    Revoke {
        #[command(flatten)]
        signer: Signer,
        /// Authority code.
        code: String,
        /// Reason.
        #[arg(long)]
        reason: String,
    },
    /// Add a signing key to an authority.
    AddKey {
        #[command(flatten)]
        signer: Signer,
        /// Authority code.
        code: String,
        /// The new key's public key file.
        #[arg(long = "key", value_name = "FILE")]
        key: PathBuf,
    },
    /// Retire an authority key: unusable from a time on (default now).
    RetireKey {
        #[command(flatten)]
        signer: Signer,
        /// Authority code.
        code: String,
        /// The key's id (hex) or public key file.
        #[arg(long = "key", value_name = "ID|FILE")]
        key: String,
        /// From when the key may no longer sign.
        /// A date alone is the start of that day in the ledger's time zone.
        #[arg(long)]
        from: Option<String>,
    },
    /// Declare an authority key compromised since a time: what it signed from then on is
    /// invalid, what it signed before stays valid.
    CompromiseKey {
        #[command(flatten)]
        signer: Signer,
        /// Authority code.
        code: String,
        /// The key's id (hex) or public key file.
        #[arg(long = "key", value_name = "ID|FILE")]
        key: String,
        /// The compromise point.
        /// A date alone is the start of that day in the ledger's time zone.
        #[arg(long)]
        since: String,
    },
    /// List the registered authorities.
    List,
}

#[derive(Subcommand, Debug)]
enum LicenseTypeCommand {
    /// Define a license type.
    Define {
        #[command(flatten)]
        signer: Signer,
        /// Type code (0-9, A-Z).
        #[arg(long)]
        code: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// Claim names every license of this type carries, comma-separated, in order.
        #[arg(long, value_delimiter = ',', required = true)]
        claims: Vec<String>,
    },
    /// List the defined license types and their claims.
    List,
}

/// A failed command: its exit code and one line for stderr.
#[derive(Debug)]
pub struct CliError {
    code: u8,
    message: String,
}

impl CliError {
    /// Usage or input error (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }

    /// I/O error on a file (exit code 2).
    pub fn io(path: &Path, e: std::io::Error) -> Self {
        Self::usage(format!("{}: {e}", path.display()))
    }

    /// Verified invalid, or damage found (exit code 1).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
        }
    }
}

impl From<OpenError> for CliError {
    fn from(e: OpenError) -> Self {
        match e {
            OpenError::BadEntry(_) | OpenError::Storage(StorageError::Damaged(_)) => {
                CliError::invalid(format!("damaged ledger: {e}"))
            }
            other => CliError::usage(other.to_string()),
        }
    }
}

impl From<StorageError> for CliError {
    fn from(e: StorageError) -> Self {
        CliError::from(OpenError::Storage(e))
    }
}

impl From<chancery::AppendError> for CliError {
    fn from(e: chancery::AppendError) -> Self {
        CliError::usage(e.to_string())
    }
}

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
        } => init(
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
        Command::Key(k) => key(store, k, out),
        Command::RotateRoot { signer, new_key } => {
            let mut ledger = open(store)?;
            let new = keyfile::read_secret(&new_key)?;
            let old = keyfile::read_secret(&signer.signer)?;
            let origin = ledger.origin().to_owned();
            let message =
                chancery::event::rotation_message(&origin, &old.key_id(), &new.public_key());
            let event = Event::RootKeyRotated {
                new_key: new.public_key(),
                acceptance: new.sign(chancery::crypto::Domain::KeyRotation, &message),
            };
            record(&mut ledger, &signer, event, out)
        }
        Command::OperatorKey(OperatorKeyCommand::Add { signer, key }) => {
            let mut ledger = open(store)?;
            let new = keyfile::read_secret(&key)?;
            let root = keyfile::read_secret(&signer.signer)?;
            let origin = ledger.origin().to_owned();
            let message =
                chancery::event::operator_key_message(&origin, &root.key_id(), &new.public_key());
            let event = Event::OperatorKeyAdded {
                key: new.public_key(),
                acceptance: new.sign(chancery::crypto::Domain::OperatorKey, &message),
            };
            record(&mut ledger, &signer, event, out)
        }
        Command::OperatorKey(OperatorKeyCommand::Retire { signer, key }) => {
            let mut ledger = open(store)?;
            let event = Event::OperatorKeyRetired {
                key: keyfile::read_public(&key)?.key_id(),
            };
            record(&mut ledger, &signer, event, out)
        }
        Command::Authority(a) => authority(store, a, out),
        Command::LicenseType(LicenseTypeCommand::List) => {
            query::license_type_list(&open_reader(store)?, out)
        }
        Command::LicenseType(LicenseTypeCommand::Define {
            signer,
            code,
            name,
            claims,
        }) => {
            let mut ledger = open(store)?;
            let event = Event::LicenseTypeDefined {
                code,
                name,
                claim_names: claims,
            };
            record(&mut ledger, &signer, event, out)
        }
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
            checkpoint(store, &signer, file.as_deref(), out)
        }
        Command::Audit { archive, since } => {
            let result = audit(store, archive.as_deref(), since.as_deref(), out);
            // Damage is the audit's finding: under --json it is the report on stdout too.
            if let Err(e) = &result {
                if e.code == 1 && out.is_json() {
                    report::line(
                        &json!({ "result": "damage found", "error": e.message, "exit": 1 })
                            .to_string(),
                    );
                }
            }
            result
        }
        Command::Export { out: file } => export(store, &file, out),
        Command::Prove(p) => {
            let stored = stored_checkpoints(store)?;
            let ledger = open_reader(store)?;
            let latest = verified(store, &ledger, stored)?
                .last()
                .and_then(|n| checkpoint::Note::parse(n.as_bytes()).ok())
                .and_then(|n| checkpoint::Checkpoint::parse_text(&n.text).ok())
                .map(|c| c.size);
            query::prove(&ledger, latest, p, out)
        }
        Command::Import { file } => import(store, &file, out),
        Command::Demo { entries, origin } => demo::run(store, &origin, entries, out),
    }
}

/// Opens the ledger in the store as its writer (every entry and signature re-checked); times
/// are typed and shown in its civil time zone from now on.
pub fn open(store: &Path) -> Result<Ledger<FileStore>, CliError> {
    open_with(store, |p| FileStore::open(p))
}

/// Opens the ledger in the store for reading only: no lock is taken and nothing is written, so
/// it runs beside a writer; it sees the ledger as of the committed head when it opens.
pub fn open_reader(store: &Path) -> Result<Ledger<FileStore>, CliError> {
    open_with(store, |p| FileStore::open_read_only(p))
}

fn open_with(
    store: &Path,
    handle: fn(&Path) -> Result<FileStore, StorageError>,
) -> Result<Ledger<FileStore>, CliError> {
    if !store.join("head").exists() {
        return Err(CliError::usage(format!(
            "no ledger in {} (run `chancery init` or pass --store)",
            store.display()
        )));
    }
    let ledger = match INTEGRITY_KEY.get().cloned().flatten() {
        Some(key) => Ledger::open_trusting(handle(store)?, SystemClock, key)?,
        None => Ledger::open(handle(store)?, SystemClock)?,
    };
    set_zone(ledger.state().policy().utc_offset);
    Ok(ledger)
}

/// The integrity key of this process, if one was given.
static INTEGRITY_KEY: std::sync::OnceLock<Option<chancery::IntegrityKey>> =
    std::sync::OnceLock::new();

/// Reads the integrity key file, which must lie outside the store directory (whoever can write
/// the store must not be able to read the key).
fn init_integrity_key(file: Option<PathBuf>, store: &Path) -> Result<(), CliError> {
    let Some(file) = file else {
        let _ = INTEGRITY_KEY.set(None);
        return Ok(());
    };
    let text = std::fs::read_to_string(&file).map_err(|e| CliError::io(&file, e))?;
    let key = chancery::IntegrityKey::from_hex(&text)
        .map_err(|e| CliError::usage(format!("{}: {e}", file.display())))?;
    let inside = match (file.canonicalize(), store.canonicalize()) {
        (Ok(f), Ok(s)) => f.starts_with(s),
        _ => false,
    };
    if inside {
        return Err(CliError::usage(format!(
            "the integrity key {} lies inside the store {}: keep it where the store's writers \
             cannot read it",
            file.display(),
            store.display()
        )));
    }
    let _ = INTEGRITY_KEY.set(Some(key));
    Ok(())
}

/// The civil time zone of the ledger this process opened (before one is open: `+08:00`).
static ZONE: std::sync::OnceLock<UtcOffset> = std::sync::OnceLock::new();

fn set_zone(zone: UtcOffset) {
    let _ = ZONE.set(zone);
}

/// The civil time zone times are typed and shown in.
pub fn zone() -> UtcOffset {
    ZONE.get().copied().unwrap_or_default()
}

/// A time as people read it: RFC 3339 in the ledger's zone, with its offset.
pub fn show(t: Timestamp) -> String {
    zone().format(t)
}

/// The signer's actor for this ledger.
pub fn actor(ledger: &Ledger<FileStore>, signer: &Signer) -> Result<Actor, CliError> {
    let key = keyfile::read_secret(&signer.signer)?;
    Ok(Actor::new(ledger.origin(), key))
}

/// Signs `event` as `signer`, appends it and prints the receipt.
pub fn record(
    ledger: &mut Ledger<FileStore>,
    signer: &Signer,
    event: Event,
    out: &Out,
) -> Result<u8, CliError> {
    record_with(ledger, signer, event, out, &[])
}

/// As [`record`], with extra facts printed after the receipt (see [`append`]).
pub fn record_with(
    ledger: &mut Ledger<FileStore>,
    signer: &Signer,
    event: Event,
    out: &Out,
    extra: &[(&str, &str, String)],
) -> Result<u8, CliError> {
    let actor = actor(ledger, signer)?;
    let statement = actor.sign(event, ledger.now());
    append(ledger, statement, out, extra)
}

/// The id of what a statement creates, as `--print id` prints it: the new license version,
/// authority, license type, seal, policy or case, or the consent's statement id; for other
/// events the entry's sequence number.
fn created_id(statement: &SignedStatement, seq: u64) -> String {
    let event = &statement.statement().event;
    if let Some(v) = event.new_version() {
        return v.id.to_string();
    }
    match event {
        Event::AuthorityRegistered(r) => r.code.clone(),
        Event::LicenseTypeDefined { code, .. } => code.clone(),
        Event::SealRegistered(r)
        | Event::SealRemade {
            registration: r, ..
        } => r.es_id.clone(),
        Event::AutoSealPolicyGranted(p) => p.id.clone(),
        Event::CaseOpened(c) => c.case.clone(),
        Event::UseAuthorized(_) => statement.id().to_string(),
        _ => seq.to_string(),
    }
}

/// Appends a signed statement and prints the receipt, with `extra` facts (text line and JSON
/// field) after it.
pub fn append(
    ledger: &mut Ledger<FileStore>,
    statement: SignedStatement,
    out: &Out,
    extra: &[(&str, &str, String)],
) -> Result<u8, CliError> {
    let kind = statement.statement().event.kind();
    let r = ledger.append(statement.clone())?;
    let id = created_id(&statement, r.seq);
    let mut text = match r.resubmission {
        None => format!(
            "recorded {kind} as entry {} at {} (entry hash {})",
            r.seq,
            show(r.ledger_time),
            r.entry_hash
        ),
        Some(effect) => format!(
            "{kind} was already recorded as entry {} at {} (entry hash {}): nothing new \
             recorded; its effect now: {effect}",
            r.seq,
            show(r.ledger_time),
            r.entry_hash
        ),
    };
    let mut value = json!({
        "event": kind,
        "id": id,
        "seq": r.seq,
        "ledger_time": show(r.ledger_time),
        "entry_hash": r.entry_hash.to_hex(),
        "resubmission": r.resubmission.map(|e| e.to_string()),
    });
    for (label, key, v) in extra {
        text.push_str(&format!("\n{label} {v}"));
        value[*key] = json!(v);
    }
    out.created(&id, &text, value);
    Ok(0)
}

/// Creates the ledger crash-safely: the whole store (journal, head, root key) is built in a
/// sibling directory `.NAME.init-PID`, every file and the directory fsynced, then renamed into
/// place (refusing an existing target, even an empty one) and the parent fsynced. Killed at any
/// point, `init` leaves no store or a complete one; two at once, one wins and the other is told.
fn init(
    store: &Path,
    origin: &str,
    root_key: Option<&Path>,
    policy: Policy,
    out: &Out,
) -> Result<u8, CliError> {
    if store.symlink_metadata().is_ok() {
        return Err(CliError::usage(format!(
            "{} already exists; init creates a new store",
            store.display()
        )));
    }
    let key = match root_key {
        Some(p) => Some(keyfile::read_secret(p)?),
        None => None,
    };
    let key = key.unwrap_or_else(SecretKey::generate);
    checkpoint::NoteVerifier::new(origin, &key.public_key()).map_err(|e| {
        CliError::usage(format!(
            "origin {origin:?} cannot name a C2SP signed-note key ({e}): use a name like \
             zj.gov.cn/elicense, without spaces, '+' or control characters"
        ))
    })?;
    let parent = files::parent(store);
    std::fs::create_dir_all(parent).map_err(|e| CliError::io(parent, e))?;
    let _lock = files::lock_beside(store, "init")?;
    files::remove_leftovers(store, "init")?;
    let tmp = files::temp_beside(store, "init");
    let zone = policy_zone(&policy);
    let built = (|| {
        std::fs::create_dir(&tmp).map_err(|e| CliError::io(&tmp, e))?;
        let keys = tmp.join("keys");
        std::fs::create_dir(&keys).map_err(|e| CliError::io(&keys, e))?;
        if root_key.is_none() {
            keyfile::write_new(&keys.join("root.key"), &key, true)?;
        }
        files::sync_dir(&keys)?;
        let root = Actor::new(origin, key.clone());
        let genesis = root.sign(
            Event::LedgerCreated {
                root_keys: vec![root.public_key()],
                policy,
            },
            Timestamp::now(),
        );
        let ledger = Ledger::create(FileStore::open(&tmp)?, genesis, SystemClock)?;
        drop(ledger);
        files::sync_dir(&tmp)?;
        files::rename_noreplace(&tmp, store, false).map_err(|e| {
            if store.symlink_metadata().is_ok() {
                CliError::usage(format!(
                    "{} was created by another process meanwhile; not replacing it",
                    store.display()
                ))
            } else {
                e
            }
        })?;
        files::sync_dir(parent)
    })();
    if let Err(e) = built {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let key_path = match root_key {
        Some(p) => p.to_owned(),
        None => store.join("keys").join("root.key"),
    };
    let key_id = key.public_key().key_id();
    out.created(
        origin,
        &format!(
            "created ledger {origin} in {} (civil time zone {})\nroot key: {} (key id {key_id})",
            store.display(),
            zone,
            key_path.display(),
        ),
        json!({
            "origin": origin,
            "store": store.display().to_string(),
            "root_key_file": key_path.display().to_string(),
            "root_key_id": key_id.to_string(),
            "utc_offset": zone,
            "entries": 1,
        }),
    );
    Ok(0)
}

fn policy_zone(policy: &Policy) -> String {
    policy.utc_offset.to_string()
}

fn key(store: &Path, command: KeyCommand, out: &Out) -> Result<u8, CliError> {
    let is_show = matches!(command, KeyCommand::Show { .. });
    let (path, public, cosigner) = match command {
        KeyCommand::Integrity { out: path } => {
            let key = chancery::IntegrityKey::generate();
            keyfile::create_private(&path, format!("{}\n", key.to_hex()).as_bytes())?;
            out.created(
                &path.display().to_string(),
                &format!(
                    "{}: integrity key (keep it outside the store directory; pass it as \
                     --integrity-key)",
                    path.display()
                ),
                json!({"file": path.display().to_string(), "kind": "integrity key"}),
            );
            return Ok(0);
        }
        KeyCommand::Generate { out: path } => {
            let k = SecretKey::generate();
            keyfile::write_new(&path, &k, true)?;
            (path, k.public_key(), None)
        }
        KeyCommand::Show { file, cosigner } => {
            let k = match keyfile::read_public(&file) {
                Ok(k) => k,
                Err(_) => keyfile::read_secret(&file)?.public_key(),
            };
            (file, k, cosigner)
        }
    };
    let vkey = cosigner
        .map(|name| {
            checkpoint::NoteVerifier::cosigner(&name, &public)
                .map(|v| v.to_vkey())
                .map_err(|e| CliError::usage(format!("--cosigner {name:?}: {e}")))
        })
        .transpose()?;
    // A root key of the ledger in --store: its C2SP signed-note verifier key (named by the
    // origin, algorithm byte 0x01), which note verifiers and witnesses take.
    let note_vkey = if is_show && store.join("head").exists() {
        let ledger = open_reader(store)?;
        let state = ledger.state();
        match state.origin() {
            Some(origin) if state.all_checkpoint_keys().contains(&public) => Some(
                checkpoint::NoteVerifier::new(origin, &public)
                    .map(|v| v.to_vkey())
                    .map_err(|e| CliError::usage(format!("verifier key: {e}")))?,
            ),
            _ => None,
        }
    } else {
        None
    };
    let chancery::PublicKey::Ed25519(raw) = &public;
    let mut text = format!(
        "{}: ed25519 public key {} (key id {})",
        path.display(),
        keyfile::hex(raw.as_bytes()),
        public.key_id(),
    );
    if let Some(v) = &note_vkey {
        text.push_str(&format!(
            "\nroot key of this ledger; signed-note verifier key: {v}"
        ));
    }
    if let Some(v) = &vkey {
        text.push_str(&format!("\ncosigner verifier key: {v}"));
    }
    out.created(
        &public.key_id().to_string(),
        &text,
        json!({
            "file": path.display().to_string(),
            "algorithm": "ed25519",
            "public_key": keyfile::hex(raw.as_bytes()),
            "key_id": public.key_id().to_string(),
            "vkey": note_vkey,
            "cosigner_vkey": vkey,
        }),
    );
    Ok(0)
}

fn authority(store: &Path, command: AuthorityCommand, out: &Out) -> Result<u8, CliError> {
    let mut ledger = if matches!(command, AuthorityCommand::List) {
        open_reader(store)?
    } else {
        open(store)?
    };
    let (signer, event) = match command {
        AuthorityCommand::Register {
            signer,
            code,
            name,
            keys,
            types,
            parent,
            may_register_seals,
            may_delegate,
        } => {
            let keys = keys
                .iter()
                .map(|p| keyfile::read_public(p))
                .collect::<Result<_, _>>()?;
            let registration = AuthorityRegistration {
                code,
                name,
                parent,
                keys,
                license_types: types,
                may_register_seals,
                may_delegate,
            };
            (signer, Event::AuthorityRegistered(registration))
        }
        AuthorityCommand::Suspend {
            signer,
            code,
            reason,
        } => (
            signer,
            Event::AuthoritySuspended {
                authority: code,
                reason,
            },
        ),
        AuthorityCommand::Reinstate { signer, code } => {
            (signer, Event::AuthorityReinstated { authority: code })
        }
        AuthorityCommand::Revoke {
            signer,
            code,
            reason,
        } => (
            signer,
            Event::AuthorityRevoked {
                authority: code,
                reason,
            },
        ),
        AuthorityCommand::AddKey { signer, code, key } => (
            signer,
            Event::AuthorityKeyAdded {
                authority: code,
                key: keyfile::read_public(&key)?,
            },
        ),
        AuthorityCommand::RetireKey {
            signer,
            code,
            key,
            from,
        } => {
            let from = match from {
                Some(t) => license::time(&t)?,
                None => ledger.now(),
            };
            (
                signer,
                Event::AuthorityKeyRetired {
                    authority: code,
                    key: key_id(&key)?,
                    from,
                },
            )
        }
        AuthorityCommand::CompromiseKey {
            signer,
            code,
            key,
            since,
        } => (
            signer,
            Event::AuthorityKeyCompromised {
                authority: code,
                key: key_id(&key)?,
                since: license::time(&since)?,
            },
        ),
        AuthorityCommand::List => {
            let state = ledger.state();
            let mut all: Vec<_> = state.authorities().collect();
            all.sort_by(|a, b| a.code.cmp(&b.code));
            // An authority whose registration no longer counts (SPEC §9) is void, whatever
            // its recorded transitions say.
            let standing = |a: &chancery::state::Authority| {
                if state.counts(&a.registered) {
                    format!("{:?}", a.state)
                } else {
                    "Void".to_owned()
                }
            };
            let text: Vec<String> = all
                .iter()
                .map(|a| {
                    format!(
                        "{} {:?} {} types {}",
                        a.code,
                        a.name,
                        standing(a),
                        a.license_types.join(",")
                    )
                })
                .collect();
            let items: Vec<_> = all
                .iter()
                .map(|a| {
                    json!({
                        "code": a.code,
                        "name": a.name,
                        "parent": a.parent,
                        "state": standing(a),
                        "license_types": a.license_types,
                        "may_register_seals": a.may_register_seals,
                        "may_delegate": a.may_delegate,
                        "keys": a.keys.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    })
                })
                .collect();
            out.print(&text.join("\n"), json!(items));
            return Ok(0);
        }
    };
    record(&mut ledger, &signer, event, out)
}

/// A key id given as 64 hex digits or as a public key file.
fn key_id(arg: &str) -> Result<chancery::KeyId, CliError> {
    match chancery::Digest32::from_hex(arg) {
        Some(d) => Ok(chancery::KeyId(d)),
        None => Ok(keyfile::read_public(Path::new(arg))?.key_id()),
    }
}

fn audit(
    store: &Path,
    archive: Option<&Path>,
    since: Option<&Path>,
    out: &Out,
) -> Result<u8, CliError> {
    let since = since
        .map(|p| {
            let bytes = files::read(p)?;
            // Not a signed checkpoint at all is a usage error, not a mismatch of the ledger.
            checkpoint::Note::parse(&bytes)
                .map_err(|e| e.to_string())
                .and_then(|n| {
                    checkpoint::Checkpoint::parse_text(&n.text)
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                })
                .map_err(|e| {
                    CliError::usage(format!("{}: not a signed checkpoint: {e}", p.display()))
                })?;
            Ok::<_, CliError>((p, bytes))
        })
        .transpose()?;
    if let Some(p) = archive.filter(|p| is_partial(p)) {
        return Err(CliError::usage(format!(
            "{}: an unfinished export (.partial) is not an archive",
            p.display()
        )));
    }
    // The time reported is that of the verification; the summary's status counts come after.
    let started = std::time::Instant::now();
    let check_since =
        |origin: &str, state: &chancery::State, tree: &chancery::merkle::MerkleTree| match &since {
            Some((path, bytes)) => chancery::ledger::check_checkpoint(bytes, origin, state, tree)
                .map(|_| ())
                .map_err(|e| {
                    CliError::invalid(format!(
                        "the ledger does not match the checkpoint in {}: {e}",
                        path.display()
                    ))
                }),
            None => Ok(()),
        };
    let (summary, elapsed) = match archive {
        Some(path) => {
            let file = std::fs::File::open(path).map_err(|e| CliError::io(path, e))?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            let progress = Progress::bytes("auditing", size);
            let reader = std::io::BufReader::with_capacity(1 << 20, file);
            let result = archive::audit_archive(reader, |n| progress.set_entries(n));
            progress.finish();
            let report = result.map_err(|e| archive_error(path, e))?;
            check_since(&report.header.origin, &report.state, &report.tree)?;
            let elapsed = started.elapsed();
            let summary = report::Summary::of(&report.state, report.trailer.root)
                .with_checkpoints(report.checkpoints.len());
            // The process ends next: leave the replayed state (a gigabyte of small allocations
            // at a million entries) to the operating system instead of freeing it piece by piece.
            std::mem::forget(report);
            (summary, elapsed)
        }
        None => {
            if !store.join("head").exists() {
                return Err(CliError::usage(format!("no ledger in {}", store.display())));
            }
            // Checkpoints first, then the head: every kept checkpoint is then covered.
            let stored = stored_checkpoints(store)?;
            let fs = FileStore::open_read_only(store)?;
            let progress = Progress::entries("auditing", chancery::Store::len(&fs));
            let ledger = Ledger::open_verified(report::Watched::new(fs, &progress), SystemClock);
            progress.finish();
            let ledger = ledger?;
            set_zone(ledger.state().policy().utc_offset);
            let kept = verified(store, &ledger, stored)?;
            check_since(ledger.origin(), ledger.state(), ledger.tree())?;
            let elapsed = started.elapsed();
            let root = ledger.tree_head().root;
            let summary = report::Summary::of(ledger.state(), root).with_checkpoints(kept.len());
            // As above; the store's lock is released when the process exits.
            std::mem::forget(ledger);
            (summary, elapsed)
        }
    };
    summary.print("audit passed", elapsed, out);
    Ok(0)
}

/// Signs a checkpoint of the ledger as it is with `signer`'s key and keeps it in the store's
/// checkpoint log (`Ledger::sign_checkpoint`: refused unless the key signs checkpoints now and
/// the ledger still holds the last checkpoint kept).
pub fn sign_checkpoint(
    store: &Path,
    ledger: &Ledger<FileStore>,
    key: &SecretKey,
    signer: &Signer,
) -> Result<chancery::ledger::SignedCheckpoint, CliError> {
    let mut log = FileCheckpointLog::open(store)?;
    ledger.sign_checkpoint(key, &mut log).map_err(|e| match e {
        SignCheckpointError::NotACheckpointKey => CliError::usage(format!(
            "{} does not sign this ledger's checkpoints now (an active operator key does, or a \
             root key while the ledger has none)",
            signer.signer.display()
        )),
        SignCheckpointError::Storage(s) => CliError::from(s),
        SignCheckpointError::Origin(e) => CliError::usage(e.to_string()),
        other => CliError::invalid(format!("{other} ({})", log.path().display())),
    })
}

/// The checkpoints kept in the store's checkpoint log, oldest first. Read them before opening
/// the ledger: every one is then covered by the entries read.
fn stored_checkpoints(store: &Path) -> Result<Vec<String>, CliError> {
    match FileCheckpointLog::open_read_only(store)? {
        Some(log) => Ok(log.checkpoints()?),
        None => Ok(Vec::new()),
    }
}

/// The kept checkpoints, each checked against the ledger (a failure is damage).
fn verified<S: chancery::Store>(
    store: &Path,
    ledger: &Ledger<S>,
    stored: Vec<String>,
) -> Result<Vec<String>, CliError> {
    stored
        .into_iter()
        .enumerate()
        .map(|(i, note)| {
            ledger
                .check_checkpoint(note.as_bytes())
                .map(|_| note)
                .map_err(|e| {
                    CliError::invalid(format!(
                        "{}, checkpoint {}: {e}",
                        store.join(FileCheckpointLog::FILE).display(),
                        i + 1
                    ))
                })
        })
        .collect()
}

fn checkpoint(
    store: &Path,
    signer: &Signer,
    file: Option<&Path>,
    out: &Out,
) -> Result<u8, CliError> {
    if let Some(f) = file {
        files::check_writable(f, files::output(files::Mode::NEW))?;
    }
    let ledger = open(store)?;
    let key = keyfile::read_secret(&signer.signer)?;
    let signed = sign_checkpoint(store, &ledger, &key, signer)?;
    let (note, cp) = (signed.note, signed.checkpoint);
    let path = store.join(FileCheckpointLog::FILE);
    if let Some(f) = file {
        files::write(f, note.as_bytes(), files::output(files::Mode::NEW))?;
    }
    let vkey = checkpoint::NoteVerifier::new(&cp.origin, &key.public_key())
        .map(|v| v.to_vkey())
        .map_err(|e| CliError::usage(format!("verifier key: {e}")))?;
    out.print(
        &format!("{}\nverifier key: {vkey}", note.trim_end()),
        json!({
            "origin": cp.origin,
            "size": cp.size,
            "root": cp.root.to_hex(),
            "note": note,
            "vkey": vkey,
            "file": path.display().to_string(),
        }),
    );
    Ok(0)
}

/// An archive verification failure as the CLI reports it.
fn archive_error(path: &Path, e: ArchiveAuditError) -> CliError {
    match e {
        ArchiveAuditError::Archive(archive::ArchiveError::Io(io)) => CliError::io(path, io),
        // Not an archive at all (its header does not parse), or one of another format: the
        // wrong file, a usage error; damage after a good header is a finding.
        ArchiveAuditError::Archive(
            e @ (archive::ArchiveError::OldFormat { .. }
            | archive::ArchiveError::Malformed { item: "header", .. }),
        ) => CliError::usage(format!(
            "{}: not an archive of this version: {e}",
            path.display()
        )),
        ArchiveAuditError::Sink(s) => CliError::usage(format!("import failed: {s}")),
        other => CliError::invalid(format!("{}: {other}", path.display())),
    }
}

/// Writes the archive to `FILE.partial` (removing a stale one of an earlier, killed export
/// first), fsyncs it, renames it to `FILE` (refusing an existing file unless `--force`) and
/// fsyncs the directory; on any error the partial file is removed.
fn export(store: &Path, file: &Path, out: &Out) -> Result<u8, CliError> {
    let mode = files::output(files::Mode::NEW);
    files::check_writable(file, mode)?;
    if is_partial(file) {
        return Err(CliError::usage(format!(
            "{}: an archive's name may not end in .partial (that is an export in progress)",
            file.display()
        )));
    }
    // Checkpoints first, then the entries: every kept checkpoint is then covered (SPEC §14).
    let stored = stored_checkpoints(store)?;
    let ledger = open_reader(store)?;
    let notes = verified(store, &ledger, stored)?;
    // `.FILE.partial-PID`, one per process; partial files of killed exports of the same FILE
    // are removed under a lock, so a running export's file is never touched.
    let lock = files::lock_beside(file, "export")?;
    files::remove_leftovers(file, "partial")?;
    drop(lock);
    let tmp = files::temp_beside(file, "partial");
    let written = (|| {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| CliError::io(&tmp, e))?;
        let progress = Progress::entries("exporting", ledger.len());
        let written = archive::export(&ledger, &notes, std::io::BufWriter::new(f), |n| {
            progress.set_entries(n)
        });
        progress.finish();
        written
            .map_err(|e| CliError::usage(format!("{}: {e}", tmp.display())))?
            .into_inner()
            .map_err(|e| CliError::io(&tmp, e.into_error()))?
            .sync_all()
            .map_err(|e| CliError::io(&tmp, e))?;
        files::place(&tmp, file, mode)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    out.print(
        &format!(
            "exported {} entries and {} checkpoints to {}",
            ledger.len(),
            notes.len(),
            file.display()
        ),
        json!({
            "entries": ledger.len(),
            "checkpoints": notes.len(),
            "archive": file.display().to_string(),
        }),
    );
    Ok(0)
}

/// Whether `path` names an export in progress (`….partial` or `.NAME.partial-PID`), which is
/// never read or written as an archive.
fn is_partial(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "partial")
        || path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().contains(".partial-"))
}

fn import(store: &Path, file: &Path, out: &Out) -> Result<u8, CliError> {
    if store.exists()
        && std::fs::read_dir(store)
            .map_err(|e| CliError::io(store, e))?
            .next()
            .is_some()
    {
        return Err(CliError::usage(format!(
            "{} is not empty; import creates a new store",
            store.display()
        )));
    }
    if is_partial(file) {
        return Err(CliError::usage(format!(
            "{}: an unfinished export (.partial) is not an archive",
            file.display()
        )));
    }
    let started = std::time::Instant::now();
    if file.is_dir() {
        return Err(CliError::usage(format!(
            "{} is a directory, not an archive",
            file.display()
        )));
    }
    let input = std::fs::File::open(file).map_err(|e| CliError::io(file, e))?;
    let size = input.metadata().map(|m| m.len()).unwrap_or(0);
    // Everything is written to a temporary directory beside the store (`.NAME.import-PID`,
    // under the lock `init` takes, which also guards the removal of killed runs' leftovers)
    // and moved into place only once the whole archive verified, refusing a store another
    // process created meanwhile.
    let parent = files::parent(store).to_owned();
    std::fs::create_dir_all(&parent).map_err(|e| CliError::io(&parent, e))?;
    let _lock = files::lock_beside(store, "init")?;
    files::remove_leftovers(store, "import")?;
    let tmp = files::temp_beside(store, "import");
    let imported = (|| {
        let mut fs = FileStore::open(&tmp)?;
        let progress = Progress::bytes("importing", size);
        let reader = std::io::BufReader::with_capacity(1 << 20, input);
        let result = archive::import(reader, &mut fs, |n| progress.set_entries(n));
        progress.finish();
        let report = result.map_err(|e| archive_error(file, e))?;
        drop(fs);
        // The archive's verified checkpoints are kept in the new store, as `checkpoint` keeps
        // them.
        if !report.notes.is_empty() {
            let mut log = FileCheckpointLog::open(&tmp)?;
            for note in &report.notes {
                log.keep_checkpoint(note)?;
            }
        }
        Ok::<_, CliError>(report)
    })();
    let report = match imported {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    let placed = (|| {
        if store.exists() {
            // Empty (checked above); `remove_dir` refuses it if something appeared meanwhile.
            std::fs::remove_dir(store).map_err(|e| CliError::io(store, e))?;
        }
        files::rename_noreplace(&tmp, store, false)?;
        files::sync_dir(&parent)
    })();
    if let Err(e) = placed {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    report::Summary::of(&report.state, report.trailer.root)
        .with_checkpoints(report.checkpoints.len())
        .print(
            &format!("imported into {}", store.display()),
            started.elapsed(),
            out,
        );
    Ok(0)
}

/// A ledger opened for auditing: failures are damage (exit 1).
impl From<AuditError> for CliError {
    fn from(e: AuditError) -> Self {
        match e {
            AuditError::Storage(s) => CliError::from(s),
            other => CliError::invalid(other.to_string()),
        }
    }
}
