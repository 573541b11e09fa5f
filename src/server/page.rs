//! The verification web page (SPEC §25) for the counter clerk and the bank: a form at `/` that
//! takes the compact text `CH1:…` (what a handheld scanner in keyboard mode types) and answers,
//! at `/verify`, the verdict in Chinese and English with the disclosed claims, the issuer and
//! the validity, and why when it is not valid. Plain HTML served by the service itself: no
//! script, no external style, font or image, so it works on a locked-down counter terminal.

use super::Service;
use crate::present::{examine, Binding, Examined, HolderCheck};
use crate::storage::Store;
use crate::{UtcOffset, Verdict};
use axum::extract::{Form, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

/// The page's style: system fonts only.
const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;\
padding:0 1rem;line-height:1.5}textarea{width:100%;font-family:monospace}\
.valid{color:#0a6b2d}.invalid{color:#a4161a}.indeterminate{color:#8a5a00}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}";

/// Escapes text for HTML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn html(status: StatusCode, body: &str) -> Response {
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>电子证照核验 License verification</title><style>{STYLE}</style></head>\
         <body>{body}</body></html>\n"
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // The page carries what a presentation disclosed: never cached, never framed.
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
            ),
        ],
        page,
    )
        .into_response()
}

/// The form, with `text` in it.
fn form(text: &str) -> String {
    format!(
        "<h1>电子证照核验<br><small>License verification</small></h1>\
         <form method=\"post\" action=\"/verify\">\
         <p><label for=\"text\">扫描或粘贴亮证码 (CH1:…) · Scan or paste the code</label></p>\
         <textarea id=\"text\" name=\"text\" rows=\"6\" autofocus required>{}</textarea>\
         <p><label for=\"audience\">核验方代码 · Your verifier code (optional)</label>\
         <input id=\"audience\" name=\"audience\"></p>\
         <p><button type=\"submit\">核验 Verify</button></p></form>\
         <form method=\"post\" action=\"/verify/photo\" enctype=\"multipart/form-data\">\
         <p><label for=\"photo\">或上传亮证码照片 · Or upload a photo of the QR code (PNG, JPEG)</label></p>\
         <p><input type=\"file\" id=\"photo\" name=\"photo\" accept=\"image/png,image/jpeg\" \
         capture=\"environment\" required></p>\
         <p><label for=\"photo-audience\">核验方代码 · Your verifier code (optional)</label>\
         <input id=\"photo-audience\" name=\"audience\"></p>\
         <p><button type=\"submit\">核验照片 Verify the photo</button></p></form>",
        escape(text)
    )
}

/// `GET /`: the form.
pub(super) async fn index() -> Response {
    html(StatusCode::OK, &form(""))
}

/// The verdict's heading in Chinese and English, and its class.
fn heading(verdict: &Verdict) -> (&'static str, &'static str) {
    match verdict {
        Verdict::Valid => ("有效 · Valid", "valid"),
        Verdict::Invalid(_) => ("无效 · Invalid", "invalid"),
        Verdict::Indeterminate(_) => ("无法确认 · Cannot be confirmed", "indeterminate"),
    }
}

/// The page of a verified presentation.
fn verdict_page(e: &Examined, zone: UtcOffset) -> String {
    let verdict = &e.verification.verdict;
    let (title, class) = heading(verdict);
    let mut out = format!("<h1 class=\"{class}\" id=\"verdict\">{title}</h1>");
    if !verdict.is_valid() {
        // The reason, in the library's words (SPEC §10, §20).
        let _ = write!(
            out,
            "<p id=\"reason\">原因 · Why: {}</p>",
            escape(&verdict.to_string())
        );
    }
    out.push_str("<table>");
    let mut row = |zh: &str, en: &str, value: &str| {
        let _ = write!(
            out,
            "<tr><th>{zh} · {en}</th><td>{}</td></tr>",
            escape(value)
        );
    };
    if let Some(v) = &e.version {
        row("证照", "License", &v.id.to_string());
        row("类型", "Type", v.id.type_code());
        row("发证机构", "Issuer", v.id.issuer());
        row("证照编号", "Printed number", &v.printed_number);
        row("有效期自", "Valid from", &zone.format(v.valid_from));
        row(
            "有效期至",
            "Valid until",
            &v.valid_until
                .map_or_else(|| "长期 · no end".to_owned(), |t| zone.format(t)),
        );
    }
    if let Some(h) = &e.holder {
        row("持证人", "Holder", h);
    }
    let bound = match &e.verification.binding {
        Binding::Bound { audience } => format!("已绑定 · bound (for {audience})"),
        Binding::Unchecked { audience } => {
            format!("未核对 · signed for {audience}, not checked (give your verifier code)")
        }
        Binding::Unbound => "未绑定 · unbound (anyone with a copy can show it)".to_owned(),
    };
    row("持证人签名", "Holder signature", &bound);
    out.push_str("</table>");
    if !e.claims.is_empty() {
        out.push_str("<h2>披露信息 · Disclosed claims</h2><table id=\"claims\">");
        for (name, value) in &e.claims {
            let _ = write!(
                out,
                "<tr><th>{}</th><td>{}</td></tr>",
                escape(name),
                escape(value)
            );
        }
        out.push_str("</table>");
    }
    out
}

