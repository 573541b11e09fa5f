//! Signed notes (C2SP `signed-note`): parsing, key names, verifier keys, signing and cosigning.

use super::{b64, COSIGNATURE_TYPE, ED25519_TYPE, MAX_NOTE_LEN, MAX_SIGNATURES};
use crate::crypto::{sha256, PublicKey, SecretKey};
use base64::Engine as _;

/// Why a note, checkpoint or verifier key is refused.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// Longer than [`MAX_NOTE_LEN`] or with more than [`MAX_SIGNATURES`] signatures.
    #[error("note too large")]
    TooLarge,
    /// Not UTF-8.
    #[error("note is not UTF-8")]
    NotUtf8,
    /// A control character other than newline, at this byte offset.
    #[error("control character at byte {0}")]
    ControlCharacter(usize),
    /// No blank line separates the text from the signatures, or the text is empty.
    #[error("no blank line before the signatures")]
    NoSeparator,
    /// The note does not end with a newline.
    #[error("note does not end with a newline")]
    NoFinalNewline,
    /// A signature line is malformed (the line number counts from 1 within the signatures).
    #[error("malformed signature line {0}")]
    BadSignatureLine(usize),
    /// The note has no signature line.
    #[error("note has no signatures")]
    Unsigned,
    /// A key name is empty or contains a space or `+`.
    #[error("invalid key name")]
    BadKeyName,
    /// A verifier key string is malformed.
    #[error("malformed verifier key: {0}")]
    BadVerifierKey(&'static str),
    /// A checkpoint body is malformed.
    #[error("malformed checkpoint: {0}")]
    BadCheckpoint(&'static str),
    /// A signature by a known key does not verify.
    #[error("signature by {name} does not verify")]
    BadSignature {
        /// The key's name.
        name: String,
    },
    /// No signature by a known key.
    #[error("no signature by a trusted key")]
    NoTrustedSignature,
    /// Fewer witnesses cosigned than the policy requires.
    #[error("{have} of the {need} witness cosignatures required")]
    QuorumNotMet {
        /// Distinct policy witnesses that cosigned.
        have: usize,
        /// The policy's threshold.
        need: usize,
    },
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The 4-byte key id (big-endian).
    pub key_id: u32,
    /// The signature bytes after the key id.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The signature line: `— <name> base64(key id || signature)` and a newline.
    pub fn to_line(&self) -> String {
        let mut raw = self.key_id.to_be_bytes().to_vec();
        raw.extend_from_slice(&self.signature);
        format!("\u{2014} {} {}\n", self.name, b64().encode(raw))
    }
}

/// A signed note: text and signature lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The text, ending with a newline.
    pub text: String,
    /// The signatures, in order.
    pub signatures: Vec<NoteSignature>,
}

fn valid_name(name: &str) -> bool {
    is_key_name(name)
}

/// Whether `name` may name a C2SP signed-note key: non-empty, with no whitespace, no `+` and
/// no control character. A ledger's origin names its operator's key, so genesis requires it.
pub fn is_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

