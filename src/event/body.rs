//! Event bodies. Encoded `[tag, fields...]`; tags 0–31 are ledger, authority and license
//! events, 32–63 are reserved for seals, 64–95 for holder consent, 96–127 for operator events.

use crate::crypto::{Digest32, KeyId, PublicKey};
use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};
use crate::id::LicenseId;
use crate::privacy::ClaimDigest;
use crate::time::Timestamp;

/// Ledger-wide rules fixed at genesis. Encoded `[1, max skew in ms]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Largest allowed difference between a statement's claimed time and its ledger time.
    pub max_skew_ms: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            max_skew_ms: 5 * 60 * 1000,
        }
    }
}

impl Canonical for Policy {
    fn encode(&self, e: &mut Encoder) {
        e.array(2);
        e.uint(1);
        e.uint(self.max_skew_ms);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(2)?;
        d.version("policy", 1)?;
        Ok(Self {
            max_skew_ms: d.uint()?,
        })
    }
}

/// Registration of an issuing authority.
/// Encoded `[code, name, parent or null, [key...], [license type...], may register seals,
/// may delegate]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorityRegistration {
    /// 统一社会信用代码 or an equivalent code: 1–32 characters of `0-9A-Z`.
    pub code: String,
    /// Filed name.
    pub name: String,
    /// The registering parent authority, or `None` when registered by the root.
    pub parent: Option<String>,
    /// Signing keys (at least one).
    pub keys: Vec<PublicKey>,
    /// License-type codes the authority may define and issue.
    pub license_types: Vec<String>,
    /// Whether it may register seals.
    pub may_register_seals: bool,
    /// Whether it may register child authorities (within its own rights).
    pub may_delegate: bool,
}

impl Canonical for AuthorityRegistration {
    fn encode(&self, e: &mut Encoder) {
        e.array(7);
        e.text(&self.code);
        e.text(&self.name);
        self.parent.encode(e);
        self.keys.encode(e);
        self.license_types.encode(e);
        e.bool(self.may_register_seals);
        e.bool(self.may_delegate);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(7)?;
        Ok(Self {
            code: d.text()?.to_owned(),
            name: d.text()?.to_owned(),
            parent: Option::decode(d)?,
            keys: Vec::decode(d)?,
            license_types: Vec::decode(d)?,
            may_register_seals: d.bool()?,
            may_delegate: d.bool()?,
        })
    }
}

/// One version of a license as recorded.
/// Encoded `[id, printed number, valid from, valid until or null, holder commitment,
/// [claim digest...], document digest, [related id...]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseVersion {
    /// 证照标识 of this version.
    pub id: LicenseId,
    /// The number printed on the document.
    pub printed_number: String,
    /// Start of validity.
    pub valid_from: Timestamp,
    /// End of validity (exclusive); `None` is 长期 (no end).
    pub valid_until: Option<Timestamp>,
    /// Salted commitment to the holder's code.
    pub holder: Digest32,
    /// Salted claim digests, in the order of the type's claim names.
    pub claims: Vec<ClaimDigest>,
    /// SHA-256 of the OFD/PDF document.
    pub document: Digest32,
    /// Related license ids.
    pub related: Vec<LicenseId>,
}

impl Canonical for LicenseVersion {
    fn encode(&self, e: &mut Encoder) {
        e.array(8);
        self.id.encode(e);
        e.text(&self.printed_number);
        self.valid_from.encode(e);
        self.valid_until.encode(e);
        self.holder.encode(e);
        self.claims.encode(e);
        self.document.encode(e);
        self.related.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(8)?;
        Ok(Self {
            id: LicenseId::decode(d)?,
            printed_number: d.text()?.to_owned(),
            valid_from: Timestamp::decode(d)?,
            valid_until: Option::decode(d)?,
            holder: Digest32::decode(d)?,
            claims: Vec::decode(d)?,
            document: Digest32::decode(d)?,
            related: Vec::decode(d)?,
        })
    }
}

/// A new version replacing the current one. Encoded `[previous id, new version]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Succession {
    /// The version being replaced (must be the current one).
    pub previous: LicenseId,
    /// The new version (same lineage, version number + 1).
    pub version: LicenseVersion,
}

