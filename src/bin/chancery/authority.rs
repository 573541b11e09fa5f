//! `chancery authority …` and `chancery license-type …`: issuing authorities and license types.

use crate::cli::{AuthorityCommand, LicenseTypeCommand};
use crate::report::Out;
use crate::{keyfile, license, open, open_reader, query, record, CliError};
use chancery::event::AuthorityRegistration;
use chancery::Event;
use serde_json::json;
use std::path::Path;

/// `authority …`: register and manage issuing authorities (a signed statement), or list them.
pub fn run(store: &Path, command: AuthorityCommand, out: &Out) -> Result<u8, CliError> {
    let mut ledger = if matches!(command, AuthorityCommand::List) {
        open_reader(store)?
    } else {
        open(store)?
    };
    let (signer, event) = match command {
        AuthorityCommand::Register {
            signer,
            code,
            name,
            keys,
            types,
            parent,
            may_register_seals,
            may_delegate,
        } => {
            let keys = keys
                .iter()
                .map(|p| keyfile::read_public(p))
                .collect::<Result<_, _>>()?;
            let registration = AuthorityRegistration {
                code,
                name,
                parent,
                keys,
                license_types: types,
                may_register_seals,
                may_delegate,
            };
            (signer, Event::AuthorityRegistered(registration))
        }
        AuthorityCommand::Suspend {
            signer,
            code,
            reason,
        } => (
            signer,
            Event::AuthoritySuspended {
                authority: code,
                reason,
            },
        ),
        AuthorityCommand::Reinstate { signer, code } => {
            (signer, Event::AuthorityReinstated { authority: code })
        }
        AuthorityCommand::Revoke {
            signer,
            code,
            reason,
        } => (
            signer,
            Event::AuthorityRevoked {
                authority: code,
                reason,
            },
        ),
        AuthorityCommand::AddKey { signer, code, key } => (
            signer,
            Event::AuthorityKeyAdded {
                authority: code,
                key: keyfile::read_public(&key)?,
            },
        ),
        AuthorityCommand::RetireKey {
            signer,
            code,
            key,
            from,
        } => {
            let from = match from {
                Some(t) => license::time(&t)?,
                None => ledger.now(),
            };
            (
                signer,
                Event::AuthorityKeyRetired {
                    authority: code,
                    key: key_id(&key)?,
                    from,
                },
            )
        }
        AuthorityCommand::CompromiseKey {
            signer,
            code,
            key,
            since,
        } => (
            signer,
            Event::AuthorityKeyCompromised {
                authority: code,
                key: key_id(&key)?,
                since: license::time(&since)?,
            },
        ),
        AuthorityCommand::List => {
            let state = ledger.state();
            let mut all: Vec<_> = state.authorities().collect();
            all.sort_by(|a, b| a.code.cmp(&b.code));
            // An authority whose registration no longer counts (SPEC §9) is void, whatever
            // its recorded transitions say.
            let standing = |a: &chancery::state::Authority| {
                if state.counts(&a.registered) {
                    format!("{:?}", a.state)
                } else {
                    "Void".to_owned()
                }
            };
            let text: Vec<String> = all
                .iter()
                .map(|a| {
                    format!(
                        "{} {:?} {} types {}",
                        a.code,
                        a.name,
                        standing(a),
                        a.license_types.join(",")
                    )
                })
                .collect();
            let items: Vec<_> = all
                .iter()
                .map(|a| {
                    json!({
                        "code": a.code,
                        "name": a.name,
                        "parent": a.parent,
                        "state": standing(a),
                        "license_types": a.license_types,
                        "may_register_seals": a.may_register_seals,
                        "may_delegate": a.may_delegate,
                        "keys": a.keys.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    })
                })
                .collect();
            out.print(&text.join("\n"), json!(items));
            return Ok(0);
        }
    };
    record(&mut ledger, &signer, event, out)
}

/// A key id given as 64 hex digits or as a public key file.
fn key_id(arg: &str) -> Result<chancery::KeyId, CliError> {
    match chancery::Digest32::from_hex(arg) {
        Some(d) => Ok(chancery::KeyId(d)),
        None => Ok(keyfile::read_public(Path::new(arg))?.key_id()),
    }
}

/// `license-type define|list`.
pub fn license_type(store: &Path, command: LicenseTypeCommand, out: &Out) -> Result<u8, CliError> {
    match command {
        LicenseTypeCommand::List => query::license_type_list(&open_reader(store)?, out),
        LicenseTypeCommand::Define {
            signer,
            code,
            name,
            claims,
        } => {
            let mut ledger = open(store)?;
            let event = Event::LicenseTypeDefined {
                code,
                name,
                claim_names: claims,
            };
            record(&mut ledger, &signer, event, out)
        }
    }
}
