//! Load test of the network service (issue 16's targets): starts `chancery::server` as the
//! writer of a new file store on loopback, then drives it with many clients over keep-alive
//! HTTP/1.1 and prints, beside the raw 2-thread Ed25519 `verify_batch` rate measured in the
//! same run:
//!
//! - add-and-get-proof latency (p50, p99) with `CLIENTS` clients each sending single statements;
//! - throughput with `CLIENTS` clients sending batches of 100, as a ratio to the raw rate;
//! - full hash tiles served per second;
//! - presentations verified per second over HTTP and their p99, against the library's own
//!   verification time measured in the same run.
//!
//! `cargo run --release --example load [CLIENTS] [SINGLES_PER_CLIENT] [BATCHES_PER_CLIENT]`
//! (defaults 64, 20, 4). The statements are signed before the clock starts: the figures are the
//! service's (decode, validation, signature checks, the durable append, the checkpoint, the
//! proofs, HTTP), not the clients'.

use chancery::checkpoint::{cosign_note, Checkpoint, NoteVerifier, WitnessPolicy};
use chancery::event::{AuthorityRegistration, LicenseVersion};
use chancery::present::trust::{Freshness, Trust, TrustList, TrustedLedger};
use chancery::present::{verify_presentation, Presentation};
use chancery::privacy::VersionTerms;
use chancery::server::{serve, Options, Service};
use chancery::{
    sha256, Actor, Canonical, Event, FileCheckpointLog, FileStore, Ledger, LicenseId, Policy,
    SecretKey, SignedStatement, SystemClock, Timestamp,
};
use ed25519_dalek::{Signer, SigningKey};
use std::error::Error;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

const ORIGIN: &str = "load.example.gov.cn/elicense";
const AUTHORITY: &str = "11330100MB0000001X";
const WITNESS: &str = "witness.example.org";

