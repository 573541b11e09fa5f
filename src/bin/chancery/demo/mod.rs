//! `chancery demo`: a realistic ledger, generated and appended through the real pipeline.
//!
//! A provincial platform over a simulated year (ledger time runs from a year ago to now): a
//! root, five issuing authorities (one registered by its parent under delegation), a seal
//! registrar and a bank; six license types; an official seal for every authority and an
//! approval seal with an auto-seal policy. Then, in the proportions of a busy year: license
//! issuances, amendments, renewals, reissues, suspensions and their lifting and every kind of
//! termination; seal applications, the occasional seal suspension or loss (and remake);
//! approval cases decided in time or sealed automatically past their deadline; holder keys,
//! consents and the bank's use records. Every statement is signed by its actor's own key and
//! appended in durable batches of 1,000 (with `--integrity-key`, through the persistent index).

mod generator;

use crate::keyfile;
use crate::report::{Out, Progress, Summary};
use crate::CliError;
use chancery::event::{AuthorityRegistration, Policy};
use chancery::{
    Actor, Canonical, Clock, Event, FileStore, Ledger, ManualClock, SecretKey, SignedStatement,
    Timestamp,
};
use generator::{sign_all, Generator, Item, AUTHORITIES, DAY_MS, POLICE, TYPES, YEAR_DAYS};
use std::path::Path;

const BATCH: usize = 1000;

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
    let mut gen = Generator::new(origin);
    for a in AUTHORITIES {
        gen.new_actor(&keys.join(format!("{}.key", a.code)))?;
    }
    // Ledger time runs over the past year, one step per batch, ending before the real present
    // (so the store stays usable with the real clock afterwards).
    let clock = ManualClock::new(Timestamp(
        Timestamp::now().millis().saturating_sub(YEAR_DAYS * DAY_MS),
    ));
    let step = (YEAR_DAYS * DAY_MS / (entries / BATCH as u64).max(1)).max(1);
    let now = clock.now();
    let genesis = root.sign(
        Event::LedgerCreated {
            root_keys: vec![root.public_key()],
            policy: Policy::default(),
        },
        now,
    );
    let mut ledger = Ledger::create(FileStore::open(store)?, genesis, clock.clone())?;
    let mut setup: Vec<SignedStatement> = Vec::new();
    for (i, a) in AUTHORITIES.iter().enumerate() {
        let registration = Event::AuthorityRegistered(AuthorityRegistration {
            code: a.code.into(),
            name: a.name.into(),
            parent: a.parent.map(|p| AUTHORITIES[p].code.to_owned()),
            keys: vec![gen.actors[i].public_key()],
            license_types: a.types.iter().map(|t| (*t).to_owned()).collect(),
            may_register_seals: i == POLICE,
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
    setup.extend(gen.seal_setup(now, &keys)?);
    append(&mut ledger, setup)?;
    if let Some(key) = crate::common::integrity_key() {
        // With the node's key, appended through the persistent index (SPEC §12), as every
        // later command will read it: memory stays bounded however many entries are made.
        drop(ledger);
        ledger =
            crate::common::open_indexed(store, FileStore::open_lazily(store)?, clock.clone(), key)?;
    }
    let progress = Progress::entries("generating", entries);
    while ledger.len() < entries {
        let n = usize::try_from(entries - ledger.len())
            .unwrap_or(BATCH)
            .min(BATCH);
        clock.advance(step);
        let now = ledger.now();
        gen.touched.clear();
        let items: Vec<Item> = (0..n).map(|_| gen.next_event(now)).collect();
        let statements = sign_all(&gen.actors, items, now);
        append(&mut ledger, statements)?;
        for (es_id, k) in gen.new_seal_keys.drain(..) {
            keyfile::write_new(&keys.join(format!("seal-{es_id}.key")), &k, false)?;
        }
        progress.set_entries(ledger.len());
    }
    progress.finish();
    // The operator signs a checkpoint of the finished ledger with the root key.
    ledger
        .sign_checkpoint(&root_key, &mut chancery::FileCheckpointLog::open(store)?)
        .map_err(|e| crate::CliError::invalid(e.to_string()))?;
    let mut showcase = Vec::new();
    for (credential, kind) in &gen.showcase {
        let path = creds.join(format!("{}.cred", credential.license));
        keyfile::create_private(&path, &credential.to_canonical())?;
        showcase.push((path, TYPES[*kind].0));
    }
    let elapsed = started.elapsed();
    // Through the index, counting the registries would read every row into memory: the
    // summary then says what the ledger is, not what it holds.
    let summary = if ledger.index_status().is_some() {
        ledger
            .flush_index()
            .map_err(|e| CliError::invalid(e.to_string()))?;
        let head = ledger.tree_head();
        Summary::brief(ledger.origin(), head.size, head.root, ledger.state().head())
    } else {
        Summary::of(ledger.origin(), ledger.state(), ledger.tree_head().root)
    };
    summary.print(
        &format!("demo ledger written to {}", store.display()),
        elapsed,
        out,
    );
    if !out.is_json() {
        let rate = ledger.len() as f64 / elapsed.as_secs_f64().max(1e-9);
        let (sign, verify) = raw_rates();
        println!(
            "  raw rates    sign {sign:.0}/s, verify_batch {verify:.0}/s on every core, now: \
             the demo ran at {:.2}x the one, {:.2}x the other",
            rate / sign,
            rate / verify
        );
    }
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

/// The raw ed25519 rates of this machine now, on every core: signatures made per second (of
/// 600-byte messages, as the demo's statements are), and verified per second by
/// `verify_batch` in batches of 512. What the demo's own rate is compared with.
fn raw_rates() -> (f64, f64) {
    use ed25519_dalek::{Signer, SigningKey};
    const N: usize = 512;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let keys: Vec<SigningKey> = (0..N)
        .map(|i| SigningKey::from_bytes(&[i as u8; 32]))
        .collect();
    let messages: Vec<Vec<u8>> = (0..N).map(|i| vec![i as u8; 600]).collect();
    let sign_start = std::time::Instant::now();
    let signatures: Vec<Vec<ed25519_dalek::Signature>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| s.spawn(|| keys.iter().zip(&messages).map(|(k, m)| k.sign(m)).collect()))
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let sign = (threads * N) as f64 / sign_start.elapsed().as_secs_f64().max(1e-9);
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let public: Vec<_> = keys.iter().map(SigningKey::verifying_key).collect();
    let verify_start = std::time::Instant::now();
    std::thread::scope(|s| {
        for sigs in &signatures {
            let (refs, public) = (&refs, &public);
            s.spawn(move || ed25519_dalek::verify_batch(refs, sigs, public).is_ok());
        }
    });
    let verify = (signatures.len() * N) as f64 / verify_start.elapsed().as_secs_f64().max(1e-9);
    (sign, verify)
}

/// Appends a batch; every statement must be recorded (the generator only makes legal ones).
fn append(ledger: &mut Ledger<FileStore>, batch: Vec<SignedStatement>) -> Result<(), CliError> {
    for r in ledger.append_batch(batch)? {
        r.map_err(|e| CliError::usage(format!("demo statement refused: {e}")))?;
    }
    Ok(())
}
