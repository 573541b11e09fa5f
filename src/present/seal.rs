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
use crate::verify::{InvalidReason, SealFilter, Verdict};

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

/// Who sealed the document, as a seal presentation proves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealer {
    /// The ledger.
    pub origin: String,
    /// The seal.
    pub es_id: String,
    /// Its owning unit's code.
    pub owner: String,
    /// The seal's name (the owner's filed name).
    pub name: String,
    /// Its type.
    pub seal_type: String,
    /// The authority that registered it.
    pub registrar: String,
    /// When the sealing was recorded.
    pub sealed_at: Timestamp,
    /// The case it was applied for.
    pub case: String,
    /// The automatic-sealing policy, for an automatic sealing.
    pub policy: Option<String>,
}

/// What a seal presentation's verification found: the verdict, and (when it is valid) who
/// sealed the document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct SealVerification {
    /// The verdict.
    pub verdict: Verdict,
    /// The seal, its owner and registrar, when the sealing is proven.
    pub sealer: Option<Sealer>,
}

/// Verifies that `document` (its bytes) was validly sealed by a seal `asked` selects (any
/// seal, one owner's, one seal), by a seal presentation, at `now` against the trust lists held,
/// offline (SPEC §20). A valid verdict comes with who sealed it: a relying party must look at
/// that, or ask for the seal it expects.
pub fn verify_sealed(
    document: &[u8],
    p: &SealPresentation,
    trust: &Trust,
    now: Timestamp,
    asked: &SealFilter,
) -> SealVerification {
    let mut sealer = None;
    let verdict = match check(&sha256(document), p, trust, now, asked, &mut sealer) {
        Ok(()) => Verdict::Valid,
        Err(v) => v,
    };
    if !verdict.is_valid() {
        sealer = None;
    }
    SealVerification { verdict, sealer }
}

fn check(
    document: &Digest32,
    p: &SealPresentation,
    trust: &Trust,
    now: Timestamp,
    asked: &SealFilter,
    found_sealer: &mut Option<Sealer>,
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
        checkpoint: (&claim.origin, claim.size, claim.root),
    };
    let Proven {
        ledger,
        cp,
        entries,
        signers,
        chain,
        attested,
    } = prove(trust, &p.checkpoint, &p.entries, &stamp, now)?;
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
    // the policy it cites (granted by the seal's owner), and the seal is registered in the
    // bundle.
    let actor = entry.statement.statement().actor;
    let (es_id, case, policy) = match &entry.statement.statement().event {
        Event::SealApplied(a)
            if a.document == *document && *signer == Signer::Seal(a.es_id.clone()) =>
        {
            (a.es_id.clone(), a.case.clone(), None)
        }
        Event::SealAutoApplied(a) if a.document == *document => {
            match chain.policies.get(&a.policy) {
                Some(pol) if pol.engine.key_id() == actor => {
                    (pol.es_id.clone(), a.case.clone(), Some(a.policy.clone()))
                }
                _ => return Err(invalid(InvalidReason::SignerNotProven { seq: entry.seq })),
            }
        }
        Event::SealApplied(_) | Event::SealAutoApplied(_) => {
            return Err(invalid(InvalidReason::SignerNotProven { seq: entry.seq }))
        }
        _ => return Err(malformed("not a sealing entry")),
    };
    let Some(reg) = chain.seals.get(&es_id) else {
        return Err(invalid(InvalidReason::SignerNotProven { seq: entry.seq }));
    };
    let sealer = Sealer {
        origin: cp.origin.clone(),
        es_id,
        owner: reg.owner.clone(),
        name: reg.name.clone(),
        seal_type: reg.seal_type.clone(),
        registrar: reg.registrar.clone(),
        sealed_at: entry.ledger_time,
        case,
        policy,
    };
    let wanted = asked.owner.as_ref().is_none_or(|o| *o == sealer.owner)
        && asked.es_id.as_ref().is_none_or(|e| *e == sealer.es_id);
    if !wanted {
        return Err(invalid(InvalidReason::NotSealed));
    }
    super::fresh(ledger, attested, claim.this_update, claim.next_update, now)?;
    if !claim.valid {
        return Err(invalid(InvalidReason::SealingNotValid));
    }
    *found_sealer = Some(sealer);
    Ok(())
}