fn main() -> Result<(), Box<dyn Error>> {
    let arg = |i: usize, default: usize| -> Result<usize, Box<dyn Error>> {
        Ok(match std::env::args().nth(i) {
            Some(a) => a.parse()?,
            None => default,
        })
    };
    let (clients, singles, batches) = (arg(1, 64)?, arg(2, 20)?, arg(3, 4)?);
    let dir = tempfile_dir()?;
    let root_key = SecretKey::generate();
    let root = Actor::new(ORIGIN, root_key.clone());
    let bureau = Actor::new(ORIGIN, SecretKey::generate());
    let now = Timestamp::now();
    let mut ledger = Ledger::create(
        FileStore::open(&dir)?,
        root.sign(
            Event::LedgerCreated {
                root_keys: vec![root.public_key()],
                policy: Policy::default(),
            },
            now,
        ),
        SystemClock,
    )?;
    ledger.append(root.sign(
        Event::AuthorityRegistered(AuthorityRegistration {
            code: AUTHORITY.into(),
            name: "Market Supervision Bureau".into(),
            parent: None,
            keys: vec![bureau.public_key()],
            license_types: vec!["FOODBIZ".into()],
            may_register_seals: false,
            may_delegate: false,
        }),
        now,
    ))?;
    ledger.append(bureau.sign(
        Event::LicenseTypeDefined {
            code: "FOODBIZ".into(),
            name: "Food business permit".into(),
            claim_names: vec!["name".into(), "scope".into()],
        },
        now,
    ))?;
    let kind = ledger
        .state()
        .license_type("FOODBIZ")
        .ok_or("no type")?
        .clone();
    let issue = |serial: usize| -> Result<SignedStatement, Box<dyn Error>> {
        let id = LicenseId::new("FOODBIZ", AUTHORITY, &format!("{serial:08}"), 1)?;
        let credential = kind.credential(
            id,
            "330106199001011234",
            &[("name", "West Lake Noodles"), ("scope", "catering")],
            None,
        )?;
        let version: LicenseVersion = credential.version(VersionTerms {
            printed_number: format!("JY{serial:012}"),
            valid_from: now,
            valid_until: Some(now.plus_days(365)),
            document: sha256(format!("permit {serial}").as_bytes()),
            related: vec![],
        });
        Ok(bureau.sign(Event::LicenseIssued(version), Timestamp::now()))
    };

    // Signed beforehand, one list per client: singles, then batches of 100.
    let mut serial = 0;
    let mut work = Vec::new();
    for _ in 0..clients {
        let mut one = Vec::new();
        for _ in 0..singles {
            one.push(issue(serial)?.to_canonical());
            serial += 1;
        }
        let mut many = Vec::new();
        for _ in 0..batches {
            let batch: Vec<SignedStatement> = (0..100)
                .map(|i| issue(serial + i))
                .collect::<Result<_, _>>()?;
            serial += 100;
            many.push(batch.to_canonical());
        }
        work.push((one, many));
    }
    let raw = raw_verify_rate();

    // A presentation of one license, with the trust list a relying party would hold.
    let (credential, id) = {
        let id = LicenseId::new("FOODBIZ", AUTHORITY, "P0000001", 1)?;
        let c = kind.credential(
            id.clone(),
            "330106199001011234",
            &[("name", "West Lake Noodles"), ("scope", "catering")],
            None,
        )?;
        let version = c.version(VersionTerms {
            printed_number: "JY-P0000001".into(),
            valid_from: now,
            valid_until: Some(now.plus_days(365)),
            document: sha256(b"permit P0000001"),
            related: vec![],
        });
        ledger.append(bureau.sign(Event::LicenseIssued(version), Timestamp::now()))?;
        (c, id)
    };
    let witness = SecretKey::generate();
    let head = ledger.tree_head();
    let mut note = Checkpoint {
        origin: ORIGIN.into(),
        size: head.size,
        root: head.root,
        extensions: vec![],
    }
    .sign(ORIGIN, &root_key)?;
    let seen = Timestamp::now().millis() / 1000;
    note.signatures
        .push(cosign_note(&note.text, WITNESS, &witness, seen)?);
    let stamp = ledger.stamp(
        &id,
        Timestamp::now(),
        Timestamp::now().plus_days(1),
        &root_key,
        &chancery::MemoryCheckpointLog::new(),
    )?;
    let presentation = ledger
        .present(
            credential.disclose(&["name"], false)?,
            &note.to_text(),
            stamp,
        )?
        .to_canonical();
    let trust = Trust::from_lists([TrustList {
        name: "gov.cn/trust/elicense".into(),
        version: 1,
        issued: now,
        next_update: now.plus_days(30),
        ledgers: vec![TrustedLedger {
            origin: ORIGIN.into(),
            operator_keys: ledger.operator_keys()?,
            witnesses: WitnessPolicy {
                witnesses: vec![NoteVerifier::cosigner(WITNESS, &witness.public_key())?],
                threshold: 1,
            },
            freshness: Freshness::DEFAULT,
            unwitnessed: false,
            require_holder: false,
        }],
    }]);
    // The library's own time for one verification, best of 5 runs of 200.
    let library = {
        let p = Presentation::from_canonical(&presentation)?;
        let mut best = Duration::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            for _ in 0..200 {
                assert!(verify_presentation(&p, &trust, Timestamp::now()).is_valid());
            }
            best = best.min(t.elapsed() / 200);
        }
        best
    };

    // The root key signs the checkpoints while the ledger has no operator key.
    let key = root_key;
    let mut log = FileCheckpointLog::open(&dir)?;
    let service = Service::with_writer(
        ledger,
        chancery::server::kept_in(&dir),
        Options {
            trust: Some(std::sync::Arc::new(trust)),
            ..Options::default()
        },
        move |ledger, statements| ledger.append_batch_proven(statements, &key, &mut log),
    );
    let runtime = tokio::runtime::Runtime::new()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = runtime.spawn(serve(
        listener,
        std::sync::Arc::clone(&service).router(),
        async {
            let _ = stopped.await;
        },
    ));

    // 1. Single statements: each client sends its own, one at a time.
    let (mut latencies, singles_took) = drive(addr, clients, |c| {
        work[c]
            .0
            .iter()
            .map(|b| ("POST", "/v1/add", b.as_slice()))
            .collect()
    })?;
    latencies.sort_unstable();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];

    // 2. Batches of 100.
    let (_, batches_took) = drive(addr, clients, |c| {
        work[c]
            .1
            .iter()
            .map(|b| ("POST", "/v1/add", b.as_slice()))
            .collect()
    })?;
    let batched = (clients * batches * 100) as f64 / batches_took.as_secs_f64();

    // 3. Full tiles.
    let (tiles, took) = drive(addr, clients, |_| vec![("GET", "/tile/0/000", &[][..]); 50])?;
    let tiles_rate = tiles.len() as f64 / took.as_secs_f64();

    // 4. Presentations verified over HTTP (the full form, decoded and verified per request).
    let (mut verified, took) = drive(addr, clients, |_| {
        vec![("POST", "/v1/verify/presentation", presentation.as_slice()); 50]
    })?;
    let verify_rate = verified.len() as f64 / took.as_secs_f64();
    verified.sort_unstable();
    let verify_p99 = verified[(verified.len() * 99 / 100).min(verified.len() - 1)];

    let _ = stop.send(());
    runtime.block_on(served)??;
    drop(service);
    let _ = std::fs::remove_dir_all(&dir);

    println!("raw ed25519 verify_batch, 2 threads: {raw:.0} signatures/s");
    println!(
        "add-and-get-proof, {clients} clients x {singles} single statements: p50 {:.2} ms, p99 {:.2} ms, {:.0} statements/s ({:.3}x raw)",
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies.len() as f64 / singles_took.as_secs_f64(),
        latencies.len() as f64 / singles_took.as_secs_f64() / raw,
    );
    println!(
        "add-and-get-proof, {clients} clients x {batches} batches of 100: {batched:.0} statements/s ({:.3}x raw)",
        batched / raw
    );
    println!("full hash tiles: {tiles_rate:.0} requests/s ({clients} clients)");
    // Two cores verify at most 2 / library per second: the ratio is what HTTP costs.
    let ceiling = 2.0 / library.as_secs_f64();
    println!(
        "presentation verification over HTTP: {verify_rate:.0} requests/s, p99 {:.2} ms; the library alone {:.0} us each ({ceiling:.0}/s on 2 cores): {:.2}x of that",
        verify_p99.as_secs_f64() * 1e3,
        library.as_secs_f64() * 1e6,
        verify_rate / ceiling,
    );
    Ok(())
}

