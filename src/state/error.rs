//! Why the ledger refuses a statement.

use crate::crypto::{KeyId, SignatureError};
use crate::id::LicenseId;
use crate::time::Timestamp;

/// A statement broke a ledger rule. Nothing was recorded.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The first entry must be `LedgerCreated`, signed by one of its root keys.
    #[error("the first statement must be LedgerCreated signed by one of its root keys")]
    NotGenesis,
    /// `LedgerCreated` after the first entry.
    #[error("the ledger already exists")]
    GenesisRepeated,
    /// The statement names another ledger.
    #[error("statement is for origin {found:?}, this ledger is {expected:?}")]
    WrongOrigin {
        /// This ledger's origin.
        expected: String,
        /// The statement's origin.
        found: String,
    },
    /// Claimed time too far from ledger time.
    #[error("claimed time {claimed} is more than {max_skew_ms} ms from ledger time {ledger_time}")]
    ClockSkew {
        /// The statement's claimed time.
        claimed: Timestamp,
        /// The ledger time.
        ledger_time: Timestamp,
        /// The policy's limit.
        max_skew_ms: u64,
    },
    /// Ledger time went backwards (only a damaged or forged ledger shows this).
    #[error("ledger time {found} is before the previous entry's {previous}")]
    TimeWentBackwards {
        /// Previous entry's ledger time.
        previous: Timestamp,
        /// This entry's ledger time.
        found: Timestamp,
    },
    /// The statement is already recorded (an append returns the original receipt instead; only
    /// a forged ledger holds a statement twice).
    #[error("statement already recorded as entry {0}")]
    DuplicateStatement(u64),
    /// No key with this id is registered.
    #[error("unknown signing key {0}")]
    UnknownKey(KeyId),
    /// The key was retired before this ledger time.
    #[error("key {key} is retired from {from}")]
    KeyRetired {
        /// The key.
        key: KeyId,
        /// Retirement time.
        from: Timestamp,
    },
    /// The key was declared compromised since before this ledger time.
    #[error("key {key} is compromised since {since}")]
    KeyCompromised {
        /// The key.
        key: KeyId,
        /// Compromise point.
        since: Timestamp,
    },
    /// The key came into the ledger by an entry that no longer counts: a key somewhere back
    /// along the entries that introduced it was declared compromised since before them.
    #[error(
        "key {key} was brought in under key {by}, compromised since {since}: it does not count"
    )]
    IntroducedUnderCompromise {
        /// The signing key.
        key: KeyId,
        /// The compromised key it came in under.
        by: KeyId,
        /// That key's compromise point.
        since: Timestamp,
    },
    /// A seal registration without the owner's valid acceptance or the seal key's proof of
    /// possession.
    #[error("seal {es_id} is not accepted: {what}")]
    SealNotAccepted {
        /// The seal.
        es_id: String,
        /// What is missing or wrong.
        what: &'static str,
    },
    /// A root key compromise declaration signed by too few root keys.
    #[error("{signed} of the {of} root keys that may sign signed: at least two others and more than half are needed")]
    NoMajority {
        /// Distinct root keys that signed (the signer and its cosigners).
        signed: usize,
        /// Root keys that may sign now, the declared one included.
        of: usize,
    },
    /// The signer's authority is suspended or revoked.
    #[error("authority {code} is not active")]
    AuthorityNotActive {
        /// Authority code.
        code: String,
    },
    /// The signer may not emit this event.
    #[error("the signer may not emit {event} here: only {} may", crate::event::who_may_emit(.event))]
    Unauthorized {
        /// The event kind.
        event: &'static str,
    },
    /// A field of the statement breaks its rule (which one: [`Invalid`]).
    #[error("invalid {0}")]
    Invalid(Invalid),
    /// The key is already registered (keys are never reused).
    #[error("key {0} is already registered")]
    DuplicateKey(KeyId),
    /// The authority code is taken.
    #[error("authority {0} already exists")]
    DuplicateAuthority(String),
    /// No such authority.
    #[error("unknown authority {0}")]
    UnknownAuthority(String),
    /// A delegate asked for rights its parent lacks.
    #[error("delegation exceeds the parent's rights")]
    ScopeExceeded,
    /// The key does not belong to that authority.
    #[error("key {key} does not belong to authority {authority}")]
    KeyNotOwned {
        /// The key.
        key: KeyId,
        /// The authority.
        authority: String,
    },
    /// The key was already retired or declared compromised.
    #[error("key {0} was already retired or compromised")]
    KeyAlreadyEnded(KeyId),
    /// The authority is not in the state the event requires.
    #[error("authority {code} is {state}")]
    AuthorityState {
        /// Authority code.
        code: String,
        /// Its state.
        state: &'static str,
    },
    /// The license type code is taken.
    #[error("license type {0} already exists")]
    DuplicateLicenseType(String),
    /// No such license type.
    #[error("unknown license type {0}")]
    UnknownLicenseType(String),
    /// Claim names differ from the type's catalogue entry: the first claim (by position)
    /// whose name is not the type's, or that one of the two lacks.
    #[error("claim {position}: the license type has {}, the version {}", expected.as_deref().map_or("no claim".to_owned(), |n| format!("{n:?}")), found.as_deref().map_or("none".to_owned(), |n| format!("{n:?}")))]
    ClaimsMismatch {
        /// Position of the claim, from 0.
        position: usize,
        /// The type's claim name there (`None`: the version has too many claims).
        expected: Option<String>,
        /// The version's claim name there (`None`: it has too few).
        found: Option<String>,
    },
    /// The validity window ends before it starts.
    #[error("validity window ends before it starts")]
    InvalidValidity,
    /// A license with this lineage exists already.
    #[error("license {0} already exists")]
    LicenseExists(LicenseId),
    /// No such license.
    #[error("unknown license {0}")]
    UnknownLicense(LicenseId),
    /// The event names a version that has been superseded.
    #[error("that license version is superseded; the current version is {current}")]
    NotCurrentVersion {
        /// The current version.
        current: LicenseId,
    },
    /// A new version's id is not the next version of the lineage.
    #[error("new version must be {0}")]
    WrongSuccessor(LicenseId),
    /// The first issuance must be version 001.
    #[error("a first issuance must be version 001")]
    NotFirstVersion,
    /// The license has been terminated; nothing may follow.
    #[error("license {0} has been terminated")]
    LicenseTerminated(LicenseId),
    /// The license is suspended.
    #[error("license {0} is suspended")]
    LicenseSuspended(LicenseId),
    /// A use records the license as accepted at a ledger time it was not valid (SPEC §19).
    #[error("license {license} was not valid when the use accepting it was recorded: {status}")]
    AcceptedWhileNotValid {
        /// The license version the use names.
        license: LicenseId,
        /// Its status at the use's ledger time.
        status: crate::status::Status,
    },
    /// There is no suspension to lift.
    #[error("license {0} is not suspended")]
    LicenseNotSuspended(LicenseId),
    /// A renewal must extend validity.
    #[error("a renewal must end later than the current version")]
    RenewalMustExtend,
    /// No such seal.
    #[error("unknown seal {0}")]
    UnknownSeal(String),
    /// The esID is taken.
    #[error("seal {0} already exists")]
    DuplicateSeal(String),
    /// The seal may not be applied at this ledger time.
    #[error("seal {es_id} is not active: {status}")]
    SealNotActive {
        /// The seal.
        es_id: String,
        /// Its status at the ledger time.
        status: crate::state::SealStatus,
    },
    /// An automatic sealing names another document than the one its case committed to.
    #[error("case {case} decides document {document}, not this one")]
    NotTheCaseDocument {
        /// The case.
        case: String,
        /// The case's document.
        document: crate::crypto::Digest32,
    },
    /// A seal's application is signed by another seal's key.
    #[error(
        "the signing key is seal {key_of}'s, not seal {seal}'s: a seal is applied with its own key"
    )]
    SealKeyMismatch {
        /// The seal whose key signed.
        key_of: String,
        /// The seal the application names.
        seal: String,
    },
    /// The seal is not in the state the event requires.
    #[error("seal {es_id} is {state}")]
    SealState {
        /// The seal.
        es_id: String,
        /// Its state.
        state: &'static str,
    },
    /// No such auto-seal policy.
    #[error("unknown auto-seal policy {0}")]
    UnknownPolicy(String),
    /// The policy id is taken.
    #[error("auto-seal policy {0} already exists")]
    DuplicatePolicy(String),
    /// The policy was revoked.
    #[error("auto-seal policy {0} is revoked")]
    PolicyRevoked(String),
    /// No such case.
    #[error("unknown case {0}")]
    UnknownCase(String),
    /// The case reference is taken.
    #[error("case {0} already exists")]
    DuplicateCase(String),
    /// The case was decided or sealed automatically already.
    #[error("case {0} is already decided or sealed")]
    CaseClosed(String),
    /// An automatic sealing before the case's deadline.
    #[error("case {case}'s deadline {deadline} has not passed")]
    DeadlineNotPassed {
        /// The case.
        case: String,
        /// Its deadline.
        deadline: Timestamp,
    },
    /// An automatic sealing the policy does not cover.
    #[error("outside auto-seal policy {policy}: {what}")]
    OutsidePolicy {
        /// The policy cited.
        policy: String,
        /// What does not fit.
        what: &'static str,
    },
    /// No such consent.
    #[error("unknown consent {0}")]
    UnknownConsent(crate::event::StatementId),
    /// The consent does not allow this use.
    #[error("consent {consent} does not allow this: {what}")]
    ConsentNotInForce {
        /// The consent.
        consent: crate::event::StatementId,
        /// Why.
        what: &'static str,
    },
}

