//! The clap types of the top-level command and of the command groups without a file of their own.

use crate::{consent, license, present, query, seal};
use chancery::UtcOffset;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

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
    pub(crate) store: PathBuf,
    /// Print results as JSON on stdout (and errors as JSON on stderr:
    /// `{"error": …, "exit": …}`).
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Print only the id of what the command creates (`--print id`): a license id, a consent
    /// id, a key id, a seal's esID; for capturing it in a script with `$(…)`.
    #[arg(long, global = true, value_enum, value_name = "WHAT")]
    pub(crate) print: Option<PrintWhat>,
    /// Replace existing output files (stamps, checkpoints, presentations, trust lists,
    /// archives). Key and credential files are never replaced.
    #[arg(long, global = true)]
    pub(crate) force: bool,
    /// Read the passphrase for secret key files from the first line of FILE (default: the
    /// CHANCERY_PASSPHRASE environment variable). New keys are sealed with it; protected keys
    /// need it to sign.
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) passphrase_file: Option<PathBuf>,
    /// The integrity key file (made by `key integrity`; default: the CHANCERY_INTEGRITY_KEY
    /// environment variable names it), kept outside the store directory: with it, opening the
    /// ledger trusts the signatures its integrity record covers instead of verifying each, and
    /// the record is kept up to date (SPEC §12).
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) integrity_key: Option<PathBuf>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// What `--print` prints.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrintWhat {
    /// The id of what the command created.
    Id,
}

#[derive(Subcommand, Debug)]
pub enum Command {
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
        /// Audit the log served at this URL (`chancery serve --public-entries`) instead of the
        /// store: its checkpoint, and every entry from its entry bundles.
        #[cfg(feature = "server")]
        #[arg(long, value_name = "URL", conflicts_with = "archive")]
        url: Option<String>,
    },
    /// Watch a served log (C2SP tlog-tiles): accept its newest checkpoint only if its key
    /// signed it and it extends the last one trusted (proven from the log's own hash tiles);
    /// a fork is reported with both signed checkpoints and exit code 1.
    #[cfg(feature = "server")]
    Monitor {
        /// The log's URL prefix (`http://HOST:PORT`).
        url: String,
        /// A verifier key of the log's checkpoints (`chancery checkpoint` prints it;
        /// repeatable).
        #[arg(long = "log-key", value_name = "VKEY", required = true)]
        log_keys: Vec<String>,
        /// The file keeping the last checkpoint trusted between runs (made if missing).
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
        /// Look once and exit, instead of every --every seconds.
        #[arg(long)]
        once: bool,
        /// Seconds between looks.
        #[arg(long, default_value_t = 60, value_name = "SECS",
              value_parser = clap::value_parser!(u64).range(1..))]
        every: u64,
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
    /// Serve the ledger over HTTP (SPEC §25): the C2SP tlog-tiles read API — `/checkpoint`
    /// (the newest checkpoint kept), the hash tiles `/tile/<L>/<N>[.p/<W>]` and, with
    /// `--public-entries`, the entry bundles `/tile/entries/<N>[.p/<W>]` — `/healthz` and
    /// `/metrics`. Without `--operator-key` it reads the store without its lock and takes in
    /// what other commands append; with it, it is the store's writer and takes submissions
    /// (`POST /v1/add`, answered with receipts and inclusion proofs to a checkpoint it signs
    /// for each group commit). Stop it with Ctrl-C or SIGTERM: requests in flight finish.
    #[cfg(feature = "server")]
    Serve {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
        listen: std::net::SocketAddr,
        /// Serve the entry bundles, which carry the consent and use records (who checked
        /// which license, when): off by default (SPEC §25).
        #[arg(long)]
        public_entries: bool,
        /// Take submissions, signing each group commit's checkpoint with this operator key
        /// (secret key file; the root key while the ledger has no operator key).
        #[arg(long, value_name = "FILE")]
        operator_key: Option<PathBuf>,
        /// How long a group commit waits, after the first submission, for others (ms, at
        /// most 1,000).
        #[arg(long, default_value_t = 2, value_name = "MS",
              value_parser = clap::value_parser!(u64).range(0..=1000))]
        batch_window_ms: u64,
        /// The most requests one client address may have in flight (past it: 429).
        #[arg(long, default_value_t = chancery::server::DEFAULT_PER_CLIENT, value_name = "N",
              value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        per_client: usize,
        /// Verify presentations (`POST /v1/verify/presentation`) against this signed trust
        /// list (repeatable; needs --list-key).
        #[arg(long = "trust", value_name = "FILE", requires = "list_keys")]
        trust: Vec<PathBuf>,
        /// A list operator the service trusts: the name of the list it may publish and its
        /// public key file (repeatable).
        #[arg(long = "list-key", value_name = "NAME=FILE")]
        list_keys: Vec<String>,
        /// Restrict the list NAME to these ledger origins (comma-separated; repeatable).
        #[arg(long = "list-origins", value_name = "NAME=ORIGIN,…")]
        list_origins: Vec<String>,
        /// Issue status and sealing stamps signed with the operator key
        /// (`POST /v1/licenses/ID/stamp`, `POST /v1/documents/DIGEST/stamp`) to clients with a
        /// certificate (needs --operator-key and --client-ca).
        #[arg(long, requires_all = ["operator_key", "client_ca"])]
        stamps: bool,
        /// The longest a stamp issued is valid, in hours (and the default).
        #[arg(long, default_value_t = chancery::server::DEFAULT_STAMP_HOURS, value_name = "H",
              value_parser = clap::value_parser!(u64).range(1..=8760))]
        stamp_hours: u64,
        /// A witness to cosign each commit's checkpoint (C2SP tlog-witness): its cosigner
        /// verifier key, `=`, and its URL prefix (repeatable; needs --operator-key).
        #[arg(long = "witness", value_name = "VKEY=URL", requires = "operator_key")]
        witnesses: Vec<String>,
        #[command(flatten)]
        tls: TlsArgs,
        /// How long to wait for each witness's cosignature (ms).
        #[arg(long, default_value_t = 500, value_name = "MS",
              value_parser = clap::value_parser!(u64).range(1..=60_000))]
        witness_timeout_ms: u64,
    },
    /// Run a witness (C2SP tlog-witness).
    #[cfg(feature = "server")]
    #[command(subcommand)]
    Witness(WitnessCommand),
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

