//! Status stamps (SPEC §17): the operator's signed statement that, as of a checkpoint, a license
//! version had a given status at a time, valid until a next-update time — OCSP stapling for
//! e-licenses. A holder carries a fresh stamp so a verifier needs no connection to the ledger;
//! anyone with the log can check a stamp by replaying the log up to the stamp's checkpoint, so an
//! operator that signs a false status is caught by audit.

use crate::crypto::{Digest32, Domain, PublicKey, SecretKey, Signature};
use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};
use crate::id::LicenseId;
use crate::status::Status;
use crate::time::Timestamp;

/// What a stamp is for (SPEC §17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StampKind {
    /// The status now: `this_update` is the ledger's present when it was signed. The only kind
    /// a presentation is verified with.
    Current,
    /// The status at a past moment, for auditors and courts: never accepted as current.
    AsOf,
}

impl Canonical for StampKind {
    fn encode(&self, e: &mut Encoder) {
        e.uint(match self {
            Self::Current => 0,
            Self::AsOf => 1,
        });
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        let at = d.position();
        match d.uint()? {
            0 => Ok(Self::Current),
            1 => Ok(Self::AsOf),
            _ => Err(DecodeError::InvalidValue {
                offset: at,
                what: "stamp kind",
            }),
        }
    }
}

/// What the operator asserts. Encoded `[2, kind, origin, checkpoint size, checkpoint root,
/// license id, entry seq, entry hash, status, this update, next update, holder key or null]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusClaim {
    /// A current stamp, or one about the past.
    pub kind: StampKind,
    /// The ledger's origin.
    pub origin: String,
    /// Size of the checkpoint the status is computed at.
    pub size: u64,
    /// Merkle root at that size.
    pub root: Digest32,
    /// The license version.
    pub license: LicenseId,
    /// Sequence number of the entry that recorded the version.
    pub entry_seq: u64,
    /// Hash of that entry.
    pub entry_hash: Digest32,
    /// The status at `this_update`, from the first `size` entries.
    pub status: Status,
    /// The reference time of the status.
    pub this_update: Timestamp,
    /// The stamp must not be relied on from this time on.
    pub next_update: Timestamp,
    /// The license's holder key that counts (SPEC §19), if one is bound: the key whose
    /// signature binds a presentation to the person showing it (§20).
    pub holder: Option<PublicKey>,
}

impl Canonical for StatusClaim {
    fn encode(&self, e: &mut Encoder) {
        e.array(12);
        e.uint(2);
        self.kind.encode(e);
        e.text(&self.origin);
        e.uint(self.size);
        self.root.encode(e);
        self.license.encode(e);
        e.uint(self.entry_seq);
        self.entry_hash.encode(e);
        self.status.encode(e);
        self.this_update.encode(e);
        self.next_update.encode(e);
        self.holder.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        // A version-1 claim (ten items, no kind) is refused by its version.
        d.versioned("status claim", 2, 12, &[10])?;
        Ok(Self {
            kind: StampKind::decode(d)?,
            origin: d.text()?.to_owned(),
            size: d.uint()?,
            root: Digest32::decode(d)?,
            license: LicenseId::decode(d)?,
            entry_seq: d.uint()?,
            entry_hash: Digest32::decode(d)?,
            status: Status::decode(d)?,
            this_update: Timestamp::decode(d)?,
            next_update: Timestamp::decode(d)?,
            holder: Option::decode(d)?,
        })
    }
}

/// A claim the operator signs as a stamp (SPEC §17): a status claim or a sealing claim.
pub trait StampClaim: Canonical {
    /// The domain of the operator's signature over the claim's bytes.
    const DOMAIN: Domain;
    /// The stamp's name in decoding errors.
    const STAMP: &'static str;
    /// `this_update`.
    fn this_update(&self) -> Timestamp;
    /// `next_update`.
    fn next_update(&self) -> Timestamp;
}

impl StampClaim for StatusClaim {
    const DOMAIN: Domain = Domain::StatusStamp;
    const STAMP: &'static str = "status stamp";
    fn this_update(&self) -> Timestamp {
        self.this_update
    }
    fn next_update(&self) -> Timestamp {
        self.next_update
    }
}

/// A claim signed by the operator. Encoded `[1, claim, signature]`, the signature over
/// `domain || 0x00 || claim bytes` with the claim's domain (`chancery/v1/status-stamp`,
/// `chancery/v1/sealing-stamp`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp<C> {
    /// The claim.
    pub claim: C,
    /// The operator's signature.
    pub signature: Signature,
}

/// A status claim signed by the operator (SPEC §17).
pub type StatusStamp = Stamp<StatusClaim>;

/// A sealing claim signed by the operator (SPEC §17).
pub type SealingStamp = Stamp<SealingClaim>;

impl<C: StampClaim> Canonical for Stamp<C> {
    fn encode(&self, e: &mut Encoder) {
        e.array(3);
        e.uint(1);
        self.claim.encode(e);
        self.signature.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.versioned(C::STAMP, 1, 3, &[])?;
        Ok(Self {
            claim: C::decode(d)?,
            signature: Signature::decode(d)?,
        })
    }
}

/// Why a stamp is refused when it is checked (by a verifier, or against the log).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StampError {
    /// Not signed by any of the operator keys given.
    #[error("status stamp not signed by the operator")]
    BadSignature,
    /// `next_update` is not after `this_update`.
    #[error("status stamp's next update is not after its this update")]
    BadWindow,
    /// The reference time is outside `[this_update, next_update)`.
    #[error("status stamp not current at {at} (valid {from} to {until})")]
    NotCurrent {
        /// The time asked about.
        at: Timestamp,
        /// `this_update`.
        from: Timestamp,
        /// `next_update`.
        until: Timestamp,
    },
    /// The stamp's checkpoint, entry or status disagrees with the log.
    #[error("status stamp disagrees with the log: {0}")]
    Mismatch(&'static str),
}

