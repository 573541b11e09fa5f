//! Verifying a license for a relying party and recording that use in one step, so that a
//! consent's uses are spent as they are used (issue 12, attack 13).

use super::{AppendError, Ledger};
use crate::event::{Actor, Event, SignedStatement, StatementId, UseRecord, UseResult};
use crate::id::LicenseId;
use crate::privacy::Disclosure;
use crate::state::{Principal, Receipt, Rejection, RuleError};
use crate::storage::Store;
use crate::verify::{InvalidReason, Verdict};

/// The outcome of [`Ledger::verify_and_record_use`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct RecordedUse {
    /// The verification's verdict: `Valid` only if the use was also recorded.
    pub verdict: Verdict,
    /// The consent the use was recorded under.
    pub consent: Option<StatementId>,
    /// The recorded `UseRecorded` entry.
    pub receipt: Option<Receipt>,
    /// Uses the consent has left after this one.
    pub uses_left: u64,
}

/// Why a relying party's signed use cannot be checked ([`Ledger::verify_signed_use`]).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignedUseError {
    /// The statement records something else.
    #[error("the statement is not a UseRecorded")]
    NotAUse,
    /// The use is of another license than the one disclosed.
    #[error("the use is of license {used}, the disclosure of {disclosed}")]
    OtherLicense {
        /// The license the use names.
        used: LicenseId,
        /// The license disclosed.
        disclosed: LicenseId,
    },
    /// The use records a refusal: nothing to verify it for (record it with `/v1/add`).
    #[error(
        "the use records the license as refused: it is recorded as any statement is, not verified"
    )]
    NotAccepted,
    /// The statement is not signed by a key of an authority on the ledger: no relying party
    /// to check for.
    #[error("the use is not signed by a key of an authority on the ledger")]
    NotAnAuthority,
}

/// A relying party's signed use, checked before it is recorded ([`Ledger::verify_signed_use`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct SignedUse {
    /// The verdict of the disclosure for that party and service item now: `Valid` only if a
    /// consent covers the use and it is the consent the use names.
    pub verdict: Verdict,
    /// The relying party: the authority whose key signed the use.
    pub party: String,
    /// The consent that covers the use now, if any: the one it names if that one does.
    pub consent: Option<StatementId>,
}

impl<S: Store> Ledger<S> {
    /// Checks a relying party's own signed `UseRecorded` (`statement`, which the service never
    /// signs for it) with the holder's `disclosure`, as [`Ledger::verify_and_record_use`]
    /// checks before it records: the disclosure verified now for the party that signed the
    /// use and its service item, under a consent that covers it, which must be the one the
    /// use names. The statement is not appended here: a verdict that is `Valid` is recorded by
    /// appending it, where the ledger rules count the consent's uses (so of two racing for the
    /// last one, one is refused).
    pub fn verify_signed_use(
        &self,
        disclosure: &Disclosure,
        statement: &SignedStatement,
    ) -> Result<SignedUse, SignedUseError> {
        let Event::UseRecorded(used) = &statement.statement().event else {
            return Err(SignedUseError::NotAUse);
        };
        if used.result != UseResult::Accepted {
            return Err(SignedUseError::NotAccepted);
        }
        if used.license != disclosure.license {
            return Err(SignedUseError::OtherLicense {
                used: used.license.clone(),
                disclosed: disclosure.license.clone(),
            });
        }
        let party = match self
            .state
            .key(&statement.statement().actor)
            .map(|k| &k.owner)
        {
            Some(Principal::Authority(code)) => code.clone(),
            _ => return Err(SignedUseError::NotAnAuthority),
        };
        let now = self.now();
        let mut verdict =
            self.verify_for_relying_party(disclosure, &party, &used.service_item, now);
        // The consent the use names must cover it (any that does: the rules take either).
        let named = self.state.consent_covers(
            &used.consent,
            &disclosure.license,
            &party,
            &used.service_item,
            now,
        );
        let consent = match named {
            true => Some(used.consent),
            false => self
                .state
                .consent_covering(&disclosure.license, &party, &used.service_item, now)
                .map(|c| c.id),
        };
        if verdict.is_valid() && !named {
            verdict = Verdict::Invalid(InvalidReason::NoConsent);
        }
        Ok(SignedUse {
            verdict,
            party,
            consent,
        })
    }

    /// Verifies `disclosure` for the relying party `party` (whose authority code is
    /// `party_code`) checking the license for `service_item` now, and, if valid, appends the
    /// party's signed `UseRecorded` for `case` under the covering consent. The use is counted
    /// by the ledger rules (`State::check`), so of two verifiers racing for a consent's last
    /// use, on one store or several writers, one records it and the other is told
    /// `Invalid(NoConsent)`; nothing is recorded for a verdict that is not `Valid`.
    pub fn verify_and_record_use(
        &mut self,
        disclosure: &Disclosure,
        party: &Actor,
        party_code: &str,
        service_item: &str,
        case: &str,
    ) -> Result<RecordedUse, AppendError> {
        let now = self.now();
        let verdict = self.verify_for_relying_party(disclosure, party_code, service_item, now);
        let covering = self
            .state
            .consent_covering(&disclosure.license, party_code, service_item, now)
            .map(|c| c.id);
        let (Verdict::Valid, Some(consent)) = (&verdict, covering) else {
            return Ok(RecordedUse {
                verdict,
                consent: covering,
                receipt: None,
                uses_left: covering.map_or(0, |c| self.uses_left(&c)),
            });
        };
        let statement = party.sign(
            Event::UseRecorded(UseRecord {
                license: disclosure.license.clone(),
                consent,
                service_item: service_item.to_owned(),
                case: case.to_owned(),
                result: UseResult::Accepted,
            }),
            now,
        );
        match self.append(statement) {
            // The same use statement already recorded (the same millisecond, or a ledger time
            // ahead of this clock): no use is spent now, so the answer is not Valid.
            Ok(receipt) if receipt.resubmission.is_some() => Ok(RecordedUse {
                verdict: Verdict::Invalid(InvalidReason::NoConsent),
                consent: Some(consent),
                receipt: None,
                uses_left: self.uses_left(&consent),
            }),
            Ok(receipt) => Ok(RecordedUse {
                verdict,
                consent: Some(consent),
                receipt: Some(receipt),
                uses_left: self.uses_left(&consent),
            }),
            // Another verifier spent the last use first (or the consent ended meanwhile); a
            // signer that is not the party, or any other refusal, is an error.
            Err(AppendError::Rejected(Rejection::Rule(
                RuleError::ConsentNotInForce { .. } | RuleError::UnknownConsent(_),
            ))) => Ok(RecordedUse {
                verdict: Verdict::Invalid(InvalidReason::NoConsent),
                consent: Some(consent),
                receipt: None,
                uses_left: self.uses_left(&consent),
            }),
            Err(e) => Err(e),
        }
    }

    /// How many uses consent `id` has left (0 for an unknown one).
    pub fn uses_left(&self, id: &StatementId) -> u64 {
        self.state.consent(id).map_or(0, |c| {
            c.consent.max_uses.saturating_sub(
                u64::try_from(c.uses.iter().filter(|u| self.state.counts(u)).count())
                    .unwrap_or(u64::MAX),
            )
        })
    }
}
