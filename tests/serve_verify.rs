//! Issue 16, the JSON verification API beyond presentations: a license's facts and life
//! events, a seal's status, a sealed document (uploaded, or by its digest) with the report of
//! each sealing, and a holder's disclosure (for a relying party under consent), each answer
//! checked against what the library says.
#![cfg(feature = "server")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chancery::event::{Event, UseRecord, UseResult};
use chancery::server::{Options, Service, UseRequest, MAX_DOCUMENT};
use chancery::{Canonical, FileStore, Ledger, LicenseId, MemoryStore, Store};
use common::http::{self, Response};
use common::serving::Serving;
use common::*;
use std::io::{Read, Write};

type W = World<MemoryStore>;

/// A ledger with license S1 of AUTH1 (bound to holder key 70, with a consent for BANK to
/// check it for LOAN once), license S2 suspended, seal E1 of OWNER applied to a contract
/// and seal E2 suspended; a day on. A read-only service serves a copy on disk.
struct Fixture {
    w: W,
    s1: LicenseId,
    s2: LicenseId,
    cred: chancery::Credential,
    server: Serving,
    _dir: tempfile::TempDir,
}

const CONTRACT: &[u8] = b"contract of sale, signed and sealed";

fn fixture() -> Fixture {
    let (mut w, a) = W::standard(MemoryStore::new());
    let (s1, cred) = w.issue(&a, "AUTH1", "S1");
    let (s2, _) = w.issue(&a, "AUTH1", "S2");
    w.ok(
        &a,
        Event::LicenseSuspended {
            license: s2.clone(),
            reason: "inspection".into(),
        },
    );
    w.unit("BANK", 22);
    let holder = actor(70);
    w.ok(
        &a,
        Event::HolderKeyBound {
            license: s1.clone(),
            key: holder.public_key(),
        },
    );
    let consent = w.consent(&s1, "BANK", "LOAN", 30, 1);
    w.ok(&holder, Event::UseAuthorized(consent));
    let owner = w.unit("OWNER", 20);
    let (seal1, seal2) = (actor(40), actor(41));
    w.register_seal(&a, "E1", "OWNER", &seal1, "AUTH1");
    w.register_seal(&a, "E2", "OWNER", &seal2, "AUTH1");
    w.ok(&seal1, W::application("E1", CONTRACT, "CASE-9"));
    w.ok(
        &owner,
        Event::SealSuspended {
            es_id: "E2".into(),
            reason: "audit".into(),
        },
    );
    w.advance_days(1);
    let dir = w.on_disk();
    let ledger = Ledger::open(
        FileStore::open_read_only(dir.path()).unwrap(),
        w.clock.clone(),
    )
    .unwrap();
    let server = Serving::start(Service::new(ledger, || Ok(None), Options::default()).router());
    Fixture {
        w,
        s1,
        s2,
        cred,
        server,
        _dir: dir,
    }
}

fn json(r: &Response) -> serde_json::Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.text()))
}

fn post(f: &Fixture, path: &str, content_type: &str, body: &[u8]) -> Response {
    http::send(f.server.addr, "POST", path, content_type, body)
}

// A license's facts.

#[test]
fn given_an_issued_license_when_its_facts_are_asked_then_its_versions_and_status_are_the_libraries()
{
    let f = fixture();

    let r = f.server.get(&format!("/v1/licenses/{}", f.s1));

    assert_eq!(r.status, 200, "{}", r.text());
    let body = json(&r);
    let facts = f.w.ledger.license_facts(&f.s1, f.w.now()).unwrap();
    assert_eq!(body["license"], facts.lineage);
    assert_eq!(body["type"], "T1");
    assert_eq!(body["issuer"], "AUTH1");
    assert_eq!(body["status"], "Valid");
    assert_eq!(body["versions"][0]["id"], f.s1.to_string());
    assert_eq!(
        body["versions"][0]["recorded"]["seq"],
        facts.versions[0].recorded.seq
    );
    assert_eq!(body["events"].as_array().unwrap().len(), 0);
}

