//! The demo's workload generator: its actors, tables, event generation and signing.

use crate::keyfile;
use crate::CliError;
use chancery::crypto::sha256;
use chancery::event::{
    AutoSealApplication, AutoSealPolicy, CaseOpening, Consent, LicenseVersion, SealApplication,
    SealRegistration, SealTerms, Succession, Termination, UseRecord, UseResult,
};
use chancery::{
    Actor, Credential, Digest32, Event, LicenseId, SecretKey, SignedStatement, Timestamp,
};
use std::path::Path;

pub(super) const YEAR_DAYS: u64 = 365;
pub(super) const DAY_MS: u64 = 86_400_000;
/// Index of the seal registrar (public security) and of the bank in `AUTHORITIES`.
pub(super) const POLICE: usize = 5;
const BANK: usize = 6;
/// The authority that owns the approval seal and opens approval cases.
const APPROVER: usize = 1;
const CASE_TYPE: &str = "FOODBIZ-RENEWAL";
const POLICY_ID: &str = "AUTO-RENEWAL";

/// An authority of the demo: code, name, parent index, license types.
pub(super) struct AuthoritySpec {
    pub(super) code: &'static str,
    pub(super) name: &'static str,
    pub(super) parent: Option<usize>,
    pub(super) types: &'static [&'static str],
}

pub(super) const AUTHORITIES: &[AuthoritySpec] = &[
    AuthoritySpec {
        code: "11330000MB0000001X",
        name: "Zhejiang Provincial Administration for Market Regulation",
        parent: None,
        types: &["FOODBIZ", "DRUGRETAIL"],
    },
    AuthoritySpec {
        code: "11330100MB0000002Y",
        name: "Hangzhou Market Supervision Bureau",
        parent: Some(0),
        types: &["FOODBIZ"],
    },
    AuthoritySpec {
        code: "11330000MB0000003A",
        name: "Zhejiang Provincial Department of Transport",
        parent: None,
        types: &["TAXI", "ROADFREIGHT"],
    },
    AuthoritySpec {
        code: "11330000MB0000004B",
        name: "Zhejiang Provincial Department of Housing and Urban-Rural Development",
        parent: None,
        types: &["BUILDQUAL"],
    },
    AuthoritySpec {
        code: "11330000MB0000005C",
        name: "Zhejiang Provincial Health Commission",
        parent: None,
        types: &["MEDPRACT"],
    },
    AuthoritySpec {
        code: "11330000MB0000006D",
        name: "Zhejiang Provincial Public Security Department",
        parent: None,
        types: &[],
    },
    AuthoritySpec {
        code: "91330000MA2BANK01E",
        name: "Bank of Hangzhou",
        parent: None,
        types: &[],
    },
];

/// A license type of the demo: code, name, claim names, defining authority, issuing
/// authorities (repeated to weight them).
pub(super) type TypeSpec = (
    &'static str,
    &'static str,
    &'static [&'static str],
    usize,
    &'static [usize],
);

pub(super) const TYPES: &[TypeSpec] = &[
    (
        "FOODBIZ",
        "Food business permit",
        &["name", "address", "scope", "legal_representative"],
        0,
        &[0, 1, 1, 1],
    ),
    (
        "DRUGRETAIL",
        "Drug retail permit",
        &["name", "address", "scope", "pharmacist"],
        0,
        &[0],
    ),
    (
        "TAXI",
        "Taxi operation permit",
        &["operator", "plate", "vehicle"],
        2,
        &[2],
    ),
    (
        "ROADFREIGHT",
        "Road freight transport permit",
        &["name", "address", "fleet"],
        2,
        &[2],
    ),
    (
        "BUILDQUAL",
        "Construction enterprise qualification",
        &["name", "grade", "scope"],
        3,
        &[3],
    ),
    (
        "MEDPRACT",
        "Medical practitioner licence",
        &["name", "institution", "specialty"],
        4,
        &[4],
    ),
];

