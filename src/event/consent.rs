//! Bodies of holder consent events (tags 64–95): the holder's grant of use (用证授权) and the
//! relying party's record of use (用证记录).

use crate::encoding::{Canonical, DecodeError, Decoder, Encoder};
use crate::event::StatementId;
use crate::id::LicenseId;
use crate::time::Timestamp;

/// A holder's consent that a relying party may check the license for one service item.
/// Encoded `[license id, relying party, service item, from, until, max uses]`. Its identifier
/// is the id of the statement that records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// Any version of the license (consent covers the license, every version of it).
    pub license: LicenseId,
    /// The relying party's code (a registered authority: agencies, banks).
    pub relying_party: String,
    /// 服务事项编码: the service the check is for.
    pub service_item: String,
    /// Start of the window.
    pub from: Timestamp,
    /// End of the window (exclusive).
    pub until: Timestamp,
    /// How many uses the consent allows (at least 1).
    pub max_uses: u64,
}

impl Canonical for Consent {
    fn encode(&self, e: &mut Encoder) {
        e.array(6);
        self.license.encode(e);
        e.text(&self.relying_party);
        e.text(&self.service_item);
        self.from.encode(e);
        self.until.encode(e);
        e.uint(self.max_uses);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(6)?;
        Ok(Self {
            license: LicenseId::decode(d)?,
            relying_party: d.text()?.to_owned(),
            service_item: d.text()?.to_owned(),
            from: Timestamp::decode(d)?,
            until: Timestamp::decode(d)?,
            max_uses: d.uint()?,
        })
    }
}

/// What the relying party concluded. Encoded as an unsigned integer: 0 accepted, 1 refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UseResult {
    /// The license was accepted for the case.
    Accepted,
    /// The license was refused (say, it was not valid).
    Refused,
}

impl Canonical for UseResult {
    fn encode(&self, e: &mut Encoder) {
        e.uint(match self {
            UseResult::Accepted => 0,
            UseResult::Refused => 1,
        });
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        let at = d.position();
        match d.uint()? {
            0 => Ok(UseResult::Accepted),
            1 => Ok(UseResult::Refused),
            tag => Err(DecodeError::UnknownTag {
                offset: at,
                kind: "use result",
                tag,
            }),
        }
    }
}

/// A relying party's record that it checked a license version (用证记录), signed by the
/// relying party. Encoded `[license id, consent id, service item, case number, result]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseRecord {
    /// The version that was checked.
    pub license: LicenseId,
    /// The consent the use relies on.
    pub consent: StatementId,
    /// The service item (must be the consent's).
    pub service_item: String,
    /// The relying party's case number.
    pub case: String,
    /// The outcome.
    pub result: UseResult,
}

impl Canonical for UseRecord {
    fn encode(&self, e: &mut Encoder) {
        e.array(5);
        self.license.encode(e);
        self.consent.encode(e);
        e.text(&self.service_item);
        e.text(&self.case);
        self.result.encode(e);
    }

    fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        d.array(5)?;
        Ok(Self {
            license: LicenseId::decode(d)?,
            consent: StatementId::decode(d)?,
            service_item: d.text()?.to_owned(),
            case: d.text()?.to_owned(),
            result: UseResult::decode(d)?,
        })
    }
}