#[test]
fn given_a_suspended_license_when_its_facts_are_asked_then_the_suspension_is_an_event() {
    let f = fixture();

    let body = json(&f.server.get(&format!("/v1/licenses/{}", f.s2)));

    assert_eq!(body["status"], "Suspended");
    assert_eq!(body["valid"], false);
    assert_eq!(body["events"][0]["event"], "suspended");
    assert_eq!(body["events"][0]["lifted"], serde_json::Value::Null);
}

#[test]
fn given_a_client_without_a_certificate_when_facts_are_asked_then_no_printed_number_is_told() {
    let f = fixture();

    let r = f.server.get(&format!("/v1/licenses/{}", f.s1));

    let printed =
        &f.w.ledger
            .state()
            .license(&f.s1)
            .unwrap()
            .version
            .printed_number;
    assert!(!r.text().contains(printed.as_str()), "{}", r.text());
    assert_eq!(r.header("cache-control"), Some("no-store"));
}

#[test]
fn given_a_license_not_on_the_ledger_when_its_facts_are_asked_then_404() {
    let f = fixture();
    let absent = LicenseId::new("T1", "AUTH1", "S9", 1).unwrap();

    let r = f.server.get(&format!("/v1/licenses/{absent}"));

    assert_eq!(r.status, 404, "{}", r.text());
    assert_eq!(json(&r)["error"], "NoSuchLicense");
}

#[test]
fn given_a_time_before_the_license_when_its_facts_are_asked_then_its_version_is_not_yet_valid() {
    let f = fixture();

    let r = f.server.get(&format!("/v1/licenses/{}?at=0", f.s1));

    let body = json(&r);
    let library = f.w.ledger.status(&f.s1, chancery::Timestamp(0));
    assert_eq!(body["versions"][0]["status"], library.name());
    assert_eq!(body["at"]["ms"], 0);
}

// A seal's status.

#[test]
fn given_an_active_seal_when_its_status_is_asked_then_active() {
    let f = fixture();

    let body = json(&f.server.get("/v1/seals/E1/status"));

    assert_eq!(body["status"], "Active");
    assert_eq!(body["valid"], true);
}

#[test]
fn given_a_suspended_seal_when_its_status_is_asked_then_suspended_and_not_valid() {
    let f = fixture();

    let body = json(&f.server.get("/v1/seals/E2/status"));

    assert_eq!(body["status"], "Suspended");
    assert_eq!(body["valid"], false);
}

#[test]
fn given_an_unknown_seal_when_its_status_is_asked_then_unknown() {
    let f = fixture();

    let body = json(&f.server.get("/v1/seals/NO-SUCH-SEAL/status"));

    assert_eq!(body["status"], "Unknown");
}

// A sealed document.

#[test]
fn given_a_sealed_document_when_uploaded_then_valid_with_its_sealing_reported() {
    let f = fixture();

    let r = post(&f, "/v1/verify/document", "application/pdf", CONTRACT);

    assert_eq!(r.status, 200, "{}", r.text());
    let body = json(&r);
    let library = f.w.ledger.verify_document(CONTRACT, f.w.now());
    assert_eq!(body["valid"], true);
    assert_eq!(body["document"], library.document.to_hex());
    assert_eq!(body["sealings"][0]["es_id"], "E1");
    assert_eq!(body["sealings"][0]["seq"], library.sealings[0].seq);
    assert_eq!(body["sealings"][0]["case"], "CASE-9");
    assert_eq!(r.header("cache-control"), Some("no-store"));
}

#[test]
fn given_a_sealed_documents_digest_when_verified_then_the_same_answer_as_the_upload() {
    let f = fixture();
    let digest = chancery::sha256(CONTRACT).to_hex();

    let by_digest = post(
        &f,
        &format!("/v1/verify/document?digest={digest}"),
        "application/octet-stream",
        b"",
    );
    let uploaded = post(&f, "/v1/verify/document", "application/pdf", CONTRACT);

    assert_eq!(by_digest.status, 200, "{}", by_digest.text());
    assert_eq!(json(&by_digest), json(&uploaded));
}

