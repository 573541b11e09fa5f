//! The JSON verification API (SPEC §25): a license's status at a time, inclusion and
//! consistency proofs, and the verification of a presentation against the service's trust
//! lists. Each answer is what the library's own call returns, rendered as JSON; times are
//! milliseconds since the epoch, with the ledger's civil time beside them for people.

use super::{b64, json_error, json_response, path_b64, Service};
use crate::present::{examine, Binding, ExamineError, Examined, HolderCheck};
use crate::privacy::Disclosure;
use crate::state::{LifeEvent, Provenance};
use crate::storage::Store;
use crate::verify::SealFilter;
use crate::{Canonical, Digest32, DocumentReport, LicenseId, Timestamp, UtcOffset};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// A query parameter that is not what its route takes.
fn bad(name: &str, why: &str) -> Response {
    json_error(
        StatusCode::BAD_REQUEST,
        "BadParameter",
        &format!("{name}: {why}"),
    )
}

/// A time parameter: milliseconds since the epoch, or a civil time (`YYYY-MM-DD` or
/// `YYYY-MM-DDTHH:MM[:SS]`) in the ledger's zone.
fn time_param(value: &str, zone: UtcOffset) -> Option<Timestamp> {
    match value.parse::<u64>() {
        Ok(ms) => Some(Timestamp(ms)),
        Err(_) => zone.parse(value),
    }
}

/// A count parameter: a decimal integer; `Err` names a parameter that is not one.
fn count_param<'a>(
    params: &HashMap<String, String>,
    name: &'a str,
) -> Result<Option<u64>, &'a str> {
    params
        .get(name)
        .map(|v| v.parse().map_err(|_| name))
        .transpose()
}

/// A parameter `at` that is not a time.
fn bad_at() -> Response {
    bad("at", "not milliseconds or a civil time")
}

/// An answer about a person's license or document: no cache keeps it.
fn private(mut r: Response) -> Response {
    r.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    r
}

/// A time as the API writes it: the milliseconds, and the ledger's civil time.
fn time_json(t: Timestamp, zone: UtcOffset) -> Value {
    json!({ "ms": t.millis(), "civil": zone.format(t) })
}

/// Runs `work` with the ledger on the blocking pool; its answer is the response.
async fn with_ledger<S: Store + Send + 'static>(
    service: Arc<Service<S>>,
    work: impl FnOnce(&crate::Ledger<S>) -> Response + Send + 'static,
) -> Response {
    with_service(service, |_, ledger| work(ledger)).await
}

/// Runs `work` with the ledger on the blocking pool, at the reference time of the query's
/// `at` (default the ledger's present; `400` if it is not a time) and with the ledger's civil
/// time zone.
async fn with_ledger_at<S: Store + Send + 'static>(
    service: Arc<Service<S>>,
    params: HashMap<String, String>,
    work: impl FnOnce(&crate::Ledger<S>, Timestamp, UtcOffset) -> Response + Send + 'static,
) -> Response {
    with_ledger(service, move |ledger| {
        let zone = ledger.state().policy().utc_offset;
        let at = match params.get("at") {
            None => Some(ledger.now()),
            Some(v) => time_param(v, zone),
        };
        match at {
            Some(at) => work(ledger, at, zone),
            None => bad_at(),
        }
    })
    .await
}

/// Runs `work` with the service and its ledger on the blocking pool.
async fn with_service<S: Store + Send + 'static>(
    service: Arc<Service<S>>,
    work: impl FnOnce(&Service<S>, &crate::Ledger<S>) -> Response + Send + 'static,
) -> Response {
    tokio::task::spawn_blocking(move || match service.ledger() {
        Ok(ledger) => work(&service, &ledger),
        Err(e) => json_error(e.status(), "Unavailable", &e),
    })
    .await
    .unwrap_or_else(|e| json_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal", &e))
}

/// `GET /v1/licenses/{id}/status[?at=T]`: the version's status at `T` (default now).
pub(super) async fn status<S: Store + Send + 'static>(
    State(service): State<Arc<Service<S>>>,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Ok(license) = id.parse::<LicenseId>() else {
        return bad("license", "not a license identifier (SPEC §6)");
    };
    with_ledger_at(service, params, move |ledger, at, zone| {
        let status = ledger.status(&license, at);
        json_response(
            StatusCode::OK,
            &json!({
                "license": license.to_string(),
                "at": time_json(at, zone),
                "status": status.name(),
                "valid": status.is_valid(),
                "detail": status.to_string(),
                "ledger_size": ledger.len(),
            }),
        )
    })
    .await
}

