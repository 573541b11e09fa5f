//! Issue 16, the JSON verification API: a license's status, inclusion and consistency proofs,
//! and presentations verified against the service's trust lists, each answer checked against
//! what the library (or the tests' own RFC 9162 arithmetic) says.
#![cfg(feature = "server")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine;
use chancery::present::compact::CompactPresentation;
use chancery::server::{Options, Service};
use chancery::{Canonical, FileStore, Ledger, LicenseId, MemoryStore, Store};
use common::http::{self, Response};
use common::rfc9162::{root_from_path, sha256};
use common::serving::Serving;
use common::*;
use std::sync::Arc;

type W = World<MemoryStore>;

/// A ledger with license S1 of AUTH1, a day on; its entries copied into a file store that a
/// read-only service serves, with a trust list naming the ledger's root and witness 90.
struct Fixture {
    w: W,
    id: LicenseId,
    cred: chancery::Credential,
    server: Serving,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let (mut w, a) = W::standard(MemoryStore::new());
    let (id, cred) = w.issue(&a, "AUTH1", "S1");
    for i in 0..20 {
        w.issue(&a, "AUTH1", &format!("F{i}"));
    }
    w.advance_days(1);
    let dir = w.on_disk();
    let ledger = Ledger::open(
        FileStore::open_read_only(dir.path()).unwrap(),
        w.clock.clone(),
    )
    .unwrap();
    let options = Options {
        trust: Some(Arc::new(w.trust(|_| {}))),
        ..Options::default()
    };
    let server = Serving::start(Service::new(ledger, || Ok(None), options).router());
    Fixture {
        w,
        id,
        cred,
        server,
        _dir: dir,
    }
}

impl Fixture {
    fn present(&self, claims: &[&str]) -> chancery::present::Presentation {
        let root = key(1);
        let note = self.w.note(&root, &[(WITNESS, &key(90))]);
        let stamp = self
            .w
            .stamp_for_a_day(&self.id, self.w.now(), &root)
            .unwrap();
        let disclosure = self.cred.disclose(claims, false).unwrap();
        self.w.ledger.present(disclosure, &note, stamp).unwrap()
    }

    fn verify(&self, content_type: &str, body: &[u8]) -> Response {
        self.verify_with(&format!("at={}", self.w.now().millis()), content_type, body)
    }

    fn verify_at(&self, at: &str, body: &[u8]) -> Response {
        self.verify_with(&format!("at={at}"), "text/plain", body)
    }

    fn verify_with(&self, query: &str, content_type: &str, body: &[u8]) -> Response {
        let path = format!("/v1/verify/presentation?{query}");
        http::send(self.server.addr, "POST", &path, content_type, body)
    }
}

fn json(r: &Response) -> serde_json::Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.text()))
}