#[test]
fn given_a_document_one_byte_changed_when_uploaded_then_not_sealed() {
    let f = fixture();
    let mut changed = CONTRACT.to_vec();
    changed[0] ^= 1;

    let body = json(&post(
        &f,
        "/v1/verify/document",
        "application/pdf",
        &changed,
    ));

    assert_eq!(body["valid"], false);
    assert_eq!(body["sealings"].as_array().unwrap().len(), 0);
}

#[test]
fn given_a_sealed_document_when_asked_about_another_units_seals_then_not_valid() {
    let f = fixture();

    let body = json(&post(
        &f,
        "/v1/verify/document?unit=BANK",
        "application/pdf",
        CONTRACT,
    ));

    assert_eq!(body["valid"], false);
    assert_eq!(body["unit_asked"], "BANK");
    assert_eq!(
        body["sealings"][0]["es_id"], "E1",
        "every sealing is reported"
    );
}

#[test]
fn given_both_a_digest_and_a_document_when_verified_then_400() {
    let f = fixture();
    let digest = chancery::sha256(CONTRACT).to_hex();

    let r = post(
        &f,
        &format!("/v1/verify/document?digest={digest}"),
        "application/pdf",
        CONTRACT,
    );

    assert_eq!(r.status, 400, "{}", r.text());
}

#[test]
fn given_a_digest_that_is_not_hex_when_verified_then_400() {
    let f = fixture();

    let r = post(&f, "/v1/verify/document?digest=xyz", "application/pdf", b"");

    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(json(&r)["error"], "BadParameter");
}

#[test]
fn given_a_document_larger_than_the_other_routes_take_when_uploaded_then_it_is_verified() {
    let f = fixture();
    let large = vec![7u8; 3 << 20];

    let r = post(&f, "/v1/verify/document", "application/pdf", &large);

    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json(&r)["document"], chancery::sha256(&large).to_hex());
}

#[test]
fn given_a_document_declared_over_the_limit_when_uploaded_then_413_before_it_is_read() {
    let f = fixture();
    let mut stream = std::net::TcpStream::connect(f.server.addr).unwrap();
    write!(
        stream,
        "POST /v1/verify/document HTTP/1.1\r\nHost: x\r\nContent-Type: application/pdf\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        MAX_DOCUMENT + 1
    )
    .unwrap();

    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);

    assert_eq!(Response::parse(&raw).status, 413);
}

// A holder's disclosure.

#[test]
fn given_a_disclosure_when_verified_then_valid_with_its_claims() {
    let f = fixture();
    let disclosure = f.cred.disclose(&["name"], false).unwrap();

    let r = post(
        &f,
        "/v1/verify/disclosure",
        "application/cbor",
        &disclosure.to_canonical(),
    );

    assert_eq!(r.status, 200, "{}", r.text());
    let body = json(&r);
    assert_eq!(body["valid"], true, "{body}");
    assert_eq!(body["claims"][0]["name"], "name");
    assert_eq!(body["holder_disclosed"], false);
    assert_eq!(r.header("cache-control"), Some("no-store"));
}

#[test]
fn given_a_disclosure_with_a_changed_claim_when_verified_then_invalid() {
    let f = fixture();
    let mut disclosure = f.cred.disclose(&["name"], false).unwrap();
    disclosure.claims[0].value.push('X');

    let body = json(&post(
        &f,
        "/v1/verify/disclosure",
        "application/cbor",
        &disclosure.to_canonical(),
    ));

    assert_eq!(body["valid"], false);
    let library = f.w.ledger.verify_disclosure(&disclosure, f.w.now());
    assert_eq!(body["verdict"], library.to_string());
}

