//! Issue 16, item 1: `chancery serve --tls-cert/--tls-key` serves HTTPS (rustls; HTTP/2 and
//! HTTP/1.1 by ALPN) and, with `--client-ca`, takes client certificates (mTLS): a client with
//! one of that CA's certificates may read the entry bundles that are not public, a certificate
//! of another CA is refused in the handshake. Certificates are made here with rcgen.
#![cfg(feature = "server")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::server::{Options, Service, TlsFiles};
use chancery::{Canonical, FileCheckpointLog, FileStore, Ledger};
use common::http::Response;
use common::serving::Serving;
use common::*;
use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

/// A certificate authority: its certificate and key.
struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

fn ca(name: &str) -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    Ca { cert, key }
}

/// A certificate for `names` signed by `ca`, for `purpose`; its PEM and its key's PEM.
fn leaf(ca: &Ca, names: &[&str], purpose: ExtendedKeyUsagePurpose) -> (String, String) {
    let mut params =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    params.extended_key_usages = vec![purpose];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca.cert, &ca.key).unwrap();
    (cert.pem(), key.serialize_pem())
}

/// The files of a service's TLS: its certificate (for 127.0.0.1 and localhost) and key signed
/// by `server_ca`, and `client_ca`'s certificate as the client CA, written in `dir`.
fn tls_files(dir: &Path, server_ca: &Ca, client_ca: Option<&Ca>) -> TlsFiles {
    let (cert, key) = leaf(
        server_ca,
        &["127.0.0.1", "localhost"],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    std::fs::write(dir.join("server.pem"), cert).unwrap();
    std::fs::write(dir.join("server.key"), key).unwrap();
    if let Some(ca) = client_ca {
        std::fs::write(dir.join("client-ca.pem"), ca.cert.pem()).unwrap();
    }
    TlsFiles {
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
        client_ca: client_ca.map(|_| dir.join("client-ca.pem")),
    }
}

/// Serves the standard world's ledger (entries not public) over TLS.
fn serve(dir: &Path, tls: &TlsFiles) -> Serving {
    let (w, _) = World::standard(FileStore::open(dir).unwrap());
    w.ledger
        .sign_checkpoint(&key(1), &mut FileCheckpointLog::open(dir).unwrap())
        .unwrap();
    drop(w);
    let ledger = Ledger::open(
        FileStore::open_read_only(dir).unwrap(),
        chancery::SystemClock,
    )
    .unwrap();
    let service = Service::new(ledger, chancery::server::kept_in(dir), Options::default());
    Serving::start_tls(service.router(), tls.server_config().unwrap())
}

/// A client trusting `server_ca`, presenting `client` (certificate and key PEM) if given, and
/// offering `alpn`.
fn client(
    server_ca: &Ca,
    client: Option<&(String, String)>,
    alpn: &[&[u8]],
) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(server_ca.cert.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let mut config = match client {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => {
            use rustls::pki_types::pem::PemObject;
            builder
                .with_client_auth_cert(
                    vec![CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()],
                    PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
                )
                .unwrap()
        }
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

/// `GET path` over TLS with `config`: the answer, or the TLS error.
fn get(
    server: &Serving,
    config: Arc<rustls::ClientConfig>,
    path: &str,
) -> Result<Response, String> {
    request(server, config, "GET", path)
}

/// `method path` with an empty body over TLS with `config`: the answer, or the TLS error.
fn request(
    server: &Serving,
    config: Arc<rustls::ClientConfig>,
    method: &str,
    path: &str,
) -> Result<Response, String> {
    let tcp = std::net::TcpStream::connect(server.addr).unwrap();
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let conn =
        rustls::ClientConnection::new(config, ServerName::try_from("localhost").unwrap()).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    write!(
        tls,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\
         Connection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    match tls.read_to_end(&mut raw) {
        Ok(_) => {}
        // A server that closes without close_notify after a whole answer.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !raw.is_empty() => {}
        Err(e) => return Err(e.to_string()),
    }
    Ok(Response::parse(&raw))
}

#[test]
fn given_a_service_over_tls_when_the_checkpoint_is_fetched_then_it_is_served_over_https() {
    let d = tempfile::tempdir().unwrap();
    let server_ca = ca("server CA");
    let tls = tls_files(d.path(), &server_ca, None);
    let server = serve(&d.path().join("ledger"), &tls);
    let r = get(
        &server,
        client(&server_ca, None, &[b"http/1.1"]),
        "/checkpoint",
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().starts_with(&format!("{ORIGIN}\n")));
}

#[test]
fn given_a_service_over_tls_when_a_client_speaks_plain_http_then_nothing_is_served() {
    let d = tempfile::tempdir().unwrap();
    let server_ca = ca("server CA");
    let tls = tls_files(d.path(), &server_ca, None);
    let server = serve(&d.path().join("ledger"), &tls);
    let mut tcp = std::net::TcpStream::connect(server.addr).unwrap();
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    tcp.write_all(b"GET /checkpoint HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = Vec::new();
    let _ = tcp.read_to_end(&mut raw);
    assert!(
        !raw.starts_with(b"HTTP/"),
        "{:?}",
        String::from_utf8_lossy(&raw)
    );
}

#[test]
fn given_a_service_over_tls_when_a_client_offers_h2_then_http2_is_negotiated() {
    let d = tempfile::tempdir().unwrap();
    let server_ca = ca("server CA");
    let tls = tls_files(d.path(), &server_ca, None);
    let server = serve(&d.path().join("ledger"), &tls);
    let tcp = std::net::TcpStream::connect(server.addr).unwrap();
    let mut conn = rustls::ClientConnection::new(
        client(&server_ca, None, &[b"h2", b"http/1.1"]),
        ServerName::try_from("localhost").unwrap(),
    )
    .unwrap();
    let mut tcp = tcp;
    while conn.is_handshaking() {
        conn.complete_io(&mut tcp).unwrap();
    }
    assert_eq!(conn.alpn_protocol(), Some(&b"h2"[..]));
}

#[test]
fn given_mtls_when_a_client_of_the_client_ca_asks_for_entries_then_they_are_served_to_it_alone() {
    let d = tempfile::tempdir().unwrap();
    let (server_ca, client_ca) = (ca("server CA"), ca("client CA"));
    let tls = tls_files(d.path(), &server_ca, Some(&client_ca));
    let server = serve(&d.path().join("ledger"), &tls);
    let bank = leaf(
        &client_ca,
        &["bank.example"],
        ExtendedKeyUsagePurpose::ClientAuth,
    );

    let certified = get(
        &server,
        client(&server_ca, Some(&bank), &[]),
        "/tile/entries/000.p/3",
    )
    .unwrap();
    let anonymous = get(
        &server,
        client(&server_ca, None, &[]),
        "/tile/entries/000.p/3",
    )
    .unwrap();

    assert_eq!(certified.status, 200, "{}", certified.text());
    assert_eq!(anonymous.status, 403);
}

#[test]
fn given_mtls_when_a_client_presents_a_certificate_of_another_ca_then_the_handshake_fails() {
    let d = tempfile::tempdir().unwrap();
    let (server_ca, client_ca, stranger) = (ca("server CA"), ca("client CA"), ca("other CA"));
    let tls = tls_files(d.path(), &server_ca, Some(&client_ca));
    let server = serve(&d.path().join("ledger"), &tls);
    let forged = leaf(
        &stranger,
        &["bank.example"],
        ExtendedKeyUsagePurpose::ClientAuth,
    );
    let r = get(
        &server,
        client(&server_ca, Some(&forged), &[]),
        "/tile/entries/000.p/3",
    );
    assert!(r.is_err(), "{:?}", r.map(|r| r.status));
}

#[test]
fn given_a_key_file_without_a_key_when_tls_is_configured_then_it_is_refused_by_name() {
    let d = tempfile::tempdir().unwrap();
    let server_ca = ca("server CA");
    let mut tls = tls_files(d.path(), &server_ca, None);
    std::fs::write(d.path().join("empty.key"), "").unwrap();
    tls.key = d.path().join("empty.key");
    let e = tls.server_config().unwrap_err();
    assert!(e.to_string().contains("empty.key"), "{e}");
}

#[test]
fn given_a_client_that_never_finishes_its_handshake_when_another_connects_then_the_other_is_served()
{
    let d = tempfile::tempdir().unwrap();
    let server_ca = ca("server CA");
    let tls = tls_files(d.path(), &server_ca, None);
    let server = serve(&d.path().join("ledger"), &tls);
    // Connected, and silent.
    let _slow = std::net::TcpStream::connect(server.addr).unwrap();
    let r = get(&server, client(&server_ca, None, &[]), "/checkpoint").unwrap();
    assert_eq!(r.status, 200);
}

#[test]
fn given_tls_files_when_served_from_the_command_line_then_it_listens_on_https() {
    use std::io::BufRead;
    let d = tempfile::tempdir().unwrap();
    let server_ca = ca("server CA");
    let tls = tls_files(d.path(), &server_ca, None);
    drop(serve(&d.path().join("ledger"), &tls));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_chancery"))
        .current_dir(d.path())
        .args(["--store", "ledger", "serve", "--listen", "127.0.0.1:0"])
        .args(["--tls-cert", "server.pem", "--tls-key", "server.key"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut banner = String::new();
    err.read_line(&mut banner).unwrap();
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    let addr: std::net::SocketAddr = banner
        .split("https://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no https address in {banner:?}"))
        .parse()
        .unwrap();
    let fake = Serving::at(addr);

    let r = get(&fake, client(&server_ca, None, &[]), "/checkpoint");
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();

    assert_eq!(r.unwrap().status, 200);
    assert_eq!(status.code(), Some(0));
}

// Stamps: signed with the service's operator key, to certified clients only (SPEC §25).

const SEALED: &[u8] = b"a sealed approval";

/// A ledger with license S1 of AUTH1 and document SEALED sealed (at the returned entry), its
/// checkpoint kept, served over mTLS issuing stamps signed with the root key (`stamps`: the
/// limit in hours, or none).
fn serve_stamping(
    dir: &Path,
    tls: &TlsFiles,
    stamps: Option<u64>,
) -> (Serving, chancery::LicenseId, u64) {
    serve_stamping_ahead(dir, tls, stamps, false)
}

/// As [`serve_stamping`], with one more entry after the checkpoint if `ahead`.
fn serve_stamping_ahead(
    dir: &Path,
    tls: &TlsFiles,
    stamps: Option<u64>,
    ahead: bool,
) -> (Serving, chancery::LicenseId, u64) {
    let (mut w, a) = World::standard(FileStore::open(dir).unwrap());
    let (id, _) = w.issue(&a, "AUTH1", "S1");
    w.unit("OWNER", 20);
    let seal = actor(40);
    w.register_seal(&a, "E1", "OWNER", &seal, "AUTH1");
    let sealed = w
        .ok(&seal, World::<FileStore>::application("E1", SEALED, "C1"))
        .seq;
    w.ledger
        .sign_checkpoint(&key(1), &mut FileCheckpointLog::open(dir).unwrap())
        .unwrap();
    if ahead {
        w.issue(&a, "AUTH1", "S9");
    }
    let clock = w.clock.clone();
    drop(w);
    let ledger = Ledger::open(FileStore::open_read_only(dir).unwrap(), clock).unwrap();
    let options = Options {
        stamps: stamps.map(|max_hours| chancery::server::Stamping {
            key: Arc::new(key(1)),
            max_hours,
        }),
        ..Options::default()
    };
    let service = Service::new(ledger, chancery::server::kept_in(dir), options);
    let server = Serving::start_tls(service.router(), tls.server_config().unwrap());
    (server, id, sealed)
}

/// A service issuing stamps (24 hours at most) and a certified client of it.
fn stamping() -> (
    tempfile::TempDir,
    Serving,
    Arc<rustls::ClientConfig>,
    chancery::LicenseId,
    u64,
) {
    let dir = tempfile::tempdir().unwrap();
    let (server_ca, client_ca) = (ca("server CA"), ca("client CA"));
    let tls = tls_files(dir.path(), &server_ca, Some(&client_ca));
    let (server, id, sealed) = serve_stamping(dir.path(), &tls, Some(24));
    let bank = leaf(&client_ca, &["bank"], ExtendedKeyUsagePurpose::ClientAuth);
    let config = client(&server_ca, Some(&bank), &[b"http/1.1"]);
    (dir, server, config, id, sealed)
}

#[test]
fn given_a_certified_client_when_it_asks_a_status_stamp_then_the_operator_signed_one_for_now() {
    let (_dir, server, config, id, _) = stamping();

    let r = request(&server, config, "POST", &format!("/v1/licenses/{id}/stamp")).unwrap();

    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/cbor"));
    let stamp = chancery::stamp::StatusStamp::from_canonical(&r.body).unwrap();
    let claim = stamp.verify(&[key(1).public_key()]).unwrap();
    assert_eq!(claim.license, id);
    assert!(claim.status.is_valid(), "{:?}", claim.status);
    assert_eq!(
        claim.next_update.millis() - claim.this_update.millis(),
        24 * 3_600_000
    );
}

#[test]
fn given_hours_within_the_limit_when_a_stamp_is_asked_then_it_is_valid_that_long() {
    let (_dir, server, config, id, _) = stamping();

    let r = request(
        &server,
        config,
        "POST",
        &format!("/v1/licenses/{id}/stamp?hours=2"),
    )
    .unwrap();

    let stamp = chancery::stamp::StatusStamp::from_canonical(&r.body).unwrap();
    assert_eq!(
        stamp.claim.next_update.millis() - stamp.claim.this_update.millis(),
        2 * 3_600_000
    );
}

#[test]
fn given_hours_past_the_limit_when_a_stamp_is_asked_then_400_and_none_is_signed() {
    let (_dir, server, config, id, _) = stamping();

    let r = request(
        &server,
        config,
        "POST",
        &format!("/v1/licenses/{id}/stamp?hours=25"),
    )
    .unwrap();

    assert_eq!(r.status, 400, "{}", r.text());
}

#[test]
fn given_a_client_without_a_certificate_when_it_asks_a_stamp_then_403() {
    let dir = tempfile::tempdir().unwrap();
    let (server_ca, client_ca) = (ca("server CA"), ca("client CA"));
    let tls = tls_files(dir.path(), &server_ca, Some(&client_ca));
    let (server, id, _) = serve_stamping(dir.path(), &tls, Some(24));

    let r = request(
        &server,
        client(&server_ca, None, &[b"http/1.1"]),
        "POST",
        &format!("/v1/licenses/{id}/stamp"),
    )
    .unwrap();

    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains("CertificateRequired"), "{}", r.text());
}

#[test]
fn given_a_service_without_stamps_when_a_certified_client_asks_one_then_403() {
    let dir = tempfile::tempdir().unwrap();
    let (server_ca, client_ca) = (ca("server CA"), ca("client CA"));
    let tls = tls_files(dir.path(), &server_ca, Some(&client_ca));
    let (server, id, _) = serve_stamping(dir.path(), &tls, None);
    let bank = leaf(&client_ca, &["bank"], ExtendedKeyUsagePurpose::ClientAuth);

    let r = request(
        &server,
        client(&server_ca, Some(&bank), &[b"http/1.1"]),
        "POST",
        &format!("/v1/licenses/{id}/stamp"),
    )
    .unwrap();

    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains("NoStamps"), "{}", r.text());
}

#[test]
fn given_a_recorded_sealing_when_a_certified_client_asks_its_stamp_then_the_operator_signed_it_valid(
) {
    let (_dir, server, config, _, sealed) = stamping();
    let digest = chancery::sha256(SEALED).to_hex();

    let r = request(
        &server,
        config,
        "POST",
        &format!("/v1/documents/{digest}/stamp?seq={sealed}"),
    )
    .unwrap();

    assert_eq!(r.status, 200, "{}", r.text());
    let stamp = chancery::stamp::SealingStamp::from_canonical(&r.body).unwrap();
    let claim = stamp.verify(&[key(1).public_key()]).unwrap();
    assert_eq!(claim.entry_seq, sealed);
    assert!(claim.valid);
}

#[test]
fn given_an_entry_that_is_not_the_documents_sealing_when_its_stamp_is_asked_then_404() {
    let (_dir, server, config, _, sealed) = stamping();
    let digest = chancery::sha256(b"another document").to_hex();

    let r = request(
        &server,
        config,
        "POST",
        &format!("/v1/documents/{digest}/stamp?seq={sealed}"),
    )
    .unwrap();

    assert_eq!(r.status, 404, "{}", r.text());
}

#[test]
fn given_a_certified_client_when_it_asks_a_licenses_facts_then_the_printed_numbers_are_told() {
    let (_dir, server, config, id, _) = stamping();

    let r = get(&server, config, &format!("/v1/licenses/{id}")).unwrap();

    assert_eq!(r.status, 200, "{}", r.text());
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert!(body["versions"][0]["printed_number"].is_string(), "{body}");
}

#[test]
fn given_a_ledger_ahead_of_its_kept_checkpoint_when_a_stamp_is_asked_then_503_and_none_is_signed() {
    let dir = tempfile::tempdir().unwrap();
    let (server_ca, client_ca) = (ca("server CA"), ca("client CA"));
    let tls = tls_files(dir.path(), &server_ca, Some(&client_ca));
    // An entry past the checkpoint kept (a commit whose checkpoint could not be kept).
    let (server, id, _) = serve_stamping_ahead(dir.path(), &tls, Some(24), true);
    let bank = leaf(&client_ca, &["bank"], ExtendedKeyUsagePurpose::ClientAuth);

    let r = request(
        &server,
        client(&server_ca, Some(&bank), &[b"http/1.1"]),
        "POST",
        &format!("/v1/licenses/{id}/stamp"),
    )
    .unwrap();

    assert_eq!(r.status, 503, "{}", r.text());
    assert!(r.text().contains("CannotStamp"), "{}", r.text());
}
