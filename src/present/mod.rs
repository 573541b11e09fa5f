//! Offline presentations (一码免证): a holder-held bundle proving a license, checked with no
//! connection to the ledger against a trust list (SPEC §20).
//!
//! A [`Presentation`] carries a signed checkpoint (with witness cosignatures), the entries that
//! prove the license version and who issued it (the version's entry, the issuing authority's
//! registration, and the entries that introduced every key in the chain up to a trusted
//! operator key), each with its inclusion proof, the holder's disclosed claims with their
//! salts, and the operator's status stamp. [`compact::CompactPresentation`] is the form that
//! fits one QR code. Verification is pure: no storage, no network.

pub mod compact;
mod examine;
pub mod holder;
#[cfg(feature = "qr")]
pub mod qr;
#[cfg(feature = "qr-read")]
pub mod qr_read;
pub mod seal;
pub mod trust;

use crate::checkpoint::{Checkpoint, Note, NoteError, NoteVerifier};
use crate::crypto::{
    leaf_hash, verify_all, verify_many, Digest32, Domain, DomainItem, KeyId, PublicKey,
};
use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};
use crate::event::{
    operator_key_message, rotation_message, AuthorityRegistration, Entry, Event, LicenseVersion,
};
use crate::merkle::InclusionProof;
use crate::privacy::Disclosure;
use crate::stamp::{StampKind, StatusClaim, StatusStamp};
use crate::status::Status;
use crate::time::Timestamp;
use crate::verify::{check_claims, IndeterminateReason, InvalidReason, Verdict};
pub use examine::{examine, ExamineError, Examined, Form};
pub use holder::{Binding, HolderCheck, HolderSignature};
use std::collections::HashMap;
use trust::{KeyRoles, OperatorKey, Trust, TrustedLedger};

/// An entry with its inclusion proof in the presentation's checkpoint (index: the entry's
/// sequence number; tree size: the checkpoint's). Encoded `[entry bytes, [hash...]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenEntry {
    /// The entry's canonical bytes.
    pub entry: Vec<u8>,
    /// The RFC 9162 audit path.
    pub path: Vec<Digest32>,
}

impl Canonical for ProvenEntry {
    fn encode(&self, e: &mut Encoder) {
        e.array(2);
        e.bytes(&self.entry);
        self.path.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(2)?;
        Ok(Self {
            entry: d.bytes()?.to_vec(),
            path: Vec::decode(d)?,
        })
    }
}

/// A holder's full presentation of a license. Encoded `[2, checkpoint note, [proven entry...],
/// disclosure, status stamp, holder signature or null]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presentation {
    /// The signed checkpoint note (C2SP), with the witnesses' cosignatures.
    pub checkpoint: String,
    /// The version's entry and the entries proving its issuer, in ledger order.
    pub entries: Vec<ProvenEntry>,
    /// The disclosed claims (and, optionally, the holder's code) with their salts.
    pub disclosure: Disclosure,
    /// The operator's status stamp for the version, as of the checkpoint.
    pub stamp: StatusStamp,
    /// The holder's signature binding it to one verifier for a few minutes (SPEC §20), added
    /// by the holder (`chancery holder-sign`).
    pub holder_signature: Option<HolderSignature>,
}

impl Canonical for Presentation {
    fn encode(&self, e: &mut Encoder) {
        e.array(6);
        e.uint(2);
        e.text(&self.checkpoint);
        self.entries.encode(e);
        self.disclosure.encode(e);
        self.stamp.encode(e);
        self.holder_signature.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        // A version-1 presentation (five items) is refused by its version.
        d.versioned("presentation", 2, 6, &[5])?;
        Ok(Self {
            checkpoint: d.text()?.to_owned(),
            entries: Vec::decode(d)?,
            disclosure: Disclosure::decode(d)?,
            stamp: StatusStamp::decode(d)?,
            holder_signature: Option::decode(d)?,
        })
    }
}

fn invalid(r: InvalidReason) -> Verdict {
    Verdict::Invalid(r)
}

fn malformed(what: &'static str) -> Verdict {
    invalid(InvalidReason::MalformedPresentation { what })
}

