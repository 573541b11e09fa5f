//! What a relying party reads of a presentation beside its verdict, in either form: which
//! license version it shows, the disclosed claims by name, the holder's code if disclosed. The
//! command line's `verify-presentation` and the service's verification API both read it here.

use super::compact::{verify_compact_for, CompactError, CompactPresentation, TEXT_PREFIX};
use super::{verify_presentation_for, HolderCheck, Presentation, Trust, Verification};
use crate::event::LicenseVersion;
use crate::{Canonical, DecodeError, Entry, Timestamp};

/// The two forms of a presentation (SPEC §20).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// The full form: canonical CBOR with the entries and their proofs.
    Full,
    /// The compact form: the text `CH1:…` a QR code carries.
    Compact,
}

impl Form {
    /// `"full"` or `"compact"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Compact => "compact",
        }
    }
}

/// A presentation read and verified.
#[derive(Debug, Clone)]
pub struct Examined {
    /// Its form.
    pub form: Form,
    /// The license version it shows, if its entry decodes (what it claims to be, whatever the
    /// verdict).
    pub version: Option<LicenseVersion>,
    /// The disclosed claims, `(name, value)`: a compact presentation's claims travel by position
    /// and are named by the version (`#N` if it names none there).
    pub claims: Vec<(String, String)>,
    /// The holder's code, if disclosed.
    pub holder: Option<String>,
    /// The verdict and the holder binding.
    pub verification: Verification,
}

/// Bytes that are not a presentation of either form.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExamineError {
    /// Text that does not start with the compact form's prefix.
    #[error(
        "not a presentation: compact presentations start with {TEXT_PREFIX:?}, full ones are CBOR"
    )]
    NotAPresentation,
    /// A compact presentation that does not decode (altered, or cut short).
    #[error("malformed compact presentation: {0}")]
    Compact(#[from] CompactError),
    /// A full presentation that does not decode.
    #[error("malformed full presentation: {0}")]
    Full(#[from] DecodeError),
}

/// Reads `bytes` as a compact presentation (text starting `CH1:`, surrounding whitespace
/// ignored) or a full one (CBOR) and verifies it at `now` against `trust`, with the holder
/// check the verifier asks for.
pub fn examine(
    bytes: &[u8],
    trust: &Trust,
    now: Timestamp,
    asked: &HolderCheck,
) -> Result<Examined, ExamineError> {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    if bytes[start..].starts_with(TEXT_PREFIX.as_bytes()) {
        // The compact form's prefix: read as compact text, whatever follows.
        let text = std::str::from_utf8(bytes)
            .map_err(|_| CompactError::Base45(0))
            .map(str::trim)?;
        let c = CompactPresentation::from_text(text)?;
        let version = Entry::from_canonical(&c.entry)
            .ok()
            .and_then(|e| e.statement.statement().event.new_version().cloned());
        let claims = c
            .claims
            .iter()
            .map(|cl| {
                let name = version
                    .as_ref()
                    .and_then(|v| v.claims.get(usize::try_from(cl.index).ok()?))
                    .map_or_else(|| format!("#{}", cl.index), |d| d.name.clone());
                (name, cl.value.clone())
            })
            .collect();
        return Ok(Examined {
            form: Form::Compact,
            version,
            claims,
            holder: c.holder.as_ref().map(|h| h.code.clone()),
            verification: verify_compact_for(&c, trust, now, asked),
        });
    }
    let printable = bytes
        .iter()
        .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace());
    if printable {
        return Err(ExamineError::NotAPresentation);
    }
    let p = Presentation::from_canonical(bytes)?;
    let version = p.entries.iter().find_map(|pe| {
        let e = Entry::from_canonical(&pe.entry).ok()?;
        let v = e.statement.statement().event.new_version()?.clone();
        (v.id == p.disclosure.license).then_some(v)
    });
    Ok(Examined {
        form: Form::Full,
        version,
        claims: p
            .disclosure
            .claims
            .iter()
            .map(|c| (c.name.clone(), c.value.clone()))
            .collect(),
        holder: p.disclosure.holder.as_ref().map(|h| h.code.clone()),
        verification: verify_presentation_for(&p, trust, now, asked),
    })
}