/// Where and when an entry was recorded.
fn recorded_json(p: &Provenance, zone: UtcOffset) -> Value {
    json!({ "seq": p.seq, "ledger_time": time_json(p.ledger_time, zone) })
}

/// `GET /v1/licenses/{id}[?at=T]`: the facts of the license version `id` belongs to and its
/// life events, each version's status at `T` (default now). The printed numbers, which name
/// a person's document, only to a client with a certificate (mTLS), as the entries are.
pub(super) async fn license<S: Store + Send + 'static>(
    State(service): State<Arc<Service<S>>>,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    extensions: axum::http::Extensions,
) -> Response {
    let Ok(license) = id.parse::<LicenseId>() else {
        return bad("license", "not a license identifier (SPEC §6)");
    };
    let certified = super::certified(&extensions);
    with_ledger_at(service, params, move |ledger, at, zone| {
        let Some(facts) = ledger.license_facts(&license, at) else {
            return json_error(
                StatusCode::NOT_FOUND,
                "NoSuchLicense",
                &format_args!("license {license} is not on the ledger"),
            );
        };
        let versions: Vec<Value> = facts
            .versions
            .iter()
            .map(|v| {
                let mut version = json!({
                    "id": v.id.to_string(),
                    "version": v.id.version(),
                    "recorded": recorded_json(&v.recorded, zone),
                    "valid_from": time_json(v.valid_from, zone),
                    "valid_until": v.valid_until.map(|t| time_json(t, zone)),
                    "status": v.status.name(),
                    "valid": v.status.is_valid(),
                    "detail": v.status.to_string(),
                });
                if certified {
                    version["printed_number"] = json!(v.printed_number);
                }
                version
            })
            .collect();
        let events: Vec<Value> = facts
            .events
            .iter()
            .map(|e| match e {
                LifeEvent::Suspended { recorded, lifted } => json!({
                    "event": e.name(),
                    "recorded": recorded_json(recorded, zone),
                    "lifted": lifted.as_ref().map(|l| recorded_json(l, zone)),
                }),
                LifeEvent::Terminated {
                    recorded,
                    effective,
                    ..
                } => json!({
                    "event": e.name(),
                    "recorded": recorded_json(recorded, zone),
                    "effective": time_json(*effective, zone),
                }),
            })
            .collect();
        private(json_response(
            StatusCode::OK,
            &json!({
                "license": facts.lineage,
                "type": facts.type_code,
                "type_name": facts.type_name,
                "issuer": facts.issuer,
                "at": time_json(at, zone),
                "status": facts.status.name(),
                "valid": facts.status.is_valid(),
                "versions": versions,
                "events": events,
                "ledger_size": ledger.len(),
            }),
        ))
    })
    .await
}

/// `GET /v1/seals/{es_id}/status[?at=T]`: a seal's status at `T` (default now).
pub(super) async fn seal_status<S: Store + Send + 'static>(
    State(service): State<Arc<Service<S>>>,
    Path(es_id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    with_ledger_at(service, params, move |ledger, at, zone| {
        let status = ledger.seal_status(&es_id, at);
        json_response(
            StatusCode::OK,
            &json!({
                "seal": es_id,
                "at": time_json(at, zone),
                "status": status.name(),
                "valid": status == crate::SealStatus::Active,
                "detail": status.to_string(),
                "ledger_size": ledger.len(),
            }),
        )
    })
    .await
}

