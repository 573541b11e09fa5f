//! Building presentations (SPEC §20) from the ledger: the entries that prove a license version
//! and its issuer, with inclusion proofs in a signed checkpoint.

use super::{Ledger, ReadError};
use crate::checkpoint::CheckpointError;
use crate::crypto::KeyId;
use crate::encoding::Canonical;
use crate::merkle::ProofError;
use crate::present::{Presentation, ProvenEntry};
use crate::privacy::Disclosure;
use crate::stamp::StatusStamp;
use crate::state::Principal;
use crate::storage::Store;
use std::collections::BTreeSet;

/// Why a presentation cannot be built.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum PresentError {
    /// The checkpoint is not this ledger's, or not signed by it.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The disclosed version is not on the ledger at the checkpoint's size.
    #[error("license {0} is not on the ledger at the checkpoint")]
    UnknownLicense(crate::id::LicenseId),
    /// The stamp is for another version, entry or checkpoint.
    #[error("the status stamp is not for this version at this checkpoint")]
    StampMismatch,
    /// No sealing of the document is recorded at that sequence number (by the checkpoint).
    #[error("no sealing of the document is recorded at entry {seq} (by the checkpoint)")]
    UnknownSealing {
        /// The entry asked for.
        seq: u64,
    },
    /// A key in the chain was introduced after the checkpoint.
    #[error("key {0} is not on the ledger at the checkpoint")]
    KeyBeyondCheckpoint(KeyId),
    /// Reading an entry failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A proof could not be made.
    #[error(transparent)]
    Proof(#[from] ProofError),
}

impl<S: Store> Ledger<S> {
    /// The keys a trust list should name for this ledger (SPEC §15): each root key valid from
    /// the genesis (or from the rotation that brought it in) until one millisecond after its
    /// retirement (its rotation, which it signed then) or until its compromise point,
    /// whichever is first, signing entries (and checkpoints and stamps while the ledger has no
    /// operator key); each operator key valid from its addition until its retirement, signing
    /// checkpoints and stamps. A key whose introduction no longer counts (§9) is left out.
    pub fn operator_keys(&self) -> Result<Vec<crate::present::trust::OperatorKey>, ReadError> {
        use crate::present::trust::{KeyRoles, OperatorKey};
        use crate::time::Timestamp;
        let genesis = self.entry(0)?.ledger_time;
        let state = self.state();
        let root_roles = if state.has_operator_keys() {
            KeyRoles::ENTRIES
        } else {
            KeyRoles::ROOT
        };
        let roots = state.all_root_keys().into_iter().map(|rec| {
            let id = rec.public.key_id();
            let retired = state
                .retired_from(&id)
                .map(|t| Timestamp(t.0.saturating_add(1)));
            let valid_until = match (retired, state.compromised_since(&id)) {
                (Some(r), Some(c)) => Some(r.min(c)),
                (r, c) => r.or(c),
            };
            (rec, valid_until, root_roles)
        });
        let operators = state.all_operator_keys().into_iter().map(|rec| {
            let valid_until = state.retired_from(&rec.public.key_id());
            (rec, valid_until, KeyRoles::OPERATOR)
        });
        Ok(roots
            .chain(operators)
            .filter(|(rec, ..)| state.void_by(&rec.introduced).is_none())
            .map(|(rec, valid_until, roles)| OperatorKey {
                key: rec.public,
                valid_from: if rec.introduced.seq == 0 {
                    genesis
                } else {
                    rec.introduced.ledger_time
                },
                valid_until,
                roles,
            })
            .filter(|k| k.valid_until.is_none_or(|u| k.valid_from < u))
            .collect())
    }

    /// A full presentation of the disclosed license version under the signed checkpoint `note`
    /// (with whatever cosignatures it carries) and the operator's `stamp` as of that
    /// checkpoint: the version's entry, the entry that introduced its signing key and so on up
    /// to a root key (registrations, key additions, root key rotations), and the registrations
    /// of the issuer and its ancestors, each with its inclusion proof.
    pub fn present(
        &self,
        disclosure: Disclosure,
        note: &str,
        stamp: StatusStamp,
    ) -> Result<Presentation, PresentError> {
        let cp = self.check_checkpoint(note.as_bytes())?;
        let id = &disclosure.license;
        let record = self
            .state
            .license(id)
            .filter(|r| r.recorded.seq < cp.size)
            .ok_or_else(|| PresentError::UnknownLicense(id.clone()))?;
        let claim = &stamp.claim;
        if claim.license != *id
            || claim.entry_seq != record.recorded.seq
            || claim.size != cp.size
            || claim.root != cp.root
        {
            return Err(PresentError::StampMismatch);
        }
        // The version's entry, the registrations of its issuer and the issuer's ancestors, and,
        // for each entry taken, the one that introduced its signing key.
        let mut pending = vec![record.recorded.seq];
        pending.extend(self.registration_chain(id.issuer()));
        let entries = self.bundle(
            pending,
            note,
            |k| stamp.verify(std::slice::from_ref(k)).is_ok(),
            cp.size,
        )?;
        Ok(Presentation {
            checkpoint: note.to_owned(),
            entries,
            disclosure,
            stamp,
            holder_signature: None,
        })
    }

