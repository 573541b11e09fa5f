//! Key files: one line of text each (SPEC §15).
//!
//! - secret: `chancery-secret-key ed25519 <64 hex digits of the seed>`, mode 0600;
//! - secret, passphrase-protected: `chancery-secret-key ed25519 argon2id:m=65536,t=3,p=1
//!   <salt> <nonce> <ciphertext>` (hex), the seed sealed with ChaCha20-Poly1305 under a key
//!   derived from the passphrase with Argon2id;
//! - public: `chancery-public-key ed25519 <64 hex digits of the key>`.

use crate::files::{self, Mode};
use crate::CliError;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, KeyInit, Nonce};
use chancery::{PublicKey, SecretKey};
use rand_core::RngCore;
use std::path::Path;

const SECRET_PREFIX: &str = "chancery-secret-key ed25519 ";
const PUBLIC_PREFIX: &str = "chancery-public-key ed25519 ";
/// The sealing scheme and the Argon2id cost written in new protected files: 64 MiB, 3 passes.
const SEALED: &str = "argon2id:m=65536,t=3,p=1";
/// Largest Argon2id memory cost (KiB) and passes accepted from a file.
const MAX_MEMORY_KIB: u32 = 1 << 20;
const MAX_PASSES: u32 = 16;

/// Writes a new secret key file readable by its owner only, sealed with the passphrase if one
/// was given (`protect`), and its public key file beside it (`FILE.pub`). Refuses to overwrite
/// either.
pub fn write_new(
    path: &Path,
    key: &SecretKey,
    protect: bool,
) -> Result<std::path::PathBuf, CliError> {
    let passphrase = if protect { passphrase() } else { None };
    let public_path = public_path(path);
    files::check_writable(path, Mode::PRIVATE)?;
    files::check_writable(&public_path, Mode::NEW)?;
    let body = match passphrase {
        None => hex(&key.to_seed()),
        Some(p) => seal(&key.to_seed(), p)?,
    };
    let line = format!("{SECRET_PREFIX}{body}\n");
    create_private(path, line.as_bytes())?;
    write_public(&public_path, &key.public_key())?;
    Ok(public_path)
}

/// Writes a public key file; refuses to overwrite.
pub fn write_public(path: &Path, key: &PublicKey) -> Result<(), CliError> {
    let PublicKey::Ed25519(k) = key;
    let line = format!("{PUBLIC_PREFIX}{}\n", hex(k.as_bytes()));
    files::write(path, line.as_bytes(), Mode::NEW)
}

/// The public key file written beside a secret key file.
pub fn public_path(path: &Path) -> std::path::PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".pub");
    p.into()
}

/// Creates `path` with mode 0600 (never overwriting) and writes `bytes`, atomically.
pub fn create_private(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    files::write(path, bytes, Mode::PRIVATE)
}

/// The passphrase given on the command line or in the environment, for this process.
static PASSPHRASE: std::sync::OnceLock<Option<Vec<u8>>> = std::sync::OnceLock::new();

/// Takes the passphrase from `--passphrase-file` (its first line) or, failing that, from the
/// `CHANCERY_PASSPHRASE` environment variable.
pub fn init_passphrase(file: Option<&Path>) -> Result<(), CliError> {
    let p = match file {
        Some(f) => {
            let text = std::fs::read(f).map_err(|e| CliError::io(f, e))?;
            let line = text.split(|b| *b == b'\n').next().unwrap_or_default();
            Some(line.strip_suffix(b"\r").unwrap_or(line).to_vec())
        }
        None => std::env::var_os("CHANCERY_PASSPHRASE").map(|v| v.into_encoded_bytes()),
    };
    if p.as_ref().is_some_and(Vec::is_empty) {
        return Err(CliError::usage("the passphrase is empty"));
    }
    let _ = PASSPHRASE.set(p);
    Ok(())
}

/// The passphrase of this process, if one was given.
pub fn passphrase() -> Option<&'static [u8]> {
    PASSPHRASE.get().and_then(|p| p.as_deref())
}