impl Canonical for Succession {
    fn encode(&self, e: &mut Encoder) {
        e.array(2);
        self.previous.encode(e);
        self.version.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(2)?;
        Ok(Self {
            previous: LicenseId::decode(d)?,
            version: LicenseVersion::decode(d)?,
        })
    }
}

/// A termination taking effect from a date. Encoded `[license id, effective, reason]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Termination {
    /// The current version.
    pub license: LicenseId,
    /// From when the termination applies.
    pub effective: Timestamp,
    /// Reason (no personal data).
    pub reason: String,
}

impl Canonical for Termination {
    fn encode(&self, e: &mut Encoder) {
        e.array(3);
        self.license.encode(e);
        self.effective.encode(e);
        e.text(&self.reason);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(3)?;
        Ok(Self {
            license: LicenseId::decode(d)?,
            effective: Timestamp::decode(d)?,
            reason: d.text()?.to_owned(),
        })
    }
}

/// Every event the ledger records.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Tag 0: genesis. `[0, [root key...], policy]`; signed by one of the root keys.
    LedgerCreated {
        /// Root keys.
        root_keys: Vec<PublicKey>,
        /// Ledger policy.
        policy: Policy,
    },
    /// Tag 1: `[1, registration]`; by the root, or by the parent holding delegation rights.
    AuthorityRegistered(AuthorityRegistration),
    /// Tag 2: `[2, authority, key]`; by the authority, its registrar chain or the root.
    AuthorityKeyAdded {
        /// Authority code.
        authority: String,
        /// The new key.
        key: PublicKey,
    },
    /// Tag 3: `[3, authority, key id, from]`; the key is unusable from `from` on.
    AuthorityKeyRetired {
        /// Authority code.
        authority: String,
        /// The key.
        key: KeyId,
        /// First instant at which the key may no longer sign.
        from: Timestamp,
    },
    /// Tag 4: `[4, authority, key id, since]`; statements signed by the key and recorded at or
    /// after `since` are invalid, earlier ones stay valid.
    AuthorityKeyCompromised {
        /// Authority code.
        authority: String,
        /// The key.
        key: KeyId,
        /// The compromise point.
        since: Timestamp,
    },
    /// Tag 5: `[5, authority, reason]`; by the registrar chain or the root.
    AuthoritySuspended {
        /// Authority code.
        authority: String,
        /// Reason.
        reason: String,
    },
    /// Tag 6: `[6, authority]`; ends a suspension.
    AuthorityReinstated {
        /// Authority code.
        authority: String,
    },
    /// Tag 7: `[7, authority, reason]`; final.
    AuthorityRevoked {
        /// Authority code.
        authority: String,
        /// Reason.
        reason: String,
    },
    /// Tag 8: `[8, code, name, [claim name...]]`; by the root or an authority scoped for `code`.
    LicenseTypeDefined {
        /// Type code.
        code: String,
        /// Type name.
        name: String,
        /// Claim names every license of this type carries, in order.
        claim_names: Vec<String>,
    },
    /// Tag 9: `[9, version]` 签发; version 001, by the issuer named in the id.
    LicenseIssued(LicenseVersion),
    /// Tag 10: `[10, succession]` 变更.
    LicenseAmended(Succession),
    /// Tag 11: `[11, succession]` 延续; the new validity must end later (or never).
    LicenseRenewed(Succession),
    /// Tag 12: `[12, succession]` 补发/换发.
    LicenseReissued(Succession),
    /// Tag 13: `[13, id, reason]` 暂扣.
    LicenseSuspended {
        /// Current version.
        license: LicenseId,
        /// Reason.
        reason: String,
    },
    /// Tag 14: `[14, id]` 发还.
    LicenseSuspensionLifted {
        /// Current version.
        license: LicenseId,
    },
    /// Tag 15: `[15, termination]` 注销.
    LicenseCancelled(Termination),
    /// Tag 16: `[16, termination]` 吊销.
    LicenseRevoked(Termination),
    /// Tag 17: `[17, termination]` 废止.
    LicenseWithdrawn(Termination),
    /// Tag 18: `[18, id, reason]` 撤销: retroactive, invalid for all time.
    LicenseRescinded {
        /// Current version.
        license: LicenseId,
        /// Reason.
        reason: String,
    },
    /// Tag 96: `[96, new key, acceptance]`: the root key signing the statement hands over to
    /// `new_key` and is retired at the entry's ledger time. `acceptance` is the new key's
    /// signature over [`rotation_message`], so both keys sign the rotation.
    RootKeyRotated {
        /// The new root key.
        new_key: PublicKey,
        /// The new key's signature accepting the rotation.
        acceptance: crate::crypto::Signature,
    },
}