/// Why one statement of an append was refused.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The signature does not verify with the actor's key.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// A ledger rule.
    #[error(transparent)]
    Rule(#[from] RuleError),
}

/// Which field of a statement breaks its rule: [`RuleError::Invalid`]'s reason.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    /// The statement's entry would exceed 65,535 bytes (SPEC §4).
    #[error("statement size (its entry would exceed 65,535 bytes)")]
    StatementTooLarge,
    /// A seal's esID is malformed (SPEC §18).
    #[error("esID")]
    EsId,
    /// A seal's name is not its owner's filed name.
    #[error("seal name (must equal the owner's filed name)")]
    SealName,
    /// A seal has no seal type.
    #[error("seal type")]
    SealType,
    /// A remade seal names another owner than the old seal's.
    #[error("remade seal owner (must be the old seal's)")]
    RemadeSealOwner,
    /// A loss is dated after its report.
    #[error("loss time (after the report)")]
    LossTime,
    /// A sealing names no case reference or no operator.
    #[error("case reference or operator")]
    SealingCase,
    /// An automatic-sealing policy id is empty or taken.
    #[error("policy id")]
    PolicyId,
    /// An automatic-sealing policy names no case type, or one twice.
    #[error("policy case types")]
    PolicyCaseTypes,
    /// An automatic-sealing policy has no legal basis or no decision period.
    #[error("policy legal basis or decision period")]
    PolicyTerms,
    /// A case has no reference or no type, or its reference is taken.
    #[error("case reference or type")]
    CaseReference,
    /// A case's deadline is not after its opening.
    #[error("case deadline (not after the opening)")]
    CaseDeadline,
    /// A case's outcome is not one that decides it.
    #[error("case outcome")]
    CaseOutcome,
    /// A consent has no service item, an empty window or no uses.
    #[error("consent service item, window or number of uses")]
    ConsentTerms,
    /// A use record names no case number.
    #[error("case number")]
    UseCase,
    /// A root key rotation's acceptance is not the new key's signature.
    #[error("rotation acceptance (new key's signature)")]
    RotationAcceptance,
    /// An operator key's acceptance is not the new key's signature.
    #[error("operator key acceptance (the new key's signature)")]
    OperatorKeyAcceptance,
    /// A root key compromise declares a key that is not a root key.
    #[error("declared key (not a root key)")]
    NotARootKey,
    /// A compromise point lies ahead of the ledger time by more than the skew.
    #[error("compromise point (it may not lie ahead of the ledger time by more than the skew)")]
    CompromisePointAhead,
    /// A root key compromise lacks the cosignatures it needs (by other root keys, once each, verifying).
    #[error("root compromise cosignature (by another root key, once, verifying)")]
    RootCompromiseCosignature,
    /// The genesis origin is not 1–255 bytes of a C2SP key name (SPEC §8 rule 1).
    #[error("origin (it must be a C2SP key name: no whitespace, '+' or control characters)")]
    Origin,
    /// An authority code is malformed.
    #[error("authority code")]
    AuthorityCode,
    /// An authority name is empty.
    #[error("authority name")]
    AuthorityName,
    /// An authority is registered with no key.
    #[error("key list (empty)")]
    NoKeys,
    /// A key list names a key twice.
    #[error("key list (duplicate key)")]
    RepeatedKey,
    /// An authority's license-type scope names a type twice or a malformed code.
    #[error("license type scope")]
    LicenseTypeScope,
    /// A license type code is malformed.
    #[error("license type code")]
    LicenseTypeCode,
    /// A license type's name is empty, or its claim names are empty or repeated.
    #[error("license type name or claim names")]
    LicenseTypeNames,
    /// A termination takes effect further ahead of the ledger time than the policy's `max_effective_lead_ms`.
    #[error(
        "effective date (further ahead of the ledger time than the policy's max_effective_lead_ms)"
    )]
    EffectiveTooFarAhead,
    /// A termination takes effect before the license was recorded.
    #[error("effective date (before the license was recorded)")]
    EffectiveBeforeRecorded,
    /// A license version has no printed number.
    #[error("printed number")]
    PrintedNumber,
    /// A lineage has no version after 999.
    #[error("version (no version after 999)")]
    NoNextVersion,
}