/// Verifies a full presentation at `now` against the trust lists held, offline.
///
/// Invalid when something is wrong with what was presented (a proof, a signature, a claim, a
/// stamp that does not match, a key outside its validity period, a status other than valid);
/// Indeterminate when it cannot be relied on now (untrusted origin, witness quorum not met,
/// checkpoint too old, stamp stale).
pub fn verify_presentation(p: &Presentation, trust: &Trust, now: Timestamp) -> Verdict {
    verify_presentation_for(p, trust, now, &HolderCheck::default()).verdict
}

/// What a verification found: the verdict, and whether the person showing the presentation
/// proved they hold the license's holder key (meaningful when the verdict is valid).
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Verification {
    /// The verdict.
    pub verdict: Verdict,
    /// Holder binding.
    pub binding: Binding,
}

impl Verification {
    fn of(result: Result<Binding, Verdict>) -> Self {
        match result {
            Ok(binding) => Self {
                verdict: Verdict::Valid,
                binding,
            },
            Err(verdict) => Self {
                verdict,
                binding: Binding::Unbound,
            },
        }
    }
}

/// Verifies a full presentation as [`verify_presentation`] does, and its holder signature
/// against what the verifier asks (`holder`: its audience and nonce, which require one) and
/// the trust list (`require_holder`).
pub fn verify_presentation_for(
    p: &Presentation,
    trust: &Trust,
    now: Timestamp,
    holder: &HolderCheck,
) -> Verification {
    Verification::of(check_full(p, trust, now, holder))
}

/// The keys a verifier learns from the bundle's entries.
/// Who signed an entry of a bundle, as the bundle proves it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Signer {
    /// A root key (a list key with the entries role, or one the bundle rotated to).
    Root,
    /// A key the bundle binds to this authority.
    Authority(String),
    /// A seal's key, by esID (bound by its registration in the bundle).
    Seal(String),
    /// An engine key, by the policy that names it (granted in the bundle).
    Engine(String),
}

struct Chain {
    /// The ledger's operator keys: the trust list's, then any the log rotated to.
    roots: Vec<OperatorKey>,
    /// Authority keys proven by the bundle, with their authority.
    keys: HashMap<KeyId, (PublicKey, String)>,
    /// Seal and engine keys proven by the bundle.
    seal_keys: HashMap<KeyId, (PublicKey, Signer)>,
    /// Seals registered in the bundle, by esID.
    seals: HashMap<String, crate::event::SealRegistration>,
    /// Auto-seal policies their seals' owners granted in the bundle, by id.
    policies: HashMap<String, crate::event::AutoSealPolicy>,
    registrations: HashMap<String, AuthorityRegistration>,
    /// Whether the trust list names operator keys (checkpoints only): it was made after the
    /// ledger had them.
    names_operator_keys: bool,
}

impl Chain {
    fn new(ledger: &TrustedLedger) -> Self {
        Self {
            names_operator_keys: ledger
                .operator_keys
                .iter()
                .any(|k| k.roles == KeyRoles::OPERATOR),
            roots: ledger.operator_keys.clone(),
            keys: HashMap::new(),
            seal_keys: HashMap::new(),
            seals: HashMap::new(),
            policies: HashMap::new(),
            registrations: HashMap::new(),
        }
    }

    /// Whether authority `a` is `ancestor` or below it, by the registrations proven.
    fn within(&self, a: &str, ancestor: &str) -> bool {
        let mut cur = Some(a.to_owned());
        for _ in 0..=self.registrations.len() {
            match cur {
                Some(c) if c == ancestor => return true,
                Some(c) => cur = self.registrations.get(&c).and_then(|r| r.parent.clone()),
                None => return false,
            }
        }
        false
    }

