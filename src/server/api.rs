//! The JSON verification API (SPEC §25): a license's status at a time, inclusion and
//! consistency proofs, and the verification of a presentation against the service's trust
//! lists. Each answer is what the library's own call returns, rendered as JSON; times are
//! milliseconds since the epoch, with the ledger's civil time beside them for people.

use super::{b64, json_error, json_response, path_b64, Service};
use crate::present::{examine, Binding, ExamineError, Examined, HolderCheck};
use crate::storage::Store;
use crate::{LicenseId, Timestamp, UtcOffset};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
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

/// A time as the API writes it: the milliseconds, and the ledger's civil time.
fn time_json(t: Timestamp, zone: UtcOffset) -> Value {
    json!({ "ms": t.millis(), "civil": zone.format(t) })
}

/// Runs `work` with the ledger on the blocking pool; its answer is the response.
async fn with_ledger<S: Store + Send + 'static>(
    service: Arc<Service<S>>,
    work: impl FnOnce(&crate::Ledger<S>) -> Response + Send + 'static,
) -> Response {
    tokio::task::spawn_blocking(move || match service.ledger() {
        Ok(ledger) => work(&ledger),
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
    with_ledger(service, move |ledger| {
        let zone = ledger.state().policy().utc_offset;
        let at = match params.get("at") {
            None => ledger.now(),
            Some(v) => match time_param(v, zone) {
                Some(t) => t,
                None => return bad("at", "not milliseconds or a civil time"),
            },
        };
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
            None => return bad("at", "not milliseconds or a civil time"),
        },
    };
    // On the blocking pool: the service's present is read under the ledger's lock, which a
    // commit holds across its fsyncs.
    let examined = tokio::task::spawn_blocking(move || {
        let at = at.unwrap_or_else(|| service.now());
        examine(&body, &trust, at, &asked).map(|e| (e, at))
    })
    .await;
    match examined {
        Ok(Ok((examined, at))) => {
            // What a presentation disclosed is personal data: no cache keeps it.
            let mut r = json_response(StatusCode::OK, &examined_json(&examined, at, zone));
            r.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            r
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