/// `POST /v1/verify/document[?digest=HEX][&unit=U][&seal=ES][&at=T]`: whether a document is
/// validly sealed (by a unit's seals, or one seal), with every sealing's own verdict. The
/// document is the body (hashed as it arrives, never held whole), or its SHA-256 is `digest`
/// with an empty body.
pub(super) async fn verify_document<S: Store + Send + 'static>(
    State(service): State<Arc<Service<S>>>,
    Query(params): Query<HashMap<String, String>>,
    body: axum::body::Body,
) -> Response {
    use http_body_util::BodyExt;
    use sha2::Digest;
    let given = match params.get("digest") {
        None => None,
        Some(hex) => match Digest32::from_hex(hex) {
            Some(d) => Some(d),
            None => return bad("digest", "not 64 hex digits"),
        },
    };
    let mut hasher = sha2::Sha256::new();
    let mut read = 0usize;
    let mut body = body;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Some(data) = frame.data_ref() {
                    hasher.update(data);
                    read += data.len();
                }
            }
            Err(e) => return body_error(&e),
        }
    }
    let document = match (given, read) {
        (Some(d), 0) => d,
        (Some(_), _) => return bad("digest", "given with a document: send one or the other"),
        (None, _) => Digest32(hasher.finalize().into()),
    };
    let asked = SealFilter {
        owner: params.get("unit").cloned(),
        es_id: params.get("seal").cloned(),
    };
    with_ledger_at(service, params, move |ledger, at, zone| {
        let report = ledger.verify_document_digest_by(&document, &asked, at);
        private(json_response(
            StatusCode::OK,
            &document_json(&report, at, zone),
        ))
    })
    .await
}

/// A body that could not be read: over its route's limit (`413`), or cut off (`400`).
fn body_error(e: &axum::Error) -> Response {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return json_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "TooLarge",
                &"the body is over this route's limit (see /openapi.json)",
            );
        }
        source = err.source();
    }
    json_error(StatusCode::BAD_REQUEST, "BadBody", &e)
}

/// A sealed document's verification, as JSON.
fn document_json(report: &DocumentReport, at: Timestamp, zone: UtcOffset) -> Value {
    let sealings: Vec<Value> = report
        .sealings
        .iter()
        .map(|s| {
            json!({
                "es_id": s.es_id,
                "owner": s.owner,
                "seal_name": s.seal_name,
                "seal_type": s.seal_type,
                "sealed_at": time_json(s.sealed_at, zone),
                "seq": s.seq,
                "case": s.case,
                "operator": s.operator,
                "automatic": s.automatic.as_ref().map(|a| json!({
                    "policy": a.policy,
                    "legal_basis": a.legal_basis,
                    "case": a.case,
                    "deadline": time_json(a.deadline, zone),
                    "service_item": a.service_item,
                    "engine_key_id": a.engine.to_string(),
                })),
                "valid": s.verdict.is_valid(),
                "verdict": s.verdict.to_string(),
            })
        })
        .collect();
    json!({
        "document": report.document.to_hex(),
        "at": time_json(at, zone),
        "valid": report.verdict.is_valid(),
        "verdict": report.verdict.to_string(),
        "unit_asked": report.asked.owner,
        "seal_asked": report.asked.es_id,
        "sealings": sealings,
    })
}

/// `POST /v1/verify/disclosure[?at=T][&relying_party=P&service_item=I]`: a holder's
/// disclosure (its CBOR, SPEC §9) verified against the ledger at `T` (default now); with a
/// relying party and a service item, a consent of the holder must also cover that use.
pub(super) async fn verify_disclosure<S: Store + Send + 'static>(
    State(service): State<Arc<Service<S>>>,
    Query(params): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let disclosure = match Disclosure::from_canonical(&body) {
        Ok(d) => d,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, "NotADisclosure", &e),
    };
    let party = match (params.get("relying_party"), params.get("service_item")) {
        (Some(p), Some(i)) => Some((p.clone(), i.clone())),
        (None, None) => None,
        (Some(_), None) => return bad("relying_party", "requires a service_item"),
        (None, Some(_)) => return bad("service_item", "requires a relying_party"),
    };
    with_ledger_at(service, params, move |ledger, at, zone| {
        let verdict = match &party {
            Some((p, i)) => ledger.verify_for_relying_party(&disclosure, p, i, at),
            None => ledger.verify_disclosure(&disclosure, at),
        };
        private(json_response(
            StatusCode::OK,
            &json!({
                "license": disclosure.license.to_string(),
                "at": time_json(at, zone),
                "valid": verdict.is_valid(),
                "verdict": verdict.to_string(),
                "holder_disclosed": disclosure.holder.is_some(),
                "relying_party": party.as_ref().map(|(p, _)| p),
                "service_item": party.as_ref().map(|(_, i)| i),
                "claims": disclosure
                    .claims
                    .iter()
                    .map(|c| json!({ "name": c.name, "value": c.value }))
                    .collect::<Vec<_>>(),
            }),
        ))
    })
    .await
}