    /// Learns from the entries in ledger order; returns each entry's signer and key. The
    /// statement signatures are checked by the caller.
    fn learn(
        &mut self,
        origin: &str,
        entries: &[(Entry, Digest32)],
    ) -> Result<(Vec<Signer>, Vec<PublicKey>), Verdict> {
        let mut signers = Vec::with_capacity(entries.len());
        let mut keys = Vec::with_capacity(entries.len());
        for (entry, _) in entries {
            let s = entry.statement.statement();
            let seq = entry.seq;
            // Only root keys (the entries role) sign entries; an operator key that signed one
            // proves nothing.
            let signer = if let Some(k) = self
                .roots
                .iter()
                .find(|k| k.roles.entries && k.key.key_id() == s.actor)
            {
                if !k.valid_at(entry.ledger_time) {
                    return Err(invalid(InvalidReason::OperatorKeyOutsideValidity));
                }
                (k.key, Signer::Root)
            } else if let Some((k, a)) = self.keys.get(&s.actor) {
                (*k, Signer::Authority(a.clone()))
            } else if let Some((k, who)) = self.seal_keys.get(&s.actor) {
                (*k, who.clone())
            } else {
                return Err(invalid(InvalidReason::SignerNotProven { seq }));
            };
            let not_proven = || invalid(InvalidReason::SignerNotProven { seq });
            match &s.event {
                Event::AuthorityRegistered(r) => {
                    // As the ledger's rule (§8): an operator key registers with or without a
                    // parent; an authority only under itself.
                    let ok = match (&signer.1, &r.parent) {
                        (Signer::Root, _) => true,
                        (Signer::Authority(a), Some(p)) => a == p,
                        _ => false,
                    };
                    if !ok {
                        return Err(not_proven());
                    }
                    for k in &r.keys {
                        self.keys.insert(k.key_id(), (*k, r.code.clone()));
                    }
                    self.registrations.insert(r.code.clone(), r.clone());
                }
                Event::AuthorityKeyAdded { authority, key } => {
                    let ok = match &signer.1 {
                        Signer::Root => true,
                        Signer::Authority(a) => self.within(authority, a),
                        _ => false,
                    };
                    if !ok {
                        return Err(not_proven());
                    }
                    self.keys.insert(key.key_id(), (*key, authority.clone()));
                }
                Event::RootKeyRotated {
                    new_key,
                    acceptance,
                } if signer.1 == Signer::Root => {
                    let message = rotation_message(origin, &s.actor, new_key);
                    if new_key
                        .verify(Domain::KeyRotation, &message, acceptance)
                        .is_err()
                    {
                        return Err(invalid(InvalidReason::BadSignature { seq }));
                    }
                    // A list that ends the signing key was made knowing of its end: it names
                    // the keys that followed, and a rotation it does not name (a thief's, in
                    // a tree of its own) adds nothing. A list with no end for the key predates
                    // the rotation, which is followed.
                    let (listed_end, roles) = self.listed(&s.actor);
                    self.end(&s.actor, entry.ledger_time);
                    if listed_end.is_none() {
                        self.follow(*new_key, entry.ledger_time, roles);
                    }
                }
                // An operator key added by a root key the list gives no end (the list
                // predates it): it signs checkpoints and stamps from then on, and the root
                // keys no longer do, as in the ledger (§16).
                Event::OperatorKeyAdded { key, acceptance } if signer.1 == Signer::Root => {
                    let message = operator_key_message(origin, &s.actor, key);
                    if key
                        .verify(Domain::OperatorKey, &message, acceptance)
                        .is_err()
                    {
                        return Err(invalid(InvalidReason::BadSignature { seq }));
                    }
                    // Only a list made before the ledger had operator keys (it names none)
                    // learns them from the bundle; a list that names them names them all.
                    if self.listed(&s.actor).0.is_none() && !self.names_operator_keys {
                        for k in self.roots.iter_mut().filter(|k| k.roles.entries) {
                            k.roles.checkpoints = false;
                        }
                        self.follow(*key, entry.ledger_time, KeyRoles::OPERATOR);
                    }
                }
                Event::OperatorKeyRetired { key } if signer.1 == Signer::Root => {
                    self.end(key, entry.ledger_time);
                }
                // A seal's key, bound by its registrar (the authority the terms name), and an
                // engine key, by the seal's owner granting the policy.
                Event::SealRegistered(r)
                | Event::SealRemade {
                    registration: r, ..
                } => {
                    // The registrar must hold seal-registration rights, by its registration in
                    // the bundle.
                    let rights = self
                        .registrations
                        .get(&r.registrar)
                        .is_some_and(|a| a.may_register_seals);
                    if signer.1 != Signer::Authority(r.registrar.clone()) || !rights {
                        return Err(not_proven());
                    }
                    self.seal_keys
                        .insert(r.key.key_id(), (r.key, Signer::Seal(r.es_id.clone())));
                    self.seals.insert(r.es_id.clone(), (**r).clone());
                }
                // A grant by the seal's owner (of a seal registered in the bundle) proves its
                // policy; any other grant proves nothing (one engine key may serve several
                // policies, some of other owners' seals).
                Event::AutoSealPolicyGranted(p) => {
                    let by_owner = self
                        .seals
                        .get(&p.es_id)
                        .is_some_and(|r| signer.1 == Signer::Authority(r.owner.clone()));
                    self.seal_keys
                        .entry(p.engine.key_id())
                        .or_insert((p.engine, Signer::Engine(p.id.clone())));
                    if by_owner {
                        self.policies.insert(p.id.clone(), (**p).clone());
                    }
                }
                _ => {}
            }
            keys.push(signer.0);
            signers.push(signer.1);
        }
        Ok((signers, keys))
    }

