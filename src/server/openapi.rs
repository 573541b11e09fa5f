//! The service's routes, in one table: the router is built from it and `/openapi.json` (an
//! OpenAPI 3.0 document) is written from it, so neither lists a route the other lacks.

use super::{MAX_BODY, MAX_DOCUMENT, MAX_PHOTO};
use serde_json::{json, Map, Value};

/// Where a parameter is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    /// A segment of the path.
    Path,
    /// The query string.
    Query,
}

/// One parameter of a route.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Its name.
    pub name: &'static str,
    /// Where it is given.
    pub at: In,
    /// Whether it must be given.
    pub required: bool,
    /// What it is.
    pub about: &'static str,
}

/// One route of the service.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The route as OpenAPI writes it (`/v1/licenses/{id}/status`).
    pub path: &'static str,
    /// What it answers (SPEC §25).
    pub summary: &'static str,
    /// The media types of its body, for a `POST`.
    pub body: &'static [&'static str],
    /// Its parameters.
    pub params: &'static [Param],
    /// The media type of its answer.
    pub answer: &'static str,
    /// The largest body it takes, in bytes (a longer one is answered `413`).
    pub max_body: usize,
}

const fn query(name: &'static str, required: bool, about: &'static str) -> Param {
    Param {
        name,
        at: In::Query,
        required,
        about,
    }
}

const fn path(name: &'static str, about: &'static str) -> Param {
    Param {
        name,
        at: In::Path,
        required: true,
        about,
    }
}

const TIME: &str = "milliseconds since 1970-01-01T00:00:00Z, or a civil time in the ledger's zone: YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS[.mmm]] optionally followed by Z or an offset ±HH:MM (a + percent-encoded as %2B); default now";

