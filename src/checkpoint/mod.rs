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

mod monitor;
mod note;
mod tlog;
mod witness;

pub use monitor::{ForkEvidence, Monitor, MonitorError};
pub use note::{
    cosign_note, is_key_name, sign_note, Note, NoteError, NoteSignature, NoteVerifier, VerifierKind,
};
pub use tlog::{check_extends, Checkpoint, CheckpointError, ConsistencyError};
pub use witness::{
    request_origin, AddCheckpoint, AddCheckpointError, Witness, WitnessError, WitnessPolicy,
    MAX_ADD_CHECKPOINT_LEN, MAX_PROOF_LINES,
};

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
