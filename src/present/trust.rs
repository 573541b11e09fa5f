//! Trust lists (互通互认): a list operator's signed, versioned list of the ledgers a verifier
//! trusts, with their operator keys (and when each may sign), witness policy and how old a
//! checkpoint may be.

use crate::checkpoint::{NoteVerifier, VerifierKind, WitnessPolicy};
use crate::crypto::{Domain, PublicKey, SecretKey, Signature};
use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};
use crate::time::Timestamp;

/// What a trusted key of a ledger may sign (SPEC §20). Encoded as a bitmask, 1 to 3: 1 the
/// ledger's entries (a root key: registrations, key additions, rotations), 2 its checkpoints
/// and status stamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyRoles {
    /// It signs the ledger's entries (a root key).
    pub entries: bool,
    /// It signs the ledger's checkpoints and status stamps.
    pub checkpoints: bool,
}

impl KeyRoles {
    /// A root key of a ledger with no operator key: both.
    pub const ROOT: Self = Self {
        entries: true,
        checkpoints: true,
    };
    /// A root key of a ledger with operator keys: entries only (it can stay offline).
    pub const ENTRIES: Self = Self {
        entries: true,
        checkpoints: false,
    };
    /// An operator key: checkpoints and stamps only.
    pub const OPERATOR: Self = Self {
        entries: false,
        checkpoints: true,
    };
}

impl Canonical for KeyRoles {
    fn encode(&self, e: &mut Encoder) {
        e.uint(u64::from(self.entries) | u64::from(self.checkpoints) << 1);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        let at = d.position();
        match d.uint()? {
            n @ 1..=3 => Ok(Self {
                entries: n & 1 != 0,
                checkpoints: n & 2 != 0,
            }),
            _ => Err(DecodeError::InvalidValue {
                offset: at,
                what: "key roles (1 entries, 2 checkpoints, 3 both)",
            }),
        }
    }
}

/// A key of a trusted ledger's operator, what it may sign and when. Encoded `[key, valid
/// from, valid until or null, roles]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorKey {
    /// The key.
    pub key: PublicKey,
    /// First instant it may sign.
    pub valid_from: Timestamp,
    /// First instant it may no longer sign (`None`: no end).
    pub valid_until: Option<Timestamp>,
    /// What it signs.
    pub roles: KeyRoles,
}

impl OperatorKey {
    /// Whether the key may sign at `t`.
    pub fn valid_at(&self, t: Timestamp) -> bool {
        self.valid_from <= t && self.valid_until.is_none_or(|u| t < u)
    }
}

impl Canonical for OperatorKey {
    fn encode(&self, e: &mut Encoder) {
        e.array(4);
        self.key.encode(e);
        self.valid_from.encode(e);
        self.valid_until.encode(e);
        self.roles.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(4)?;
        Ok(Self {
            key: PublicKey::decode(d)?,
            valid_from: Timestamp::decode(d)?,
            valid_until: Option::decode(d)?,
            roles: KeyRoles::decode(d)?,
        })
    }
}

/// How fresh what a verifier relies on must be (SPEC §20). Encoded `[max checkpoint age ms,
/// max stamp age ms, max stamp window ms]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// How old a checkpoint may be (by its witnesses' attested time) at the verifier's now;
    /// also how long before that time a stamp's this update may lie.
    pub max_checkpoint_age_ms: u64,
    /// How old a status stamp may be (`now − this_update`), whatever its next update says.
    pub max_stamp_age_ms: u64,
    /// The longest window a status stamp may give itself (`next_update − this_update`).
    pub max_stamp_window_ms: u64,
}

impl Freshness {
    /// A week for checkpoints, a day for stamps.
    pub const DEFAULT: Self = Self {
        max_checkpoint_age_ms: 7 * 86_400_000,
        max_stamp_age_ms: 86_400_000,
        max_stamp_window_ms: 86_400_000,
    };
}

