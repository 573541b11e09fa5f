//! Event bodies. Encoded `[tag, fields...]`; tags 0–31 are ledger, authority and license
//! events, 32–63 are reserved for seals, 64–95 for holder consent, 96–127 for operator events.

use super::consent::{Consent, UseRecord};
use super::seal::{
    AutoSealApplication, AutoSealPolicy, CaseOpening, SealApplication, SealRegistration,
};
use super::StatementId;
use crate::crypto::{Digest32, KeyId, PublicKey};
use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};
use crate::id::LicenseId;
use crate::privacy::ClaimDigest;
use crate::time::{Timestamp, UtcOffset};

/// Ledger-wide rules fixed at genesis (SPEC §5).
///
/// Encoded `[2, [1, max skew ms], [2, utc offset minutes], [3, rules version], [4, max
/// effective lead ms]]`: a version,
/// then `[key, value]` items with integer keys in strictly ascending order, every item this
/// version knows present, an unknown key refused. Later items are added under new keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Largest allowed difference between a statement's claimed time and its ledger time.
    pub max_skew_ms: u64,
    /// The ledger's civil time zone: dates people type and read are in it (default `+08:00`).
    pub utc_offset: UtcOffset,
    /// The edition of the ledger rules (SPEC §9) the ledger follows; this library knows
    /// [`Policy::RULES_VERSION`] only.
    pub rules_version: u64,
    /// How far ahead of its ledger time a termination may take effect (default 366 days): a
    /// date further ahead is refused, so no far-future termination can hold a license.
    pub max_effective_lead_ms: u64,
}

impl Policy {
    /// The policy structure's version.
    pub const VERSION: u64 = 2;
    /// The edition of the rules this library enforces.
    pub const RULES_VERSION: u64 = 1;
    const MAX_SKEW: u64 = 1;
    const UTC_OFFSET: u64 = 2;
    const RULES: u64 = 3;
    const EFFECTIVE_LEAD: u64 = 4;
    /// The last item key this version knows.
    const LAST: u64 = Self::EFFECTIVE_LEAD;
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            max_skew_ms: 5 * 60 * 1000,
            utc_offset: UtcOffset::CHINA,
            rules_version: Self::RULES_VERSION,
            max_effective_lead_ms: 366 * 86_400_000,
        }
    }
}

