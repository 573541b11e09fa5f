//! Statements, entries and event bodies.
//!
//! An actor signs a [`Statement`] (origin, actor key id, claimed time, [`Event`]); the ledger
//! wraps the [`SignedStatement`] in an [`Entry`] with sequence number, previous-entry hash and
//! ledger time.

mod actor;
mod body;
mod consent;
mod entry;
mod seal;
mod statement;

pub use actor::Actor;
pub use body::{
    operator_key_message, root_compromise_message, rotation_message, who_may_emit,
    AuthorityRegistration, Cosignature, Event, EventKind, LicenseVersion, Policy, Succession,
    Termination,
};
pub use consent::{Consent, UseRecord, UseResult};
pub use entry::{Entry, MAX_ENTRY_LEN};
pub use seal::{
    AutoSealApplication, AutoSealPolicy, CaseOpening, SealAcceptance, SealApplication,
    SealRegistration, SealTerms,
};
pub use statement::{SignedStatement, Statement, StatementId};