#[test]
fn given_a_suspended_licenses_disclosure_when_verified_then_not_valid() {
    let f = fixture();
    let cred = W::credential(&f.s2);
    let disclosure = cred.disclose(&["name"], false).unwrap();

    let body = json(&post(
        &f,
        "/v1/verify/disclosure",
        "application/cbor",
        &disclosure.to_canonical(),
    ));

    assert_eq!(body["valid"], false, "{body}");
}

#[test]
fn given_a_relying_party_with_consent_when_it_verifies_then_valid() {
    let f = fixture();
    let disclosure = f.cred.disclose(&["name"], false).unwrap();

    let body = json(&post(
        &f,
        "/v1/verify/disclosure?relying_party=BANK&service_item=LOAN",
        "application/cbor",
        &disclosure.to_canonical(),
    ));

    assert_eq!(body["valid"], true, "{body}");
    assert_eq!(body["relying_party"], "BANK");
}

#[test]
fn given_a_relying_party_without_consent_for_the_item_when_it_verifies_then_invalid() {
    let f = fixture();
    let disclosure = f.cred.disclose(&["name"], false).unwrap();

    let body = json(&post(
        &f,
        "/v1/verify/disclosure?relying_party=BANK&service_item=DEPOSIT",
        "application/cbor",
        &disclosure.to_canonical(),
    ));

    assert_eq!(body["valid"], false);
    let library =
        f.w.ledger
            .verify_for_relying_party(&disclosure, "BANK", "DEPOSIT", f.w.now());
    assert_eq!(body["verdict"], library.to_string());
}

#[test]
fn given_a_relying_party_without_a_service_item_when_it_verifies_then_400() {
    let f = fixture();
    let disclosure = f.cred.disclose(&["name"], false).unwrap();

    let r = post(
        &f,
        "/v1/verify/disclosure?relying_party=BANK",
        "application/cbor",
        &disclosure.to_canonical(),
    );

    assert_eq!(r.status, 400, "{}", r.text());
}

#[test]
fn given_bytes_that_are_not_a_disclosure_when_verified_then_400() {
    let f = fixture();

    let r = post(&f, "/v1/verify/disclosure", "application/cbor", b"\xa1\x01");

    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(json(&r)["error"], "NotADisclosure");
}

// A relying party's verify-and-record-use.

/// The fixture's ledger served by a writer (the library's file committer, the root key
/// signing checkpoints), with BANK's key and the id of the holder's consent for BANK to check
/// S1 for LOAN once.
struct Writing {
    w: W,
    bank: chancery::Actor,
    s1: LicenseId,
    cred: chancery::Credential,
    consent: chancery::event::StatementId,
    server: Serving,
    dir: tempfile::TempDir,
}

fn writing() -> Writing {
    let (mut w, a) = W::standard(MemoryStore::new());
    let (s1, cred) = w.issue(&a, "AUTH1", "S1");
    let bank = w.unit("BANK", 22);
    let holder = actor(70);
    w.ok(
        &a,
        Event::HolderKeyBound {
            license: s1.clone(),
            key: holder.public_key(),
        },
    );
    let consent = w.sign(
        &holder,
        Event::UseAuthorized(w.consent(&s1, "BANK", "LOAN", 30, 1)),
    );
    w.ledger.append(consent.clone()).unwrap();
    let (server, dir) = serve_writing(&w);
    Writing {
        w,
        bank,
        s1,
        cred,
        consent: consent.id(),
        server,
        dir,
    }
}

/// A copy of `w`'s ledger on disk, served by a writer (the library's file committer, the
/// root key signing checkpoints).
fn serve_writing(w: &W) -> (Serving, tempfile::TempDir) {
    let dir = w.on_disk();
    let ledger = Ledger::open(FileStore::open(dir.path()).unwrap(), w.clock.clone()).unwrap();
    let mut committer = chancery::server::FileCommitter::new(dir.path(), key(1)).unwrap();
    let service = Service::with_writer(
        ledger,
        chancery::server::kept_in(dir.path()),
        Options::default(),
        move |l, b| committer.commit(l, b),
    );
    (Serving::start(service.router()), dir)
}

