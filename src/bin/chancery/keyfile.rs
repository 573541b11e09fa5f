//! Key files: one line of text each (SPEC §15).
//!
//! - secret: `chancery-secret-key ed25519 <64 hex digits of the seed>`, mode 0600;
//! - public: `chancery-public-key ed25519 <64 hex digits of the key>`.

use crate::CliError;
use chancery::{PublicKey, SecretKey};
use std::io::Write;
use std::path::Path;

const SECRET_PREFIX: &str = "chancery-secret-key ed25519 ";
const PUBLIC_PREFIX: &str = "chancery-public-key ed25519 ";

/// Writes a new secret key file readable by its owner only, and its public key file beside it
/// (`FILE.pub`). Refuses to overwrite either.
pub fn write_new(path: &Path, key: &SecretKey) -> Result<std::path::PathBuf, CliError> {
    let public_path = public_path(path);
    if public_path.exists() {
        return Err(CliError::usage(format!(
            "{} already exists; not overwriting it",
            public_path.display()
        )));
    }
    let line = format!("{SECRET_PREFIX}{}\n", hex(&key.to_seed()));
    create_private(path, line.as_bytes())?;
    write_public(&public_path, &key.public_key())?;
    Ok(public_path)
}

/// Writes a public key file; refuses to overwrite.
pub fn write_public(path: &Path, key: &PublicKey) -> Result<(), CliError> {
    let PublicKey::Ed25519(k) = key;
    let line = format!("{PUBLIC_PREFIX}{}\n", hex(k.as_bytes()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| CliError::io(path, e))?;
    f.write_all(line.as_bytes())
        .map_err(|e| CliError::io(path, e))
}

/// The public key file written beside a secret key file.
pub fn public_path(path: &Path) -> std::path::PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".pub");
    p.into()
}

/// Creates `path` with mode 0600 (never overwriting) and writes `bytes`.
pub fn create_private(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            CliError::usage(format!(
                "{} already exists; not overwriting a key file",
                path.display()
            ))
        } else {
            CliError::io(path, e)
        }
    })?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| CliError::io(path, e))
}

/// Reads a secret key file.
pub fn read_secret(path: &Path) -> Result<SecretKey, CliError> {
    let text = read_key_text(path)?;
    let hex_part = text.strip_prefix(SECRET_PREFIX).ok_or_else(|| {
        CliError::usage(format!(
            "{} is not a chancery secret key file",
            path.display()
        ))
    })?;
    let seed = unhex32(hex_part)
        .ok_or_else(|| CliError::usage(format!("{}: malformed secret key", path.display())))?;
    Ok(SecretKey::from_seed(seed))
}

/// Reads a public key from a public key file or a secret key file.
pub fn read_public(path: &Path) -> Result<PublicKey, CliError> {
    let text = read_key_text(path)?;
    if text.starts_with(SECRET_PREFIX) {
        return Ok(read_secret(path)?.public_key());
    }
    let hex_part = text
        .strip_prefix(PUBLIC_PREFIX)
        .ok_or_else(|| CliError::usage(format!("{} is not a chancery key file", path.display())))?;
    let bytes = unhex32(hex_part)
        .ok_or_else(|| CliError::usage(format!("{}: malformed public key", path.display())))?;
    let mut cbor = vec![0x82, 0x01, 0x58, 0x20];
    cbor.extend_from_slice(&bytes);
    <PublicKey as chancery::Canonical>::from_canonical(&cbor)
        .map_err(|e| CliError::usage(format!("{}: not a usable Ed25519 key: {e}", path.display())))
}

fn read_key_text(path: &Path) -> Result<String, CliError> {
    let bytes = std::fs::read(path).map_err(|e| CliError::io(path, e))?;
    if bytes.len() > 512 {
        return Err(CliError::usage(format!(
            "{} is not a chancery key file",
            path.display()
        )));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError::usage(format!("{} is not a chancery key file", path.display())))?;
    Ok(text.trim_end().to_owned())
}

/// Lower-case hexadecimal of 32 bytes.
pub fn hex(bytes: &[u8; 32]) -> String {
    chancery::Digest32(*bytes).to_hex()
}

/// 32 bytes from exactly 64 hexadecimal digits.
pub fn unhex32(s: &str) -> Option<[u8; 32]> {
    let d = chancery::Digest32::from_hex(s)?;
    Some(d.0)
}
