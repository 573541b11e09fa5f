//! The status vocabulary of licenses and seals at a reference time: what a stamp states and a
//! verdict reports. The ledger computes them from its state (`State::status`,
//! `State::seal_status`); a verifier only reads them.

use crate::crypto::KeyId;
use crate::id::LicenseId;
use crate::time::Timestamp;

/// Status of one license version at a reference time.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// In force.
    Valid,
    /// Validity has not started.
    NotYetValid,
    /// Validity has ended.
    Expired,
    /// 暂扣.
    Suspended,
    /// 注销 since the given time.
    Cancelled {
        /// Effective time.
        since: Timestamp,
    },
    /// 吊销 since the given time.
    Revoked {
        /// Effective time.
        since: Timestamp,
    },
    /// 废止 since the given time.
    Withdrawn {
        /// Effective time.
        since: Timestamp,
    },
    /// 撤销: invalid for all time.
    Rescinded,
    /// Replaced by a later version.
    Superseded {
        /// The version that replaced it.
        by: LicenseId,
    },
    /// Recorded under a key later declared compromised since before the recording, or under a
    /// key brought in (however far back) by an entry that no longer counts (SPEC §9): the
    /// version never validly existed. `key` is the compromised key.
    KeyCompromised {
        /// The compromised key.
        key: KeyId,
    },
    /// No such version is recorded.
    Unknown,
    /// The reference time is before the version was recorded: the ledger vouches for nothing
    /// before then (a license migrated from paper keeps its original `valid_from`, but is
    /// vouched for from its recording on).
    NotYetRecorded {
        /// The version's ledger time.
        recorded_at: Timestamp,
    },
}

impl Status {
    /// Whether the status is [`Status::Valid`].
    pub fn is_valid(&self) -> bool {
        matches!(self, Status::Valid)
    }

    /// The variant's name, stable for machine-readable output (`"Valid"`, `"Superseded"`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Status::Valid => "Valid",
            Status::NotYetValid => "NotYetValid",
            Status::Expired => "Expired",
            Status::Suspended => "Suspended",
            Status::Cancelled { .. } => "Cancelled",
            Status::Revoked { .. } => "Revoked",
            Status::Withdrawn { .. } => "Withdrawn",
            Status::Rescinded => "Rescinded",
            Status::Superseded { .. } => "Superseded",
            Status::KeyCompromised { .. } => "KeyCompromised",
            Status::Unknown => "Unknown",
            Status::NotYetRecorded { .. } => "NotYetRecorded",
        }
    }
}

/// Encoded `[tag, fields...]`: 0 Valid, 1 NotYetValid, 2 Expired, 3 Suspended,
/// `[4, since]` Cancelled, `[5, since]` Revoked, `[6, since]` Withdrawn, 7 Rescinded,
/// `[8, by]` Superseded, `[9, key id]` KeyCompromised, 10 Unknown, `[11, recorded at]`
/// NotYetRecorded (SPEC §17).
impl crate::encoding::Canonical for Status {
    fn encode(&self, e: &mut crate::encoding::Encoder) {
        let simple = |e: &mut crate::encoding::Encoder, tag| {
            e.array(1);
            e.uint(tag);
        };
        match self {
            Status::Valid => simple(e, 0),
            Status::NotYetValid => simple(e, 1),
            Status::Expired => simple(e, 2),
            Status::Suspended => simple(e, 3),
            Status::Cancelled { since }
            | Status::Revoked { since }
            | Status::Withdrawn { since } => {
                e.array(2);
                e.uint(match self {
                    Status::Cancelled { .. } => 4,
                    Status::Revoked { .. } => 5,
                    _ => 6,
                });
                since.encode(e);
            }
            Status::Rescinded => simple(e, 7),
            Status::Superseded { by } => {
                e.array(2);
                e.uint(8);
                by.encode(e);
            }
            Status::KeyCompromised { key } => {
                e.array(2);
                e.uint(9);
                key.encode(e);
            }
            Status::NotYetRecorded { recorded_at } => {
                e.array(2);
                e.uint(11);
                recorded_at.encode(e);
            }
            Status::Unknown => simple(e, 10),
        }
    }