/// The newest checkpoint the service serves, as the checkpoint log a stamp is checked
/// against (the ledger must hold it): read only.
struct Served<'a>(&'a super::LatestCheckpoint);

impl crate::storage::CheckpointLog for Served<'_> {
    fn last_checkpoint(&self) -> Result<Option<String>, crate::StorageError> {
        (self.0)()
    }

    fn checkpoints(&self) -> Result<Vec<String>, crate::StorageError> {
        Ok(self.last_checkpoint()?.into_iter().collect())
    }

    fn keep_checkpoint(&mut self, _: &str, _: Option<&str>) -> Result<(), crate::StorageError> {
        Err(crate::StorageError::ReadOnly)
    }
}

/// What a stamp is signed with and for how long, if the service issues stamps to this
/// client: refused `403` if it issues none, or the client has no certificate (mTLS), `400` for
/// `hours` that is not a whole number from 1 to the service's limit.
fn stamping<S: Store>(
    service: &Service<S>,
    params: &HashMap<String, String>,
    extensions: &axum::http::Extensions,
) -> Result<(Arc<crate::SecretKey>, u64), Box<Response>> {
    let Some(stamps) = &service.options.stamps else {
        return Err(Box::new(json_error(
            StatusCode::FORBIDDEN,
            "NoStamps",
            &"this service issues stamps only when started with --stamps",
        )));
    };
    if !super::certified(extensions) {
        return Err(Box::new(json_error(
            StatusCode::FORBIDDEN,
            "CertificateRequired",
            &"stamps are issued only to a client with a certificate of the service's client CA (mTLS)",
        )));
    }
    let hours = match count_param(params, "hours") {
        Ok(None) if stamps.max_hours > 0 => stamps.max_hours,
        Ok(Some(h)) if (1..=stamps.max_hours).contains(&h) => h,
        _ => {
            return Err(Box::new(bad(
                "hours",
                &format!("a whole number from 1 to {}", stamps.max_hours),
            )))
        }
    };
    Ok((Arc::clone(&stamps.key), hours))
}

/// Whether the newest checkpoint the service serves covers the whole ledger: a stamp signs the
/// ledger's size and root, which a presentation must find in its checkpoint, so none is
/// signed for a tree no kept checkpoint names (after a commit whose checkpoint could not be
/// kept, say).
fn covered<S: Store>(service: &Service<S>, ledger: &crate::Ledger<S>) -> Option<Response> {
    let kept = (service.checkpoint)()
        .ok()
        .flatten()
        .and_then(|note| ledger.check_kept_checkpoint(note.as_bytes()).ok());
    match kept {
        Some(c) if c.size == ledger.len() => None,
        _ => Some(json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "CannotStamp",
            &format_args!(
                "no checkpoint kept covers the ledger's {} entries yet: try again after the                  next commit",
                ledger.len()
            ),
        )),
    }
}

/// A stamp issued, as its CBOR; or why none was.
fn stamp_response<C: crate::stamp::StampClaim>(
    issued: Result<crate::stamp::Stamp<C>, crate::stamp::IssueStampError>,
) -> Response {
    use crate::stamp::IssueStampError as E;
    match issued {
        Ok(stamp) => private(
            (
                [(axum::http::header::CONTENT_TYPE, "application/cbor")],
                stamp.to_canonical(),
            )
                .into_response(),
        ),
        Err(e @ (E::UnknownLicense(_) | E::UnknownSealing { .. })) => {
            json_error(StatusCode::NOT_FOUND, "NotOnTheLedger", &e)
        }
        Err(e) => json_error(StatusCode::SERVICE_UNAVAILABLE, "CannotStamp", &e),
    }
}

