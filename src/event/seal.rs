//! Bodies of seal events (tags 32–63): registration, application, automatic sealing.

use crate::crypto::{Digest32, Domain, KeyId, PublicKey, SecretKey, Signature};
use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};
use crate::time::Timestamp;

/// The terms of a seal's registration (制作 + 备案): what the registrar records and the owner
/// accepts. Encoded `[es id, owner, name, seal type, key, image digest, valid from, valid until
/// or null, registrar]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealTerms {
    /// esID: 1–32 characters of `0-9A-Z`, unique in the ledger.
    pub es_id: String,
    /// The owning unit's code (a registered authority).
    pub owner: String,
    /// The seal's name: must equal the owner's filed name.
    pub name: String,
    /// Seal type (公章, 合同专用章, 财务专用章, ...).
    pub seal_type: String,
    /// The seal's own signing key; it signs every application of the seal.
    pub key: PublicKey,
    /// SHA-256 of the seal image.
    pub image: Digest32,
    /// Start of validity.
    pub valid_from: Timestamp,
    /// End of validity (exclusive); `None` for no end.
    pub valid_until: Option<Timestamp>,
    /// The registering authority's code (must be the signer's authority).
    pub registrar: String,
}

impl Canonical for SealTerms {
    fn encode(&self, e: &mut Encoder) {
        e.array(9);
        e.text(&self.es_id);
        e.text(&self.owner);
        e.text(&self.name);
        e.text(&self.seal_type);
        self.key.encode(e);
        self.image.encode(e);
        self.valid_from.encode(e);
        self.valid_until.encode(e);
        e.text(&self.registrar);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(9)?;
        Ok(Self {
            es_id: d.text()?.to_owned(),
            owner: d.text()?.to_owned(),
            name: d.text()?.to_owned(),
            seal_type: d.text()?.to_owned(),
            key: PublicKey::decode(d)?,
            image: Digest32::decode(d)?,
            valid_from: Timestamp::decode(d)?,
            valid_until: Option::decode(d)?,
            registrar: d.text()?.to_owned(),
        })
    }
}

impl SealTerms {
    /// The bytes both acceptance signatures cover: `[origin, terms]`, canonically encoded,
    /// signed by the owner under `chancery/v1/seal-acceptance` and by the seal key under
    /// `chancery/v1/seal-possession` (SPEC §18).
    pub fn acceptance_message(&self, origin: &str) -> Vec<u8> {
        let mut e = Encoder::new();
        e.array(2);
        e.text(origin);
        self.encode(&mut e);
        e.into_bytes()
    }

    /// The registration with the owner's acceptance, signed with `owner` (a key of the owning
    /// unit), and the seal key's proof of possession, signed with `seal` (the secret half of
    /// `self.key`).
    pub fn accept(self, origin: &str, owner: &SecretKey, seal: &SecretKey) -> SealRegistration {
        let message = self.acceptance_message(origin);
        let acceptance = SealAcceptance {
            owner_key: owner.key_id(),
            owner: owner.sign(Domain::SealAcceptance, &message),
            possession: seal.sign(Domain::SealPossession, &message),
        };
        SealRegistration {
            terms: self,
            acceptance,
        }
    }
}

/// The owner's acceptance of a seal and its key's proof of possession.
/// Encoded `[owner key id, owner's signature, seal key's signature]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealAcceptance {
    /// The owner's key that accepted (it must be a key of the owner that counts then).
    pub owner_key: KeyId,
    /// The owner's signature over [`SealTerms::acceptance_message`].
    pub owner: Signature,
    /// The seal key's signature over the same message: whoever registered it holds it.
    pub possession: Signature,
}

impl Canonical for SealAcceptance {
    fn encode(&self, e: &mut Encoder) {
        e.array(3);
        self.owner_key.encode(e);
        self.owner.encode(e);
        self.possession.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(3)?;
        Ok(Self {
            owner_key: KeyId::decode(d)?,
            owner: Signature::decode(d)?,
            possession: Signature::decode(d)?,
        })
    }
}

/// A seal's registration: its terms and the owner's acceptance of them.
/// Encoded `[terms, acceptance]`. It reads as its terms (`registration.es_id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealRegistration {
    /// What is registered.
    pub terms: SealTerms,
    /// The owner's acceptance and the seal key's proof of possession.
    pub acceptance: SealAcceptance,
}

impl std::ops::Deref for SealRegistration {
    type Target = SealTerms;