    fn decode(d: &mut crate::encoding::Decoder<'_>) -> Result<Self, crate::encoding::DecodeError> {
        let n = d.array_of(&[1, 2])?;
        let at = d.position();
        let tag = d.uint()?;
        let status = match (tag, n) {
            (0, 1) => Status::Valid,
            (1, 1) => Status::NotYetValid,
            (2, 1) => Status::Expired,
            (3, 1) => Status::Suspended,
            (4, 2) => Status::Cancelled {
                since: Timestamp::decode(d)?,
            },
            (5, 2) => Status::Revoked {
                since: Timestamp::decode(d)?,
            },
            (6, 2) => Status::Withdrawn {
                since: Timestamp::decode(d)?,
            },
            (7, 1) => Status::Rescinded,
            (8, 2) => Status::Superseded {
                by: LicenseId::decode(d)?,
            },
            (9, 2) => Status::KeyCompromised {
                key: KeyId::decode(d)?,
            },
            (10, 1) => Status::Unknown,
            (11, 2) => Status::NotYetRecorded {
                recorded_at: Timestamp::decode(d)?,
            },
            _ => {
                return Err(crate::encoding::DecodeError::UnknownTag {
                    offset: at,
                    kind: "status",
                    tag,
                })
            }
        };
        Ok(status)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Valid => f.write_str("valid"),
            Status::NotYetValid => f.write_str("not yet valid"),
            Status::Expired => f.write_str("expired"),
            Status::Suspended => f.write_str("suspended"),
            Status::Cancelled { since } => write!(f, "cancelled since {since}"),
            Status::Revoked { since } => write!(f, "revoked since {since}"),
            Status::Withdrawn { since } => write!(f, "withdrawn since {since}"),
            Status::Rescinded => f.write_str("rescinded (invalid for all time)"),
            Status::Superseded { by } => write!(f, "superseded by {by}"),
            Status::KeyCompromised { key } => {
                write!(f, "recorded under key {key}, compromised before")
            }
            Status::Unknown => f.write_str("unknown"),
            Status::NotYetRecorded { recorded_at } => {
                write!(f, "not yet recorded (recorded at {recorded_at})")
            }
        }
    }
}

/// Status of a seal at a reference time, with everything the ledger knows now.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SealStatus {
    /// May be applied.
    Active,
    /// Not registered yet, or its validity has not started.
    NotYetValid,
    /// Its validity has ended.
    Expired,
    /// Suspended.
    Suspended,
    /// Reported lost (挂失), effective from `since`.
    Lost {
        /// When it was lost.
        since: Timestamp,
    },
    /// Cancelled (注销) at `since`.
    Cancelled {
        /// Ledger time of the cancellation.
        since: Timestamp,
    },
    /// Replaced by a remade seal.
    Superseded {
        /// The new seal's esID.
        by: String,
        /// Ledger time of the remake.
        since: Timestamp,
    },
    /// Made unlawfully: invalid for all time.
    Invalidated,
    /// Registered under a key declared compromised before the registration: it never validly
    /// existed.
    RegistrationVoid {
        /// The compromised key.
        key: KeyId,
    },
    /// No such seal.
    Unknown,
}

impl SealStatus {
    /// The variant's name, stable for machine-readable output.
    pub fn name(&self) -> &'static str {
        match self {
            SealStatus::Active => "Active",
            SealStatus::NotYetValid => "NotYetValid",
            SealStatus::Expired => "Expired",
            SealStatus::Suspended => "Suspended",
            SealStatus::Lost { .. } => "Lost",
            SealStatus::Cancelled { .. } => "Cancelled",
            SealStatus::Superseded { .. } => "Superseded",
            SealStatus::Invalidated => "Invalidated",
            SealStatus::RegistrationVoid { .. } => "RegistrationVoid",
            SealStatus::Unknown => "Unknown",
        }
    }
}

impl std::fmt::Display for SealStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SealStatus::Active => f.write_str("active"),
            SealStatus::NotYetValid => f.write_str("not yet valid"),
            SealStatus::Expired => f.write_str("expired"),
            SealStatus::Suspended => f.write_str("suspended"),
            SealStatus::Lost { since } => write!(f, "lost since {since}"),
            SealStatus::Cancelled { since } => write!(f, "cancelled since {since}"),
            SealStatus::Superseded { by, since } => write!(f, "superseded by {by} since {since}"),
            SealStatus::Invalidated => f.write_str("invalidated (invalid for all time)"),
            SealStatus::RegistrationVoid { key } => {
                write!(f, "registered under key {key}, compromised before")
            }
            SealStatus::Unknown => f.write_str("unknown"),
        }
    }
}
