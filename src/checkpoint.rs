//! C2SP signed notes and transparency-log checkpoints (SPEC §16).
//!
//! A checkpoint is the text `origin\nsize\nbase64(root)\n` (C2SP `tlog-checkpoint`) carried in
//! a signed note (C2SP `signed-note`): the text, a blank line, then one line per signature,
//! `— <key name> base64(key id || signature)`. Ed25519 note signatures are plain RFC 8032
//! signatures over the note text, identified by
//! `key id = SHA-256(key name || 0x0A || 0x01 || public key)[:4]`. Verifiers ignore signatures
//! from keys they do not know and accept any number of known ones.
//!
//! Parsing is strict: valid UTF-8, no control characters but newline, exactly one blank line
//! before the signatures, canonical base64, tree sizes without leading zeros, 32-byte roots.

use crate::crypto::{sha256, Digest32, PublicKey, SecretKey};
use crate::merkle::MerkleTree;
use crate::state::State;
use base64::Engine as _;
use ed25519_dalek::{Signature as DalekSignature, VerifyingKey};

/// Signature type byte of Ed25519 note signatures.
const ED25519_TYPE: u8 = 0x01;
/// Largest note accepted.
pub const MAX_NOTE_LEN: usize = 64 * 1024;
/// Most signature lines accepted in one note (C2SP asks for at least 16).
pub const MAX_SIGNATURES: usize = 64;

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

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

/// A signed note: text and signature lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The text, ending with a newline.
    pub text: String,
    /// The signatures, in order.
    pub signatures: Vec<NoteSignature>,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
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
            let mut raw = s.key_id.to_be_bytes().to_vec();
            raw.extend_from_slice(&s.signature);
            out.push_str(&format!("\u{2014} {} {}\n", s.name, b64().encode(raw)));
        }
        out
    }

    /// Verifies the note against `verifiers`: signatures whose name and key id match no
    /// verifier are ignored; every matching one must verify, and at least one must match.
    /// Returns the indexes of the verifiers whose signatures verified.
    pub fn verify(&self, verifiers: &[NoteVerifier]) -> Result<Vec<usize>, NoteError> {
        let mut ok = Vec::new();
        for s in &self.signatures {
            for (i, v) in verifiers.iter().enumerate() {
                if v.name == s.name && v.key_id == s.key_id {
                    if !v.verifies(&self.text, &s.signature) {
                        return Err(NoteError::BadSignature {
                            name: s.name.clone(),
                        });
                    }
                    if !ok.contains(&i) {
                        ok.push(i);
                    }
                }
            }
        }
        if ok.is_empty() {
            return Err(NoteError::NoTrustedSignature);
        }
        Ok(ok)
    }
}

/// A key that verifies note signatures: a name and an Ed25519 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

/// The note key id of an Ed25519 key under `name`.
fn ed25519_key_id(name: &str, key: &VerifyingKey) -> u32 {
    let mut input = name.as_bytes().to_vec();
    input.push(b'\n');
    input.push(ED25519_TYPE);
    input.extend_from_slice(key.as_bytes());
    let h = sha256(&input);
    u32::from_be_bytes([h.0[0], h.0[1], h.0[2], h.0[3]])
}

impl NoteVerifier {
    /// The verifier for `key` under `name`.
    pub fn new(name: &str, key: &PublicKey) -> Result<Self, NoteError> {
        if !valid_name(name) {
            return Err(NoteError::BadKeyName);
        }
        let PublicKey::Ed25519(key) = key;
        Ok(Self {
            name: name.to_owned(),
            key_id: ed25519_key_id(name, key),
            key: *key,
        })
    }