/// A license the generator may still act on.
struct Live {
    id: LicenseId,
    issuer: usize,
    kind: usize,
    holder: String,
    valid_until: Timestamp,
    revision: u32,
    suspended: bool,
    /// The holder's key (actor index), once the issuer bound one.
    holder_key: Option<usize>,
}

/// A seal the generator may apply: esID, owner and key (actor indexes), and whether it is
/// suspended or lost (waiting for its remake).
struct SealSlot {
    es_id: String,
    owner: usize,
    key: usize,
    suspended: bool,
    lost: bool,
}

/// A consent the bank may use: the license version it was given for, its id, uses left and
/// the end of its window.
struct ConsentSlot {
    license: LicenseId,
    id: Digest32,
    uses_left: u64,
    until: Timestamp,
}

impl From<(usize, Event)> for Item {
    fn from((who, event): (usize, Event)) -> Self {
        Item::Unsigned(who, event)
    }
}

/// What the generator makes: an event to sign (signer index), or a statement it had to sign
/// itself (a consent, whose id the bank's use records cite).
pub(super) enum Item {
    Unsigned(usize, Event),
    Signed(SignedStatement),
}

/// splitmix64: a small deterministic generator for the demo's choices (salts and keys come
/// from the operating system).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

pub(super) struct Generator {
    pub(super) actors: Vec<Actor>,
    live: Vec<Live>,
    serial: u64,
    rng: Rng,
    /// Licenses whose credentials are written out and left untouched, one per type.
    pub(super) showcase: Vec<(Credential, usize)>,
    /// Lineages, seals and cases acted on in the current batch: one statement per license,
    /// seal or case per batch, so each is checked against the state the batch started from.
    pub(super) touched: std::collections::HashSet<String>,
    /// Every authority's official seal, then the approval seal (never suspended or lost, so
    /// automatic sealing can always proceed).
    seals: Vec<SealSlot>,
    consents: Vec<ConsentSlot>,
    /// A consent to grant right after its holder key was bound: the holder's actor index and
    /// the consent (signed when it is made, so its claimed time is that of its batch).
    pending: Option<(usize, Consent)>,
    /// Open approval cases: reference and deadline.
    cases: std::collections::VecDeque<(String, Timestamp)>,
    /// The auto-seal engine's actor index.
    engine: usize,
    counter: u64,
    origin: String,
    /// Keys of seals remade during the current batch, to write to the keys directory.
    pub(super) new_seal_keys: Vec<(String, SecretKey)>,
}