    /// The registrations of authority `code` and its ancestors (by the entries that introduced
    /// their first keys).
    fn registration_chain(&self, code: &str) -> Vec<u64> {
        let mut seqs = Vec::new();
        let mut authority = self.state.authority(code);
        while let Some(a) = authority {
            if let Some(first) = a.keys.first().and_then(|k| self.state.key(k)) {
                seqs.push(first.introduced.seq);
            }
            authority = a.parent.as_deref().and_then(|p| self.state.authority(p));
        }
        seqs
    }

    /// The entries at `pending` and, for each entry taken, the one that introduced its signing
    /// key, until a genesis root key; plus the introductions (rotations, operator key
    /// additions) of the keys that signed the note or (by `signed_stamp`) the stamp; each with
    /// its inclusion proof at size `size`, in ledger order.
    fn bundle(
        &self,
        mut pending: Vec<u64>,
        note: &str,
        signed_stamp: impl Fn(&crate::crypto::PublicKey) -> bool,
        size: u64,
    ) -> Result<Vec<ProvenEntry>, PresentError> {
        let origin = self.origin();
        // Keys that signed the note or the stamp and came by a rotation or an operator key
        // addition: those entries (and the earlier ones) let a verifier that trusts an older
        // root key follow.
        let note_ids: Vec<u32> = crate::checkpoint::Note::parse(note.as_bytes())
            .map(|n| n.signatures.iter().map(|s| s.key_id).collect())
            .unwrap_or_default();
        for root in self.state.all_checkpoint_keys() {
            let signed_note = crate::checkpoint::NoteVerifier::new(origin, &root)
                .is_ok_and(|v| note_ids.contains(&v.key_id()));
            if let Some(k) = self.state.key(&root.key_id()) {
                if (signed_note || signed_stamp(&root)) && k.introduced.seq != 0 {
                    pending.push(k.introduced.seq);
                }
            }
        }
        let mut seqs = BTreeSet::new();
        while let Some(seq) = pending.pop() {
            if !seqs.insert(seq) {
                continue;
            }
            let entry = self.entry(seq)?;
            let actor = entry.statement.statement().actor;
            let key = self
                .state
                .key(&actor)
                .ok_or(PresentError::KeyBeyondCheckpoint(actor))?;
            if key.introduced.seq >= size {
                return Err(PresentError::KeyBeyondCheckpoint(actor));
            }
            // Genesis keys need no proof: the trust list names them.
            let genesis_root = key.owner == Principal::Root && key.introduced.seq == 0;
            if !genesis_root {
                pending.push(key.introduced.seq);
            }
        }
        seqs.remove(&0);
        seqs.into_iter()
            .map(|seq| {
                Ok(ProvenEntry {
                    entry: self.entry(seq)?.to_canonical(),
                    path: self.prove_inclusion(seq, size)?.path,
                })
            })
            .collect()
    }

    /// A sealing presentation (SPEC §20) of the sealing of `document` recorded at `seq`, under
    /// the signed checkpoint `note` and the operator's sealing `stamp` as of it: the sealing
    /// entry, the entries that introduced its signing key (the seal's registration, or the
    /// automatic-sealing policy's grant and the seal's registration) and so on up to a root
    /// key, each with its inclusion proof.
    pub fn present_sealing(
        &self,
        document: &crate::crypto::Digest32,
        seq: u64,
        note: &str,
        stamp: crate::stamp::SealingStamp,
    ) -> Result<crate::present::seal::SealPresentation, PresentError> {
        let cp = self.check_checkpoint(note.as_bytes())?;
        let sealing = self
            .state
            .sealings_of(document)
            .iter()
            .find(|u| u.recorded.seq == seq && seq < cp.size)
            .ok_or(PresentError::UnknownSealing { seq })?;
        let claim = &stamp.claim;
        if claim.entry_seq != seq
            || claim.document != *document
            || claim.size != cp.size
            || claim.root != cp.root
        {
            return Err(PresentError::StampMismatch);
        }
        let mut pending = vec![seq];
        // The seal's registration (it names the owner that grants a policy and the registrar),
        // the registrar's registration chain (its seal-registration rights), and, for an
        // automatic sealing, the grant of the policy it cites (one engine key may serve
        // several policies: its own introduction is only the first).
        if let Some(seal) = self.state.seal(&sealing.es_id) {
            if let Some(k) = self.state.key(&seal.registration.key.key_id()) {
                pending.push(k.introduced.seq);
            }
            pending.extend(self.registration_chain(&seal.registration.registrar));
        }
        if let Some(p) = sealing
            .policy
            .as_deref()
            .and_then(|p| self.state.auto_seal_policy(p))
        {
            pending.push(p.recorded.seq);
        }
        let entries = self.bundle(
            pending,
            note,
            |k| {
                k.verify(
                    crate::crypto::Domain::SealingStamp,
                    &claim.to_canonical(),
                    &stamp.signature,
                )
                .is_ok()
            },
            cp.size,
        )?;
        Ok(crate::present::seal::SealPresentation {
            checkpoint: note.to_owned(),
            entries,
            document: *document,
            stamp,
        })
    }
}