/// Reads a secret key file, unsealing it with the passphrase if it is protected.
pub fn read_secret(path: &Path) -> Result<SecretKey, CliError> {
    let text = read_key_text(path)?;
    let body = text.strip_prefix(SECRET_PREFIX).ok_or_else(|| {
        CliError::usage(format!(
            "{} is not a chancery secret key file",
            path.display()
        ))
    })?;
    let seed = if body.starts_with("argon2id:") {
        let passphrase = passphrase().ok_or_else(|| {
            CliError::usage(format!(
                "{} is passphrase-protected: set CHANCERY_PASSPHRASE or pass --passphrase-file",
                path.display()
            ))
        })?;
        unseal(body, passphrase).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?
    } else {
        unhex32(body).ok_or_else(|| {
            CliError::usage(format!("{}: malformed secret key file", path.display()))
        })?
    };
    Ok(SecretKey::from_seed(seed))
}

/// `SEALED salt nonce ciphertext`, all hex: the seed encrypted under an Argon2id key.
fn seal(seed: &[u8; 32], passphrase: &[u8]) -> Result<String, CliError> {
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 12];
    rand_core::OsRng
        .try_fill_bytes(&mut salt)
        .and_then(|()| rand_core::OsRng.try_fill_bytes(&mut nonce))
        .map_err(|e| CliError::usage(format!("no randomness for the key file: {e}")))?;
    let key = derive(passphrase, &salt, 65536, 3)
        .map_err(|e| CliError::usage(format!("deriving the key file's key: {e}")))?;
    let aad = format!("{SECRET_PREFIX}{SEALED}");
    let sealed = ChaCha20Poly1305::new(Key::from_slice(&key))
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: seed,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| CliError::usage("sealing the key file failed"))?;
    Ok(format!(
        "{SEALED} {} {} {}",
        to_hex(&salt),
        to_hex(&nonce),
        to_hex(&sealed)
    ))
}

/// The seed in a sealed body, or why it cannot be had.
fn unseal(body: &str, passphrase: &[u8]) -> Result<[u8; 32], &'static str> {
    const MALFORMED: &str = "malformed protected key file";
    let parts: Vec<&str> = body.split(' ').collect();
    let [scheme, salt, nonce, sealed] = parts[..] else {
        return Err(MALFORMED);
    };
    let cost = |name: &str| -> Option<u32> {
        scheme
            .strip_prefix("argon2id:")?
            .split(',')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))?
            .parse()
            .ok()
    };
    let (Some(m), Some(t), Some(1)) = (cost("m"), cost("t"), cost("p")) else {
        return Err("unsupported key file protection");
    };
    if !(8..=MAX_MEMORY_KIB).contains(&m) || !(1..=MAX_PASSES).contains(&t) {
        return Err("unsupported key file protection cost");
    }
    let (Some(salt), Some(nonce), Some(sealed)) =
        (from_hex(salt), from_hex(nonce), from_hex(sealed))
    else {
        return Err(MALFORMED);
    };
    if salt.len() < 8 || nonce.len() != 12 || sealed.len() != 48 {
        return Err(MALFORMED);
    }
    let key = derive(passphrase, &salt, m, t).map_err(|_| MALFORMED)?;
    let aad = format!("{SECRET_PREFIX}{scheme}");
    let seed = ChaCha20Poly1305::new(Key::from_slice(&key))
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &sealed,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| "wrong passphrase (or the key file was altered)")?;
    seed.try_into().map_err(|_| MALFORMED)
}

fn derive(passphrase: &[u8], salt: &[u8], m: u32, t: u32) -> Result<[u8; 32], argon2::Error> {
    let params = argon2::Params::new(m, t, 1, Some(32))?;
    let mut key = [0u8; 32];
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(passphrase, salt, &mut key)?;
    Ok(key)
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

/// Reads a public key file. (A secret key file is refused: public keys are handed around,
/// secret ones are not.)
pub fn read_public(path: &Path) -> Result<PublicKey, CliError> {
    let text = read_key_text(path)?;
    if text.starts_with(SECRET_PREFIX) {
        return Err(CliError::usage(format!(
            "{} is a secret key file: give its public key file ({})",
            path.display(),
            public_path(path).display()
        )));
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
    let bytes = files::read(path)?;
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
    to_hex(bytes)
}

/// 32 bytes from exactly 64 hexadecimal digits.
pub fn unhex32(s: &str) -> Option<[u8; 32]> {
    from_hex(s)?.try_into().ok()
}