    /// Parses a verifier key string `name+hex(key id)+base64(0x01 || public key)`.
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let mut parts = vkey.split('+');
        let (Some(name), Some(id), Some(key), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
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
        let (&[ED25519_TYPE], bytes) = raw.split_at(1.min(raw.len())) else {
            return Err(NoteError::BadVerifierKey("not an Ed25519 key"));
        };
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| NoteError::BadVerifierKey("Ed25519 key is not 32 bytes"))?;
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| NoteError::BadVerifierKey("not an Ed25519 point"))?;
        if ed25519_key_id(name, &key) != key_id {
            return Err(NoteError::BadVerifierKey("key id does not match the key"));
        }
        Ok(Self {
            name: name.to_owned(),
            key_id,
            key,
        })
    }

    /// The verifier key string.
    pub fn to_vkey(&self) -> String {
        let mut raw = vec![ED25519_TYPE];
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_id, b64().encode(raw))
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 4-byte key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    fn verifies(&self, text: &str, signature: &[u8]) -> bool {
        let Ok(sig) = <[u8; 64]>::try_from(signature) else {
            return false;
        };
        self.key
            .verify_strict(text.as_bytes(), &DalekSignature::from_bytes(&sig))
            .is_ok()
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

/// A transparency-log checkpoint: origin, tree size and RFC 6962 root (C2SP `tlog-checkpoint`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin.
    pub origin: String,
    /// Number of entries.
    pub size: u64,
    /// Merkle root at that size.
    pub root: Digest32,
    /// Extension lines (opaque; Chancery writes none).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            b64().encode(self.root.0)
        );
        for e in &self.extensions {
            out.push_str(e);
            out.push('\n');
        }
        out
    }

    /// Parses a checkpoint from a note text.
    pub fn parse_text(text: &str) -> Result<Self, NoteError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(NoteError::BadCheckpoint("no final newline"))?;
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        let size = lines
            .next()
            .ok_or(NoteError::BadCheckpoint("no tree size"))?;
        let root = lines
            .next()
            .ok_or(NoteError::BadCheckpoint("no root hash"))?;
        if origin.is_empty() {
            return Err(NoteError::BadCheckpoint("empty origin"));
        }
        let digits_ok = !size.is_empty()
            && size.bytes().all(|b| b.is_ascii_digit())
            && (size == "0" || !size.starts_with('0'));
        let size: u64 = size
            .parse()
            .ok()
            .filter(|_| digits_ok)
            .ok_or(NoteError::BadCheckpoint("tree size"))?;
        let root: [u8; 32] = b64()
            .decode(root)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or(NoteError::BadCheckpoint(
                "root hash is not 32 bytes of base64",
            ))?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(NoteError::BadCheckpoint("empty extension line"));
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root: Digest32(root),
            extensions,
        })
    }

    /// Signs the checkpoint as `name` with `key`: a signed note.
    pub fn sign(&self, name: &str, key: &SecretKey) -> Result<Note, NoteError> {
        let text = self.to_text();
        let signature = sign_note(&text, name, key)?;
        Ok(Note {
            text,
            signatures: vec![signature],
        })
    }

    /// Parses a signed checkpoint and verifies it against `verifiers` (see [`Note::verify`]).
    pub fn open(bytes: &[u8], verifiers: &[NoteVerifier]) -> Result<(Self, Note), NoteError> {
        let note = Note::parse(bytes)?;
        note.verify(verifiers)?;
        Ok((Self::parse_text(&note.text)?, note))
    }
}

/// Why a signed checkpoint does not belong to a ledger.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The note is malformed or not signed by a root key of the ledger.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The checkpoint names another origin.
    #[error("checkpoint for origin {found:?}, the ledger is {expected:?}")]
    WrongOrigin {
        /// The ledger's origin.
        expected: String,
        /// The checkpoint's origin.
        found: String,
    },
    /// The checkpoint is for more entries than the ledger holds.
    #[error("checkpoint of size {size} but the ledger holds {len} entries")]
    BeyondLedger {
        /// The checkpoint's size.
        size: u64,
        /// The ledger's size.
        len: u64,
    },
    /// The ledger's root at the checkpoint's size differs: the ledger was rewritten (or the
    /// operator signed a fork).
    #[error("the ledger's root at size {size} differs from the checkpoint's")]
    Inconsistent {
        /// The checkpoint's size.
        size: u64,
    },
}

/// The verifiers of a ledger's checkpoints: its root keys under its origin as key name.
pub fn ledger_verifiers(state: &State) -> Vec<NoteVerifier> {
    let origin = state.origin().unwrap_or_default();
    state
        .root_keys()
        .iter()
        .filter_map(|k| NoteVerifier::new(origin, k).ok())
        .collect()
}

/// Checks a signed checkpoint against a ledger (its replayed state and tree): signed by one of
/// its root keys, for its origin, at a size it has reached, with the root the ledger has at
/// that size.
pub fn verify_for_ledger(
    note: &[u8],
    state: &State,
    tree: &MerkleTree,
) -> Result<Checkpoint, CheckpointError> {
    let (cp, _) = Checkpoint::open(note, &ledger_verifiers(state))?;
    let origin = state.origin().unwrap_or_default();
    if cp.origin != origin {
        return Err(CheckpointError::WrongOrigin {
            expected: origin.to_owned(),
            found: cp.origin,
        });
    }
    let len = tree.len();
    if cp.size > len {
        return Err(CheckpointError::BeyondLedger { size: cp.size, len });
    }
    if tree.root(cp.size).ok() != Some(cp.root) {
        return Err(CheckpointError::Inconsistent { size: cp.size });
    }
    Ok(cp)
}
