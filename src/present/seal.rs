//! Sealed documents verified offline (SPEC §20): a seal presentation carries the sealing
//! entry, the entries that prove its signing key up to a trusted root key (the seal's
//! registration by its registrar, or the automatic-sealing policy its owner granted), their
//! inclusion proofs in a signed checkpoint, and the operator's sealing stamp, so a relying
//! party with only the document and a trust list can tell whether it was validly sealed.

use super::trust::Trust;
use super::ProvenEntry;
use super::{invalid, malformed, prove, Proven, Signer, StampSig};
use crate::crypto::{sha256, Digest32, Domain};
use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};
use crate::event::Event;
use crate::stamp::SealingStamp;
use crate::time::Timestamp;
use crate::verify::{InvalidReason, Verdict};

/// A sealing presentation. Encoded `[1, checkpoint note, [proven entry...], document digest,
/// sealing stamp]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealPresentation {
    /// The signed checkpoint note (C2SP), with the witnesses' cosignatures.
    pub checkpoint: String,
    /// The sealing entry and the entries proving its signing key, in ledger order.
    pub entries: Vec<ProvenEntry>,
    /// SHA-256 of the sealed document.
    pub document: Digest32,
    /// The operator's stamp of the sealing's verdict.
    pub stamp: SealingStamp,
}

impl Canonical for SealPresentation {
    fn encode(&self, e: &mut Encoder) {
        e.array(5);
        e.uint(1);
        e.text(&self.checkpoint);
        self.entries.encode(e);
        self.document.encode(e);
        self.stamp.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.versioned("seal presentation", 1, 5, &[])?;
        Ok(Self {
            checkpoint: d.text()?.to_owned(),
            entries: Vec::decode(d)?,
            document: Digest32::decode(d)?,
            stamp: SealingStamp::decode(d)?,
        })
    }
}

/// Verifies that `document` (its bytes) was validly sealed, by a seal presentation, at `now`
/// against the trust lists held, offline (SPEC §20).
pub fn verify_sealed(
    document: &[u8],
    p: &SealPresentation,
    trust: &Trust,
    now: Timestamp,
) -> Verdict {
    match check(&sha256(document), p, trust, now) {
        Ok(()) => Verdict::Valid,
        Err(v) => v,
    }
}

fn check(
    document: &Digest32,
    p: &SealPresentation,
    trust: &Trust,
    now: Timestamp,
) -> Result<(), Verdict> {
    let claim = &p.stamp.claim;
    if *document != p.document || claim.document != p.document {
        return Err(invalid(InvalidReason::NotSealed));
    }
    let stamp = StampSig {
        domain: Domain::SealingStamp,
        bytes: claim.to_canonical(),
        signature: &p.stamp.signature,
        this_update: claim.this_update,
        next_update: claim.next_update,
    };
    let Proven {
        ledger,
        cp,
        entries,
        signers,
        chain,
        attested,
    } = prove(trust, &p.checkpoint, &p.entries, &stamp, now)?;
    if claim.origin != cp.origin || claim.size != cp.size || claim.root != cp.root {
        return Err(invalid(InvalidReason::StampMismatch { what: "checkpoint" }));
    }
    let found = entries
        .iter()
        .zip(&signers)
        .find(|((e, _), _)| e.seq == claim.entry_seq);
    let Some(((entry, hash), signer)) = found else {
        return Err(invalid(InvalidReason::NotSealed));
    };
    if *hash != claim.entry_hash {
        return Err(invalid(InvalidReason::StampMismatch { what: "entry" }));
    }
    // The sealing is of this document, signed by the seal's own key or by the engine key of
    // the policy it cites, for that policy's seal.
    let sealed_by_its_key = match &entry.statement.statement().event {
        Event::SealApplied(a) => {
            a.document == *document && *signer == Signer::Seal(a.es_id.clone())
        }
        Event::SealAutoApplied(a) => {
            a.document == *document
                && *signer == Signer::Engine(a.policy.clone())
                && chain.policies.contains_key(&a.policy)
        }
        _ => return Err(malformed("not a sealing entry")),
    };
    if !sealed_by_its_key {
        return Err(invalid(InvalidReason::SignerNotProven { seq: entry.seq }));
    }
    super::fresh(ledger, attested, claim.this_update, claim.next_update, now)?;
    if !claim.valid {
        return Err(invalid(InvalidReason::SealingNotValid));
    }
    Ok(())
}
