//! `chancery demo`: a realistic ledger, generated and appended through the real pipeline.
//!
//! A provincial platform: a root, five authorities (one registered by its parent under
//! delegation), six license types, then licenses in the proportions of a busy year: mostly
//! issuances, with amendments, renewals, reissues, suspensions and their lifting, and every
//! kind of termination. Every statement is signed by its actor's own key and appended in
//! durable batches of 1,000. Seals, consents and use records come with the seals issue.

use crate::keyfile;
use crate::report::{Out, Progress, Summary};
use crate::CliError;
use chancery::crypto::sha256;
use chancery::event::{AuthorityRegistration, LicenseVersion, Policy, Succession, Termination};
use chancery::{
    Actor, Canonical, Credential, Event, FileStore, Ledger, LicenseId, SecretKey, SignedStatement,
    SystemClock, Timestamp,
};
use std::path::Path;

const BATCH: usize = 1000;
const YEAR_DAYS: u64 = 365;

/// An authority of the demo: code, name, parent index, license types.
struct AuthoritySpec {
    code: &'static str,
    name: &'static str,
    parent: Option<usize>,
    types: &'static [&'static str],
}

const AUTHORITIES: &[AuthoritySpec] = &[
    AuthoritySpec {
        code: "11330000MB0000001X",
        name: "Zhejiang Provincial Administration for Market Regulation",
        parent: None,
        types: &["FOODBIZ", "DRUGRETAIL"],
    },
    AuthoritySpec {
        code: "11330100MB0000002Y",
        name: "Hangzhou Market Supervision Bureau",
        parent: Some(0),
        types: &["FOODBIZ"],
    },
    AuthoritySpec {
        code: "11330000MB0000003A",
        name: "Zhejiang Provincial Department of Transport",
        parent: None,
        types: &["TAXI", "ROADFREIGHT"],
    },
    AuthoritySpec {
        code: "11330000MB0000004B",
        name: "Zhejiang Provincial Department of Housing and Urban-Rural Development",
        parent: None,
        types: &["BUILDQUAL"],
    },
    AuthoritySpec {
        code: "11330000MB0000005C",
        name: "Zhejiang Provincial Health Commission",
        parent: None,
        types: &["MEDPRACT"],
    },
];

/// A license type of the demo: code, name, claim names, defining authority, issuing
/// authorities (repeated to weight them).
type TypeSpec = (
    &'static str,
    &'static str,
    &'static [&'static str],
    usize,
    &'static [usize],
);

const TYPES: &[TypeSpec] = &[
    (
        "FOODBIZ",
        "Food business permit",
        &["name", "address", "scope", "legal_representative"],
        0,
        &[0, 1, 1, 1],
    ),
    (
        "DRUGRETAIL",
        "Drug retail permit",
        &["name", "address", "scope", "pharmacist"],
        0,
        &[0],
    ),
    (
        "TAXI",
        "Taxi operation permit",
        &["operator", "plate", "vehicle"],
        2,
        &[2],
    ),
    (
        "ROADFREIGHT",
        "Road freight transport permit",
        &["name", "address", "fleet"],
        2,
        &[2],
    ),
    (
        "BUILDQUAL",
        "Construction enterprise qualification",
        &["name", "grade", "scope"],
        3,
        &[3],
    ),
    (
        "MEDPRACT",
        "Medical practitioner licence",
        &["name", "institution", "specialty"],
        4,
        &[4],
    ),
];

/// A license the generator may still act on.
struct Live {
    id: LicenseId,
    issuer: usize,
    kind: usize,
    holder: String,
    valid_until: Timestamp,
    revision: u32,
    suspended: bool,
}

/// splitmix64: a small deterministic generator for the demo's choices (salts and keys come
/// from the operating system).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

struct Generator {
    actors: Vec<Actor>,
    live: Vec<Live>,
    serial: u64,
    rng: Rng,
    /// Licenses whose credentials are written out and left untouched, one per type.
    showcase: Vec<(Credential, usize)>,
    /// Lineages acted on in the current batch: one statement per license per batch, so no two
    /// statements of a batch are identical (an identical one would be an idempotent repeat).
    touched: std::collections::HashSet<String>,
}