impl Canonical for Policy {
    fn encode(&self, e: &mut Encoder) {
        e.array(1 + Self::LAST);
        e.uint(Self::VERSION);
        e.array(2);
        e.uint(Self::MAX_SKEW);
        e.uint(self.max_skew_ms);
        e.array(2);
        e.uint(Self::UTC_OFFSET);
        e.int(i64::from(self.utc_offset.minutes()));
        e.array(2);
        e.uint(Self::RULES);
        e.uint(self.rules_version);
        e.array(2);
        e.uint(Self::EFFECTIVE_LEAD);
        e.uint(self.max_effective_lead_ms);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        let at = d.position();
        let n = d.array_any()?;
        // No version to read: refused here, not by reading the next item as one.
        if n == 0 {
            return Err(DecodeError::WrongLength {
                offset: at,
                expected: 1 + Self::LAST,
                found: 0,
            });
        }
        d.version("policy", Self::VERSION)?;
        let mut policy = Policy::default();
        let mut seen = 0u64;
        for _ in 1..n {
            let item = d.position();
            d.array(2)?;
            let key = d.uint()?;
            if key <= seen {
                return Err(DecodeError::InvalidValue {
                    offset: item,
                    what: "policy item keys must be strictly ascending",
                });
            }
            seen = key;
            match key {
                Self::MAX_SKEW => policy.max_skew_ms = d.uint()?,
                Self::UTC_OFFSET => {
                    let m = d.int()?;
                    policy.utc_offset = i32::try_from(m)
                        .ok()
                        .and_then(UtcOffset::from_minutes)
                        .ok_or(DecodeError::InvalidValue {
                            offset: item,
                            what: "policy UTC offset beyond ±23:59",
                        })?;
                }
                Self::RULES => {
                    let v = d.uint()?;
                    if v != Self::RULES_VERSION {
                        return Err(DecodeError::UnknownVersion {
                            offset: item,
                            structure: "ledger rules",
                            found: v,
                        });
                    }
                    policy.rules_version = v;
                }
                Self::EFFECTIVE_LEAD => policy.max_effective_lead_ms = d.uint()?,
                _ => {
                    return Err(DecodeError::InvalidValue {
                        offset: item,
                        what: "unknown policy item",
                    })
                }
            }
        }
        if n != 1 + Self::LAST || seen != Self::LAST {
            return Err(DecodeError::InvalidValue {
                offset: at,
                what: "policy items missing (every item of policy version 2 is required)",
            });
        }
        Ok(policy)
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
    /// Tag 32: `[32, registration]` 制作+备案; by the registrar named in it, which must hold
    /// seal-registration rights.
    SealRegistered(Box<SealRegistration>),
    /// Tag 33: `[33, es id, reason]`; by the owner or the registrar.
    SealSuspended {
        /// The seal.
        es_id: String,
        /// Reason.
        reason: String,
    },
    /// Tag 34: `[34, es id]`; ends a suspension.
    SealResumed {
        /// The seal.
        es_id: String,
    },
    /// Tag 35: `[35, es id, since, reason]` 挂失: no use recorded at or after `since` counts
    /// (the seal's key is treated as compromised since then), and none is accepted.
    SealReportedLost {
        /// The seal.
        es_id: String,
        /// When the seal was lost (may be before the report).
        since: Timestamp,
        /// Reason.
        reason: String,
    },
    /// Tag 36: `[36, es id, reason]` 注销: final, no use after it.
    SealCancelled {
        /// The seal.
        es_id: String,
        /// Reason.
        reason: String,
    },
    /// Tag 37: `[37, es id, reason]`: the seal was made unlawfully; every use of it is invalid,
    /// before and after. By the registrar, its registrar chain or the root.
    SealInvalidated {
        /// The seal.
        es_id: String,
        /// Reason.
        reason: String,
    },
    /// Tag 38: `[38, old es id, registration]`: a new seal supersedes the old one, which may
    /// not be used after this entry.
    SealRemade {
        /// The seal being replaced.
        old: String,
        /// The new seal.
        registration: Box<SealRegistration>,
    },
    /// Tag 39: `[39, application]` 用印; signed by the seal's own key.
    SealApplied(SealApplication),
    /// Tag 40: `[40, policy]`; by the seal's owner.
    AutoSealPolicyGranted(Box<AutoSealPolicy>),
    /// Tag 41: `[41, policy id]`; by the seal's owner.
    AutoSealPolicyRevoked {
        /// The policy.
        policy: String,
    },
    /// Tag 42: `[42, case]`; by the unit deciding the case.
    CaseOpened(CaseOpening),
    /// Tag 43: `[43, case reference, outcome]`; by the unit that opened the case.
    CaseDecided {
        /// The case.
        case: String,
        /// The decision, as text (no personal data).
        outcome: String,
    },
    /// Tag 44: `[44, application]` 自动用印; signed by the policy's engine key.
    SealAutoApplied(AutoSealApplication),
    /// Tag 64: `[64, license id, key]`: the issuer binds the holder's key to the license; it
    /// replaces any earlier holder key of the license from this entry on.
    HolderKeyBound {
        /// The license (current version).
        license: LicenseId,
        /// The holder's key.
        key: PublicKey,
    },
    /// Tag 65: `[65, consent]` 用证授权; signed by the license's holder key.
    UseAuthorized(Consent),
    /// Tag 66: `[66, consent id]`; signed by the license's holder key.
    UseAuthorizationRevoked {
        /// The statement id of the `UseAuthorized` statement.
        consent: StatementId,
    },
    /// Tag 67: `[67, record]` 用证记录; signed by the relying party the consent names.
    UseRecorded(UseRecord),
    /// Tag 96: `[96, new key, acceptance]`: the root key signing the statement hands over to
    /// `new_key` and is retired at the entry's ledger time. `acceptance` is the new key's
    /// signature over [`rotation_message`], so both keys sign the rotation.
    RootKeyRotated {
        /// The new root key.
        new_key: PublicKey,
        /// The new key's signature accepting the rotation.
        acceptance: crate::crypto::Signature,
    },
    /// Tag 97: `[97, key id, since, [cosignature…]]`: root key `key` is compromised since
    /// `since`. Signed by another root key and cosigned by further root keys over
    /// [`root_compromise_message`]; the signer and the cosigners must be at least two and more
    /// than half of the root keys that may sign at the entry's ledger time, `key` included
    /// (SPEC §8), so a ledger of fewer than three root keys cannot record it.
    RootKeyCompromised {
        /// The compromised root key.
        key: KeyId,
        /// Statements it signed recorded at or after this point do not count.
        since: Timestamp,
        /// Other root keys' signatures over the declaration.
        cosignatures: Vec<Cosignature>,
    },
    /// Tag 98: `[98, key, acceptance]`: a root key adds an operator key, which signs the
    /// ledger's checkpoints and status stamps (and no statement) from the entry's ledger time
    /// (SPEC §16). `acceptance` is the new key's signature over [`operator_key_message`].
    OperatorKeyAdded {
        /// The operator key.
        key: PublicKey,
        /// Its signature accepting the role.
        acceptance: crate::crypto::Signature,
    },
    /// Tag 99: `[99, key id]`: a root key retires an operator key at the entry's ledger time;
    /// its outstanding stamps stop counting at once for verifiers that learn of it.
    OperatorKeyRetired {
        /// The operator key.
        key: KeyId,
    },
}

/// A root key's signature over a [`root_compromise_message`]. Encoded `[key id, signature]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosignature {
    /// The cosigning root key.
    pub key: KeyId,
    /// Its signature, under `chancery/v1/root-compromise`.
    pub signature: crate::crypto::Signature,
}

