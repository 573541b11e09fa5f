//! The state's records in canonical CBOR (SPEC §12, "Index rows"): what the persistent index
//! stores for each row. A record is an array of its fields in declaration order; an enum is its
//! number, or `[number, field]` for one that carries a name; an absent value is `null`. The
//! event parts a record holds (a license version, a seal registration, a policy, a case
//! opening, a consent, a use record) keep their own encodings (§5).

use super::counting::{Compromises, Declaration};
use super::seals::Loss;
use super::{
    Authority, AuthorityState, CaseRecord, ConsentRecord, KeyRecord, LicenseType, Lineage,
    PolicyRecord, Principal, Provenance, Receipt, Seal, SealUse, Suspension, TerminationKind,
    TerminationRecord, Tip, UseEntry, VersionRecord,
};
use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};

/// `Canonical` for a struct: the array of its fields, in the order listed (the declaration
/// order; decoding fills them in that order).
macro_rules! record {
    ($t:ident { $($field:ident),+ $(,)? }) => {
        impl Canonical for $t {
            fn encode(&self, e: &mut Encoder) {
                e.array(record!(@count $($field)+));
                $( self.$field.encode(e); )+
            }

            fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
                d.array(record!(@count $($field)+))?;
                Ok(Self { $( $field: Canonical::decode(d)?, )+ })
            }
        }
    };
    (@count $($field:ident)+) => { <[()]>::len(&[$(record!(@unit $field)),+]) as u64 };
    (@unit $field:ident) => { () };
}

record!(Tip {
    size,
    head,
    last_time
});
record!(Provenance {
    seq,
    ledger_time,
    key
});
record!(KeyRecord {
    public,
    owner,
    introduced,
    accepted,
    retirements
});
record!(Authority {
    code,
    name,
    parent,
    license_types,
    may_register_seals,
    may_delegate,
    keys,
    state,
    registered,
    transitions,
});
record!(LicenseType {
    code,
    name,
    claim_names
});
record!(VersionRecord { version, recorded });
record!(Suspension { start, lifts });
record!(TerminationRecord {
    kind,
    effective,
    recorded
});
record!(Lineage {
    versions,
    suspensions,
    terminations
});
record!(Seal {
    registration,
    recorded,
    suspensions,
    losses,
    cancelled,
    invalidated,
    superseded,
});
record!(Loss { since, recorded });
record!(SealUse {
    es_id,
    document,
    case,
    operator,
    policy,
    recorded
});
record!(PolicyRecord {
    policy,
    owner,
    recorded,
    revoked
});
record!(CaseRecord {
    opening,
    owner,
    recorded,
    decided,
    auto_sealed
});
record!(ConsentRecord {
    id,
    consent,
    recorded,
    revoked,
    uses
});
record!(UseEntry {
    record,
    relying_party,
    recorded
});
record!(Declaration {
    key,
    since,
    recorded
});

/// A pair: the array of its two parts.
impl<A: Canonical, B: Canonical> Canonical for (A, B) {
    fn encode(&self, e: &mut Encoder) {
        e.array(2);
        self.0.encode(e);
        self.1.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(2)?;
        Ok((A::decode(d)?, B::decode(d)?))
    }
}

/// A statement's receipt in the state: `[seq, entry_hash, ledger_time]` (a receipt kept in
/// the state is never a re-submission's).
impl Canonical for Receipt {
    fn encode(&self, e: &mut Encoder) {
        e.array(3);
        self.seq.encode(e);
        self.entry_hash.encode(e);
        self.ledger_time.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(3)?;
        Ok(Receipt {
            seq: Canonical::decode(d)?,
            entry_hash: Canonical::decode(d)?,
            ledger_time: Canonical::decode(d)?,
            resubmission: None,
        })
    }
}

/// Compromise declarations: `[declarations, counts]`, with which of them count; the rest is
/// derived from those.
impl Canonical for Compromises {
    fn encode(&self, e: &mut Encoder) {
        e.array(2);
        self.list().to_vec().encode(e);
        self.counted().to_vec().encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        let at = d.position();
        d.array(2)?;
        let list = Vec::<Declaration>::decode(d)?;
        let counts = Vec::<bool>::decode(d)?;
        Compromises::from_parts(list, counts).ok_or(DecodeError::InvalidValue {
            offset: at,
            what: "compromise declarations and their counts",
        })
    }
}

/// Numbers of the enumerations.
fn small_enum<T: Copy>(
    d: &mut Decoder<'_>,
    kind: &'static str,
    values: &[T],
) -> Result<T, DecodeError> {
    let offset = d.position();
    let tag = d.uint()?;
    usize::try_from(tag)
        .ok()
        .and_then(|i| values.get(i).copied())
        .ok_or(DecodeError::UnknownTag { offset, kind, tag })
}

const AUTHORITY_STATES: [AuthorityState; 3] = [
    AuthorityState::Active,
    AuthorityState::Suspended,
    AuthorityState::Revoked,
];

/// An authority's state: 0 active, 1 suspended, 2 revoked.
impl Canonical for AuthorityState {
    fn encode(&self, e: &mut Encoder) {
        e.uint(AUTHORITY_STATES.iter().position(|s| s == self).unwrap_or(0) as u64);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        small_enum(d, "authority state", &AUTHORITY_STATES)
    }
}

const TERMINATION_KINDS: [TerminationKind; 4] = [
    TerminationKind::Cancelled,
    TerminationKind::Revoked,
    TerminationKind::Withdrawn,
    TerminationKind::Rescinded,
];

/// A termination's kind: 0 cancelled, 1 revoked, 2 withdrawn, 3 rescinded.
impl Canonical for TerminationKind {
    fn encode(&self, e: &mut Encoder) {
        e.uint(
            TERMINATION_KINDS
                .iter()
                .position(|k| k == self)
                .unwrap_or(0) as u64,
        );
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        small_enum(d, "termination kind", &TERMINATION_KINDS)
    }
}

/// A key's owner: 0 root, 3 engine, 5 operator; `[1, code]` authority, `[2, esID]` seal,
/// `[4, lineage]` holder.
impl Canonical for Principal {
    fn encode(&self, e: &mut Encoder) {
        let named = |e: &mut Encoder, tag: u64, name: &str| {
            e.array(2);
            e.uint(tag);
            e.text(name);
        };
        match self {
            Principal::Root => e.uint(0),
            Principal::Authority(code) => named(e, 1, code),
            Principal::Seal(es_id) => named(e, 2, es_id),
            Principal::Engine => e.uint(3),
            Principal::Holder(lineage) => named(e, 4, lineage),
            Principal::Operator => e.uint(5),
        }
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        let offset = d.position();
        let unknown = |tag| DecodeError::UnknownTag {
            offset,
            kind: "key owner",
            tag,
        };
        if d.peek_is_array()? {
            d.array(2)?;
            let tag = d.uint()?;
            let name = d.text()?.to_owned();
            return match tag {
                1 => Ok(Principal::Authority(name)),
                2 => Ok(Principal::Seal(name)),
                4 => Ok(Principal::Holder(name)),
                _ => Err(unknown(tag)),
            };
        }
        match d.uint()? {
            0 => Ok(Principal::Root),
            3 => Ok(Principal::Engine),
            5 => Ok(Principal::Operator),
            tag => Err(unknown(tag)),
        }
    }
}
