//! License status at a reference time, derived from the recorded events.

use super::{State, Status, TerminationKind};
use crate::id::LicenseId;
use crate::time::Timestamp;

impl State {
    /// Whether one of `suspensions` that counts was in force at `at`.
    pub(super) fn suspended_at(&self, suspensions: &[super::Suspension], at: Timestamp) -> bool {
        suspensions.iter().any(|s| {
            self.counts(&s.start)
                && s.start.ledger_time <= at
                && s.lifted(|l| self.counts(l))
                    .is_none_or(|l| at < l.ledger_time)
        })
    }

    /// Status of license version `id` at reference time `at`, with everything the ledger knows
    /// now. Events whose signing key was declared compromised at or before their recording are
    /// disregarded.
    pub fn status(&self, id: &LicenseId, at: Timestamp) -> Status {
        let Some(lin) = self.lineage(id) else {
            return Status::Unknown;
        };
        let idx = usize::from(id.version()) - 1;
        let Some(v) = lin.versions.get(idx) else {
            return Status::Unknown;
        };
        if let Some(key) = self.void_by(&v.recorded) {
            return Status::KeyCompromised { key };
        }
        let termination = self.termination(lin);
        if termination.is_some_and(|t| t.kind == TerminationKind::Rescinded) {
            return Status::Rescinded;
        }
        if at < v.recorded.ledger_time {
            return Status::NotYetRecorded {
                recorded_at: v.recorded.ledger_time,
            };
        }
        if let Some(next) = lin.versions[idx + 1..]
            .iter()
            .find(|n| self.counts(&n.recorded))
            .filter(|n| at >= n.recorded.ledger_time)
        {
            return Status::Superseded {
                by: next.version.id.clone(),
            };
        }
        if let Some(t) = termination.filter(|t| at >= t.effective) {
            let since = t.effective;
            return match t.kind {
                TerminationKind::Cancelled => Status::Cancelled { since },
                TerminationKind::Revoked => Status::Revoked { since },
                TerminationKind::Withdrawn | TerminationKind::Rescinded => {
                    Status::Withdrawn { since }
                }
            };
        }
        if self.suspended_at(&lin.suspensions, at) {
            return Status::Suspended;
        }
        let version = &v.version;
        if at < version.valid_from {
            Status::NotYetValid
        } else if version.valid_until.is_some_and(|u| u <= at) {
            Status::Expired
        } else {
            Status::Valid
        }
    }
}
