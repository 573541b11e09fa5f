//! The claims the ledger makes in its status and sealing stamps (SPEC §17), made from and
//! checked against its state: the stamp formats and their signatures are `crate::stamp`'s.
//! The tree given always holds exactly the state's entries, so its head is the claim's.

use crate::crypto::Digest32;
use crate::id::LicenseId;
use crate::merkle::MerkleTree;
use crate::stamp::{IssueStampError, SealingClaim, StampError, StampKind, StatusClaim};
use crate::state::State;
use crate::time::Timestamp;

/// The claim a ledger makes about `license`: its state and tree are those of the first
/// `state.size()` entries, the status is taken at `this_update`.
pub(crate) fn claim_for(
    origin: &str,
    state: &State,
    tree: &MerkleTree,
    kind: StampKind,
    license: &LicenseId,
    this_update: Timestamp,
    next_update: Timestamp,
) -> Result<StatusClaim, IssueStampError> {
    let unknown = || IssueStampError::UnknownLicense(license.clone());
    let record = state.license(license).ok_or_else(unknown)?;
    let seq = record.recorded.seq;
    let size = state.size();
    // A termination the ledger already holds, taking effect inside the window, ends the
    // window: the stamp may not vouch for the status past a change the ledger knows of.
    let next_update = state
        .lineage(license)
        .and_then(|l| state.termination(l))
        .map(|t| t.effective)
        .filter(|e| *e > this_update)
        .map_or(next_update, |e| next_update.min(e));
    Ok(StatusClaim {
        kind,
        origin: origin.to_owned(),
        size,
        root: tree.head().root,
        license: license.clone(),
        entry_seq: seq,
        entry_hash: tree.leaf(seq).ok_or_else(unknown)?,
        status: state.status(license, this_update),
        this_update,
        next_update,
        holder: state
            .holder_key(license)
            .and_then(|k| state.key(&k))
            .map(|r| r.public),
    })
}

/// Checks a claim against the log: `state` and `tree` must be those of exactly the claim's
/// `size` first entries (a replay of that prefix); the claim must be what [`claim_for`] gives
/// (so its next update does not reach past a termination the log holds), and a current one
/// may not be dated before the last of those entries.
pub(crate) fn check_claim(
    origin: &str,
    claim: &StatusClaim,
    state: &State,
    tree: &MerkleTree,
) -> Result<(), StampError> {
    if state.size() != claim.size {
        return Err(StampError::Mismatch("checkpoint size"));
    }
    let expected = claim_for(
        origin,
        state,
        tree,
        claim.kind,
        &claim.license,
        claim.this_update,
        claim.next_update,
    )
    .map_err(|_| StampError::Mismatch("license (not on the ledger at the stamp's size)"))?;
    // A current stamp is about the present at its size: not before the last entry it covers
    // (else a change that entry records would be dated after the stamp).
    let field = if expected.origin != claim.origin {
        "origin"
    } else if expected.root != claim.root {
        "checkpoint root"
    } else if expected.entry_seq != claim.entry_seq || expected.entry_hash != claim.entry_hash {
        "entry"
    } else if claim.kind == StampKind::Current && claim.this_update < state.last_time() {
        "this update (a current stamp dated before its checkpoint's last entry)"
    } else if expected.status != claim.status {
        "status"
    } else if expected.next_update != claim.next_update {
        "next update"
    } else if expected.holder != claim.holder {
        "holder key"
    } else {
        return Ok(());
    };
    Err(StampError::Mismatch(field))
}

/// The claim a ledger makes about the sealing of `document` at `seq`: its state and tree are
/// those of the first `state.size()` entries, the verdict is judged with them.
pub(crate) fn sealing_claim_for(
    origin: &str,
    state: &State,
    tree: &MerkleTree,
    document: &Digest32,
    seq: u64,
    this_update: Timestamp,
    next_update: Timestamp,
) -> Result<SealingClaim, IssueStampError> {
    let unknown = IssueStampError::UnknownSealing { seq };
    let sealing = state
        .sealings_of(document)
        .iter()
        .find(|u| u.recorded.seq == seq)
        .ok_or(unknown.clone())?;
    let size = state.size();
    Ok(SealingClaim {
        origin: origin.to_owned(),
        size,
        root: tree.head().root,
        entry_seq: seq,
        entry_hash: tree.leaf(seq).ok_or(unknown)?,
        document: *document,
        valid: crate::verify::sealing_verdict(state, sealing).is_valid(),
        this_update,
        next_update,
    })
}