/// `POST /v1/licenses/{id}/stamp[?hours=H]`: a current status stamp (SPEC §17) for `id`, at
/// the ledger's present, valid `H` hours (default the service's limit).
pub(super) async fn license_stamp<S: Store + Send + 'static>(
    State(service): State<Arc<Service<S>>>,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    extensions: axum::http::Extensions,
) -> Response {
    let (key, hours) = match stamping(&service, &params, &extensions) {
        Ok(s) => s,
        Err(refused) => return *refused,
    };
    let Ok(license) = id.parse::<LicenseId>() else {
        return bad("license", "not a license identifier (SPEC §6)");
    };
    with_service(service, move |service, ledger| {
        if let Some(refused) = covered(service, ledger) {
            return refused;
        }
        let now = ledger.now();
        let until = now.plus_millis(hours.saturating_mul(3_600_000));
        stamp_response(ledger.stamp(&license, now, until, &key, &Served(&*service.checkpoint)))
    })
    .await
}

/// `POST /v1/documents/{digest}/stamp?seq=N[&hours=H]`: a sealing stamp (SPEC §17) for the
/// sealing of the document with SHA-256 `digest` recorded at entry `N`.
pub(super) async fn sealing_stamp<S: Store + Send + 'static>(
    State(service): State<Arc<Service<S>>>,
    Path(digest): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    extensions: axum::http::Extensions,
) -> Response {
    let (key, hours) = match stamping(&service, &params, &extensions) {
        Ok(s) => s,
        Err(refused) => return *refused,
    };
    let Some(document) = Digest32::from_hex(&digest) else {
        return bad("digest", "not 64 hex digits");
    };
    let seq = match count_param(&params, "seq") {
        Ok(Some(seq)) => seq,
        Ok(None) => return bad("seq", "required"),
        Err(name) => return bad(name, "not a whole number"),
    };
    with_service(service, move |service, ledger| {
        if let Some(refused) = covered(service, ledger) {
            return refused;
        }
        let now = ledger.now();
        let until = now.plus_millis(hours.saturating_mul(3_600_000));
        stamp_response(ledger.stamp_sealing(
            &document,
            seq,
            now,
            until,
            &key,
            &Served(&*service.checkpoint),
        ))
    })
    .await
}

/// The body of `POST /v1/uses`: a holder's disclosure and the relying party's own signed
/// `UseRecorded` of it, encoded `[1, disclosure, signed statement]` (SPEC §25).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseRequest {
    /// What the holder disclosed to the relying party.
    pub disclosure: Disclosure,
    /// The relying party's `UseRecorded`, signed with its own key.
    pub statement: crate::SignedStatement,
}

impl Canonical for UseRequest {
    fn encode(&self, e: &mut crate::encoding::Encoder) {
        e.array(3);
        e.uint(1);
        self.disclosure.encode(e);
        self.statement.encode(e);
    }

    fn decode(d: &mut crate::encoding::Decoder<'_>) -> Result<Self, crate::DecodeError> {
        d.versioned("use request", 1, 3, &[])?;
        Ok(Self {
            disclosure: Disclosure::decode(d)?,
            statement: crate::SignedStatement::decode(d)?,
        })
    }
}