fn unb64(v: &serde_json::Value) -> [u8; 32] {
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

#[test]
fn given_an_issued_license_when_its_status_is_asked_then_valid_as_the_library_says() {
    let f = fixture();

    let r = f.server.get(&format!("/v1/licenses/{}/status", f.id));

    assert_eq!(r.status, 200, "{}", r.text());
    let body = json(&r);
    assert_eq!(body["status"], f.w.ledger.status(&f.id, f.w.now()).name());
    assert_eq!(body["valid"], true);
    assert_eq!(body["license"], f.id.to_string());
}

#[test]
fn given_a_time_before_the_license_was_recorded_when_its_status_is_asked_then_not_valid() {
    let f = fixture();

    let r = f.server.get(&format!(
        "/v1/licenses/{}/status?at={}",
        f.id,
        T0.millis() - 1
    ));

    assert_eq!(r.status, 200, "{}", r.text());
    let body = json(&r);
    assert_eq!(body["valid"], false);
    assert_eq!(
        body["status"],
        f.w.ledger
            .status(&f.id, chancery::Timestamp(T0.millis() - 1))
            .name()
    );
}

#[test]
fn given_a_civil_time_when_the_status_is_asked_then_it_is_read_in_the_ledger_zone() {
    let f = fixture();
    let zone = f.w.ledger.state().policy().utc_offset;
    let civil = zone.format(f.w.now());

    let r = f.server.get(&format!(
        "/v1/licenses/{}/status?at={}",
        f.id,
        civil.replace('+', "%2B")
    ));

    assert_eq!(r.status, 200, "{civil}: {}", r.text());
    assert_eq!(json(&r)["valid"], true);
}

#[test]
fn given_text_that_is_not_a_license_id_when_its_status_is_asked_then_400() {
    let f = fixture();

    let r = f.server.get("/v1/licenses/nonsense/status");

    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(json(&r)["error"], "BadParameter");
}

#[test]
fn given_an_entry_when_its_inclusion_proof_is_asked_then_it_leads_from_its_leaf_to_the_root() {
    let f = fixture();
    let size = f.w.ledger.len();
    let record = f.w.ledger.store().read(5, 6).unwrap().remove(0);
    let leaf = sha256(&[&[0], &record.bytes]);

    let r = f
        .server
        .get(&format!("/v1/proofs/inclusion?seq=5&size={size}"));

    assert_eq!(r.status, 200, "{}", r.text());
    let body = json(&r);
    let path: Vec<[u8; 32]> = body["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(unb64)
        .collect();
    assert_eq!(
        root_from_path(leaf, 5, size, &path),
        Some(unb64(&body["root"]))
    );
    assert_eq!(unb64(&body["root"]), f.w.ledger.root(size).unwrap().0);
}

#[test]
fn given_an_entry_beyond_the_tree_when_its_inclusion_proof_is_asked_then_404() {
    let f = fixture();
    let size = f.w.ledger.len();

    let r = f.server.get(&format!("/v1/proofs/inclusion?seq={size}"));

    assert_eq!(r.status, 404, "{}", r.text());
}

#[test]
fn given_a_missing_or_malformed_parameter_when_a_proof_is_asked_then_400() {
    let f = fixture();

    for path in [
        "/v1/proofs/inclusion",
        "/v1/proofs/inclusion?seq=x",
        "/v1/proofs/inclusion?seq=1&size=-1",
        "/v1/proofs/consistency",
        "/v1/proofs/consistency?old=1&new=two",
    ] {
        let r = f.server.get(path);
        assert_eq!(r.status, 400, "{path}: {}", r.text());
    }
}

#[test]
fn given_two_sizes_when_a_consistency_proof_is_asked_then_it_verifies_between_their_roots() {
    let f = fixture();
    let size = f.w.ledger.len();

    let r = f
        .server
        .get(&format!("/v1/proofs/consistency?old=7&new={size}"));

    assert_eq!(r.status, 200, "{}", r.text());
    let body = json(&r);
    assert_eq!(unb64(&body["old_root"]), f.w.ledger.root(7).unwrap().0);
    assert_eq!(unb64(&body["new_root"]), f.w.ledger.root(size).unwrap().0);
    let proof = chancery::merkle::ConsistencyProof {
        old_size: 7,
        new_size: size,
        path: body["hashes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| chancery::Digest32(unb64(h)))
            .collect(),
    };
    proof
        .verify(
            &chancery::Digest32(unb64(&body["old_root"])),
            &chancery::Digest32(unb64(&body["new_root"])),
        )
        .unwrap();
}

#[test]
fn given_a_full_presentation_when_verified_then_valid_with_the_disclosed_claims() {
    let f = fixture();
    let p = f.present(&["name", "scope"]);

    let r = f.verify("application/cbor", &p.to_canonical());

    assert_eq!(r.status, 200, "{}", r.text());
    let body = json(&r);
    assert_eq!(body["valid"], true, "{body}");
    assert_eq!(body["form"], "full");
    assert_eq!(body["license"], f.id.to_string());
    assert_eq!(body["issuer"], "AUTH1");
    assert_eq!(body["claims"][0]["name"], "name");
    assert_eq!(body["claims"][0]["value"], "West Lake Noodles");
    assert_eq!(body["claims"].as_array().unwrap().len(), 2);
}

#[test]
fn given_a_compact_presentation_when_verified_then_valid_with_its_claims_named() {
    let f = fixture();
    let text = CompactPresentation::from_presentation(&f.present(&["scope"]), 1)
        .unwrap()
        .to_text();

    let r = f.verify("text/plain", format!("{text}\n").as_bytes());

    assert_eq!(r.status, 200, "{}", r.text());
    let body = json(&r);
    assert_eq!(body["valid"], true, "{body}");
    assert_eq!(body["form"], "compact");
    assert_eq!(body["claims"][0]["name"], "scope");
    assert_eq!(body["claims"][0]["value"], "catering");
}

#[test]
fn given_a_presentation_with_an_altered_claim_when_verified_then_not_valid() {
    let f = fixture();
    let mut p = f.present(&["name"]);
    p.disclosure.claims[0].value = "East Lake Noodles".into();

    let r = f.verify("application/cbor", &p.to_canonical());

    assert_eq!(r.status, 200, "{}", r.text());
    let body = json(&r);
    assert_eq!(body["valid"], false, "{body}");
    assert_eq!(
        body["verdict"],
        chancery::present::verify_presentation(&p, &f.w.trust(|_| {}), f.w.now()).to_string()
    );
}

#[test]
fn given_text_that_is_not_a_presentation_when_verified_then_400() {
    let f = fixture();

    let r = f.verify("text/plain", b"hello");

    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(json(&r)["error"], "NotAPresentation");
}

#[test]
fn given_a_service_without_trust_lists_when_a_presentation_is_verified_then_403() {
    let f = fixture();
    let ledger = Ledger::open(
        FileStore::open_read_only(f._dir.path()).unwrap(),
        f.w.clock.clone(),
    )
    .unwrap();
    let server = Serving::start(Service::new(ledger, || Ok(None), Options::default()).router());
    let p = f.present(&["name"]);

    let r = http::send(
        server.addr,
        "POST",
        "/v1/verify/presentation",
        "application/cbor",
        &p.to_canonical(),
    );

    assert_eq!(r.status, 403, "{}", r.text());
}

/// The routes of SPEC §25, as this test reads them there.
const SPEC_ROUTES: &[(&str, &str)] = &[
    ("get", "/checkpoint"),
    ("get", "/tile/{tile}"),
    ("post", "/v1/add"),
    ("get", "/v1/licenses/{id}"),
    ("get", "/v1/licenses/{id}/status"),
    ("get", "/v1/seals/{es_id}/status"),
    ("post", "/v1/verify/document"),
    ("post", "/v1/verify/disclosure"),
    ("post", "/v1/uses"),
    ("post", "/v1/licenses/{id}/stamp"),
    ("post", "/v1/documents/{digest}/stamp"),
    ("get", "/v1/proofs/inclusion"),
    ("get", "/v1/proofs/consistency"),
    ("post", "/v1/verify/presentation"),
    ("get", "/healthz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    ("get", "/"),
    ("post", "/verify"),
    ("post", "/verify/photo"),
];

fn documented(f: &Fixture) -> Vec<(String, String)> {
    let r = f.server.get("/openapi.json");
    assert_eq!(r.status, 200, "{}", r.text());
    let doc = json(&r);
    assert_eq!(doc["openapi"], "3.0.3");
    let mut routes = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            routes.push((method.clone(), path.clone()));
        }
    }
    routes.sort();
    routes
}

#[test]
fn given_the_openapi_document_when_read_then_it_lists_exactly_the_routes_of_the_spec() {
    let f = fixture();
    let mut spec: Vec<(String, String)> = SPEC_ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    spec.sort();

    assert_eq!(documented(&f), spec);
}

#[test]
fn given_the_openapi_document_when_each_route_is_requested_then_each_is_served() {
    let f = fixture();
    for (method, path) in documented(&f) {
        let concrete = path
            .replace("{tile}", "0/000.p/1")
            .replace("{id}", &f.id.to_string());
        let r = http::send(
            f.server.addr,
            &method.to_ascii_uppercase(),
            &concrete,
            "application/cbor",
            b"",
        );
        let no_route = r.status == 404 && r.text().contains("\"NoRoute\"");
        assert!(
            !no_route && r.status != 405,
            "{method} {concrete}: {} {}",
            r.status,
            r.text()
        );
    }
}

#[test]
fn given_a_path_no_route_serves_when_requested_then_404_no_route() {
    let f = fixture();

    let r = f.server.get("/v1/nothing");

    assert_eq!(r.status, 404);
    assert_eq!(json(&r)["error"], "NoRoute");
}

fn form_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn page_verdict(f: &Fixture, text: &str) -> Response {
    let body = format!("text={}", form_encode(text));
    http::send(
        f.server.addr,
        "POST",
        "/verify",
        "application/x-www-form-urlencoded",
        body.as_bytes(),
    )
}

#[test]
fn given_the_web_page_when_loaded_then_it_is_a_form_with_no_script_or_outside_resource() {
    let f = fixture();

    let r = f.server.get("/");

    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    let page = r.text();
    assert!(
        page.contains("<form method=\"post\" action=\"/verify\">"),
        "{page}"
    );
    assert!(page.contains("name=\"text\""));
    assert!(!page.contains("<script"));
    assert!(!page.contains("http://") && !page.contains("https://"));
}

#[test]
fn given_a_compact_presentation_when_submitted_on_the_page_then_valid_in_both_languages_with_its_claims(
) {
    let f = fixture();
    let text = CompactPresentation::from_presentation(&f.present(&["name"]), 1)
        .unwrap()
        .to_text();

    let r = page_verdict(&f, &text);

    assert_eq!(r.status, 200, "{}", r.text());
    let page = r.text();
    assert!(
        page.contains("<h1 class=\"valid\" id=\"verdict\">有效 · Valid</h1>"),
        "{page}"
    );
    assert!(page.contains("<td>West Lake Noodles</td>"), "{page}");
    assert!(page.contains("<td>AUTH1</td>"), "{page}");
}

#[test]
fn given_a_tampered_compact_presentation_when_submitted_on_the_page_then_not_valid_with_the_reason()
{
    let f = fixture();
    let mut c = CompactPresentation::from_presentation(&f.present(&["name"]), 1).unwrap();
    c.claims[0].value = "East Lake Noodles".into();

    let r = page_verdict(&f, &c.to_text());

    let page = r.text();
    assert!(!page.contains("class=\"valid\""), "{page}");
    assert!(page.contains("id=\"reason\""), "{page}");
}

#[test]
fn given_markup_in_the_submitted_text_when_the_page_answers_then_it_is_escaped() {
    let f = fixture();

    let r = page_verdict(&f, "CH1:<script>alert(1)</script>");

    assert_eq!(r.status, 400, "{}", r.text());
    let page = r.text();
    assert!(!page.contains("<script>"), "{page}");
    assert!(page.contains("&lt;script&gt;"), "{page}");
}

/// The DOM a headless Chromium renders for `url`, after it ran for up to 5 s of virtual time
/// (so a page that submits a form is dumped as the page the form's answer rendered).
fn rendered(url: &str) -> String {
    let browser = std::env::var("CHANCERY_CHROMIUM")
        .expect("CHANCERY_CHROMIUM (run this test through scripts/with-chromium.sh)");
    let profile = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--virtual-time-budget=5000", "--dump-dom", url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Submits `text` to the page's form as a person would, in a real browser: the form the
/// browser rendered at `/` (its action and field name) is posted from a local page.
fn submitted_in_a_browser(f: &Fixture, text: &str) -> String {
    let page = rendered(&format!("http://{}/", f.server.addr));
    assert!(
        page.contains("<form method=\"post\" action=\"/verify\">"),
        "{page}"
    );
    assert!(page.contains("name=\"text\""), "{page}");
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("submit.html");
    let escaped = text.replace('&', "&amp;").replace('<', "&lt;");
    std::fs::write(
        &local,
        format!(
            "<!DOCTYPE html><meta charset=\"utf-8\"><form method=\"post\" \
             action=\"http://{}/verify\"><textarea name=\"text\">{escaped}</textarea></form>\
             <script>document.forms[0].submit()</script>",
            f.server.addr
        ),
    )
    .unwrap();
    rendered(&format!("file://{}", local.display()))
}

#[test]
#[ignore = "needs Chromium: scripts/with-chromium.sh cargo test --release --test serve_api -- --ignored"]
fn given_a_real_presentation_when_submitted_in_a_browser_then_the_rendered_verdict_is_valid() {
    let f = fixture();
    let text = CompactPresentation::from_presentation(&f.present(&["name", "scope"]), 1)
        .unwrap()
        .to_text();

    let dom = submitted_in_a_browser(&f, &text);

    assert!(
        dom.contains("<h1 class=\"valid\" id=\"verdict\">有效 · Valid</h1>"),
        "{dom}"
    );
    assert!(dom.contains("<td>West Lake Noodles</td>"), "{dom}");
    assert!(dom.contains("<td>catering</td>"), "{dom}");
}

#[test]
#[ignore = "needs Chromium: scripts/with-chromium.sh cargo test --release --test serve_api -- --ignored"]
fn given_a_tampered_presentation_when_submitted_in_a_browser_then_the_rendered_verdict_is_invalid_with_why(
) {
    let f = fixture();
    let mut c = CompactPresentation::from_presentation(&f.present(&["name"]), 1).unwrap();
    c.claims[0].value = "East Lake Noodles".into();

    let dom = submitted_in_a_browser(&f, &c.to_text());

    assert!(
        dom.contains("<h1 class=\"invalid\" id=\"verdict\">无效 · Invalid</h1>"),
        "{dom}"
    );
    assert!(
        dom.contains("<p id=\"reason\">原因 · Why: invalid: "),
        "{dom}"
    );
    assert!(!dom.contains("class=\"valid\""), "{dom}");
}

#[test]
fn given_a_time_parameter_with_a_multibyte_character_when_asked_then_400_not_a_panic() {
    let f = fixture();

    let status = f.server.get(&format!(
        "/v1/licenses/{}/status?at=2026-12-01T10%C3%A900000",
        f.id
    ));
    let verify = f.verify_at("2026-12-01T10%C3%A900000", b"CH1:X");

    assert_eq!(status.status, 400, "{}", status.text());
    assert_eq!(json(&status)["error"], "BadParameter");
    assert_eq!(verify.status, 400, "{}", verify.text());
}

#[test]
fn given_a_presentation_verified_when_answered_then_it_is_not_stored_by_caches() {
    let f = fixture();
    let p = f.present(&["name"]);

    let r = f.verify("application/cbor", &p.to_canonical());
    let status = f.server.get(&format!("/v1/licenses/{}/status", f.id));

    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(status.header("cache-control"), Some("no-cache"));
}

#[test]
fn given_the_openapi_document_when_read_then_the_presentation_route_takes_both_forms() {
    let f = fixture();

    let doc = json(&f.server.get("/openapi.json"));

    let content = &doc["paths"]["/v1/verify/presentation"]["post"]["requestBody"]["content"];
    assert!(content.get("application/cbor").is_some(), "{content}");
    assert!(content.get("text/plain").is_some(), "{content}");
}

// A photographed or scanned QR code, uploaded.

/// The QR code of a compact presentation of `scope`, as a PNG (4 pixels per module), and its
/// pixels as grey.
fn qr_image(f: &Fixture) -> (Vec<u8>, usize, usize, Vec<u8>) {
    let text = CompactPresentation::from_presentation(&f.present(&["scope"]), 1)
        .unwrap()
        .to_text();
    let png_bytes = chancery::present::qr::to_png(&text, 4).unwrap();
    let mut reader = png::Decoder::new(png_bytes.as_slice()).read_info().unwrap();
    let mut grey = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut grey).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    grey.truncate(w * h);
    (png_bytes, w, h, grey)
}

#[test]
fn given_a_qr_code_as_a_png_when_uploaded_then_its_presentation_is_verified() {
    let f = fixture();
    let (png_bytes, ..) = qr_image(&f);

    let r = f.verify("image/png", &png_bytes);

    assert_eq!(r.status, 200, "{}", r.text());
    let body = json(&r);
    assert_eq!(body["valid"], true, "{body}");
    assert_eq!(body["form"], "compact");
    assert_eq!(body["claims"][0]["value"], "catering");
}

#[test]
fn given_a_photo_of_a_qr_code_as_a_jpeg_when_uploaded_then_its_presentation_is_verified() {
    let f = fixture();
    let (_, w, h, grey) = qr_image(&f);
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 85)
        .encode(&grey, w as u16, h as u16, jpeg_encoder::ColorType::Luma)
        .unwrap();

    let r = f.verify("image/jpeg", &jpeg);

    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json(&r)["valid"], true, "{}", r.text());
}