impl Canonical for Cosignature {
    fn encode(&self, e: &mut Encoder) {
        e.array(2);
        self.key.encode(e);
        self.signature.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(2)?;
        Ok(Self {
            key: KeyId::decode(d)?,
            signature: crate::crypto::Signature::decode(d)?,
        })
    }
}

/// What the root keys declaring root key `key` compromised since `since` in ledger `origin`
/// sign (the cosigners under `chancery/v1/root-compromise`): the canonical encoding of `[2,
/// origin, key id, since]`.
pub fn root_compromise_message(origin: &str, key: &KeyId, since: Timestamp) -> Vec<u8> {
    let mut e = Encoder::new();
    e.array(4);
    e.uint(2);
    e.text(origin);
    key.encode(&mut e);
    since.encode(&mut e);
    e.into_bytes()
}

/// What a new operator key signs to accept its role in ledger `origin` from the root key
/// `adder` (under the domain `chancery/v1/operator-key`): the canonical encoding of `[1,
/// origin, adder key id, key]`, so another root key cannot record the acceptance first.
pub fn operator_key_message(origin: &str, adder: &KeyId, key: &PublicKey) -> Vec<u8> {
    let mut e = Encoder::new();
    e.array(4);
    e.uint(1);
    e.text(origin);
    adder.encode(&mut e);
    key.encode(&mut e);
    e.into_bytes()
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

/// Each event's knowledge in one table (SPEC §5): its wire tag, the number of items of its
/// array (the tag included), whether it changes which keys sign checkpoints and stamps (§16),
/// and who may emit it, in words (what a refused statement tells its submitter). The rules
/// that check and apply each event are in `state`, by domain.
macro_rules! event_table {
    ($($kind:ident = $tag:literal, items $items:literal, keys $keys:literal, by $who:literal;)*) => {
        impl Event {
            /// The wire tag.
            pub fn tag(&self) -> u64 {
                match self {
                    $(Event::$kind { .. } => $tag,)*
                }
            }

            /// The variant's name (stable: used in error messages and machine-readable output).
            pub fn kind(&self) -> EventKind {
                match self {
                    $(Event::$kind { .. } => stringify!($kind),)*
                }
            }

            /// Whether the event changes which keys sign the ledger's checkpoints and stamps
            /// (tags 96–99: root key rotation and compromise, operator key addition and
            /// retirement; SPEC §16).
            pub fn changes_checkpoint_keys(&self) -> bool {
                match self {
                    $(Event::$kind { .. } => $keys,)*
                }
            }

            /// The number of items of the event's array (its tag included), by tag.
            fn field_count(tag: u64) -> Option<u64> {
                match tag {
                    $($tag => Some($items),)*
                    _ => None,
                }
            }
        }

        /// Who may emit an event of this kind, in words (SPEC §5's table): what a refused
        /// statement tells its submitter.
        pub fn who_may_emit(kind: EventKind) -> &'static str {
            match kind {
                $(stringify!($kind) => $who,)*
                _ => "nobody (an unknown event)",
            }
        }
    };
}