/// `POST /v1/uses`: a relying party checks a holder's disclosure and records its use under the
/// holder's consent in one step (`Ledger::verify_signed_use`, then the use committed as
/// `/v1/add` commits): `Valid` only if the use was recorded, its receipt beside it.
pub(super) async fn record_use<S: Store + Send + 'static>(
    State(service): State<Arc<Service<S>>>,
    body: Bytes,
) -> Response {
    let request = match UseRequest::from_canonical(&body) {
        Ok(r) => r,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, "NotAUseRequest", &e),
    };
    if service.writer.is_none() {
        return json_error(
            StatusCode::FORBIDDEN,
            "NotAccepting",
            &super::AddError::NotAccepting,
        );
    }
    let checked = {
        let service = Arc::clone(&service);
        let request = request.clone();
        tokio::task::spawn_blocking(move || {
            service.ledger().map(|ledger| {
                let zone = ledger.state().policy().utc_offset;
                // A use already recorded (its answer lost, say) is not verified again: its
                // consent may have no use left now because of it. It is committed again below,
                // which returns its receipt.
                let recorded = ledger.state().receipt_of(&request.statement.id()).is_some();
                let checked = ledger.verify_signed_use(&request.disclosure, &request.statement);
                (checked, recorded, ledger.now(), zone)
            })
        })
        .await
    };
    let (checked, recorded, at, zone) = match checked {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return json_error(e.status(), "Unavailable", &e),
        Err(e) => return json_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal", &e),
    };
    let checked = match checked {
        Ok(c) => c,
        Err(e) => return json_error(StatusCode::UNPROCESSABLE_ENTITY, "NotAUse", &e),
    };
    let answer = |verdict: &str, valid: bool, receipt: Option<Value>, resubmitted: bool| {
        private(json_response(
            StatusCode::OK,
            &json!({
                "license": request.disclosure.license.to_string(),
                "relying_party": checked.party,
                "at": time_json(at, zone),
                "valid": valid,
                "verdict": verdict,
                "recorded": receipt.is_some(),
                "resubmitted": resubmitted,
                "receipt": receipt,
            }),
        ))
    };
    if !checked.verdict.is_valid() && !recorded {
        return answer(&checked.verdict.to_string(), false, None, false);
    }
    let submission = super::Submission::One(Box::new(request.statement.clone()));
    let added = match service.add(submission).await {
        Ok(added) => added,
        Err(e) => return super::add_error(e),
    };
    let no_use = crate::Verdict::Invalid(crate::InvalidReason::NoConsent).to_string();
    match added.outcomes.into_iter().next() {
        // The same use recorded before: its receipt, though no use is spent now (not Valid).
        Some(super::Outcome::Recorded(proven)) if proven.receipt.resubmission.is_some() => {
            let verdict = format!(
                "recorded before, at entry {}: no use is spent now",
                proven.receipt.seq
            );
            answer(&verdict, false, Some(super::receipt_json(&proven)), true)
        }
        Some(super::Outcome::Recorded(proven)) => answer(
            &checked.verdict.to_string(),
            true,
            Some(super::receipt_json(&proven)),
            false,
        ),
        // Another relying party spent the last use first, or the consent ended meanwhile.
        Some(super::Outcome::Refused(r))
            if r.rule == "ConsentNotInForce" || r.rule == "UnknownConsent" =>
        {
            answer(&no_use, false, None, false)
        }
        // The license stopped being valid before the use's commit (a suspension in the same
        // batch, say).
        Some(super::Outcome::Refused(r)) if r.rule == "AcceptedWhileNotValid" => {
            answer(&r.message, false, None, false)
        }
        Some(super::Outcome::Refused(r)) => {
            json_response(StatusCode::UNPROCESSABLE_ENTITY, &super::refusal_json(&r))
        }
        None => json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal",
            &"the submission had no outcome",
        ),
    }
}

/// `GET /v1/proofs/inclusion?seq=N[&size=M]`: RFC 9162 inclusion proof of entry `N` in the
/// tree of `M` entries (default the ledger's size).
pub(super) async fn inclusion<S: Store + Send + 'static>(
    State(service): State<Arc<Service<S>>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let (seq, size) = match (count_param(&params, "seq"), count_param(&params, "size")) {
        (Ok(Some(seq)), Ok(size)) => (seq, size),
        (Ok(None), _) => return bad("seq", "required"),
        (Err(name), _) | (_, Err(name)) => return bad(name, "not a whole number"),
    };
    with_ledger(service, move |ledger| {
        let size = size.unwrap_or_else(|| ledger.len());
        let proof = ledger
            .prove_inclusion(seq, size)
            .and_then(|p| Ok((p, ledger.root(size)?)));
        match proof {
            Ok((proof, root)) => json_response(
                StatusCode::OK,
                &json!({
                    "leaf_index": proof.index,
                    "tree_size": proof.tree_size,
                    "root": b64(&root),
                    "hashes": path_b64(&proof.path),
                }),
            ),
            Err(e) => json_error(StatusCode::NOT_FOUND, "NoProof", &e),
        }
    })
    .await
}

/// `GET /v1/proofs/consistency?old=N[&new=M]`: RFC 9162 consistency proof between the trees
/// of `N` and `M` entries (default the ledger's size).
pub(super) async fn consistency<S: Store + Send + 'static>(
    State(service): State<Arc<Service<S>>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let (old, new) = match (count_param(&params, "old"), count_param(&params, "new")) {
        (Ok(Some(old)), Ok(new)) => (old, new),
        (Ok(None), _) => return bad("old", "required"),
        (Err(name), _) | (_, Err(name)) => return bad(name, "not a whole number"),
    };
    with_ledger(service, move |ledger| {
        let new = new.unwrap_or_else(|| ledger.len());
        let proof = ledger
            .prove_consistency(old, new)
            .and_then(|p| Ok((p, ledger.root(old)?, ledger.root(new)?)));
        match proof {
            Ok((proof, old_root, new_root)) => json_response(
                StatusCode::OK,
                &json!({
                    "old_size": proof.old_size,
                    "new_size": proof.new_size,
                    "old_root": b64(&old_root),
                    "new_root": b64(&new_root),
                    "hashes": path_b64(&proof.path),
                }),
            ),
            Err(e) => json_error(StatusCode::NOT_FOUND, "NoProof", &e),
        }
    })
    .await
}