#[test]
fn given_an_image_without_a_qr_code_when_uploaded_then_400_no_qr_code() {
    let f = fixture();
    let (_, w, h, _) = qr_image(&f);
    let blank = blank_png(w, h);

    let r = f.verify("image/png", &blank);

    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(json(&r)["error"], "NoQrCode");
}

#[test]
fn given_a_png_claiming_a_huge_image_when_uploaded_then_refused_before_its_pixels_are_decoded() {
    let f = fixture();
    let mut huge = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut huge, 100_000, 100_000);
        encoder.set_color(png::ColorType::Grayscale);
        // The header alone: no pixel data follows.
        let writer = encoder.write_header().unwrap();
        std::mem::forget(writer);
    }

    let r = f.verify("image/png", &huge);

    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("more than"), "{}", r.text());
}

/// A multipart form with `photo` (a PNG) and an empty `audience`, as a browser sends it.
fn photo_form(photo: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(
        b"--chancery-test-boundary\r\nContent-Disposition: form-data; name=\"photo\"; \
          filename=\"qr.png\"\r\nContent-Type: image/png\r\n\r\n",
    );
    body.extend_from_slice(photo);
    body.extend_from_slice(
        b"\r\n--chancery-test-boundary\r\nContent-Disposition: form-data; name=\"audience\"\
          \r\n\r\n\r\n--chancery-test-boundary--\r\n",
    );
    body
}