/// Why the ledger refuses to issue a stamp; nothing is signed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssueStampError {
    /// The key does not sign the ledger's checkpoints and stamps now (SPEC §16: an active
    /// operator key, or a root key while the ledger has none).
    #[error("the key does not sign this ledger's stamps now (an active operator key does, or a root key while the ledger has none)")]
    NotAStampKey,
    /// `next_update` is not after `this_update`.
    #[error("status stamp's next update is not after its this update")]
    BadWindow,
    /// A stamp about a time after the ledger's present.
    #[error("status stamp for {0}, after the ledger's present")]
    Future(Timestamp),
    /// A current stamp whose this update is not the ledger's present (within the clock skew):
    /// a stamp about the past is made with [`StampKind::AsOf`].
    #[error(
        "a current status stamp is for the ledger's present ({present}), not {at}: a stamp \
         about the past is an as-of stamp"
    )]
    NotPresent {
        /// The this update asked for.
        at: Timestamp,
        /// The ledger's present.
        present: Timestamp,
    },
    /// The license version is not on the ledger.
    #[error("license {0} not on the ledger")]
    UnknownLicense(LicenseId),
    /// No sealing of the document is recorded at that entry.
    #[error("no sealing of the document is recorded at entry {seq}")]
    UnknownSealing {
        /// The entry.
        seq: u64,
    },
    /// The ledger does not hold the last checkpoint kept in the operator's checkpoint log
    /// (rolled back, rewritten, or another ledger's log): a stamp would sign a second tree.
    #[error("refusing to sign: the ledger is not consistent with the last checkpoint kept: {0}")]
    Inconsistent(crate::checkpoint::CheckpointError),
    /// The checkpoint log could not be read.
    #[error("the checkpoint log could not be read: {0}")]
    Log(String),
}

impl<C: StampClaim> Stamp<C> {
    /// Signs `claim` with the operator `key`.
    pub fn sign(claim: C, key: &SecretKey) -> Result<Self, IssueStampError> {
        if claim.next_update() <= claim.this_update() {
            return Err(IssueStampError::BadWindow);
        }
        let signature = key.sign(C::DOMAIN, &claim.to_canonical());
        Ok(Self { claim, signature })
    }

    /// The claim, if one of `operator_keys` signed it and its window is well-formed.
    pub fn verify(&self, operator_keys: &[PublicKey]) -> Result<&C, StampError> {
        if self.claim.next_update() <= self.claim.this_update() {
            return Err(StampError::BadWindow);
        }
        let bytes = self.claim.to_canonical();
        if operator_keys
            .iter()
            .any(|k| k.verify(C::DOMAIN, &bytes, &self.signature).is_ok())
        {
            Ok(&self.claim)
        } else {
            Err(StampError::BadSignature)
        }
    }

    /// Whether the stamp may be relied on at `at`: `this_update <= at < next_update`.
    pub fn current_at(&self, at: Timestamp) -> Result<(), StampError> {
        let (from, until) = (self.claim.this_update(), self.claim.next_update());
        if at < from || at >= until {
            return Err(StampError::NotCurrent { at, from, until });
        }
        Ok(())
    }
}

/// What the operator asserts about one sealing (SPEC §17): that, as of a checkpoint, the
/// sealing of `document` recorded at `entry_seq` was valid or not, judged at `this_update`
/// with the first `size` entries (a seal's loss or invalidation is retroactive, so the verdict
/// is stated for a moment). Encoded `[1, origin, checkpoint size, checkpoint root, entry seq,
/// entry hash, document digest, valid, this update, next update]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealingClaim {
    /// The ledger's origin.
    pub origin: String,
    /// Size of the checkpoint the verdict is computed at.
    pub size: u64,
    /// Merkle root at that size.
    pub root: Digest32,
    /// Sequence number of the sealing entry.
    pub entry_seq: u64,
    /// Hash of that entry.
    pub entry_hash: Digest32,
    /// SHA-256 of the sealed document.
    pub document: Digest32,
    /// Whether the sealing is valid (SPEC §18).
    pub valid: bool,
    /// The moment the verdict is for.
    pub this_update: Timestamp,
    /// The stamp must not be relied on from this time on.
    pub next_update: Timestamp,
}

impl Canonical for SealingClaim {
    fn encode(&self, e: &mut Encoder) {
        e.array(10);
        e.uint(1);
        e.text(&self.origin);
        e.uint(self.size);
        self.root.encode(e);
        e.uint(self.entry_seq);
        self.entry_hash.encode(e);
        self.document.encode(e);
        e.bool(self.valid);
        self.this_update.encode(e);
        self.next_update.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.versioned("sealing claim", 1, 10, &[])?;
        Ok(Self {
            origin: d.text()?.to_owned(),
            size: d.uint()?,
            root: Digest32::decode(d)?,
            entry_seq: d.uint()?,
            entry_hash: Digest32::decode(d)?,
            document: Digest32::decode(d)?,
            valid: d.bool()?,
            this_update: Timestamp::decode(d)?,
            next_update: Timestamp::decode(d)?,
        })
    }
}

impl StampClaim for SealingClaim {
    const DOMAIN: Domain = Domain::SealingStamp;
    const STAMP: &'static str = "sealing stamp";
    fn this_update(&self) -> Timestamp {
        self.this_update
    }
    fn next_update(&self) -> Timestamp {
        self.next_update
    }
}
