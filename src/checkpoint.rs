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
use base64::Engine as _;

/// Signature type byte of Ed25519 note signatures.
const ED25519_TYPE: u8 = 0x01;
/// Signature type byte of timestamped Ed25519 witness cosignatures (C2SP `tlog-cosignature`).
const COSIGNATURE_TYPE: u8 = 0x04;
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
        let ok = self.verified_by(verifiers, |_| true)?;
        if ok.is_empty() {
            return Err(NoteError::NoTrustedSignature);
        }
        Ok(ok)
    }

    /// The indexes of the verifiers (among those `eligible`) whose signatures on the note
    /// verify, distinct, in the order of the signature lines; an error if a signature matching
    /// an eligible verifier's name and key id does not verify. Other signatures are ignored.
    fn verified_by(
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

/// Why a checkpoint cannot follow another of the same log.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsistencyError {
    /// The checkpoints name different origins.
    #[error("checkpoints of different logs")]
    WrongOrigin,
    /// Same size, different roots: two histories.
    #[error("two roots for size {size}")]
    Fork {
        /// The common size.
        size: u64,
    },
    /// The newer checkpoint is smaller than the older one.
    #[error("checkpoint of size {new} after one of size {old}")]
    Rollback {
        /// Size of the older checkpoint.
        old: u64,
        /// Size of the newer one.
        new: u64,
    },
    /// A larger checkpoint came without a consistency proof.
    #[error("no consistency proof from size {old} to {new}")]
    MissingProof {
        /// Older size.
        old: u64,
        /// Newer size.
        new: u64,
    },
    /// The consistency proof does not link the two checkpoints.
    #[error("consistency proof from size {old} to {new} fails: {reason}")]
    BadProof {
        /// Older size.
        old: u64,
        /// Newer size.
        new: u64,
        /// Why.
        reason: crate::merkle::ProofError,
    },
}

/// Checks that `new` extends `old`: the same origin, and equal roots at equal sizes or a
/// consistency proof (RFC 9162) from `old` to a larger `new`.
pub fn check_extends(
    old: &Checkpoint,
    new: &Checkpoint,
    proof: Option<&crate::merkle::ConsistencyProof>,
) -> Result<(), ConsistencyError> {
    if old.origin != new.origin {
        return Err(ConsistencyError::WrongOrigin);
    }
    let (o, n) = (old.size, new.size);
    if n < o {
        return Err(ConsistencyError::Rollback { old: o, new: n });
    }
    if n == o {
        return if old.root == new.root {
            Ok(())
        } else {
            Err(ConsistencyError::Fork { size: n })
        };
    }
    if o == 0 {
        return Ok(());
    }
    let proof = proof.ok_or(ConsistencyError::MissingProof { old: o, new: n })?;
    if proof.old_size != o || proof.new_size != n {
        return Err(ConsistencyError::BadProof {
            old: o,
            new: n,
            reason: crate::merkle::ProofError::BadSizes {
                old: proof.old_size,
                new: proof.new_size,
            },
        });
    }
    proof
        .verify(&old.root, &new.root)
        .map_err(|reason| ConsistencyError::BadProof {
            old: o,
            new: n,
            reason,
        })
}

/// A k-of-n witness policy: at least `threshold` of the named witnesses must have cosigned a
/// checkpoint before a verifier relies on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessPolicy {
    /// The witnesses' cosignature verifiers ([`NoteVerifier::cosigner`]).
    pub witnesses: Vec<NoteVerifier>,
    /// How many distinct witnesses must have cosigned.
    pub threshold: usize,
}

impl WitnessPolicy {
    /// The number of distinct policy witnesses whose cosignatures on `note` verify, if it
    /// reaches the threshold. Unknown signatures are ignored; a cosignature that claims to be
    /// from a policy witness and does not verify refuses the note.
    pub fn check(&self, note: &Note) -> Result<usize, NoteError> {
        let cosigned = note
            .verified_by(&self.witnesses, |w| w.kind == VerifierKind::Cosignature)?
            .len();
        if cosigned < self.threshold {
            return Err(NoteError::QuorumNotMet {
                have: cosigned,
                need: self.threshold,
            });
        }
        Ok(cosigned)
    }
}