const PHOTO_FORM: &str = "multipart/form-data; boundary=chancery-test-boundary";

#[test]
fn given_a_photo_of_a_qr_code_when_uploaded_on_the_page_then_valid_in_both_languages() {
    let f = fixture();
    let (png_bytes, ..) = qr_image(&f);

    let r = http::send(
        f.server.addr,
        "POST",
        "/verify/photo",
        PHOTO_FORM,
        &photo_form(&png_bytes),
    );

    assert_eq!(r.status, 200, "{}", r.text());
    let page = r.text();
    assert!(page.contains("有效 · Valid"), "{page}");
    assert!(page.contains("catering"), "{page}");
    assert_eq!(r.header("cache-control"), Some("no-store"));
}

#[test]
fn given_a_photo_without_a_qr_code_when_uploaded_on_the_page_then_400_and_why() {
    let f = fixture();
    let (_, w, h, _) = qr_image(&f);
    let blank = blank_png(w, h);

    let r = http::send(
        f.server.addr,
        "POST",
        "/verify/photo",
        PHOTO_FORM,
        &photo_form(&blank),
    );

    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("no QR code"), "{}", r.text());
}

#[test]
fn given_a_form_that_is_not_multipart_when_posted_as_a_photo_then_400() {
    let f = fixture();

    let r = http::send(
        f.server.addr,
        "POST",
        "/verify/photo",
        "text/plain",
        b"CH1:nothing",
    );

    assert_eq!(r.status, 400, "{}", r.text());
}

/// A white PNG of `w` × `h` pixels: no QR code in it.
fn blank_png(w: usize, h: usize) -> Vec<u8> {
    let mut blank = Vec::new();
    let mut encoder = png::Encoder::new(&mut blank, w as u32, h as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder
        .write_header()
        .unwrap()
        .write_image_data(&vec![255; w * h])
        .unwrap();
    blank
}