/// Every route of the service.
pub const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/checkpoint",
        summary: "The newest checkpoint kept (C2SP signed note).",
        body: &[],
        params: &[],
        answer: "text/plain",
        max_body: MAX_BODY,
    },
    Route {
        method: "GET",
        path: "/tile/{tile}",
        summary: "A C2SP tlog-tiles hash tile (<L>/<N>[.p/<W>]) or, if public, entry bundle (entries/<N>[.p/<W>]).",
        body: &[],
        params: &[path("tile", "the tile path after /tile/ (C2SP tlog-tiles; N as path elements x001/x234/067)")],
        answer: "application/octet-stream",
        max_body: MAX_BODY,
    },
    Route {
        method: "POST",
        path: "/v1/add",
        summary: "Submit one signed statement or a CBOR array of them; answered once durable with receipts and inclusion proofs to the checkpoint signed for the commit.",
        body: &["application/cbor"],
        params: &[],
        answer: "application/json",
        max_body: MAX_BODY,
    },
    Route {
        method: "GET",
        path: "/v1/licenses/{id}",
        summary: "A license's facts (type, issuer, every version with its validity and status) and its life events (suspensions, terminations); printed numbers only to a client with a certificate (mTLS).",
        body: &[],
        params: &[
            path("id", "the identifier of any of its versions (SPEC §6)"),
            query("at", false, TIME),
        ],
        answer: "application/json",
        max_body: MAX_BODY,
    },
    Route {
        method: "GET",
        path: "/v1/licenses/{id}/status",
        summary: "A license version's status at a time.",
        body: &[],
        params: &[
            path("id", "the license version's identifier (SPEC §6)"),
            query("at", false, TIME),
        ],
        answer: "application/json",
        max_body: MAX_BODY,
    },
    Route {
        method: "POST",
        path: "/v1/uses",
        summary: "A relying party checks a holder's disclosure and records its use under the holder's consent in one step: the body is [1, disclosure, the party's own signed UseRecorded] (CBOR); Valid only if the use was recorded, with its receipt.",
        body: &["application/cbor"],
        params: &[],
        answer: "application/json",
        max_body: MAX_BODY,
    },
    Route {
        method: "POST",
        path: "/v1/licenses/{id}/stamp",
        summary: "A current status stamp (SPEC §17) for a license version, signed with the operator key the service was given (--stamps); only to a client with a certificate (mTLS). The body is empty; the answer is the stamp's CBOR.",
        body: &[],
        params: &[
            path("id", "the license version's identifier (SPEC §6)"),
            query("hours", false, "hours until the stamp's next update, at most the service's limit (default that limit)"),
        ],
        answer: "application/cbor",
        max_body: MAX_BODY,
    },
    Route {
        method: "POST",
        path: "/v1/documents/{digest}/stamp",
        summary: "A sealing stamp (SPEC §17) for the sealing of a document recorded at an entry, signed as status stamps are; only to a client with a certificate (mTLS). The body is empty; the answer is the stamp's CBOR.",
        body: &[],
        params: &[
            path("digest", "the document's SHA-256, 64 hex digits"),
            query("seq", true, "the entry that records the sealing"),
            query("hours", false, "hours until the stamp's next update, at most the service's limit (default that limit)"),
        ],
        answer: "application/cbor",
        max_body: MAX_BODY,
    },
    Route {
        method: "GET",
        path: "/v1/seals/{es_id}/status",
        summary: "A seal's status at a time.",
        body: &[],
        params: &[path("es_id", "the seal's esID"), query("at", false, TIME)],
        answer: "application/json",
        max_body: MAX_BODY,
    },
    Route {
        method: "POST",
        path: "/v1/verify/document",
        summary: "Whether a document is validly sealed (by a unit's seals, or one seal), with every sealing's own verdict: the document as the body (hashed as it arrives), or its SHA-256 as digest with an empty body.",
        body: &["application/octet-stream", "application/pdf", "application/ofd"],
        params: &[
            query("digest", false, "the document's SHA-256, 64 hex digits, instead of the document"),
            query("unit", false, "only sealings by seals of this unit (its code)"),
            query("seal", false, "only sealings by this seal (esID)"),
            query("at", false, TIME),
        ],
        answer: "application/json",
        max_body: MAX_DOCUMENT,
    },
    Route {
        method: "POST",
        path: "/v1/verify/disclosure",
        summary: "Verify a holder's disclosure (its CBOR, SPEC §9) against the ledger; with relying_party and service_item, a consent of the holder must cover that use.",
        body: &["application/cbor"],
        params: &[
            query("relying_party", false, "the relying party's authority code (needs service_item)"),
            query("service_item", false, "the service item it checks the license for (needs relying_party)"),
            query("at", false, TIME),
        ],
        answer: "application/json",
        max_body: MAX_BODY,
    },
    Route {
        method: "GET",
        path: "/v1/proofs/inclusion",
        summary: "RFC 9162 inclusion proof of an entry.",
        body: &[],
        params: &[
            query("seq", true, "the entry's sequence number"),
            query("size", false, "the tree size; default the ledger's"),
        ],
        answer: "application/json",
        max_body: MAX_BODY,
    },
    Route {
        method: "GET",
        path: "/v1/proofs/consistency",
        summary: "RFC 9162 consistency proof between two tree sizes.",
        body: &[],
        params: &[
            query("old", true, "the older tree size"),
            query("new", false, "the newer tree size; default the ledger's"),
        ],
        answer: "application/json",
        max_body: MAX_BODY,
    },
    Route {
        method: "POST",
        path: "/v1/verify/presentation",
        summary: "Verify a presentation (full CBOR, or the compact text CH1:…) against the service's trust lists.",
        body: &["application/cbor", "text/plain"],
        params: &[
            query("audience", false, "this verifier's audience code: requires a holder signature for it"),
            query("nonce", false, "this verifier's nonce (needs audience)"),
            query("at", false, TIME),
        ],
        answer: "application/json",
        max_body: MAX_BODY,
    },
    Route {
        method: "GET",
        path: "/",
        summary: "The verification web page: a form for the compact text CH1:… (a scanner in keyboard mode types it).",
        body: &[],
        params: &[],
        answer: "text/html",
        max_body: MAX_BODY,
    },
    Route {
        method: "POST",
        path: "/verify",
        summary: "The web page's verdict, in Chinese and English, of the form's text (fields text, audience).",
        body: &["application/x-www-form-urlencoded"],
        params: &[],
        answer: "text/html",
        max_body: MAX_BODY,
    },
    Route {
        method: "POST",
        path: "/verify/photo",
        summary: "The web page's verdict, in Chinese and English, of the presentation in the QR code of an uploaded photo (a multipart form: photo, PNG or JPEG; audience).",
        body: &["multipart/form-data"],
        params: &[],
        answer: "text/html",
        max_body: MAX_PHOTO,
    },
    Route {
        method: "GET",
        path: "/healthz",
        summary: "Whether the ledger is served and, when taking submissions, the last commit succeeded.",
        body: &[],
        params: &[],
        answer: "text/plain",
        max_body: MAX_BODY,
    },
    Route {
        method: "GET",
        path: "/metrics",
        summary: "Counters in the Prometheus text format 0.0.4.",
        body: &[],
        params: &[],
        answer: "text/plain",
        max_body: MAX_BODY,
    },
    Route {
        method: "GET",
        path: "/openapi.json",
        summary: "This document.",
        body: &[],
        params: &[],
        answer: "application/json",
        max_body: MAX_BODY,
    },
];

/// The OpenAPI 3.0 document of [`ROUTES`].
pub fn document() -> Value {
    let mut paths = Map::new();
    for r in ROUTES {
        let params: Vec<Value> = r
            .params
            .iter()
            .map(|p| {
                json!({
                    "name": p.name,
                    "in": if p.at == In::Path { "path" } else { "query" },
                    "required": p.required,
                    "description": p.about,
                    "schema": { "type": "string" },
                })
            })
            .collect();
        let mut op = json!({
            "summary": r.summary,
            "parameters": params,
            "responses": {
                "200": { "description": "the answer", "content": { r.answer: {} } },
                "default": { "description": "an error (SPEC §25)" },
            },
        });
        if !r.body.is_empty() {
            let content: Map<String, Value> = r
                .body
                .iter()
                .map(|m| ((*m).to_owned(), json!({})))
                .collect();
            // A document may be given by its digest instead (an empty body).
            let required = r.path != "/v1/verify/document";
            op["requestBody"] = json!({
                "required": required,
                "content": content,
                "x-max-body-bytes": r.max_body,
            });
        }
        let entry = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        entry[r.method.to_ascii_lowercase()] = op;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Chancery ledger service",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A tamper-evident ledger of e-licenses and e-seals (SPEC §25).",
        },
        "paths": paths,
    })
}
