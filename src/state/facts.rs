//! A license's facts and life events as the ledger holds them (`chancery license show`, the
//! service's `GET /v1/licenses/{id}`), in one place for both.

use super::{Provenance, State, TerminationKind};
use crate::id::LicenseId;
use crate::status::Status;
use crate::time::Timestamp;

/// What the ledger holds about one license (its lineage), with each version's status at a
/// reference time ([`State::license_facts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseFacts {
    /// The lineage's identifier (the versions' ids without their version number).
    pub lineage: String,
    /// The license type's code.
    pub type_code: String,
    /// The license type's name, as registered (empty if the type is not registered).
    pub type_name: String,
    /// The issuing authority's code.
    pub issuer: String,
    /// The status at the reference time of the version in force then: the latest that counts
    /// and was recorded by then.
    pub status: Status,
    /// Every version, oldest first.
    pub versions: Vec<VersionFacts>,
    /// Suspensions, then terminations, each in ledger order: those that count.
    pub events: Vec<LifeEvent>,
}

/// One version of a license.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionFacts {
    /// The version's identifier.
    pub id: LicenseId,
    /// The number printed on its document.
    pub printed_number: String,
    /// Where it was recorded.
    pub recorded: Provenance,
    /// Start of validity.
    pub valid_from: Timestamp,
    /// End of validity (exclusive); `None` is 长期 (no end).
    pub valid_until: Option<Timestamp>,
    /// Its status at the reference time.
    pub status: Status,
}

/// A suspension or a termination of a license.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LifeEvent {
    /// Suspended, and lifted by the first lift recorded after it that counts, if any.
    Suspended {
        /// Where it was recorded.
        recorded: Provenance,
        /// Where the lift that ends it was recorded.
        lifted: Option<Provenance>,
    },
    /// Cancelled, revoked, withdrawn or rescinded.
    Terminated {
        /// Which kind.
        kind: TerminationKind,
        /// Where it was recorded.
        recorded: Provenance,
        /// From when it applies (a rescission applies to all time).
        effective: Timestamp,
    },
}

impl LifeEvent {
    /// The event's name: `suspended`, `cancelled`, `revoked`, `withdrawn` or `rescinded`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Suspended { .. } => "suspended",
            Self::Terminated { kind, .. } => kind.name(),
        }
    }
}

impl TerminationKind {
    /// The kind's name: `cancelled`, `revoked`, `withdrawn` or `rescinded`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Cancelled => "cancelled",
            Self::Revoked => "revoked",
            Self::Withdrawn => "withdrawn",
            Self::Rescinded => "rescinded",
        }
    }
}

impl State {
    /// The facts of the license that version `id` belongs to, each version's status at `at`;
    /// `None` if the ledger holds no such version.
    pub fn license_facts(&self, id: &LicenseId, at: Timestamp) -> Option<LicenseFacts> {
        self.license(id)?;
        let lineage = self.lineage(id)?;
        // The version in force at `at`: the latest that counts and was recorded by then (the
        // first, if none was).
        let latest = lineage
            .versions
            .iter()
            .rev()
            .find(|v| self.counts(&v.recorded) && v.recorded.ledger_time <= at)
            .or(lineage.versions.first())?;
        let versions = lineage
            .versions
            .iter()
            .map(|v| VersionFacts {
                id: v.version.id.clone(),
                printed_number: v.version.printed_number.clone(),
                recorded: v.recorded,
                valid_from: v.version.valid_from,
                valid_until: v.version.valid_until,
                status: self.status(&v.version.id, at),
            })
            .collect();
        // Only the events that count (one recorded under a key declared compromised before it
        // does not, as the status does not count it).
        let suspensions = lineage
            .suspensions
            .iter()
            .filter(|s| self.counts(&s.start))
            .map(|s| LifeEvent::Suspended {
                recorded: s.start,
                lifted: s.lifted(|l| self.counts(l)),
            });
        let terminations = lineage
            .terminations
            .iter()
            .filter(|t| self.counts(&t.recorded))
            .map(|t| LifeEvent::Terminated {
                kind: t.kind,
                recorded: t.recorded,
                effective: t.effective,
            });
        Some(LicenseFacts {
            lineage: id.lineage().to_owned(),
            type_code: id.type_code().to_owned(),
            type_name: self
                .license_type(id.type_code())
                .map(|t| t.name.clone())
                .unwrap_or_default(),
            issuer: id.issuer().to_owned(),
            status: self.status(&latest.version.id, at),
            versions,
            events: suspensions.chain(terminations).collect(),
        })
    }
}