impl Default for Freshness {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Canonical for Freshness {
    fn encode(&self, e: &mut Encoder) {
        e.array(3);
        e.uint(self.max_checkpoint_age_ms);
        e.uint(self.max_stamp_age_ms);
        e.uint(self.max_stamp_window_ms);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(3)?;
        Ok(Self {
            max_checkpoint_age_ms: d.uint()?,
            max_stamp_age_ms: d.uint()?,
            max_stamp_window_ms: d.uint()?,
        })
    }
}

/// A ledger on a trust list. Encoded `[origin, [operator key...], [threshold, ["witness
/// verifier key"...]], freshness, unwitnessed, require holder]`; witnesses are C2SP cosigner
/// verifier keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedLedger {
    /// The ledger's origin.
    pub origin: String,
    /// Its operator keys: the keys that sign its checkpoints and status stamps.
    pub operator_keys: Vec<OperatorKey>,
    /// The witnesses that must have cosigned a checkpoint before it is relied on.
    pub witnesses: WitnessPolicy,
    /// How fresh checkpoints and stamps must be.
    pub freshness: Freshness,
    /// Whether the list accepts this ledger with no witness (threshold 0): nothing then
    /// attests when a checkpoint was made but the operator's own stamp. Only with a threshold
    /// of 0; a list with threshold 0 and without this flag vouches for nothing.
    pub unwitnessed: bool,
    /// Whether presentations of this ledger must be signed by the license's holder (SPEC §20).
    pub require_holder: bool,
}

impl Canonical for TrustedLedger {
    fn encode(&self, e: &mut Encoder) {
        e.array(6);
        e.text(&self.origin);
        self.operator_keys.encode(e);
        e.array(2);
        e.uint(self.witnesses.threshold as u64);
        e.array(self.witnesses.witnesses.len() as u64);
        for w in &self.witnesses.witnesses {
            e.text(&w.to_vkey());
        }
        self.freshness.encode(e);
        e.bool(self.unwitnessed);
        e.bool(self.require_holder);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(6)?;
        let origin = d.text()?.to_owned();
        let operator_keys = Vec::decode(d)?;
        d.array(2)?;
        let at = d.position();
        let threshold = usize::try_from(d.uint()?).map_err(|_| DecodeError::InvalidValue {
            offset: at,
            what: "witness threshold",
        })?;
        let n = d.array_any()?;
        let mut witnesses = Vec::with_capacity(d.capacity_hint::<NoteVerifier>(n));
        for _ in 0..n {
            let at = d.position();
            let w = NoteVerifier::parse(d.text()?)
                .ok()
                .filter(|w| w.kind() == VerifierKind::Cosignature)
                .ok_or(DecodeError::InvalidValue {
                    offset: at,
                    what: "witness cosigner key",
                })?;
            if witnesses.iter().any(|x: &NoteVerifier| x.same_key(&w)) {
                return Err(DecodeError::InvalidValue {
                    offset: at,
                    what: "witness cosigner key (named twice)",
                });
            }
            // C2SP key ids are 4 bytes: two witnesses may share one, and the compact form
            // matches cosignatures to witnesses by id alone.
            if witnesses
                .iter()
                .any(|x: &NoteVerifier| x.key_id() == w.key_id())
            {
                return Err(DecodeError::InvalidValue {
                    offset: at,
                    what: "witness cosigner key (its 4-byte key id collides with another's)",
                });
            }
            witnesses.push(w);
        }
        if threshold > witnesses.len() {
            return Err(DecodeError::InvalidValue {
                offset: at,
                what: "witness threshold (more than the witnesses)",
            });
        }
        let freshness = Freshness::decode(d)?;
        let at = d.position();
        let unwitnessed = d.bool()?;
        if unwitnessed && threshold != 0 {
            return Err(DecodeError::InvalidValue {
                offset: at,
                what: "unwitnessed flag (with a witness threshold)",
            });
        }
        Ok(Self {
            origin,
            operator_keys,
            witnesses: WitnessPolicy {
                witnesses,
                threshold,
            },
            freshness,
            unwitnessed,
            require_holder: d.bool()?,
        })
    }
}

/// A trust list. Encoded `[3, name, version, issued, next update, [ledger...]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustList {
    /// The list's name (who publishes it and for whom, e.g. `zj.gov.cn/trust/elicense`).
    pub name: String,
    /// Its version: a verifier holding several versions of one list uses the highest.
    pub version: u64,
    /// When it was issued: it is not current before.
    pub issued: Timestamp,
    /// When it expires: from then on it vouches for nothing, and a newer version must be
    /// fetched (after `issued`).
    pub next_update: Timestamp,
    /// The trusted ledgers.
    pub ledgers: Vec<TrustedLedger>,
}