event_table! {
    LedgerCreated = 0, items 3, keys false, by "first entry only; a root key listed in it";
    AuthorityRegistered = 1, items 2, keys false, by "the root (parent null or any existing authority), or the parent itself if it may delegate";
    AuthorityKeyAdded = 2, items 3, keys false, by "the authority itself, an ancestor, or the root";
    AuthorityKeyRetired = 3, items 4, keys false, by "the authority itself, an ancestor, or the root";
    AuthorityKeyCompromised = 4, items 4, keys false, by "the authority itself, an ancestor, or the root";
    AuthoritySuspended = 5, items 3, keys false, by "an ancestor or the root (not itself)";
    AuthorityReinstated = 6, items 2, keys false, by "an ancestor or the root";
    AuthorityRevoked = 7, items 3, keys false, by "an ancestor or the root";
    LicenseTypeDefined = 8, items 4, keys false, by "the root, or an authority whose scope lists the code";
    LicenseIssued = 9, items 2, keys false, by "the issuer named in the id, scoped for its type";
    LicenseAmended = 10, items 2, keys false, by "the issuer";
    LicenseRenewed = 11, items 2, keys false, by "the issuer";
    LicenseReissued = 12, items 2, keys false, by "the issuer";
    LicenseSuspended = 13, items 3, keys false, by "the issuer";
    LicenseSuspensionLifted = 14, items 2, keys false, by "the issuer";
    LicenseCancelled = 15, items 2, keys false, by "the issuer";
    LicenseRevoked = 16, items 2, keys false, by "the issuer, an ancestor of it, or the root";
    LicenseWithdrawn = 17, items 2, keys false, by "the issuer";
    LicenseRescinded = 18, items 3, keys false, by "the issuer, an ancestor of it, or the root";
    SealRegistered = 32, items 2, keys false, by "the registrar it names, holding seal-registration rights";
    SealSuspended = 33, items 3, keys false, by "the seal's owner or registrar";
    SealResumed = 34, items 2, keys false, by "the seal's owner or registrar";
    SealReportedLost = 35, items 4, keys false, by "the seal's owner or registrar";
    SealCancelled = 36, items 3, keys false, by "the seal's owner or registrar";
    SealInvalidated = 37, items 3, keys false, by "the registrar, an ancestor of it, or the root";
    SealRemade = 38, items 3, keys false, by "the new registration's registrar";
    SealApplied = 39, items 2, keys false, by "the seal's own key";
    AutoSealPolicyGranted = 40, items 2, keys false, by "the seal's owner";
    AutoSealPolicyRevoked = 41, items 2, keys false, by "the policy's owner";
    CaseOpened = 42, items 2, keys false, by "any authority (the unit deciding the case: its *owner*)";
    CaseDecided = 43, items 3, keys false, by "the case's owner";
    SealAutoApplied = 44, items 2, keys false, by "the policy's engine key";
    HolderKeyBound = 64, items 3, keys false, by "the issuer (of the current version)";
    UseAuthorized = 65, items 2, keys false, by "the license's holder key";
    UseAuthorizationRevoked = 66, items 2, keys false, by "the license's holder key";
    UseRecorded = 67, items 2, keys false, by "the relying party the consent names";
    RootKeyRotated = 96, items 3, keys true, by "a root key (the old one)";
    RootKeyCompromised = 97, items 4, keys true, by "another root key, cosigned so that at least two and more than half of the root keys sign";
    OperatorKeyAdded = 98, items 3, keys true, by "a root key (and the new operator key accepts)";
    OperatorKeyRetired = 99, items 2, keys true, by "a root key";
}