/// `chancery witness`.
#[cfg(feature = "server")]
#[derive(Subcommand, Debug)]
pub enum WitnessCommand {
    /// Serve a witness over HTTP (`POST /add-checkpoint`, C2SP tlog-witness): it cosigns a
    /// log's checkpoint only if it extends the last one it cosigned for that log, which it
    /// keeps in --state before answering. Two ledgers' operators can witness each other.
    /// Stop it with Ctrl-C or SIGTERM.
    Serve {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:8081", value_name = "ADDR")]
        listen: std::net::SocketAddr,
        /// The witness's secret key file.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The witness's name (its cosigner key name, e.g. `witness.gd.gov.cn/w1`).
        #[arg(long, value_name = "NAME")]
        name: String,
        /// A log to witness: the verifier key of its checkpoints (`chancery checkpoint`
        /// prints it; its name is the log's origin). Repeatable, several keys per log too.
        #[arg(long = "log", value_name = "VKEY", required = true)]
        logs: Vec<String>,
        /// The directory of the witness's state (the last checkpoint cosigned for each log).
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        #[command(flatten)]
        tls: TlsArgs,
    },
}

/// TLS for a service: HTTPS with a certificate and key, and optionally client certificates.
#[cfg(feature = "server")]
#[derive(Args, Debug)]
pub struct TlsArgs {
    /// Serve HTTPS with this certificate chain (PEM, leaf first; needs --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub(crate) tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub(crate) tls_key: Option<PathBuf>,
    /// Ask clients for certificates and accept those this CA signed (PEM; mTLS): such a client
    /// is counted by its certificate for --per-client and may read the entry bundles.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub(crate) client_ca: Option<PathBuf>,
}

#[cfg(feature = "server")]
impl TlsArgs {
    /// The files, if TLS was asked for.
    pub(crate) fn files(self) -> Option<chancery::server::TlsFiles> {
        Some(chancery::server::TlsFiles {
            cert: self.tls_cert?,
            key: self.tls_key?,
            client_ca: self.client_ca,
        })
    }
}

#[derive(Subcommand, Debug)]
pub enum OperatorKeyCommand {
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
pub enum TrustListCommand {
    /// Sign a trust list naming this store's ledger: its origin, root and operator keys (each
    /// with what it signs and when), the witnesses required and the freshness limits.
    Create(present::TrustListArgs),
}

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
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
    pub(crate) signer: PathBuf,
}

#[derive(Subcommand, Debug)]
pub enum AuthorityCommand {
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
pub enum LicenseTypeCommand {
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