impl Note {
    /// Parses a signed note strictly.
    pub fn parse(bytes: &[u8]) -> Result<Self, NoteError> {
        if bytes.len() > MAX_NOTE_LEN {
            return Err(NoteError::TooLarge);
        }
        let s = std::str::from_utf8(bytes).map_err(|_| NoteError::NotUtf8)?;
        if let Some(i) = s.bytes().position(|b| b < 0x20 && b != b'\n') {
            return Err(NoteError::ControlCharacter(i));
        }
        if !s.ends_with('\n') {
            return Err(NoteError::NoFinalNewline);
        }
        // The text is separated from the signatures by the last blank line.
        let split = s.rfind("\n\n").ok_or(NoteError::NoSeparator)?;
        let text = &s[..split + 1];
        let sigs = &s[split + 2..];
        if text.is_empty() || text == "\n" {
            return Err(NoteError::NoSeparator);
        }
        let mut signatures = Vec::new();
        for (i, line) in sigs.split_terminator('\n').enumerate() {
            if signatures.len() == MAX_SIGNATURES {
                return Err(NoteError::TooLarge);
            }
            let bad = || NoteError::BadSignatureLine(i + 1);
            let rest = line.strip_prefix("\u{2014} ").ok_or_else(bad)?;
            let (name, sig) = rest.split_once(' ').ok_or_else(bad)?;
            if !valid_name(name) {
                return Err(NoteError::BadKeyName);
            }
            let raw = b64().decode(sig).map_err(|_| bad())?;
            if raw.len() < 5 {
                return Err(bad());
            }
            signatures.push(NoteSignature {
                name: name.to_owned(),
                key_id: u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]),
                signature: raw[4..].to_vec(),
            });
        }
        if signatures.is_empty() {
            return Err(NoteError::Unsigned);
        }
        Ok(Self {
            text: text.to_owned(),
            signatures,
        })
    }

    /// The note as text: the text, a blank line and the signature lines.
    pub fn to_text(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for s in &self.signatures {
            out.push_str(&s.to_line());
        }
        out
    }

    /// Verifies the note against `verifiers`: signatures whose name and key id match no
    /// verifier are ignored; every matching one must verify, and at least one must match.
    /// Returns the indexes of the verifiers whose signatures verified.
    pub fn verify(&self, verifiers: &[NoteVerifier]) -> Result<Vec<usize>, NoteError> {
        let ok = self.verified_by(verifiers, |_| true)?;
        if ok.is_empty() {
            return Err(NoteError::NoTrustedSignature);
        }
        Ok(ok)
    }

    /// The indexes of the verifiers (among those `eligible`) whose signatures on the note
    /// verify, distinct, in the order of the signature lines; an error if a signature matching
    /// an eligible verifier's name and key id does not verify. Other signatures are ignored.
    pub(super) fn verified_by(
        &self,
        verifiers: &[NoteVerifier],
        eligible: impl Fn(&NoteVerifier) -> bool,
    ) -> Result<Vec<usize>, NoteError> {
        let mut ok = Vec::new();
        for s in &self.signatures {
            for (i, v) in verifiers.iter().enumerate() {
                if eligible(v) && v.name == s.name && v.key_id == s.key_id {
                    if !v.verifies(&self.text, &s.signature) {
                        return Err(NoteError::BadSignature {
                            name: s.name.clone(),
                        });
                    }
                    // A key named twice (under two names, or the same name twice) counts
                    // once: the threshold counts distinct keys.
                    if !ok.iter().any(|&j: &usize| verifiers[j].key == v.key) {
                        ok.push(i);
                    }
                }
            }
        }
        Ok(ok)
    }
}

/// What a note verifier checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifierKind {
    /// Ed25519 signatures over the note text (the log's own signature, type 0x01).
    Ed25519,
    /// Timestamped Ed25519 witness cosignatures (`cosignature/v1`, type 0x04).
    Cosignature,
}

impl VerifierKind {
    fn type_byte(self) -> u8 {
        match self {
            VerifierKind::Ed25519 => ED25519_TYPE,
            VerifierKind::Cosignature => COSIGNATURE_TYPE,
        }
    }
}

/// A key that verifies note signatures: a name, a kind and an Ed25519 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    kind: VerifierKind,
    key_id: u32,
    key: PublicKey,
}

/// The note key id of an Ed25519 key under `name` for signature type `kind`.
fn key_id_of(name: &str, kind: VerifierKind, key: &PublicKey) -> u32 {
    let mut input = name.as_bytes().to_vec();
    input.push(b'\n');
    input.push(kind.type_byte());
    input.extend_from_slice(&key.note_key_bytes());
    let h = sha256(&input);
    u32::from_be_bytes([h.0[0], h.0[1], h.0[2], h.0[3]])
}

/// The message a `cosignature/v1` signs: header line, time line, then the note text.
fn cosigned_message(text: &str, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{text}")
}

impl NoteVerifier {
    /// The verifier of the log signatures of `key` under `name`.
    pub fn new(name: &str, key: &PublicKey) -> Result<Self, NoteError> {
        Self::of_kind(name, key, VerifierKind::Ed25519)
    }

    /// The log-signature verifiers of `keys` under `name` (none if `name` is not a key name).
    pub fn for_keys(name: &str, keys: &[PublicKey]) -> Vec<Self> {
        keys.iter()
            .filter_map(|k| Self::new(name, k).ok())
            .collect()
    }

    /// The verifier of the witness cosignatures of `key` under `name`.
    pub fn cosigner(name: &str, key: &PublicKey) -> Result<Self, NoteError> {
        Self::of_kind(name, key, VerifierKind::Cosignature)
    }

    fn of_kind(name: &str, key: &PublicKey, kind: VerifierKind) -> Result<Self, NoteError> {
        if !valid_name(name) {
            return Err(NoteError::BadKeyName);
        }
        Ok(Self {
            name: name.to_owned(),
            kind,
            key_id: key_id_of(name, kind, key),
            key: *key,
        })
    }