impl Event {
    /// The license version this event records, if it is an issuance or a succession.
    pub fn new_version(&self) -> Option<&LicenseVersion> {
        match self {
            Event::LicenseIssued(v) => Some(v),
            Event::LicenseAmended(s) | Event::LicenseRenewed(s) | Event::LicenseReissued(s) => {
                Some(&s.version)
            }
            _ => None,
        }
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
            Event::RootKeyCompromised {
                key,
                since,
                cosignatures,
            } => {
                key.encode(e);
                since.encode(e);
                cosignatures.encode(e);
            }
            Event::LicenseCancelled(t) | Event::LicenseRevoked(t) | Event::LicenseWithdrawn(t) => {
                t.encode(e)
            }
            Event::SealRegistered(r) => r.encode(e),
            Event::SealSuspended { es_id, reason }
            | Event::SealCancelled { es_id, reason }
            | Event::SealInvalidated { es_id, reason } => {
                e.text(es_id);
                e.text(reason);
            }
            Event::SealResumed { es_id } => e.text(es_id),
            Event::SealReportedLost {
                es_id,
                since,
                reason,
            } => {
                e.text(es_id);
                since.encode(e);
                e.text(reason);
            }
            Event::SealRemade { old, registration } => {
                e.text(old);
                registration.encode(e);
            }
            Event::SealApplied(a) => a.encode(e),
            Event::AutoSealPolicyGranted(p) => p.encode(e),
            Event::AutoSealPolicyRevoked { policy } => e.text(policy),
            Event::CaseOpened(c) => c.encode(e),
            Event::CaseDecided { case, outcome } => {
                e.text(case);
                e.text(outcome);
            }
            Event::SealAutoApplied(a) => a.encode(e),
            Event::HolderKeyBound { license, key } => {
                license.encode(e);
                key.encode(e);
            }
            Event::UseAuthorized(c) => c.encode(e),
            Event::UseAuthorizationRevoked { consent } => consent.encode(e),
            Event::UseRecorded(r) => r.encode(e),
            Event::OperatorKeyAdded { key, acceptance } => {
                key.encode(e);
                acceptance.encode(e);
            }
            Event::OperatorKeyRetired { key } => key.encode(e),
        }
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        let n = d.array_any()?;
        let at = d.position();
        // No tag to read: refused here, not by reading the next item as one.
        if n == 0 {
            return Err(DecodeError::WrongLength {
                offset: at.saturating_sub(1),
                expected: 2,
                found: 0,
            });
        }
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
            32 => Event::SealRegistered(Box::new(SealRegistration::decode(d)?)),
            33 => Event::SealSuspended {
                es_id: text(d)?,
                reason: text(d)?,
            },
            34 => Event::SealResumed { es_id: text(d)? },
            35 => Event::SealReportedLost {
                es_id: text(d)?,
                since: Timestamp::decode(d)?,
                reason: text(d)?,
            },
            36 => Event::SealCancelled {
                es_id: text(d)?,
                reason: text(d)?,
            },
            37 => Event::SealInvalidated {
                es_id: text(d)?,
                reason: text(d)?,
            },
            38 => Event::SealRemade {
                old: text(d)?,
                registration: Box::new(SealRegistration::decode(d)?),
            },
            39 => Event::SealApplied(SealApplication::decode(d)?),
            40 => Event::AutoSealPolicyGranted(Box::new(AutoSealPolicy::decode(d)?)),
            41 => Event::AutoSealPolicyRevoked { policy: text(d)? },
            42 => Event::CaseOpened(CaseOpening::decode(d)?),
            43 => Event::CaseDecided {
                case: text(d)?,
                outcome: text(d)?,
            },
            44 => Event::SealAutoApplied(AutoSealApplication::decode(d)?),
            64 => Event::HolderKeyBound {
                license: LicenseId::decode(d)?,
                key: PublicKey::decode(d)?,
            },
            65 => Event::UseAuthorized(Consent::decode(d)?),
            66 => Event::UseAuthorizationRevoked {
                consent: StatementId::decode(d)?,
            },
            67 => Event::UseRecorded(UseRecord::decode(d)?),
            96 => Event::RootKeyRotated {
                new_key: PublicKey::decode(d)?,
                acceptance: crate::crypto::Signature::decode(d)?,
            },
            97 => Event::RootKeyCompromised {
                key: KeyId::decode(d)?,
                since: Timestamp::decode(d)?,
                cosignatures: Vec::decode(d)?,
            },
            98 => Event::OperatorKeyAdded {
                key: PublicKey::decode(d)?,
                acceptance: crate::crypto::Signature::decode(d)?,
            },
            99 => Event::OperatorKeyRetired {
                key: KeyId::decode(d)?,
            },
            _ => Event::LicenseRescinded {
                license: LicenseId::decode(d)?,
                reason: text(d)?,
            },
        })
    }
}
