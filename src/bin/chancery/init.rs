//! `chancery init`: create a new ledger in the store, crash-safely.

use crate::report::Out;
use crate::{files, keyfile, CliError};
use chancery::checkpoint;
use chancery::event::Policy;
use chancery::{Actor, Event, FileStore, Ledger, SecretKey, SystemClock, Timestamp};
use serde_json::json;
use std::path::Path;

/// Creates the ledger crash-safely: the whole store (journal, head, root key) is built in a
/// sibling directory `.NAME.init-PID`, every file and the directory fsynced, then renamed into
/// place (refusing an existing target, even an empty one) and the parent fsynced. Killed at any
/// point, `init` leaves no store or a complete one; two at once, one wins and the other is told.
pub fn run(
    store: &Path,
    origin: &str,
    root_key: Option<&Path>,
    policy: Policy,
    out: &Out,
) -> Result<u8, CliError> {
    if store.symlink_metadata().is_ok() {
        return Err(CliError::usage(format!(
            "{} already exists; init creates a new store",
            store.display()
        )));
    }
    let key = match root_key {
        Some(p) => Some(keyfile::read_secret(p)?),
        None => None,
    };
    let key = key.unwrap_or_else(SecretKey::generate);
    checkpoint::NoteVerifier::new(origin, &key.public_key()).map_err(|e| {
        CliError::usage(format!(
            "origin {origin:?} cannot name a C2SP signed-note key ({e}): use a name like \
             zj.gov.cn/elicense, without spaces, '+' or control characters"
        ))
    })?;
    let parent = files::parent(store);
    std::fs::create_dir_all(parent).map_err(|e| CliError::io(parent, e))?;
    let _lock = files::lock_beside(store, "init")?;
    files::remove_leftovers(store, "init")?;
    let tmp = files::temp_beside(store, "init");
    let zone = policy_zone(&policy);
    let built = (|| {
        std::fs::create_dir(&tmp).map_err(|e| CliError::io(&tmp, e))?;
        let keys = tmp.join("keys");
        std::fs::create_dir(&keys).map_err(|e| CliError::io(&keys, e))?;
        if root_key.is_none() {
            keyfile::write_new(&keys.join("root.key"), &key, true)?;
        }
        files::sync_dir(&keys)?;
        let root = Actor::new(origin, key.clone());
        let genesis = root.sign(
            Event::LedgerCreated {
                root_keys: vec![root.public_key()],
                policy,
            },
            Timestamp::now(),
        );
        let ledger = Ledger::create(FileStore::open(&tmp)?, genesis, SystemClock)?;
        drop(ledger);
        files::sync_dir(&tmp)?;
        files::rename_noreplace(&tmp, store, false).map_err(|e| {
            if store.symlink_metadata().is_ok() {
                CliError::usage(format!(
                    "{} was created by another process meanwhile; not replacing it",
                    store.display()
                ))
            } else {
                e
            }
        })?;
        files::sync_dir(parent)
    })();
    if let Err(e) = built {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let key_path = match root_key {
        Some(p) => p.to_owned(),
        None => store.join("keys").join("root.key"),
    };
    let key_id = key.public_key().key_id();
    out.created(
        origin,
        &format!(
            "created ledger {origin} in {} (civil time zone {})\nroot key: {} (key id {key_id})",
            store.display(),
            zone,
            key_path.display(),
        ),
        json!({
            "origin": origin,
            "store": store.display().to_string(),
            "root_key_file": key_path.display().to_string(),
            "root_key_id": key_id.to_string(),
            "utc_offset": zone,
            "entries": 1,
        }),
    );
    Ok(0)
}

fn policy_zone(policy: &Policy) -> String {
    policy.utc_offset.to_string()
}
