//! `chancery key …`, `rotate-root` and `operator-key …`: key files, the root and operator keys.

use crate::cli::{KeyCommand, OperatorKeyCommand};
use crate::report::Out;
use crate::{keyfile, open, open_reader, record, CliError, Signer};
use chancery::checkpoint;
use chancery::{Event, SecretKey};
use serde_json::json;
use std::path::Path;

/// `key generate|integrity|show`: key files.
pub fn key(store: &Path, command: KeyCommand, out: &Out) -> Result<u8, CliError> {
    let is_show = matches!(command, KeyCommand::Show { .. });
    let (path, public, cosigner) = match command {
        KeyCommand::Integrity { out: path } => {
            let key = chancery::IntegrityKey::generate();
            keyfile::create_private(&path, format!("{}\n", key.to_hex()).as_bytes())?;
            out.created(
                &path.display().to_string(),
                &format!(
                    "{}: integrity key (keep it outside the store directory; pass it as \
                     --integrity-key)",
                    path.display()
                ),
                json!({"file": path.display().to_string(), "kind": "integrity key"}),
            );
            return Ok(0);
        }
        KeyCommand::Generate { out: path } => {
            let k = SecretKey::generate();
            keyfile::write_new(&path, &k, true)?;
            (path, k.public_key(), None)
        }
        KeyCommand::Show { file, cosigner } => {
            let k = match keyfile::read_public(&file) {
                Ok(k) => k,
                Err(_) => keyfile::read_secret(&file)?.public_key(),
            };
            (file, k, cosigner)
        }
    };
    let vkey = cosigner
        .map(|name| {
            checkpoint::NoteVerifier::cosigner(&name, &public)
                .map(|v| v.to_vkey())
                .map_err(|e| CliError::usage(format!("--cosigner {name:?}: {e}")))
        })
        .transpose()?;
    // A root key of the ledger in --store: its C2SP signed-note verifier key (named by the
    // origin, algorithm byte 0x01), which note verifiers and witnesses take.
    let note_vkey = if is_show && store.join("head").exists() {
        let ledger = open_reader(store)?;
        let state = ledger.state();
        match state.origin() {
            Some(origin) if state.all_checkpoint_keys().contains(&public) => Some(
                checkpoint::NoteVerifier::new(origin, &public)
                    .map(|v| v.to_vkey())
                    .map_err(|e| CliError::usage(format!("verifier key: {e}")))?,
            ),
            _ => None,
        }
    } else {
        None
    };
    let chancery::PublicKey::Ed25519(raw) = &public;
    let mut text = format!(
        "{}: ed25519 public key {} (key id {})",
        path.display(),
        keyfile::hex(raw.as_bytes()),
        public.key_id(),
    );
    if let Some(v) = &note_vkey {
        text.push_str(&format!(
            "\nroot key of this ledger; signed-note verifier key: {v}"
        ));
    }
    if let Some(v) = &vkey {
        text.push_str(&format!("\ncosigner verifier key: {v}"));
    }
    out.created(
        &public.key_id().to_string(),
        &text,
        json!({
            "file": path.display().to_string(),
            "algorithm": "ed25519",
            "public_key": keyfile::hex(raw.as_bytes()),
            "key_id": public.key_id().to_string(),
            "vkey": note_vkey,
            "cosigner_vkey": vkey,
        }),
    );
    Ok(0)
}

/// `rotate-root`: hands the root role from the signer's root key to `new_key` (both sign).
pub fn rotate_root(
    store: &Path,
    signer: &Signer,
    new_key: &Path,
    out: &Out,
) -> Result<u8, CliError> {
    let mut ledger = open(store)?;
    let new = keyfile::read_secret(new_key)?;
    let old = keyfile::read_secret(&signer.signer)?;
    let origin = ledger.origin().to_owned();
    let message = chancery::event::rotation_message(&origin, &old.key_id(), &new.public_key());
    let event = Event::RootKeyRotated {
        new_key: new.public_key(),
        acceptance: new.sign(chancery::crypto::Domain::KeyRotation, &message),
    };
    record(&mut ledger, signer, event, out)
}

/// `operator-key add|retire`, signed by a root key.
pub fn operator_key(store: &Path, command: OperatorKeyCommand, out: &Out) -> Result<u8, CliError> {
    match command {
        OperatorKeyCommand::Add { signer, key } => {
            let mut ledger = open(store)?;
            let new = keyfile::read_secret(&key)?;
            let root = keyfile::read_secret(&signer.signer)?;
            let origin = ledger.origin().to_owned();
            let message =
                chancery::event::operator_key_message(&origin, &root.key_id(), &new.public_key());
            let event = Event::OperatorKeyAdded {
                key: new.public_key(),
                acceptance: new.sign(chancery::crypto::Domain::OperatorKey, &message),
            };
            record(&mut ledger, &signer, event, out)
        }
        OperatorKeyCommand::Retire { signer, key } => {
            let mut ledger = open(store)?;
            let event = Event::OperatorKeyRetired {
                key: keyfile::read_public(&key)?.key_id(),
            };
            record(&mut ledger, &signer, event, out)
        }
    }
}