    /// What this verifier checks.
    pub fn kind(&self) -> VerifierKind {
        self.kind
    }

    /// Parses a verifier key string `name+hex(key id)+base64(0x01 || public key)`.
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        // Names contain no `+`; the key data is base64, which may: it is everything after the
        // second `+`.
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::BadVerifierKey("expected name+id+key"));
        };
        if !valid_name(name) {
            return Err(NoteError::BadKeyName);
        }
        if id.len() != 8
            || !id
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        {
            return Err(NoteError::BadVerifierKey(
                "key id is not 8 lower-case hex digits",
            ));
        }
        let key_id = u32::from_str_radix(id, 16)
            .map_err(|_| NoteError::BadVerifierKey("key id is not 8 lower-case hex digits"))?;
        let raw = b64()
            .decode(key)
            .map_err(|_| NoteError::BadVerifierKey("key is not base64"))?;
        let (kind, bytes) = match raw.split_at(1.min(raw.len())) {
            (&[ED25519_TYPE], bytes) => (VerifierKind::Ed25519, bytes),
            (&[COSIGNATURE_TYPE], bytes) => (VerifierKind::Cosignature, bytes),
            _ => {
                return Err(NoteError::BadVerifierKey(
                    "not an Ed25519 key or cosigner key",
                ))
            }
        };
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| NoteError::BadVerifierKey("Ed25519 key is not 32 bytes"))?;
        let key = PublicKey::from_note_key_bytes(&bytes)
            .ok_or(NoteError::BadVerifierKey("not an Ed25519 point"))?;
        if key_id_of(name, kind, &key) != key_id {
            return Err(NoteError::BadVerifierKey("key id does not match the key"));
        }
        Ok(Self {
            name: name.to_owned(),
            kind,
            key_id,
            key,
        })
    }

    /// The verifier key string.
    pub fn to_vkey(&self) -> String {
        let mut raw = vec![self.kind.type_byte()];
        raw.extend_from_slice(&self.key.note_key_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_id, b64().encode(raw))
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether `other` verifies with the same public key (whatever its name or kind).
    pub fn same_key(&self, other: &NoteVerifier) -> bool {
        self.key == other.key
    }

    /// The 4-byte key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    fn verifies(&self, text: &str, signature: &[u8]) -> bool {
        let (message, sig) = match self.kind {
            VerifierKind::Ed25519 => (text.to_owned(), signature),
            VerifierKind::Cosignature => {
                let Some((ts, sig)) = signature.split_first_chunk::<8>() else {
                    return false;
                };
                let ts = u64::from_be_bytes(*ts);
                if ts > i64::MAX as u64 {
                    return false;
                }
                (cosigned_message(text, ts), sig)
            }
        };
        let Ok(sig) = <[u8; 64]>::try_from(sig) else {
            return false;
        };
        self.key.verify_note_text(message.as_bytes(), &sig).is_ok()
    }

    /// The timestamp of a cosignature made by this verifier's key (seconds since the epoch).
    pub fn cosignature_time(&self, s: &NoteSignature) -> Option<u64> {
        (self.kind == VerifierKind::Cosignature && s.name == self.name && s.key_id == self.key_id)
            .then(|| {
                s.signature
                    .first_chunk::<8>()
                    .map(|t| u64::from_be_bytes(*t))
            })
            .flatten()
    }
}

/// Signs `text` (which must be a valid note text) as `name` with `key`: one signature line.
pub fn sign_note(text: &str, name: &str, key: &SecretKey) -> Result<NoteSignature, NoteError> {
    let verifier = NoteVerifier::new(name, &key.public_key())?;
    Ok(NoteSignature {
        name: name.to_owned(),
        key_id: verifier.key_id,
        signature: key.sign_note_text(text).to_vec(),
    })
}

/// A `cosignature/v1` of the checkpoint note text `text` by witness `name` with `key`, made at
/// `timestamp` (seconds since the epoch).
pub fn cosign_note(
    text: &str,
    name: &str,
    key: &SecretKey,
    timestamp: u64,
) -> Result<NoteSignature, NoteError> {
    let verifier = NoteVerifier::cosigner(name, &key.public_key())?;
    let mut signature = timestamp.to_be_bytes().to_vec();
    signature.extend_from_slice(&key.sign_note_text(&cosigned_message(text, timestamp)));
    Ok(NoteSignature {
        name: name.to_owned(),
        key_id: verifier.key_id,
        signature,
    })
}