/// `POST /v1/verify/presentation[?audience=A[&nonce=N]][&at=T]`: a presentation (the full
/// form's CBOR, or the compact form's text `CH1:…`) verified against the service's trust lists.
pub(super) async fn verify_presentation<S: Store + Send + 'static>(
    State(service): State<Arc<Service<S>>>,
    Query(params): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let Some(trust) = service.options.trust.clone() else {
        return json_error(
            StatusCode::FORBIDDEN,
            "NoTrustList",
            &"this service verifies presentations only when started with trust lists",
        );
    };
    let asked = HolderCheck {
        audience: params.get("audience").cloned(),
        nonce: params.get("nonce").cloned(),
    };
    if asked.nonce.is_some() && asked.audience.is_none() {
        return bad("nonce", "requires an audience");
    }
    let zone = service.zone;
    let at = match params.get("at") {
        None => None,
        Some(v) => match time_param(v, zone) {
            Some(t) => Some(t),
            None => return bad_at(),
        },
    };
    // On the blocking pool: the service's present is read under the ledger's lock, which a
    // commit holds across its fsyncs, and an image is searched for its QR code.
    let examined = tokio::task::spawn_blocking(move || {
        let presented = crate::present::qr_read::presented(&body)?;
        let at = at.unwrap_or_else(|| service.now());
        Ok::<_, crate::present::qr_read::ReadQrError>(
            examine(&presented, &trust, at, &asked).map(|e| (e, at)),
        )
    })
    .await;
    let examined = match examined {
        Ok(Ok(examined)) => Ok(examined),
        Ok(Err(e)) => return json_error(StatusCode::BAD_REQUEST, "NoQrCode", &e),
        Err(e) => Err(e),
    };
    match examined {
        Ok(Ok((examined, at))) => {
            // What a presentation disclosed is personal data: no cache keeps it.
            private(json_response(
                StatusCode::OK,
                &examined_json(&examined, at, zone),
            ))
        }
        Ok(Err(e @ ExamineError::NotAPresentation)) => {
            json_error(StatusCode::BAD_REQUEST, "NotAPresentation", &e)
        }
        Ok(Err(e)) => json_error(StatusCode::BAD_REQUEST, "Malformed", &e),
        Err(e) => json_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal", &e),
    }
}

/// What a relying party reads of a verified presentation, as JSON.
pub(super) fn examined_json(e: &Examined, at: Timestamp, zone: UtcOffset) -> Value {
    let v = e.version.as_ref();
    let verdict = &e.verification.verdict;
    let (bound, audience) = match &e.verification.binding {
        Binding::Bound { audience } => (true, Some(audience.clone())),
        Binding::Unchecked { audience } => (false, Some(audience.clone())),
        Binding::Unbound => (false, None),
    };
    json!({
        "form": e.form.name(),
        "at": time_json(at, zone),
        "valid": verdict.is_valid(),
        "verdict": verdict.to_string(),
        "license": v.map(|v| v.id.to_string()),
        "type": v.map(|v| v.id.type_code().to_owned()),
        "issuer": v.map(|v| v.id.issuer().to_owned()),
        "version": v.map(|v| v.id.version()),
        "printed_number": v.map(|v| v.printed_number.clone()),
        "valid_from": v.map(|v| time_json(v.valid_from, zone)),
        "valid_until": v.and_then(|v| v.valid_until.map(|t| time_json(t, zone))),
        "holder": e.holder,
        "holder_bound": bound,
        "signed_for": audience,
        "claims": e
            .claims
            .iter()
            .map(|(n, v)| json!({ "name": n, "value": v }))
            .collect::<Vec<_>>(),
    })
}