    fn deref(&self) -> &SealTerms {
        &self.terms
    }
}

impl Canonical for SealRegistration {
    fn encode(&self, e: &mut Encoder) {
        e.array(2);
        self.terms.encode(e);
        self.acceptance.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(2)?;
        Ok(Self {
            terms: SealTerms::decode(d)?,
            acceptance: SealAcceptance::decode(d)?,
        })
    }
}

/// One application of a seal to a document (用印), signed by the seal's key.
/// Encoded `[es id, document digest, case reference, operator]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealApplication {
    /// The seal.
    pub es_id: String,
    /// SHA-256 of the document bytes.
    pub document: Digest32,
    /// 事项编码 / 业务流水号 of the business the document belongs to.
    pub case: String,
    /// Who operated the seal (a staff code, never a personal ID number).
    pub operator: String,
}

impl Canonical for SealApplication {
    fn encode(&self, e: &mut Encoder) {
        e.array(4);
        e.text(&self.es_id);
        self.document.encode(e);
        e.text(&self.case);
        e.text(&self.operator);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(4)?;
        Ok(Self {
            es_id: d.text()?.to_owned(),
            document: Digest32::decode(d)?,
            case: d.text()?.to_owned(),
            operator: d.text()?.to_owned(),
        })
    }
}

/// An owner's grant of automatic sealing (超时默认、自动用印).
/// Encoded `[policy id, es id, [case type...], legal basis, engine key, max decision period ms]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoSealPolicy {
    /// Policy identifier, unique in the ledger.
    pub id: String,
    /// The seal the engine may apply.
    pub es_id: String,
    /// Case types the policy covers (at least one).
    pub case_types: Vec<String>,
    /// The legal basis, as text (e.g. the article that makes silence consent).
    pub legal_basis: String,
    /// The only key that may apply the seal under this policy.
    pub engine: PublicKey,
    /// Longest allowed time from a case's opening to its deadline, in milliseconds.
    pub max_period_ms: u64,
}

impl Canonical for AutoSealPolicy {
    fn encode(&self, e: &mut Encoder) {
        e.array(6);
        e.text(&self.id);
        e.text(&self.es_id);
        self.case_types.encode(e);
        e.text(&self.legal_basis);
        self.engine.encode(e);
        e.uint(self.max_period_ms);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(6)?;
        Ok(Self {
            id: d.text()?.to_owned(),
            es_id: d.text()?.to_owned(),
            case_types: Vec::decode(d)?,
            legal_basis: d.text()?.to_owned(),
            engine: PublicKey::decode(d)?,
            max_period_ms: d.uint()?,
        })
    }
}

/// An approval case opened with a legal deadline, committing to the document it decides.
/// Encoded `[case reference, case type, service item, h'document', deadline]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseOpening {
    /// 业务流水号, unique in the ledger.
    pub case: String,
    /// 事项编码: the kind of approval.
    pub case_type: String,
    /// The service item (服务事项) the case is for.
    pub service_item: String,
    /// SHA-256 of the document the case decides: the only document an automatic sealing of
    /// this case may seal.
    pub document: Digest32,
    /// When the decision period ends.
    pub deadline: Timestamp,
}

impl Canonical for CaseOpening {
    fn encode(&self, e: &mut Encoder) {
        e.array(5);
        e.text(&self.case);
        e.text(&self.case_type);
        e.text(&self.service_item);
        self.document.encode(e);
        self.deadline.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(5)?;
        Ok(Self {
            case: d.text()?.to_owned(),
            case_type: d.text()?.to_owned(),
            service_item: d.text()?.to_owned(),
            document: Digest32::decode(d)?,
            deadline: Timestamp::decode(d)?,
        })
    }
}

/// The engine's automatic application of a seal to the document of an undecided case whose
/// deadline passed. Encoded `[policy id, case reference, document digest]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoSealApplication {
    /// The policy the engine acts under (it names the seal).
    pub policy: String,
    /// The case.
    pub case: String,
    /// SHA-256 of the sealed document.
    pub document: Digest32,
}

impl Canonical for AutoSealApplication {
    fn encode(&self, e: &mut Encoder) {
        e.array(3);
        e.text(&self.policy);
        e.text(&self.case);
        self.document.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(3)?;
        Ok(Self {
            policy: d.text()?.to_owned(),
            case: d.text()?.to_owned(),
            document: Digest32::decode(d)?,
        })
    }
}