impl Canonical for TrustList {
    fn encode(&self, e: &mut Encoder) {
        e.array(6);
        e.uint(3);
        e.text(&self.name);
        e.uint(self.version);
        self.issued.encode(e);
        self.next_update.encode(e);
        self.ledgers.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        // Older lists (version 1 had five items, version 2 no freshness limits) are refused
        // by their version, not their length.
        d.versioned("trust list", 3, 6, &[5])?;
        let name = d.text()?.to_owned();
        let version = d.uint()?;
        let issued = Timestamp::decode(d)?;
        let at = d.position();
        let next_update = Timestamp::decode(d)?;
        if next_update <= issued {
            return Err(DecodeError::InvalidValue {
                offset: at,
                what: "trust list next update (not after its issue)",
            });
        }
        Ok(Self {
            name,
            version,
            issued,
            next_update,
            ledgers: Vec::decode(d)?,
        })
    }
}

/// A trust list signed by its list operator. Encoded `[1, list, signature]`, the signature over
/// `"chancery/v1/trust-list" || 0x00 || list bytes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTrustList {
    /// The list.
    pub list: TrustList,
    /// The list operator's signature.
    pub signature: Signature,
}

impl Canonical for SignedTrustList {
    fn encode(&self, e: &mut Encoder) {
        e.array(3);
        e.uint(1);
        self.list.encode(e);
        self.signature.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(3)?;
        d.version("signed trust list", 1)?;
        Ok(Self {
            list: TrustList::decode(d)?,
            signature: Signature::decode(d)?,
        })
    }
}

/// A list operator a verifier trusts, and what it may publish (SPEC §20): the list names, and
/// optionally the origins its lists may name. An origin bound to one operator this way may be
/// named by no other operator's list unless that one's entry binds it too. A list is
/// identified by its name and its signer, so another operator's list of the same name never
/// replaces it. One key may be given several entries (say, one per list name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListOperator {
    /// The operator's key.
    pub key: PublicKey,
    /// The names of the lists it may publish.
    pub names: Vec<String>,
    /// The origins its lists may name; `None`: any.
    pub origins: Option<Vec<String>>,
}

impl ListOperator {
    /// An operator that may publish the lists `names`, naming any origin.
    pub fn new<N: Into<String>>(key: PublicKey, names: impl IntoIterator<Item = N>) -> Self {
        Self {
            key,
            names: names.into_iter().map(Into::into).collect(),
            origins: None,
        }
    }

    /// Only these origins may its lists name.
    pub fn with_origins<O: Into<String>>(mut self, origins: impl IntoIterator<Item = O>) -> Self {
        self.origins = Some(origins.into_iter().map(Into::into).collect());
        self
    }
}

/// Why a trust list is refused.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    /// Not a canonical signed trust list.
    #[error("malformed trust list: {0}")]
    Decode(#[from] DecodeError),
    /// Not signed by any of the list operator keys given.
    #[error("trust list {0:?} is not signed by a list operator")]
    BadSignature(String),
    /// Signed by a list operator that may not publish a list of this name.
    #[error("trust list {name:?} is signed by a list operator that may not publish it")]
    NameNotAllowed {
        /// The list's name.
        name: String,
    },
    /// The list names an origin its operator may not vouch for.
    #[error("trust list {name:?} names {origin:?}, which its list operator may not vouch for")]
    OriginNotAllowed {
        /// The list's name.
        name: String,
        /// The origin.
        origin: String,
    },
}

impl SignedTrustList {
    /// Signs `list` with the list operator's `key`.
    pub fn sign(list: TrustList, key: &SecretKey) -> Self {
        let signature = key.sign(Domain::TrustList, &list.to_canonical());
        Self { list, signature }
    }

    /// Decodes `bytes` and returns the list and its signer's key if one of `operators` signed
    /// it, may publish a list of its name, and may vouch for every origin it names.
    pub fn open(
        bytes: &[u8],
        operators: &[ListOperator],
    ) -> Result<(TrustList, PublicKey), TrustError> {
        let signed = Self::from_canonical(bytes)?;
        let body = signed.list.to_canonical();
        let signers: Vec<&ListOperator> = operators
            .iter()
            .filter(|o| {
                o.key
                    .verify(Domain::TrustList, &body, &signed.signature)
                    .is_ok()
            })
            .collect();
        let name = &signed.list.name;
        if signers.is_empty() {
            return Err(TrustError::BadSignature(name.clone()));
        }
        let candidates: Vec<&&ListOperator> =
            signers.iter().filter(|o| o.names.contains(name)).collect();
        if candidates.is_empty() {
            return Err(TrustError::NameNotAllowed { name: name.clone() });
        }
        // An origin some operator is bound to is that operator's alone: another may name it
        // only if its own entry lists it too.
        let may_name = |op: &ListOperator, origin: &String| {
            let listed = op.origins.as_ref().is_some_and(|o| o.contains(origin));
            let claimed = operators.iter().any(|o| {
                o.key != op.key && o.origins.as_ref().is_some_and(|os| os.contains(origin))
            });
            listed || (op.origins.is_none() && !claimed)
        };
        let refused = |op: &ListOperator| {
            signed
                .list
                .ledgers
                .iter()
                .find(|l| !may_name(op, &l.origin))
                .map(|l| l.origin.clone())
        };
        match candidates.iter().find(|op| refused(op).is_none()) {
            Some(op) => Ok((signed.list, op.key)),
            None => Err(TrustError::OriginNotAllowed {
                name: name.clone(),
                origin: refused(candidates[0]).unwrap_or_default(),
            }),
        }
    }
}