/// Signs the events on every core.
pub(super) fn sign_all(actors: &[Actor], events: Vec<Item>, at: Timestamp) -> Vec<SignedStatement> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let share = events.len().div_ceil(threads).max(1);
    let mut parts: Vec<Vec<Item>> = Vec::new();
    let mut events = events.into_iter().peekable();
    while events.peek().is_some() {
        parts.push(events.by_ref().take(share).collect());
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| {
                s.spawn(move || {
                    part.into_iter()
                        .map(|item| match item {
                            Item::Unsigned(who, e) => actors[who].sign(e, at),
                            Item::Signed(s) => s,
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

impl Generator {
    /// A generator for a ledger of this origin, with no actors yet.
    pub(super) fn new(origin: &str) -> Self {
        Generator {
            actors: Vec::new(),
            live: Vec::new(),
            serial: 0,
            rng: Rng(0x00c4_a4ce_7e11_2026),
            showcase: Vec::new(),
            touched: Default::default(),
            seals: Vec::new(),
            consents: Vec::new(),
            pending: None,
            cases: Default::default(),
            engine: 0,
            counter: 0,
            origin: origin.to_owned(),
            new_seal_keys: Vec::new(),
        }
    }

    /// The next legal statement, in the proportions of a busy year (per 1,000: 560 issuances,
    /// 140 seal applications, 221 other license events, 24 consents with their holder keys, 24
    /// use records, 15 cases opened, 15 cases decided or sealed automatically, 1 seal
    /// suspension, resumption, loss or remake).
    pub(super) fn next_event(&mut self, now: Timestamp) -> Item {
        if let Some((holder, consent)) = self.pending.take() {
            let until = consent.until;
            let uses_left = consent.max_uses;
            let license = consent.license.clone();
            let grant = self.actors[holder].sign(Event::UseAuthorized(consent), now);
            self.consents.push(ConsentSlot {
                license,
                id: grant.id(),
                uses_left,
                until,
            });
            return Item::Signed(grant);
        }
        self.counter += 1;
        let roll = self.rng.below(1000);
        match roll {
            0..=559 => self.issue(now).into(),
            560..=699 => self.seal_use(now),
            700..=723 => self.consent(now),
            724..=747 => self.record_use(now),
            748..=762 => self.open_case(now),
            763..=777 => self.progress_case(now),
            778 => self.manage_seal(now),
            _ => self
                .license_event(700 + (roll - 779) * 300 / 221, now)
                .into(),
        }
    }

    /// Registers an official seal for every issuing authority and an approval seal with an
    /// auto-seal policy; their keys and the engine's key go to `keys`.
    pub(super) fn seal_setup(
        &mut self,
        now: Timestamp,
        keys: &Path,
    ) -> Result<Vec<SignedStatement>, CliError> {
        let mut out = Vec::new();
        let owners: Vec<(usize, &str)> = (0..POLICE)
            .map(|i| (i, "公章"))
            .chain([(APPROVER, "行政审批专用章")])
            .collect();
        for (n, (owner, kind)) in owners.into_iter().enumerate() {
            let es_id = format!("33000020260{n:03}");
            let key = self.new_actor(&keys.join(format!("seal-{es_id}.key")))?;
            let registration = self.seal_registration(&es_id, owner, kind, key, now);
            out.push(self.actors[POLICE].sign(Event::SealRegistered(Box::new(registration)), now));
            self.seals.push(SealSlot {
                es_id,
                owner,
                key,
                suspended: false,
                lost: false,
            });
        }
        self.engine = self.new_actor(&keys.join("engine.key"))?;
        let approval = self
            .seals
            .last()
            .map(|s| s.es_id.clone())
            .unwrap_or_default();
        out.push(self.actors[APPROVER].sign(
            Event::AutoSealPolicyGranted(Box::new(AutoSealPolicy {
                id: POLICY_ID.into(),
                es_id: approval,
                case_types: vec![CASE_TYPE.into()],
                legal_basis: "《行政许可法》第五十条: 逾期未作决定的，视为准予延续".into(),
                engine: self.actors[self.engine].public_key(),
                max_period_ms: 30 * DAY_MS,
            })),
            now,
        ));
        Ok(out)
    }

    /// A new actor whose secret key is written to `path`; its index.
    pub(super) fn new_actor(&mut self, path: &Path) -> Result<usize, CliError> {
        let k = SecretKey::generate();
        keyfile::write_new(path, &k, false)?;
        self.actors.push(Actor::new(self.origin.clone(), k));
        Ok(self.actors.len() - 1)
    }

    fn seal_registration(
        &self,
        es_id: &str,
        owner: usize,
        kind: &str,
        key: usize,
        now: Timestamp,
    ) -> SealRegistration {
        let terms = SealTerms {
            es_id: es_id.into(),
            owner: AUTHORITIES[owner].code.into(),
            name: AUTHORITIES[owner].name.into(),
            seal_type: kind.into(),
            key: self.actors[key].public_key(),
            image: sha256(format!("seal image {es_id}").as_bytes()),
            valid_from: now,
            valid_until: None,
            registrar: AUTHORITIES[POLICE].code.into(),
        };
        // The owning unit accepts with its key; the seal's key proves possession.
        self.actors[owner].accept_seal(terms, &self.actors[key])
    }

    /// An application of an active official seal to a new document.
    fn seal_use(&mut self, now: Timestamp) -> Item {
        let start = self.rng.below(self.seals.len());
        let usable = (0..self.seals.len())
            .map(|k| &self.seals[(start + k) % self.seals.len()])
            .find(|s| !s.suspended && !s.lost && !self.touched.contains(&s.es_id));
        let Some(slot) = usable else {
            return self.issue(now).into();
        };
        let n = self.counter;
        Item::Unsigned(
            slot.key,
            Event::SealApplied(SealApplication {
                es_id: slot.es_id.clone(),
                document: sha256(format!("demo document {n}").as_bytes()),
                case: format!("HT-{n:09}"),
                operator: format!("clerk-{:02}", n % 40),
            }),
        )
    }

    /// Suspends or resumes an official seal, reports one lost, or remakes a lost one.
    fn manage_seal(&mut self, now: Timestamp) -> Item {
        let j = self.rng.below(self.seals.len() - 1);
        if !self.touched.insert(self.seals[j].es_id.clone()) {
            return self.issue(now).into();
        }
        let n = self.counter;
        let roll = self.rng.below(10);
        let slot = &mut self.seals[j];
        let (owner, es_id) = (slot.owner, slot.es_id.clone());
        if slot.lost {
            // The registrar makes a new seal with a new key; the old one is superseded.
            let new_id = format!("33000021{n:06}");
            let k = SecretKey::generate();
            self.new_seal_keys.push((new_id.clone(), k.clone()));
            self.actors.push(Actor::new(self.origin.clone(), k));
            let key = self.actors.len() - 1;
            let registration = self.seal_registration(&new_id, owner, "公章", key, now);
            self.seals[j] = SealSlot {
                es_id: new_id.clone(),
                owner,
                key,
                suspended: false,
                lost: false,
            };
            self.touched.insert(new_id);
            return Item::Unsigned(
                POLICE,
                Event::SealRemade {
                    old: es_id,
                    registration: Box::new(registration),
                },
            );
        }
        if slot.suspended {
            slot.suspended = false;
            return Item::Unsigned(owner, Event::SealResumed { es_id });
        }
        if roll < 7 {
            slot.suspended = true;
            return Item::Unsigned(
                owner,
                Event::SealSuspended {
                    es_id,
                    reason: "annual seal inspection".into(),
                },
            );
        }
        slot.lost = true;
        Item::Unsigned(
            owner,
            Event::SealReportedLost {
                es_id,
                since: now,
                reason: "seal device missing".into(),
            },
        )
    }

    /// The issuer binds a holder key to a live license and the holder consents to the bank
    /// checking it for loans (the consent follows as the next statement).
    fn consent(&mut self, now: Timestamp) -> Item {
        let Some(i) = self.untouched_live() else {
            return self.issue(now).into();
        };
        if self.live[i].holder_key.is_some() {
            return self.issue(now).into();
        }
        let holder = SecretKey::generate();
        self.actors.push(Actor::new(self.origin.clone(), holder));
        let key = self.actors.len() - 1;
        let l = &mut self.live[i];
        l.holder_key = Some(key);
        let (issuer, license) = (l.issuer, l.id.clone());
        let consent = Consent {
            license: license.clone(),
            relying_party: AUTHORITIES[BANK].code.into(),
            service_item: "LOAN".into(),
            from: now,
            until: now.plus_days(180),
            max_uses: 1 + self.rng.below(3) as u64,
        };
        self.pending = Some((key, consent));
        Item::Unsigned(
            issuer,
            Event::HolderKeyBound {
                license,
                key: self.actors[key].public_key(),
            },
        )
    }

    /// The bank records a use of a license under a consent it still has.
    fn record_use(&mut self, now: Timestamp) -> Item {
        self.consents.retain(|c| c.uses_left > 0 && now < c.until);
        if self.consents.is_empty() {
            return self.issue(now).into();
        }
        let n = self.counter;
        let c = self.rng.below(self.consents.len());
        let slot = &mut self.consents[c];
        slot.uses_left -= 1;
        // The bank accepts only a version valid now (the rules refuse an accepted use of any
        // other, SPEC §19): the live version, not suspended, not expired.
        let valid = self
            .live
            .iter()
            .any(|l| l.id == slot.license && !l.suspended && now < l.valid_until);
        Item::Unsigned(
            BANK,
            Event::UseRecorded(UseRecord {
                license: slot.license.clone(),
                consent: slot.id,
                service_item: "LOAN".into(),
                case: format!("LOAN-{n:09}"),
                result: if n.is_multiple_of(17) || !valid {
                    UseResult::Refused
                } else {
                    UseResult::Accepted
                },
            }),
        )
    }

    /// The approval bureau opens a renewal case with a 20-day legal deadline, for the approval
    /// document the engine would seal if no decision came.
    fn open_case(&mut self, now: Timestamp) -> Item {
        let case = format!("SP-{:09}", self.counter);
        let deadline = now.plus_days(20);
        self.cases.push_back((case.clone(), deadline));
        self.touched.insert(case.clone());
        Item::Unsigned(
            APPROVER,
            Event::CaseOpened(CaseOpening {
                document: case_document(&case),
                case,
                case_type: CASE_TYPE.into(),
                service_item: "RENEWAL-FOODBIZ".into(),
                deadline,
            }),
        )
    }

    /// The oldest open case is decided (most are), or, once its deadline has passed, sealed
    /// automatically by the engine.
    fn progress_case(&mut self, now: Timestamp) -> Item {
        let Some((case, deadline)) = self.cases.pop_front() else {
            return self.issue(now).into();
        };
        if self.touched.contains(&case) {
            self.cases.push_front((case, deadline));
            return self.issue(now).into();
        }
        if self.rng.below(100) < 85 {
            return Item::Unsigned(
                APPROVER,
                Event::CaseDecided {
                    case,
                    outcome: "approved".into(),
                },
            );
        }
        if deadline > now {
            self.cases.push_back((case, deadline));
            return self.issue(now).into();
        }
        let document = case_document(&case);
        Item::Unsigned(
            self.engine,
            Event::SealAutoApplied(AutoSealApplication {
                policy: POLICY_ID.into(),
                case,
                document,
            }),
        )
    }

    /// A live license not acted on in this batch (marked acted on now), if one is found.
    fn untouched_live(&mut self) -> Option<usize> {
        if self.live.is_empty() {
            return None;
        }
        let i = self.rng.below(self.live.len());
        self.touched
            .insert(self.live[i].id.lineage().to_owned())
            .then_some(i)
    }

    /// A license event other than an issuance: `roll` in 700..1000 picks which.
    fn license_event(&mut self, roll: usize, now: Timestamp) -> (usize, Event) {
        if self.live.is_empty() {
            return self.issue(now);
        }
        let i = self.rng.below(self.live.len());
        let l = &self.live[i];
        if !self.touched.insert(l.id.lineage().to_owned()) {
            return self.issue(now);
        }
        let issuer = l.issuer;
        let license = l.id.clone();
        if l.suspended {
            // Most suspensions are lifted; some end in revocation.
            if roll < 970 {
                self.live[i].suspended = false;
                return (issuer, Event::LicenseSuspensionLifted { license });
            }
            self.live.swap_remove(i);
            return (
                issuer,
                Event::LicenseRevoked(termination(license, now, "revoked after suspension")),
            );
        }
        match roll {
            700..=799 => self.succession(i, now, Event::LicenseAmended, false),
            800..=849 => self.succession(i, now, Event::LicenseRenewed, true),
            850..=859 => self.succession(i, now, Event::LicenseReissued, false),
            860..=919 => {
                self.live[i].suspended = true;
                (
                    issuer,
                    Event::LicenseSuspended {
                        license,
                        reason: "inspection found violations".into(),
                    },
                )
            }
            920..=959 => {
                self.live.swap_remove(i);
                (
                    issuer,
                    Event::LicenseCancelled(termination(license, now, "business closed")),
                )
            }
            960..=979 => {
                self.live.swap_remove(i);
                (
                    issuer,
                    Event::LicenseRevoked(termination(license, now, "serious violation")),
                )
            }
            980..=989 => {
                self.live.swap_remove(i);
                (
                    issuer,
                    Event::LicenseWithdrawn(termination(license, now, "legal basis changed")),
                )
            }
            _ => {
                self.live.swap_remove(i);
                (
                    issuer,
                    Event::LicenseRescinded {
                        license,
                        reason: "obtained by fraud".into(),
                    },
                )
            }
        }
    }

    fn issue(&mut self, now: Timestamp) -> (usize, Event) {
        self.serial += 1;
        let kind = self.rng.below(TYPES.len());
        let issuers = TYPES[kind].4;
        let issuer = issuers[self.rng.below(issuers.len())];
        let serial = format!("{:08}", self.serial);
        let holder = format!("9133{:010}{:04}", self.serial, self.serial % 9973);
        let valid_until = now.plus_days(YEAR_DAYS * (1 + self.rng.below(5) as u64));
        let id = match LicenseId::new(TYPES[kind].0, AUTHORITIES[issuer].code, &serial, 1) {
            Ok(id) => id,
            // Unreachable with these fixed codes; issue something else rather than panic.
            Err(_) => return self.issue(now),
        };
        let credential = self.credential(&id, kind, &holder, 0);
        let version = version(&credential, now, valid_until, &serial);
        if self.showcase.iter().all(|(_, k)| *k != kind) {
            self.showcase.push((credential, kind));
        } else {
            self.live.push(Live {
                id,
                issuer,
                kind,
                holder,
                valid_until,
                revision: 0,
                suspended: false,
                holder_key: None,
            });
        }
        (issuer, Event::LicenseIssued(version))
    }

    fn succession(
        &mut self,
        i: usize,
        now: Timestamp,
        make: fn(Succession) -> Event,
        renew: bool,
    ) -> (usize, Event) {
        let l = &mut self.live[i];
        let Some(next) = l.id.next_version() else {
            let issuer = l.issuer;
            let license = l.id.clone();
            self.live.swap_remove(i);
            return (
                issuer,
                Event::LicenseCancelled(termination(license, now, "closed")),
            );
        };
        l.revision += 1;
        if renew {
            l.valid_until = l.valid_until.plus_days(5 * YEAR_DAYS);
        }
        let previous = std::mem::replace(&mut l.id, next.clone());
        let (issuer, kind, holder, valid_until, revision) = (
            l.issuer,
            l.kind,
            l.holder.clone(),
            l.valid_until,
            l.revision,
        );
        let credential = self.credential(&next, kind, &holder, revision);
        let serial = next.serial().to_owned();
        let version = version(&credential, now, valid_until, &serial);
        (issuer, make(Succession { previous, version }))
    }

    /// A credential with claim values derived from the serial and revision.
    fn credential(&self, id: &LicenseId, kind: usize, holder: &str, revision: u32) -> Credential {
        let serial = id.serial();
        let values: Vec<String> = TYPES[kind]
            .2
            .iter()
            .map(|name| match *name {
                "address" => format!("{} Wensan Road, Hangzhou (rev {revision})", 1 + revision),
                "name" | "operator" => format!("Enterprise {serial}"),
                other => format!("{other} of {serial}"),
            })
            .collect();
        let claims: Vec<(&str, &str)> = TYPES[kind]
            .2
            .iter()
            .zip(&values)
            .map(|(n, v)| (*n, v.as_str()))
            .collect();
        Credential::new(id.clone(), holder, &claims)
    }
}

fn version(
    credential: &Credential,
    now: Timestamp,
    until: Timestamp,
    serial: &str,
) -> LicenseVersion {
    credential.version(chancery::VersionTerms {
        printed_number: format!("ZJ{serial}"),
        valid_from: now,
        valid_until: Some(until),
        document: sha256(credential.license.as_str().as_bytes()),
        related: vec![],
    })
}

fn termination(license: LicenseId, now: Timestamp, reason: &str) -> Termination {
    Termination {
        license,
        effective: now,
        reason: reason.into(),
    }
}

/// The approval document a demo case decides (what it commits to, and what the engine seals).
fn case_document(case: &str) -> chancery::Digest32 {
    sha256(format!("renewal approval for {case} (deemed granted)").as_bytes())
}