/// What a new root key signs to accept a rotation from `old` in ledger `origin` (under the
/// domain `chancery/v1/key-rotation`): the canonical encoding of `[1, origin, old key id, new
/// key]`.
pub fn rotation_message(origin: &str, old: &KeyId, new_key: &PublicKey) -> Vec<u8> {
    let mut e = Encoder::new();
    e.array(4);
    e.uint(1);
    e.text(origin);
    old.encode(&mut e);
    new_key.encode(&mut e);
    e.into_bytes()
}

/// The kind of an event, without its fields (for errors and reports).
pub type EventKind = &'static str;

impl Event {
    /// The wire tag.
    pub fn tag(&self) -> u64 {
        match self {
            Event::LedgerCreated { .. } => 0,
            Event::AuthorityRegistered(_) => 1,
            Event::AuthorityKeyAdded { .. } => 2,
            Event::AuthorityKeyRetired { .. } => 3,
            Event::AuthorityKeyCompromised { .. } => 4,
            Event::AuthoritySuspended { .. } => 5,
            Event::AuthorityReinstated { .. } => 6,
            Event::AuthorityRevoked { .. } => 7,
            Event::LicenseTypeDefined { .. } => 8,
            Event::LicenseIssued(_) => 9,
            Event::LicenseAmended(_) => 10,
            Event::LicenseRenewed(_) => 11,
            Event::LicenseReissued(_) => 12,
            Event::LicenseSuspended { .. } => 13,
            Event::LicenseSuspensionLifted { .. } => 14,
            Event::LicenseCancelled(_) => 15,
            Event::LicenseRevoked(_) => 16,
            Event::LicenseWithdrawn(_) => 17,
            Event::LicenseRescinded { .. } => 18,
            Event::RootKeyRotated { .. } => 96,
        }
    }

    /// The event's name.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::LedgerCreated { .. } => "LedgerCreated",
            Event::AuthorityRegistered(_) => "AuthorityRegistered",
            Event::AuthorityKeyAdded { .. } => "AuthorityKeyAdded",
            Event::AuthorityKeyRetired { .. } => "AuthorityKeyRetired",
            Event::AuthorityKeyCompromised { .. } => "AuthorityKeyCompromised",
            Event::AuthoritySuspended { .. } => "AuthoritySuspended",
            Event::AuthorityReinstated { .. } => "AuthorityReinstated",
            Event::AuthorityRevoked { .. } => "AuthorityRevoked",
            Event::LicenseTypeDefined { .. } => "LicenseTypeDefined",
            Event::LicenseIssued(_) => "LicenseIssued",
            Event::LicenseAmended(_) => "LicenseAmended",
            Event::LicenseRenewed(_) => "LicenseRenewed",
            Event::LicenseReissued(_) => "LicenseReissued",
            Event::LicenseSuspended { .. } => "LicenseSuspended",
            Event::LicenseSuspensionLifted { .. } => "LicenseSuspensionLifted",
            Event::LicenseCancelled(_) => "LicenseCancelled",
            Event::LicenseRevoked(_) => "LicenseRevoked",
            Event::LicenseWithdrawn(_) => "LicenseWithdrawn",
            Event::LicenseRescinded { .. } => "LicenseRescinded",
            Event::RootKeyRotated { .. } => "RootKeyRotated",
        }
    }

    fn field_count(tag: u64) -> Option<u64> {
        Some(match tag {
            1 | 6 | 9..=12 | 14..=17 => 2,
            0 | 5 | 7 | 13 | 18 | 2 | 96 => 3,
            3 | 4 | 8 => 4,
            _ => return None,
        })
    }
}