/// Runs the demo.
pub fn run(store: &Path, origin: &str, entries: u64, out: &Out) -> Result<u8, CliError> {
    if store.join("head").exists() {
        return Err(CliError::usage(format!(
            "{} already holds a ledger; demo needs a new store",
            store.display()
        )));
    }
    let started = std::time::Instant::now();
    let keys = store.join("keys");
    let creds = store.join("credentials");
    for d in [&keys, &creds] {
        std::fs::create_dir_all(d).map_err(|e| CliError::io(d, e))?;
    }
    let root_key = SecretKey::generate();
    keyfile::write_new(&keys.join("root.key"), &root_key, false)?;
    let root = Actor::new(origin, root_key.clone());
    let mut gen = Generator {
        actors: Vec::new(),
        live: Vec::new(),
        serial: 0,
        rng: Rng(0x00c4_a4ce_7e11_2026),
        showcase: Vec::new(),
        touched: Default::default(),
    };
    for a in AUTHORITIES {
        let k = SecretKey::generate();
        keyfile::write_new(&keys.join(format!("{}.key", a.code)), &k, false)?;
        gen.actors.push(Actor::new(origin, k));
    }
    let now = Timestamp::now();
    let genesis = root.sign(
        Event::LedgerCreated {
            root_keys: vec![root.public_key()],
            policy: Policy::default(),
        },
        now,
    );
    let mut ledger = Ledger::create(FileStore::open(store)?, genesis, SystemClock)?;
    let mut setup: Vec<SignedStatement> = Vec::new();
    for (i, a) in AUTHORITIES.iter().enumerate() {
        let registration = Event::AuthorityRegistered(AuthorityRegistration {
            code: a.code.into(),
            name: a.name.into(),
            parent: a.parent.map(|p| AUTHORITIES[p].code.to_owned()),
            keys: vec![gen.actors[i].public_key()],
            license_types: a.types.iter().map(|t| (*t).to_owned()).collect(),
            may_register_seals: true,
            may_delegate: a.parent.is_none() && i == 0,
        });
        let by = a.parent.map_or(&root, |p| &gen.actors[p]);
        setup.push(by.sign(registration, now));
    }
    for (code, name, claims, definer, _) in TYPES {
        setup.push(gen.actors[*definer].sign(
            Event::LicenseTypeDefined {
                code: (*code).into(),
                name: (*name).into(),
                claim_names: claims.iter().map(|c| (*c).to_owned()).collect(),
            },
            now,
        ));
    }
    append(&mut ledger, setup)?;
    let progress = Progress::entries("generating", entries);
    while ledger.len() < entries {
        let n = usize::try_from(entries - ledger.len())
            .unwrap_or(BATCH)
            .min(BATCH);
        let now = ledger.now();
        let events: Vec<(usize, Event)> = (0..n).map(|_| gen.next_event(now)).collect();
        let statements = sign_all(&gen.actors, events, now);
        append(&mut ledger, statements)?;
        progress.set_entries(ledger.len());
    }
    progress.finish();
    // The operator signs a checkpoint of the finished ledger with the root key.
    crate::keep_checkpoint(store, &ledger, &root_key)?;
    let mut showcase = Vec::new();
    for (credential, kind) in &gen.showcase {
        let path = creds.join(format!("{}.cred", credential.license));
        keyfile::create_private(&path, &credential.to_canonical())?;
        showcase.push((path, TYPES[*kind].0));
    }
    let summary = Summary::of(
        ledger.state(),
        ledger.root(ledger.len()).unwrap_or_default(),
    );
    summary.print(
        &format!("demo ledger written to {}", store.display()),
        started.elapsed(),
        out,
    );
    if !out.is_json() {
        println!(
            "keys in {}; credentials to try with `chancery license verify`:",
            keys.display()
        );
        for (path, kind) in showcase {
            println!("  {kind}: {}", path.display());
        }
    }
    Ok(0)
}

/// Appends a batch; every statement must be recorded (the generator only makes legal ones).
fn append(ledger: &mut Ledger<FileStore>, batch: Vec<SignedStatement>) -> Result<(), CliError> {
    for r in ledger.append_batch(batch)? {
        r.map_err(|e| CliError::usage(format!("demo statement refused: {e}")))?;
    }
    Ok(())
}