/// Runs `clients` clients at once, client `c` sending the requests `requests(c)` in turn on
/// one connection; every answer must be 200. Returns each request's latency and the time all
/// took.
fn drive<'a>(
    addr: SocketAddr,
    clients: usize,
    requests: impl Fn(usize) -> Vec<(&'static str, &'static str, &'a [u8])> + Sync,
) -> Result<(Vec<Duration>, Duration), String> {
    let started = Instant::now();
    let latencies = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                let requests = &requests;
                s.spawn(move || -> Result<Vec<Duration>, String> {
                    let mut client = Client::connect(addr)?;
                    requests(c)
                        .into_iter()
                        .map(|(method, path, body)| {
                            let t = Instant::now();
                            let status = client.send(method, path, body)?;
                            (status == 200)
                                .then(|| t.elapsed())
                                .ok_or(format!("{method} {path}: status {status}"))
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| "a client panicked".to_owned())?)
            .collect::<Result<Vec<_>, String>>()
    })?;
    Ok((latencies.concat(), started.elapsed()))
}

/// The raw rate: 1,024 Ed25519 signatures over 600-byte messages batch-verified on 2 threads
/// (512 each), best of 5.
fn raw_verify_rate() -> f64 {
    let keys: Vec<SigningKey> = (0..1024u32)
        .map(|i| {
            let mut seed = [1u8; 32];
            seed[..4].copy_from_slice(&i.to_be_bytes());
            SigningKey::from_bytes(&seed)
        })
        .collect();
    let msgs: Vec<Vec<u8>> = (0..1024u32).map(|i| vec![i as u8; 600]).collect();
    let sigs: Vec<ed25519_dalek::Signature> =
        keys.iter().zip(&msgs).map(|(k, m)| k.sign(m)).collect();
    let vks: Vec<ed25519_dalek::VerifyingKey> =
        keys.iter().map(SigningKey::verifying_key).collect();
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        std::thread::scope(|s| {
            for part in 0..2 {
                let r = part * 512..(part + 1) * 512;
                let (m, sg, k) = (&msgs[r.clone()], &sigs[r.clone()], &vks[r]);
                s.spawn(move || {
                    let refs: Vec<&[u8]> = m.iter().map(Vec::as_slice).collect();
                    ed25519_dalek::verify_batch(&refs, sg, k).is_ok()
                });
            }
        });
        best = best.min(t.elapsed());
    }
    1024.0 / best.as_secs_f64()
}

fn tempfile_dir() -> Result<std::path::PathBuf, Box<dyn Error>> {
    let dir = std::env::temp_dir().join(format!("chancery-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// A keep-alive HTTP/1.1 client of one connection.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(addr: SocketAddr) -> Result<Self, String> {
        let stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let writer = stream.try_clone().map_err(|e| e.to_string())?;
        Ok(Self {
            reader: BufReader::new(stream),
            writer,
        })
    }

    /// Sends one request and reads its answer; returns its status.
    fn send(&mut self, method: &str, path: &str, body: &[u8]) -> Result<u16, String> {
        let e = |e: std::io::Error| e.to_string();
        write!(
            self.writer,
            "{method} {path} HTTP/1.1\r\nHost: load\r\nContent-Type: application/cbor\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        )
        .map_err(e)?;
        self.writer.write_all(body).map_err(e)?;
        let mut line = String::new();
        self.reader.read_line(&mut line).map_err(e)?;
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or(format!("bad status line {line:?}"))?;
        let mut length = 0;
        loop {
            line.clear();
            self.reader.read_line(&mut line).map_err(e)?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().map_err(|_| "bad length".to_owned())?;
                }
            }
        }
        let mut answer = vec![0; length];
        self.reader.read_exact(&mut answer).map_err(e)?;
        Ok(status)
    }
}