/// A list held, with who signed it (`None`: added by the caller as already verified).
#[derive(Debug, Clone)]
struct Held {
    list: TrustList,
    signer: Option<PublicKey>,
}

/// The trust lists a verifier has loaded: the highest version of each list (a list is its
/// name and its signer), searched in the order they were first loaded.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    held: Vec<Held>,
}

impl Trust {
    /// No trusted ledgers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trust exactly these lists (already verified by the caller).
    pub fn from_lists(lists: impl IntoIterator<Item = TrustList>) -> Self {
        let mut t = Self::new();
        for l in lists {
            t.add(l);
        }
        t
    }

    /// Adds a list the caller verified itself; of lists with one name added this way, a lower
    /// or equal version is ignored and a higher one replaces the one held.
    pub fn add(&mut self, list: TrustList) {
        self.hold(list, None);
    }

    fn hold(&mut self, list: TrustList, signer: Option<PublicKey>) {
        // A list is its name and signer; one the caller added (no signer) gives way to a
        // higher version loaded from a list operator that may publish it.
        match self
            .held
            .iter_mut()
            .find(|h| h.list.name == list.name && (h.signer == signer || h.signer.is_none()))
        {
            Some(h) if h.list.version < list.version => {
                h.list = list;
                h.signer = signer;
            }
            Some(_) => {}
            None => self.held.push(Held { list, signer }),
        }
    }

    /// Verifies a signed list (`bytes`) against the list operators the verifier trusts
    /// ([`SignedTrustList::open`]) and holds it: a higher version of the same name by the
    /// same signer replaces the one held; another signer's list of that name never does.
    pub fn load(&mut self, bytes: &[u8], operators: &[ListOperator]) -> Result<(), TrustError> {
        let (list, signer) = SignedTrustList::open(bytes, operators)?;
        self.hold(list, Some(signer));
        Ok(())
    }

    /// The trusted ledger with this origin, if a held list names it (current or not).
    pub fn ledger(&self, origin: &str) -> Option<&TrustedLedger> {
        self.held
            .iter()
            .flat_map(|h| &h.list.ledgers)
            .find(|l| l.origin == origin)
    }

    /// The trusted ledger with this origin from the first held list that names it and is
    /// current at `now`, or why there is none: what a verification starts with.
    pub fn ledger_for(
        &self,
        origin: &str,
        now: Timestamp,
    ) -> Result<&TrustedLedger, crate::verify::IndeterminateReason> {
        use crate::verify::IndeterminateReason;
        match self.current_ledger(origin, now) {
            Some(Ok(t)) => Ok(t),
            Some(Err(l)) => Err(IndeterminateReason::TrustListNotCurrent {
                name: l.name.clone(),
                issued: l.issued,
                next_update: l.next_update,
            }),
            None => Err(IndeterminateReason::UntrustedOrigin(origin.to_owned())),
        }
    }

    /// The trusted ledger with this origin from the first held list that names it and is
    /// current at `now` (`issued ≤ now < next_update`); if only lists that are not current
    /// name it, the first of them as the reason; `None` if no list names it.
    pub fn current_ledger(
        &self,
        origin: &str,
        now: Timestamp,
    ) -> Option<Result<&TrustedLedger, &TrustList>> {
        let naming = || {
            self.held.iter().filter_map(move |h| {
                let l = &h.list;
                Some((l, l.ledgers.iter().find(|t| t.origin == origin)?))
            })
        };
        naming()
            .find(|(l, _)| l.issued <= now && now < l.next_update)
            .map(|(_, t)| Ok(t))
            .or_else(|| naming().next().map(|(l, _)| Err(l)))
    }

    /// The lists held, in the order first loaded.
    pub fn lists(&self) -> Vec<&TrustList> {
        self.held.iter().map(|h| &h.list).collect()
    }
}