/// Why a witness refuses to cosign.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// The note is malformed or not signed by the log.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The checkpoint does not extend the last one the witness cosigned.
    #[error(transparent)]
    Inconsistent(#[from] ConsistencyError),
    /// A witness that follows the ledger (`Ledger::cosign`): the checkpoint is not the
    /// ledger's.
    #[error(transparent)]
    NotTheLedgers(#[from] CheckpointError),
}

/// A witness: cosigns a log's checkpoints only if each extends the last one it cosigned.
/// The caller keeps [`Witness::last`] on stable storage between runs.
#[derive(Debug, Clone)]
pub struct Witness {
    name: String,
    key: SecretKey,
    origin: String,
    log: Vec<NoteVerifier>,
    last: Option<Checkpoint>,
}

impl Witness {
    /// A witness `name` with `key` for the log `origin` whose checkpoints `log` verifies,
    /// having last cosigned `last`.
    pub fn new(
        name: &str,
        key: SecretKey,
        origin: &str,
        log: Vec<NoteVerifier>,
        last: Option<Checkpoint>,
    ) -> Result<Self, NoteError> {
        NoteVerifier::cosigner(name, &key.public_key())?;
        Ok(Self {
            name: name.to_owned(),
            key,
            origin: origin.to_owned(),
            log,
            last,
        })
    }

    /// The last checkpoint cosigned.
    pub fn last(&self) -> Option<&Checkpoint> {
        self.last.as_ref()
    }

    /// Replaces the log's verifiers: a witness that follows the log (`Ledger::cosign`) sets
    /// them to the keys that may sign the log's checkpoints now.
    pub fn follow(&mut self, log: Vec<NoteVerifier>) {
        self.log = log;
    }

    /// Verifies the log's signature on `note`, checks that it extends the last checkpoint
    /// cosigned (with `proof` when it is larger), and cosigns it at `now` (seconds since the
    /// epoch). Nothing changes if it refuses.
    pub fn cosign(
        &mut self,
        note: &[u8],
        proof: Option<&crate::merkle::ConsistencyProof>,
        now: u64,
    ) -> Result<NoteSignature, WitnessError> {
        let (cp, note) = Checkpoint::open(note, &self.log)?;
        if cp.origin != self.origin {
            return Err(ConsistencyError::WrongOrigin.into());
        }
        if let Some(last) = &self.last {
            check_extends(last, &cp, proof)?;
        }
        let signature = cosign_note(&note.text, &self.name, &self.key, now)?;
        self.last = Some(cp);
        Ok(signature)
    }
}

/// Two checkpoints, both validly signed by the log, that no consistency proof links: evidence
/// that the log showed different histories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkEvidence {
    /// The signed note trusted before.
    pub earlier: String,
    /// The signed note that does not extend it.
    pub later: String,
    /// Why they do not fit together.
    pub reason: ConsistencyError,
}

/// Why a monitor did not accept a checkpoint.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MonitorError {
    /// The note is malformed or not signed by the log.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// Both checkpoints are signed by the log and do not fit together.
    #[error("the log signed inconsistent checkpoints: {}", .0.reason)]
    Fork(Box<ForkEvidence>),
}

/// A monitor (or any relying party): remembers the last checkpoint of a log it trusted and
/// accepts a new one only with proof that it extends it. The caller keeps
/// [`Monitor::last_note`] on stable storage between runs.
#[derive(Debug, Clone)]
pub struct Monitor {
    log: Vec<NoteVerifier>,
    last: Option<(Checkpoint, String)>,
}

impl Monitor {
    /// A monitor of the log whose checkpoints `log` verifies, having trusted `last` (a signed
    /// note) before.
    pub fn new(log: Vec<NoteVerifier>, last: Option<&str>) -> Result<Self, NoteError> {
        let last = match last {
            Some(note) => {
                let (cp, _) = Checkpoint::open(note.as_bytes(), &log)?;
                Some((cp, note.to_owned()))
            }
            None => None,
        };
        Ok(Self { log, last })
    }

    /// The signed note of the last checkpoint trusted.
    pub fn last_note(&self) -> Option<&str> {
        self.last.as_ref().map(|(_, n)| n.as_str())
    }

    /// Accepts `note` if it is signed by the log and extends the last checkpoint trusted
    /// (`proof` from the last size to the new one). A signed checkpoint that does not extend it
    /// is reported with both notes as evidence; a smaller, consistent one is accepted without
    /// replacing the larger.
    pub fn update(
        &mut self,
        note: &[u8],
        proof: Option<&crate::merkle::ConsistencyProof>,
    ) -> Result<Checkpoint, MonitorError> {
        let (cp, parsed) = Checkpoint::open(note, &self.log)?;
        let text = parsed.to_text();
        if let Some((last, last_note)) = &self.last {
            let fork = |reason| {
                MonitorError::Fork(Box::new(ForkEvidence {
                    earlier: last_note.clone(),
                    later: text.clone(),
                    reason,
                }))
            };
            if cp.size < last.size {
                // An older view: it must be a prefix of the one trusted.
                check_extends(&cp, last, proof).map_err(fork)?;
            } else {
                check_extends(last, &cp, proof).map_err(fork)?;
            }
            if cp.size <= last.size {
                return Ok(last.clone());
            }
        }
        self.last = Some((cp.clone(), text));
        Ok(cp)
    }
}