    /// The end and roles the keys known so far give `key`.
    fn listed(&self, key: &KeyId) -> (Option<Timestamp>, KeyRoles) {
        self.roots
            .iter()
            .find(|k| k.key.key_id() == *key)
            .map_or((None, KeyRoles::ENTRIES), |k| (k.valid_until, k.roles))
    }

    /// Ends `key`'s validity at `t` (or earlier, if it already ends earlier).
    fn end(&mut self, key: &KeyId, t: Timestamp) {
        for k in self.roots.iter_mut().filter(|k| k.key.key_id() == *key) {
            k.valid_until = Some(k.valid_until.map_or(t, |u| u.min(t)));
        }
    }

    /// Adds `key` with `roles` from `t`, unless it is known already.
    fn follow(&mut self, key: PublicKey, t: Timestamp, roles: KeyRoles) {
        if !self.roots.iter().any(|k| k.key == key) {
            self.roots.push(OperatorKey {
                key,
                valid_from: t,
                valid_until: None,
                roles,
            });
        }
    }
}

/// The operator keys that may have signed a stamp or checkpoint relied on at `now` whose
/// checkpoint the witnesses attest at `attested` (a whole second): those valid at some instant
/// of that second and at `now` (so ending a key ends its outstanding stamps at once), and all
/// of them.
fn signing_keys(
    keys: &[OperatorKey],
    attested: Timestamp,
    now: Timestamp,
) -> (Vec<PublicKey>, Vec<PublicKey>) {
    // Witnesses attest in whole seconds: a key valid at some instant of that second.
    let second_end = attested.plus_millis(999);
    let keys: Vec<&OperatorKey> = keys.iter().filter(|k| k.roles.checkpoints).collect();
    let valid = keys
        .iter()
        .filter(|k| {
            k.valid_from <= second_end
                && k.valid_until.is_none_or(|u| attested < u)
                && k.valid_at(now)
        })
        .map(|k| k.key)
        .collect();
    (valid, keys.iter().map(|k| k.key).collect())
}