/// `POST /verify`: the verdict of the form's text, then the form again.
pub(super) async fn verify<S: Store + Send + 'static>(
    State(service): State<Arc<Service<S>>>,
    Form(fields): Form<HashMap<String, String>>,
) -> Response {
    let text = fields.get("text").cloned().unwrap_or_default();
    let Some(trust) = service.options.trust.clone() else {
        return no_trust_lists();
    };
    let audience = fields.get("audience").filter(|a| !a.is_empty()).cloned();
    verdict_of(service, trust, text.clone().into_bytes(), audience, &text).await
}

/// The page of the presentation in `bytes` (its text, or read from the QR code of a photo),
/// verified for `audience` now; a presentation that cannot be read gives the form again with
/// `text` in it.
async fn verdict_of<S: Store + Send + 'static>(
    service: Arc<Service<S>>,
    trust: Arc<crate::present::trust::Trust>,
    bytes: Vec<u8>,
    audience: Option<String>,
    text: &str,
) -> Response {
    let asked = HolderCheck {
        audience,
        nonce: None,
    };
    let zone = service.zone;
    let examined = tokio::task::spawn_blocking(move || {
        let read = crate::present::qr_read::presented(&bytes).map_err(|e| e.to_string())?;
        examine(&read, &trust, service.now(), &asked).map_err(|e| e.to_string())
    })
    .await;
    match examined {
        Ok(Ok(e)) => html(
            StatusCode::OK,
            &format!("{}{}", verdict_page(&e, zone), form("")),
        ),
        Ok(Err(e)) => html(
            StatusCode::BAD_REQUEST,
            &format!(
                "<h1 class=\"invalid\" id=\"verdict\">无法读取 · Not readable</h1>\
                 <p id=\"reason\">原因 · Why: {}</p>{}",
                escape(&e),
                form(text)
            ),
        ),
        Err(e) => html(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("<p>{}</p>", escape(&e.to_string())),
        ),
    }
}

/// `POST /verify/photo`: the verdict of the presentation in the QR code of the uploaded photo
/// (a `multipart/form-data` form: `photo`, PNG or JPEG, and `audience`), then the form again.
pub(super) async fn verify_photo<S: Store + Send + 'static>(
    State(service): State<Arc<Service<S>>>,
    mut form_data: axum::extract::Multipart,
) -> Response {
    let Some(trust) = service.options.trust.clone() else {
        return no_trust_lists();
    };
    let (mut photo, mut audience) = (None, None);
    loop {
        match form_data.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                let Ok(bytes) = field.bytes().await else {
                    return unreadable_form("the form was cut off or is over its limit");
                };
                match name.as_str() {
                    "photo" => photo = Some(bytes.to_vec()),
                    "audience" => {
                        audience = Some(String::from_utf8_lossy(&bytes).trim().to_owned())
                    }
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => return unreadable_form("not a multipart/form-data form"),
        }
    }
    let Some(photo) = photo.filter(|p| !p.is_empty()) else {
        return unreadable_form("no photo was uploaded");
    };
    let audience = audience.filter(|a| !a.is_empty());
    verdict_of(service, trust, photo, audience, "").await
}

/// The form again, with why the upload was not read.
fn unreadable_form(why: &str) -> Response {
    html(
        StatusCode::BAD_REQUEST,
        &format!(
            "<h1 class=\"invalid\" id=\"verdict\">无法读取 · Not readable</h1>\
             <p id=\"reason\">原因 · Why: {}</p>{}",
            escape(why),
            form("")
        ),
    )
}

/// The answer of a service without trust lists.
fn no_trust_lists() -> Response {
    html(
        StatusCode::FORBIDDEN,
        &format!(
            "<p id=\"reason\">本服务未配置信任列表 · This service has no trust lists to verify against.</p>{}",
            form("")
        ),
    )
}