impl Writing {
    /// BANK's use of `license` for `item` in `case` under the consent, signed by `by`.
    fn use_by(
        &self,
        by: &chancery::Actor,
        license: &LicenseId,
        item: &str,
        case: &str,
    ) -> chancery::SignedStatement {
        self.w.sign(
            by,
            Event::UseRecorded(UseRecord {
                license: license.clone(),
                consent: self.consent,
                service_item: item.into(),
                case: case.into(),
                result: UseResult::Accepted,
            }),
        )
    }

    fn post_use(&self, statement: chancery::SignedStatement) -> Response {
        let request = UseRequest {
            disclosure: self.cred.disclose(&["name"], false).unwrap(),
            statement,
        };
        http::send(
            self.server.addr,
            "POST",
            "/v1/uses",
            "application/cbor",
            &request.to_canonical(),
        )
    }

    fn stored(&self) -> u64 {
        FileStore::open_read_only(self.dir.path()).unwrap().len()
    }
}

#[test]
fn given_a_relying_partys_signed_use_under_consent_when_posted_then_valid_and_recorded_durably() {
    let f = writing();
    let before = f.stored();

    let r = f.post_use(f.use_by(&f.bank, &f.s1, "LOAN", "LOAN-1"));

    assert_eq!(r.status, 200, "{}", r.text());
    let body = json(&r);
    assert_eq!(body["valid"], true, "{body}");
    assert_eq!(body["recorded"], true);
    assert_eq!(body["relying_party"], "BANK");
    assert_eq!(body["receipt"]["seq"], before);
    assert_eq!(f.stored(), before + 1);
}

#[test]
fn given_a_consents_last_use_spent_when_another_use_is_posted_then_invalid_and_nothing_recorded() {
    let f = writing();
    let first = f.post_use(f.use_by(&f.bank, &f.s1, "LOAN", "LOAN-1"));
    assert_eq!(json(&first)["recorded"], true);
    let before = f.stored();

    let second = json(&f.post_use(f.use_by(&f.bank, &f.s1, "LOAN", "LOAN-2")));

    assert_eq!(second["valid"], false, "{second}");
    assert_eq!(second["recorded"], false);
    assert_eq!(f.stored(), before);
}

#[test]
fn given_the_same_use_posted_twice_when_answered_then_the_second_spends_nothing_and_is_not_valid() {
    let f = writing();
    let statement = f.use_by(&f.bank, &f.s1, "LOAN", "LOAN-1");
    assert_eq!(json(&f.post_use(statement.clone()))["recorded"], true);
    let before = f.stored();

    let again = json(&f.post_use(statement));

    assert_eq!(again["valid"], false, "{again}");
    assert_eq!(f.stored(), before);
}

#[test]
fn given_a_recorded_use_whose_answer_was_lost_when_posted_again_then_its_receipt_is_returned() {
    let f = writing();
    let statement = f.use_by(&f.bank, &f.s1, "LOAN", "LOAN-1");
    let first = json(&f.post_use(statement.clone()));

    let again = json(&f.post_use(statement));

    assert_eq!(again["recorded"], true, "{again}");
    assert_eq!(again["resubmitted"], true);
    assert_eq!(again["receipt"]["seq"], first["receipt"]["seq"]);
}

#[test]
fn given_a_use_recording_a_refusal_when_posted_then_422_and_nothing_recorded() {
    let f = writing();
    let before = f.stored();
    let refusal = f.w.sign(
        &f.bank,
        Event::UseRecorded(UseRecord {
            license: f.s1.clone(),
            consent: f.consent,
            service_item: "LOAN".into(),
            case: "LOAN-1".into(),
            result: UseResult::Refused,
        }),
    );

    let r = f.post_use(refusal);

    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(f.stored(), before);
}