/// When the checkpoint was made, as its witnesses attest (SPEC §20): the `threshold`-th most
/// recent cosignature time of a distinct policy witness key. With no witness required, only if
/// the list allows unwitnessed ledgers, and then the stamp's `this_update`. Or why there is no
/// such time: too few cosignatures, one that does not verify, or a ledger not allowed to go
/// unwitnessed.
fn attested_time(
    ledger: &TrustedLedger,
    note: &Note,
    this_update: Timestamp,
) -> Result<Timestamp, Verdict> {
    let policy = &ledger.witnesses;
    if policy.threshold == 0 {
        return if ledger.unwitnessed {
            Ok(this_update)
        } else {
            Err(Verdict::Indeterminate(IndeterminateReason::Unwitnessed {
                origin: ledger.origin.clone(),
            }))
        };
    }
    match policy.check(note) {
        Ok(_) => {}
        Err(NoteError::QuorumNotMet { have, need }) => {
            return Err(Verdict::Indeterminate(IndeterminateReason::WitnessQuorum {
                have,
                need,
            }))
        }
        Err(_) => return Err(invalid(InvalidReason::BadCosignature)),
    }
    // One time per distinct witness key (a key named twice counts once, as in the quorum).
    let mut seen: Vec<&NoteVerifier> = Vec::new();
    let mut times: Vec<u64> = policy
        .witnesses
        .iter()
        .filter(|w| {
            let new = !seen.iter().any(|s| s.same_key(w));
            seen.push(w);
            new
        })
        .filter_map(|w| note.signatures.iter().find_map(|s| w.cosignature_time(s)))
        .collect();
    times.sort_unstable_by(|a, b| b.cmp(a));
    let secs = times.get(policy.threshold - 1).copied().unwrap_or(0);
    Ok(Timestamp(secs.saturating_mul(1000)))
}

/// What an operator stamp signs, for checking its signature whatever the stamp's kind.
struct StampSig<'a> {
    domain: Domain,
    bytes: Vec<u8>,
    signature: &'a crate::crypto::Signature,
    this_update: Timestamp,
    next_update: Timestamp,
    /// The checkpoint the claim names: origin, size, root.
    checkpoint: (&'a str, u64, Digest32),
}

impl<'a> StampSig<'a> {
    fn status(stamp: &'a StatusStamp) -> Self {
        let c = &stamp.claim;
        Self {
            domain: Domain::StatusStamp,
            bytes: c.to_canonical(),
            signature: &stamp.signature,
            this_update: c.this_update,
            next_update: c.next_update,
            checkpoint: (&c.origin, c.size, c.root),
        }
    }

    fn verifies(&self, keys: &[PublicKey]) -> bool {
        keys.iter()
            .any(|k| k.verify(self.domain, &self.bytes, self.signature).is_ok())
    }
}

/// Verifies the stamp with the operator keys valid when it was made; a signature by a key
/// outside its period is told apart from no trusted signature at all.
fn check_stamp_signature(
    stamp: &StampSig<'_>,
    valid: &[PublicKey],
    all: &[PublicKey],
) -> Result<(), Verdict> {
    if stamp.next_update <= stamp.this_update {
        return Err(malformed("status stamp window"));
    }
    if stamp.verifies(valid) {
        return Ok(());
    }
    Err(if stamp.verifies(all) {
        invalid(InvalidReason::OperatorKeyOutsideValidity)
    } else {
        invalid(InvalidReason::StampSignature)
    })
}

/// Checks the statement signatures and the stamp's: all in one Ed25519 batch when one operator
/// key may have signed the stamp (the common case), and one by one, to name what is wrong, if
/// the batch fails or several keys could have signed.
fn check_signatures(
    entries: &[(Entry, Digest32)],
    keys: &[PublicKey],
    stamp: &StampSig<'_>,
    valid: &[PublicKey],
    all: &[PublicKey],
) -> Result<(), Verdict> {
    if stamp.next_update <= stamp.this_update {
        return Err(malformed("status stamp window"));
    }
    let mut items: Vec<DomainItem<'_>> = entries
        .iter()
        .zip(keys)
        .map(|((e, _), k)| {
            (
                Domain::Statement,
                e.statement.statement_bytes(),
                k,
                e.statement.signature(),
            )
        })
        .collect();
    if let [only] = valid {
        items.push((stamp.domain, &stamp.bytes, only, stamp.signature));
        if verify_all(&items) {
            return Ok(());
        }
    }
    let statements: Vec<_> = items[..entries.len()]
        .iter()
        .map(|(_, payload, key, sig)| (*payload, *key, *sig))
        .collect();
    if let Some(bad) = verify_many(Domain::Statement, &statements)
        .iter()
        .position(|ok| !ok)
    {
        return Err(invalid(InvalidReason::BadSignature {
            seq: entries[bad].0.seq,
        }));
    }
    check_stamp_signature(stamp, valid, all)
}