/// Signs the events on every core.
fn sign_all(actors: &[Actor], events: Vec<(usize, Event)>, at: Timestamp) -> Vec<SignedStatement> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let share = events.len().div_ceil(threads).max(1);
    let mut parts: Vec<Vec<(usize, Event)>> = Vec::new();
    let mut events = events.into_iter().peekable();
    while events.peek().is_some() {
        parts.push(events.by_ref().take(share).collect());
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| {
                s.spawn(move || {
                    part.into_iter()
                        .map(|(who, e)| actors[who].sign(e, at))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

impl Generator {
    /// The next legal statement (signer index, event), in the proportions of a busy year.
    fn next_event(&mut self, now: Timestamp) -> (usize, Event) {
        let roll = self.rng.below(1000);
        if roll < 700 || self.live.is_empty() {
            return self.issue(now);
        }
        let i = self.rng.below(self.live.len());
        let l = &self.live[i];
        if !self.touched.insert(l.id.lineage().to_owned()) {
            return self.issue(now);
        }
        let issuer = l.issuer;
        let license = l.id.clone();
        if l.suspended {
            // Most suspensions are lifted; some end in revocation.
            if roll < 970 {
                self.live[i].suspended = false;
                return (issuer, Event::LicenseSuspensionLifted { license });
            }
            self.live.swap_remove(i);
            return (
                issuer,
                Event::LicenseRevoked(termination(license, now, "revoked after suspension")),
            );
        }
        match roll {
            700..=799 => self.succession(i, now, Event::LicenseAmended, false),
            800..=849 => self.succession(i, now, Event::LicenseRenewed, true),
            850..=859 => self.succession(i, now, Event::LicenseReissued, false),
            860..=919 => {
                self.live[i].suspended = true;
                (
                    issuer,
                    Event::LicenseSuspended {
                        license,
                        reason: "inspection found violations".into(),
                    },
                )
            }
            920..=959 => {
                self.live.swap_remove(i);
                (
                    issuer,
                    Event::LicenseCancelled(termination(license, now, "business closed")),
                )
            }
            960..=979 => {
                self.live.swap_remove(i);
                (
                    issuer,
                    Event::LicenseRevoked(termination(license, now, "serious violation")),
                )
            }
            980..=989 => {
                self.live.swap_remove(i);
                (
                    issuer,
                    Event::LicenseWithdrawn(termination(license, now, "legal basis changed")),
                )
            }
            _ => {
                self.live.swap_remove(i);
                (
                    issuer,
                    Event::LicenseRescinded {
                        license,
                        reason: "obtained by fraud".into(),
                    },
                )
            }
        }
    }

    fn issue(&mut self, now: Timestamp) -> (usize, Event) {
        self.serial += 1;
        let kind = self.rng.below(TYPES.len());
        let issuers = TYPES[kind].4;
        let issuer = issuers[self.rng.below(issuers.len())];
        let serial = format!("{:08}", self.serial);
        let holder = format!("9133{:010}{:04}", self.serial, self.serial % 9973);
        let valid_until = now.plus_days(YEAR_DAYS * (1 + self.rng.below(5) as u64));
        let id = match LicenseId::new(TYPES[kind].0, AUTHORITIES[issuer].code, &serial, 1) {
            Ok(id) => id,
            // Unreachable with these fixed codes; issue something else rather than panic.
            Err(_) => return self.issue(now),
        };
        let credential = self.credential(&id, kind, &holder, 0);
        let version = version(&credential, now, valid_until, &serial);
        if self.showcase.iter().all(|(_, k)| *k != kind) {
            self.showcase.push((credential, kind));
        } else {
            self.live.push(Live {
                id,
                issuer,
                kind,
                holder,
                valid_until,
                revision: 0,
                suspended: false,
            });
        }
        (issuer, Event::LicenseIssued(version))
    }

    fn succession(
        &mut self,
        i: usize,
        now: Timestamp,
        make: fn(Succession) -> Event,
        renew: bool,
    ) -> (usize, Event) {
        let l = &mut self.live[i];
        let Some(next) = l.id.next_version() else {
            let issuer = l.issuer;
            let license = l.id.clone();
            self.live.swap_remove(i);
            return (
                issuer,
                Event::LicenseCancelled(termination(license, now, "closed")),
            );
        };
        l.revision += 1;
        if renew {
            l.valid_until = l.valid_until.plus_days(5 * YEAR_DAYS);
        }
        let previous = std::mem::replace(&mut l.id, next.clone());
        let (issuer, kind, holder, valid_until, revision) = (
            l.issuer,
            l.kind,
            l.holder.clone(),
            l.valid_until,
            l.revision,
        );
        let credential = self.credential(&next, kind, &holder, revision);
        let serial = next.serial().to_owned();
        let version = version(&credential, now, valid_until, &serial);
        (issuer, make(Succession { previous, version }))
    }

    /// A credential with claim values derived from the serial and revision.
    fn credential(&self, id: &LicenseId, kind: usize, holder: &str, revision: u32) -> Credential {
        let serial = id.serial();
        let values: Vec<String> = TYPES[kind]
            .2
            .iter()
            .map(|name| match *name {
                "address" => format!("{} Wensan Road, Hangzhou (rev {revision})", 1 + revision),
                "name" | "operator" => format!("Enterprise {serial}"),
                other => format!("{other} of {serial}"),
            })
            .collect();
        let claims: Vec<(&str, &str)> = TYPES[kind]
            .2
            .iter()
            .zip(&values)
            .map(|(n, v)| (*n, v.as_str()))
            .collect();
        Credential::new(id.clone(), holder, &claims)
    }
}

fn version(
    credential: &Credential,
    now: Timestamp,
    until: Timestamp,
    serial: &str,
) -> LicenseVersion {
    LicenseVersion {
        id: credential.license.clone(),
        printed_number: format!("ZJ{serial}"),
        valid_from: now,
        valid_until: Some(until),
        holder: credential.holder_commitment(),
        claims: credential.claim_digests(),
        document: sha256(credential.license.as_str().as_bytes()),
        related: vec![],
    }
}

fn termination(license: LicenseId, now: Timestamp, reason: &str) -> Termination {
    Termination {
        license,
        effective: now,
        reason: reason.into(),
    }
}