#[test]
fn given_a_version_that_is_not_on_the_ledger_when_its_facts_are_asked_then_404() {
    let f = fixture();
    let absent = LicenseId::new("T1", "AUTH1", "S1", 9).unwrap();

    let r = f.server.get(&format!("/v1/licenses/{absent}"));

    assert_eq!(r.status, 404, "{}", r.text());
}

#[test]
fn given_a_use_for_an_item_without_consent_when_posted_then_invalid_and_nothing_recorded() {
    let f = writing();
    let before = f.stored();

    let body = json(&f.post_use(f.use_by(&f.bank, &f.s1, "DEPOSIT", "D-1")));

    assert_eq!(body["valid"], false, "{body}");
    assert_eq!(body["recorded"], false);
    assert_eq!(f.stored(), before);
}

#[test]
fn given_a_use_signed_by_a_key_that_is_no_authoritys_when_posted_then_422_and_nothing_recorded() {
    let f = writing();
    let before = f.stored();

    let r = f.post_use(f.use_by(&actor(70), &f.s1, "LOAN", "LOAN-1"));

    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(json(&r)["error"], "NotAUse");
    assert_eq!(f.stored(), before);
}

#[test]
fn given_a_use_of_another_license_than_the_disclosed_when_posted_then_422() {
    let f = writing();
    let other = LicenseId::new("T1", "AUTH1", "S7", 1).unwrap();

    let r = f.post_use(f.use_by(&f.bank, &other, "LOAN", "LOAN-1"));

    assert_eq!(r.status, 422, "{}", r.text());
}

#[test]
fn given_a_read_only_service_when_a_use_is_posted_then_403() {
    let f = fixture();
    let w = writing();

    let request = UseRequest {
        disclosure: f.cred.disclose(&["name"], false).unwrap(),
        statement: w.use_by(&w.bank, &w.s1, "LOAN", "LOAN-1"),
    };
    let r = post(&f, "/v1/uses", "application/cbor", &request.to_canonical());

    assert_eq!(r.status, 403, "{}", r.text());
}

#[test]
fn given_bytes_that_are_not_a_use_request_when_posted_then_400() {
    let f = writing();

    let r = http::send(
        f.server.addr,
        "POST",
        "/v1/uses",
        "application/cbor",
        b"\x83\x01\x02",
    );

    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(json(&r)["error"], "NotAUseRequest");
}

/// Two consents cover the same use: a use naming the second is as good as one naming the
/// first (the rules take either).
#[test]
fn given_two_covering_consents_when_a_use_names_the_second_then_valid_and_recorded() {
    let (mut w, a) = W::standard(MemoryStore::new());
    let (s1, cred) = w.issue(&a, "AUTH1", "S1");
    let bank = w.unit("BANK", 22);
    let holder = actor(70);
    w.ok(
        &a,
        Event::HolderKeyBound {
            license: s1.clone(),
            key: holder.public_key(),
        },
    );
    w.ok(
        &holder,
        Event::UseAuthorized(w.consent(&s1, "BANK", "LOAN", 30, 1)),
    );
    let second = w.sign(
        &holder,
        Event::UseAuthorized(w.consent(&s1, "BANK", "LOAN", 60, 1)),
    );
    w.ledger.append(second.clone()).unwrap();
    let (server, _dir) = serve_writing(&w);
    let request = UseRequest {
        disclosure: cred.disclose(&["name"], false).unwrap(),
        statement: w.sign(
            &bank,
            Event::UseRecorded(UseRecord {
                license: s1,
                consent: second.id(),
                service_item: "LOAN".into(),
                case: "LOAN-1".into(),
                result: UseResult::Accepted,
            }),
        ),
    };

    let r = http::send(
        server.addr,
        "POST",
        "/v1/uses",
        "application/cbor",
        &request.to_canonical(),
    );

    let body = json(&r);
    assert_eq!(body["valid"], true, "{body}");
    assert_eq!(body["recorded"], true);
}
