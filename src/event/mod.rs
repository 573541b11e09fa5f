//! Statements, entries and event bodies.
//!
//! An actor signs a [`Statement`] (origin, actor key id, claimed time, [`Event`]); the ledger
//! wraps the [`SignedStatement`] in an [`Entry`] with sequence number, previous-entry hash and
//! ledger time.

mod actor;
mod body;
mod entry;
mod statement;

pub use actor::Actor;
pub use body::{
    rotation_message, AuthorityRegistration, Event, EventKind, LicenseVersion, Policy, Succession,
    Termination,
};
pub use entry::Entry;
pub use statement::{SignedStatement, Statement, StatementId};