impl Canonical for Event {
    fn encode(&self, e: &mut Encoder) {
        let tag = self.tag();
        e.array(Self::field_count(tag).unwrap_or(1));
        e.uint(tag);
        match self {
            Event::LedgerCreated { root_keys, policy } => {
                root_keys.encode(e);
                policy.encode(e);
            }
            Event::AuthorityRegistered(r) => r.encode(e),
            Event::AuthorityKeyAdded { authority, key } => {
                e.text(authority);
                key.encode(e);
            }
            Event::AuthorityKeyRetired {
                authority,
                key,
                from: t,
            }
            | Event::AuthorityKeyCompromised {
                authority,
                key,
                since: t,
            } => {
                e.text(authority);
                key.encode(e);
                t.encode(e);
            }
            Event::AuthoritySuspended { authority, reason }
            | Event::AuthorityRevoked { authority, reason } => {
                e.text(authority);
                e.text(reason);
            }
            Event::AuthorityReinstated { authority } => e.text(authority),
            Event::LicenseTypeDefined {
                code,
                name,
                claim_names,
            } => {
                e.text(code);
                e.text(name);
                claim_names.encode(e);
            }
            Event::LicenseIssued(v) => v.encode(e),
            Event::LicenseAmended(s) | Event::LicenseRenewed(s) | Event::LicenseReissued(s) => {
                s.encode(e)
            }
            Event::LicenseSuspended { license, reason }
            | Event::LicenseRescinded { license, reason } => {
                license.encode(e);
                e.text(reason);
            }
            Event::LicenseSuspensionLifted { license } => license.encode(e),
            Event::RootKeyRotated {
                new_key,
                acceptance,
            } => {
                new_key.encode(e);
                acceptance.encode(e);
            }
            Event::LicenseCancelled(t) | Event::LicenseRevoked(t) | Event::LicenseWithdrawn(t) => {
                t.encode(e)
            }
        }
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        let n = d.array_any()?;
        let at = d.position();
        let tag = d.uint()?;
        let expected = Self::field_count(tag).ok_or(DecodeError::UnknownTag {
            offset: at,
            kind: "event",
            tag,
        })?;
        if n != expected {
            return Err(DecodeError::WrongLength {
                offset: at.saturating_sub(1),
                expected,
                found: n,
            });
        }
        let text = |d: &mut Decoder<'_>| d.text().map(str::to_owned);
        Ok(match tag {
            0 => Event::LedgerCreated {
                root_keys: Vec::decode(d)?,
                policy: Policy::decode(d)?,
            },
            1 => Event::AuthorityRegistered(AuthorityRegistration::decode(d)?),
            2 => Event::AuthorityKeyAdded {
                authority: text(d)?,
                key: PublicKey::decode(d)?,
            },
            3 => Event::AuthorityKeyRetired {
                authority: text(d)?,
                key: KeyId::decode(d)?,
                from: Timestamp::decode(d)?,
            },
            4 => Event::AuthorityKeyCompromised {
                authority: text(d)?,
                key: KeyId::decode(d)?,
                since: Timestamp::decode(d)?,
            },
            5 => Event::AuthoritySuspended {
                authority: text(d)?,
                reason: text(d)?,
            },
            6 => Event::AuthorityReinstated {
                authority: text(d)?,
            },
            7 => Event::AuthorityRevoked {
                authority: text(d)?,
                reason: text(d)?,
            },
            8 => Event::LicenseTypeDefined {
                code: text(d)?,
                name: text(d)?,
                claim_names: Vec::decode(d)?,
            },
            9 => Event::LicenseIssued(LicenseVersion::decode(d)?),
            10 => Event::LicenseAmended(Succession::decode(d)?),
            11 => Event::LicenseRenewed(Succession::decode(d)?),
            12 => Event::LicenseReissued(Succession::decode(d)?),
            13 => Event::LicenseSuspended {
                license: LicenseId::decode(d)?,
                reason: text(d)?,
            },
            14 => Event::LicenseSuspensionLifted {
                license: LicenseId::decode(d)?,
            },
            15 => Event::LicenseCancelled(Termination::decode(d)?),
            16 => Event::LicenseRevoked(Termination::decode(d)?),
            17 => Event::LicenseWithdrawn(Termination::decode(d)?),
            96 => Event::RootKeyRotated {
                new_key: PublicKey::decode(d)?,
                acceptance: crate::crypto::Signature::decode(d)?,
            },
            _ => Event::LicenseRescinded {
                license: LicenseId::decode(d)?,
                reason: text(d)?,
            },
        })
    }
}