/// A full bundle proven up to its stamp: what license and sealing presentations share (SPEC
/// §20 steps 1–4).
struct Proven<'t> {
    ledger: &'t TrustedLedger,
    cp: Checkpoint,
    entries: Vec<(Entry, Digest32)>,
    signers: Vec<Signer>,
    chain: Chain,
    attested: Result<Timestamp, Verdict>,
}

/// Parses the note, finds the trusted ledger, proves each entry's inclusion and the chain of
/// keys, and checks every statement signature, the stamp's and the note's under the operator
/// keys that may sign what is relied on at `now`.
fn prove<'t>(
    trust: &'t Trust,
    checkpoint: &str,
    proven: &[ProvenEntry],
    stamp: &StampSig<'_>,
    now: Timestamp,
) -> Result<Proven<'t>, Verdict> {
    let note = Note::parse(checkpoint.as_bytes()).map_err(|_| malformed("checkpoint note"))?;
    let cp = Checkpoint::parse_text(&note.text).map_err(|_| malformed("checkpoint"))?;
    let ledger = trust
        .ledger_for(&cp.origin, now)
        .map_err(Verdict::Indeterminate)?;
    let mut entries = Vec::with_capacity(proven.len());
    for pe in proven {
        let entry = Entry::from_canonical(&pe.entry).map_err(|_| malformed("entry"))?;
        if entry.statement.statement().origin != cp.origin {
            return Err(malformed("entry of another ledger"));
        }
        let hash = leaf_hash(&pe.entry);
        let proof = InclusionProof {
            index: entry.seq,
            tree_size: cp.size,
            path: pe.path.clone(),
        };
        if proof.verify(&hash, &cp.root).is_err() {
            return Err(invalid(InvalidReason::BadProof { seq: entry.seq }));
        }
        entries.push((entry, hash));
    }
    if entries.windows(2).any(|w| w[0].0.seq >= w[1].0.seq) {
        return Err(malformed("entries out of ledger order"));
    }
    let mut chain = Chain::new(ledger);
    let (signers, keys) = chain.learn(&cp.origin, &entries)?;
    // Keys are judged at the attested time; without one the verdict will say why, and the
    // stamp's own time stands in meanwhile.
    let attested = attested_time(ledger, &note, stamp.this_update);
    let at = attested.as_ref().copied().unwrap_or(stamp.this_update);
    let (valid, all) = signing_keys(&chain.roots, at, now);
    check_signatures(&entries, &keys, stamp, &valid, &all)?;
    let verifiers = |keys: &[PublicKey]| NoteVerifier::for_keys(&cp.origin, keys);
    if note.verify(&verifiers(&valid)).is_err() {
        return Err(if note.verify(&verifiers(&all)).is_ok() {
            invalid(InvalidReason::OperatorKeyOutsideValidity)
        } else {
            invalid(InvalidReason::CheckpointNotSigned)
        });
    }
    if stamp.checkpoint != (cp.origin.as_str(), cp.size, cp.root) {
        return Err(invalid(InvalidReason::StampMismatch { what: "checkpoint" }));
    }
    Ok(Proven {
        ledger,
        cp,
        entries,
        signers,
        chain,
        attested,
    })
}

fn check_full(
    p: &Presentation,
    trust: &Trust,
    now: Timestamp,
    asked: &HolderCheck,
) -> Result<Binding, Verdict> {
    let claim = &p.stamp.claim;
    let Proven {
        ledger,
        cp: _,
        entries,
        signers,
        chain,
        attested,
    } = prove(
        trust,
        &p.checkpoint,
        &p.entries,
        &StampSig::status(&p.stamp),
        now,
    )?;
    if claim.kind != StampKind::Current {
        return Err(invalid(InvalidReason::NotACurrentStamp {
            this_update: claim.this_update,
        }));
    }
    let id = &p.disclosure.license;
    let found = entries.iter().zip(&signers).find(|((e, _), _)| {
        e.statement
            .statement()
            .event
            .new_version()
            .is_some_and(|v| v.id == *id)
    });
    let Some(((entry, hash), signer)) = found else {
        return Err(invalid(InvalidReason::UnknownLicense(id.clone())));
    };
    if claim.license != *id || claim.entry_seq != entry.seq || claim.entry_hash != *hash {
        return Err(invalid(InvalidReason::StampMismatch { what: "entry" }));
    }
    let scoped = *signer == Signer::Authority(id.issuer().to_owned())
        && chain
            .registrations
            .get(id.issuer())
            .is_some_and(|r| r.license_types.iter().any(|t| t == id.type_code()));
    if !scoped {
        return Err(invalid(InvalidReason::IssuerNotProven));
    }
    let version = entry
        .statement
        .statement()
        .event
        .new_version()
        .ok_or_else(|| malformed("license entry"))?;
    check_claims(version, &p.disclosure).map_err(invalid)?;
    finish(ledger, attested, claim, version, now)?;
    holder::check(ledger, claim, p.holder_signature.as_ref(), asked, now)
}

/// The checks both forms share once the version and the stamp are proven (SPEC §20 steps
/// 6–10): the checkpoint's attested time, the stamp against it and the list's freshness
/// limits, the stamp's currency, the status and the validity window at `now`.
fn finish(
    ledger: &TrustedLedger,
    attested: Result<Timestamp, Verdict>,
    claim: &StatusClaim,
    version: &LicenseVersion,
    now: Timestamp,
) -> Result<(), Verdict> {
    fresh(ledger, attested, claim.this_update, claim.next_update, now)?;
    if let Status::NotYetRecorded { recorded_at } = claim.status {
        return Err(Verdict::Indeterminate(
            IndeterminateReason::NotYetRecorded { recorded_at },
        ));
    }
    if claim.status != Status::Valid {
        return Err(invalid(InvalidReason::NotValid(claim.status.clone())));
    }
    if now < version.valid_from {
        return Err(invalid(InvalidReason::NotValid(Status::NotYetValid)));
    }
    if version.valid_until.is_some_and(|u| u <= now) {
        return Err(invalid(InvalidReason::NotValid(Status::Expired)));
    }
    Ok(())
}

/// The freshness every stamp relied on offline must have (SPEC §20 steps 6–8): an attested
/// time, the stamp made near it with a window and an age the list allows, a checkpoint young
/// enough, `now` inside the window.
fn fresh(
    ledger: &TrustedLedger,
    attested: Result<Timestamp, Verdict>,
    this_update: Timestamp,
    next_update: Timestamp,
    now: Timestamp,
) -> Result<(), Verdict> {
    let made = attested?;
    let limits = &ledger.freshness;
    let lag = made.millis().saturating_sub(this_update.millis());
    if lag > limits.max_checkpoint_age_ms {
        return Err(invalid(InvalidReason::StampPredatesCheckpoint {
            lag_ms: lag,
            max_ms: limits.max_checkpoint_age_ms,
        }));
    }
    let window = next_update.millis().saturating_sub(this_update.millis());
    if window > limits.max_stamp_window_ms {
        return Err(invalid(InvalidReason::StampWindowTooLong {
            window_ms: window,
            max_ms: limits.max_stamp_window_ms,
        }));
    }
    let age = now.millis().saturating_sub(made.millis());
    if age > limits.max_checkpoint_age_ms {
        return Err(Verdict::Indeterminate(
            IndeterminateReason::StaleCheckpoint {
                age_ms: age,
                max_ms: limits.max_checkpoint_age_ms,
            },
        ));
    }
    if now < this_update {
        return Err(Verdict::Indeterminate(
            IndeterminateReason::StampNotYetValid { this_update },
        ));
    }
    if now >= next_update {
        return Err(Verdict::Indeterminate(IndeterminateReason::StaleStamp {
            next_update,
        }));
    }
    let stamp_age = now.millis().saturating_sub(this_update.millis());
    if stamp_age > limits.max_stamp_age_ms {
        return Err(Verdict::Indeterminate(IndeterminateReason::StampTooOld {
            age_ms: stamp_age,
            max_ms: limits.max_stamp_age_ms,
        }));
    }
    Ok(())
}
