//! The in-memory organisation: every record, lookups by the names people
//! use, and the application of a planned change.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::authorizations::{Authorization, AuthorizationId, AuthorizationKind};
use super::catalog::Catalog;
use super::error::{unknown, DomainResult};
use super::kiosk::{Pin, Terminal, TerminalId};
use super::qualifications::{Qualification, QualificationId};
use super::reviews::{Campaign, CampaignId, ItemBlock, ItemNo, ReviewItem, Reviews};
use super::roles::{Role, RoleId};
use super::sod::{SodRule, SodRuleId};
use super::text::{email_identity, sanitize};
use super::users::{User, UserId, UserStatus};
use super::zone::Zone;

pub use super::settings::Settings;

/// Id counters: ids are never reused, so audit entries keep meaning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    pub next_user: u32,
    pub next_role: u32,
    pub next_qualification: u32,
    pub next_authorization: u32,
}

/// One stored record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Record {
    Settings(Box<Settings>),
    User(User),
    Role(Role),
    Qualification(Qualification),
    Authorization(Authorization),
    Terminal(Terminal),
    Pin(Pin),
    SodRule(SodRule),
    Campaign(Box<Campaign>),
    /// An item changed since its campaign started, as it now is.
    ReviewItem(Box<ReviewItem>),
    /// Items of a campaign as it started.
    ReviewBlock(Box<ItemBlock>),
}

/// Where a record lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RecordKey {
    Settings,
    User(UserId),
    Role(RoleId),
    Qualification(QualificationId),
    Authorization(AuthorizationId),
    Terminal(TerminalId),
    Pin(UserId),
    SodRule(SodRuleId),
    Campaign(CampaignId),
    ReviewItem(CampaignId, ItemNo),
    /// A block by its campaign and first item.
    ReviewBlock(CampaignId, ItemNo),
}

impl Record {
    pub fn key(&self) -> RecordKey {
        match self {
            Record::Settings(_) => RecordKey::Settings,
            Record::User(u) => RecordKey::User(u.id),
            Record::Role(r) => RecordKey::Role(r.id),
            Record::Qualification(q) => RecordKey::Qualification(q.id),
            Record::Authorization(a) => RecordKey::Authorization(a.id),
            Record::Terminal(t) => RecordKey::Terminal(t.id),
            Record::Pin(p) => RecordKey::Pin(p.user),
            Record::SodRule(r) => RecordKey::SodRule(r.id),
            Record::Campaign(c) => RecordKey::Campaign(c.id),
            Record::ReviewItem(i) => RecordKey::ReviewItem(i.campaign, i.no),
            Record::ReviewBlock(b) => RecordKey::ReviewBlock(b.campaign, b.first),
        }
    }
}

/// One record written by a change: before (None = new) and after (None = removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Put {
    pub key: RecordKey,
    pub before: Option<Record>,
    pub after: Option<Record>,
}

/// Everything one command changes, planned against the organisation and
/// checked against every rule. Applying it cannot fail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub puts: Vec<Put>,
    pub counters: Counters,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub settings: Settings,
    pub users: BTreeMap<UserId, User>,
    pub roles: BTreeMap<RoleId, Role>,
    pub qualifications: BTreeMap<QualificationId, Qualification>,
    pub authorizations: BTreeMap<AuthorizationId, Authorization>,
    pub counters: Counters,
    /// Workshop terminals, removed ones included. Written in exports (JSON)
    /// but not in bincode, so that the bytes of an organisation stay what
    /// they were (see [`human_only`]).
    #[serde(default, with = "human_only")]
    pub terminals: BTreeMap<TerminalId, Terminal>,
    /// Kiosk PINs by person: never exported (an import leaves everyone to
    /// set their PIN again).
    #[serde(skip)]
    pub pins: BTreeMap<UserId, Pin>,
    /// Separation-of-duties rules, removed ones included, with their
    /// exceptions. Exported (JSON) like terminals, not in bincode.
    #[serde(default, with = "human_only")]
    pub sod_rules: BTreeMap<SodRuleId, SodRule>,
    /// Access-review campaigns and their items. Exported (JSON) like
    /// terminals, not in bincode.
    #[serde(default, with = "human_only")]
    pub reviews: Reviews,
    /// Live users by email and by login (derived; rebuilt on load and apply).
    #[serde(skip)]
    by_email: HashMap<String, UserId>,
    #[serde(skip)]
    by_login: HashMap<String, UserId>,
}

impl Organisation {
    pub fn new(
        settings: Settings,
        users: BTreeMap<UserId, User>,
        roles: BTreeMap<RoleId, Role>,
        qualifications: BTreeMap<QualificationId, Qualification>,
        authorizations: BTreeMap<AuthorizationId, Authorization>,
        counters: Counters,
    ) -> Self {
        let mut o = Organisation {
            settings,
            users,
            roles,
            qualifications,
            authorizations,
            counters,
            terminals: BTreeMap::new(),
            pins: BTreeMap::new(),
            sod_rules: BTreeMap::new(),
            reviews: Reviews::default(),
            by_email: HashMap::new(),
            by_login: HashMap::new(),
        };
        o.reindex();
        o
    }

    /// Rebuilds the derived lookups (after deserialising).
    pub fn reindex(&mut self) {
        self.settings.catalog.reindex();
        self.by_email.clear();
        self.by_login.clear();
        let live: Vec<(UserId, Option<String>, Option<String>)> = self
            .live_users()
            .map(|u| (u.id, u.email.clone(), u.login.clone()))
            .collect();
        for (id, e, l) in live {
            if let Some(e) = e {
                self.by_email.insert(email_identity(&e), id);
            }
            if let Some(l) = l {
                self.by_login.insert(l, id);
            }
        }
    }

    fn unindex(&mut self, id: UserId) {
        if let Some(u) = self.users.get(&id) {
            if let Some(e) = &u.email {
                let key = email_identity(e);
                if self.by_email.get(&key) == Some(&id) {
                    self.by_email.remove(&key);
                }
            }
            if let Some(l) = &u.login {
                if self.by_login.get(l) == Some(&id) {
                    self.by_login.remove(l);
                }
            }
        }
    }

    fn index_user(&mut self, u: &User) {
        if u.is_deleted() {
            return;
        }
        if let Some(e) = &u.email {
            self.by_email.insert(email_identity(e), u.id);
        }
        if let Some(l) = &u.login {
            self.by_login.insert(l.clone(), u.id);
        }
    }

    /// The live user holding an email, compared as identities (normalised,
    /// case-folded, look-alikes as one: see `text::email_identity`).
    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.by_email
            .get(&email_identity(email))
            .and_then(|id| self.users.get(id))
    }

    pub fn catalog(&self) -> &Catalog {
        &self.settings.catalog
    }

    /// Applies a planned change to memory (after the store committed it).
    pub fn apply(&mut self, change: &Change) {
        for put in &change.puts {
            match (&put.key, &put.after) {
                (_, Some(Record::Settings(s))) => {
                    self.settings = (**s).clone();
                    self.settings.catalog.reindex();
                }
                (_, Some(Record::User(u))) => {
                    self.unindex(u.id);
                    self.index_user(u);
                    self.users.insert(u.id, u.clone());
                }
                (_, Some(Record::Role(r))) => {
                    self.roles.insert(r.id, r.clone());
                }
                (_, Some(Record::Qualification(q))) => {
                    self.qualifications.insert(q.id, q.clone());
                }
                (_, Some(Record::Authorization(a))) => {
                    self.authorizations.insert(a.id, a.clone());
                }
                (RecordKey::Role(id), None) => {
                    self.roles.remove(id);
                }
                (RecordKey::User(id), None) => {
                    self.unindex(*id);
                    self.users.remove(id);
                }
                (RecordKey::Qualification(id), None) => {
                    self.qualifications.remove(id);
                }
                (RecordKey::Authorization(id), None) => {
                    self.authorizations.remove(id);
                }
                (_, Some(Record::Terminal(t))) => {
                    self.terminals.insert(t.id, t.clone());
                }
                (_, Some(Record::Pin(p))) => {
                    self.pins.insert(p.user, p.clone());
                }
                (RecordKey::Terminal(id), None) => {
                    self.terminals.remove(id);
                }
                (RecordKey::Pin(id), None) => {
                    self.pins.remove(id);
                }
                (_, Some(Record::SodRule(r))) => {
                    self.sod_rules.insert(r.id, r.clone());
                }
                (RecordKey::SodRule(id), None) => {
                    self.sod_rules.remove(id);
                }
                (_, Some(Record::Campaign(c))) => {
                    self.reviews.campaigns.insert(c.id, (**c).clone());
                }
                (_, Some(Record::ReviewItem(i))) => {
                    self.reviews.put_item((**i).clone());
                }
                (_, Some(Record::ReviewBlock(b))) => {
                    self.reviews.put_block((**b).clone());
                }
                (RecordKey::ReviewBlock(c, f), None) => {
                    self.reviews.remove_block(*c, *f);
                }
                (RecordKey::Campaign(id), None) => {
                    self.reviews.campaigns.remove(id);
                }
                (RecordKey::ReviewItem(c, n), None) => {
                    self.reviews.remove_item(*c, *n);
                }
                (RecordKey::Settings, None) => {}
            }
        }
        self.counters = change.counters;
    }

    /// Every record, settings first (for export and the store's doctor).
    pub fn records(&self) -> Vec<Record> {
        let mut v = vec![Record::Settings(Box::new(self.settings.clone()))];
        v.extend(self.roles.values().cloned().map(Record::Role));
        v.extend(self.users.values().cloned().map(Record::User));
        v.extend(
            self.qualifications
                .values()
                .cloned()
                .map(Record::Qualification),
        );
        v.extend(
            self.authorizations
                .values()
                .cloned()
                .map(Record::Authorization),
        );
        v.extend(self.terminals.values().cloned().map(Record::Terminal));
        v.extend(self.pins.values().cloned().map(Record::Pin));
        v.extend(self.sod_rules.values().cloned().map(Record::SodRule));
        v.extend(
            self.reviews
                .campaigns
                .values()
                .map(|c| Record::Campaign(Box::new(c.clone()))),
        );
        v.extend(
            self.reviews
                .blocks()
                .map(|b| Record::ReviewBlock(Box::new(b.clone()))),
        );
        v.extend(
            self.reviews
                .changed()
                .map(|i| Record::ReviewItem(Box::new(i.clone()))),
        );
        v
    }

    /// Rebuilds an organisation from records (the store's load).
    pub fn from_records(records: Vec<Record>, counters: Counters) -> Result<Self, String> {
        let mut settings = None;
        let mut org_users = BTreeMap::new();
        let mut roles = BTreeMap::new();
        let mut quals = BTreeMap::new();
        let mut auths = BTreeMap::new();
        let mut terminals = BTreeMap::new();
        let mut pins = BTreeMap::new();
        let mut sod_rules = BTreeMap::new();
        let mut reviews = Reviews::default();
        for r in records {
            match r {
                Record::Settings(s) => settings = Some(*s),
                Record::User(u) => {
                    org_users.insert(u.id, u);
                }
                Record::Role(r) => {
                    roles.insert(r.id, r);
                }
                Record::Qualification(q) => {
                    quals.insert(q.id, q);
                }
                Record::Authorization(a) => {
                    auths.insert(a.id, a);
                }
                Record::Terminal(t) => {
                    terminals.insert(t.id, t);
                }
                Record::Pin(p) => {
                    pins.insert(p.user, p);
                }
                Record::SodRule(r) => {
                    sod_rules.insert(r.id, r);
                }
                Record::Campaign(c) => {
                    reviews.campaigns.insert(c.id, *c);
                }
                Record::ReviewItem(i) => {
                    reviews.put_item(*i);
                }
                Record::ReviewBlock(b) => {
                    reviews.put_block(*b);
                }
            }
        }
        let settings = settings.ok_or("the organisation settings record is missing")?;
        let mut org = Organisation::new(settings, org_users, roles, quals, auths, counters);
        org.terminals = terminals;
        org.pins = pins;
        org.sod_rules = sod_rules;
        org.reviews = reviews;
        Ok(org)
    }

    pub fn user(&self, id: UserId) -> DomainResult<&User> {
        self.users
            .get(&id)
            .ok_or_else(|| unknown("user", format!("#{id}")))
    }

    /// Finds a user by email (as an identity), login, or id written `#12`.
    /// A bare number is a login, never an id.
    pub fn resolve_user(&self, name: &str) -> DomainResult<&User> {
        let n = name.trim();
        let identity = email_identity(n);
        if let Some(u) = self
            .by_email
            .get(&identity)
            .or_else(|| self.by_login.get(n))
        {
            return self.user(*u);
        }
        let idnum = n.strip_prefix('#').and_then(|d| d.parse::<UserId>().ok());
        if let Some(u) = idnum.and_then(|i| self.users.get(&i)) {
            return Ok(u);
        }
        // Deleted users (tombstones) are still found by email or login.
        self.users
            .values()
            .find(|u| {
                u.email
                    .as_deref()
                    .is_some_and(|e| email_identity(e) == identity)
                    || u.login.as_deref() == Some(n)
            })
            .ok_or_else(|| unknown("user", sanitize(n)))
    }

    /// The active user bound to an OS login.
    pub fn user_by_login(&self, login: &str) -> Option<&User> {
        self.by_login.get(login).and_then(|id| self.users.get(id))
    }

    pub fn role(&self, id: RoleId) -> DomainResult<&Role> {
        self.roles
            .get(&id)
            .ok_or_else(|| unknown("role", format!("#{id}")))
    }

    /// Finds a role by name, case-insensitively.
    pub fn resolve_role(&self, name: &str) -> DomainResult<&Role> {
        let n = name.trim();
        self.roles
            .values()
            .find(|r| r.name.eq_ignore_ascii_case(n) || r.name.to_lowercase() == n.to_lowercase())
            .ok_or_else(|| unknown("role", sanitize(n)))
    }

    pub fn kind(&self, code: &str) -> DomainResult<&AuthorizationKind> {
        self.settings
            .kinds
            .iter()
            .find(|k| k.code.eq_ignore_ascii_case(code.trim()))
            .ok_or_else(|| unknown("authorization kind", sanitize(code)))
    }

    pub fn resolve_authorization(&self, reference: &str) -> DomainResult<&Authorization> {
        let r = reference.trim();
        self.authorizations
            .values()
            .find(|a| a.reference.eq_ignore_ascii_case(r))
            .ok_or_else(|| unknown("authorization", sanitize(r)))
    }

    /// The time zone every expiry day is counted in.
    pub fn zone(&self) -> Zone {
        self.settings.time_zone
    }

    /// The day `at` falls on in the organisation's time zone: "today".
    pub fn day_of(&self, at: DateTime<Utc>) -> chrono::NaiveDate {
        self.zone().day_of(at)
    }

    pub fn qualification(&self, id: QualificationId) -> DomainResult<&Qualification> {
        self.qualifications
            .get(&id)
            .ok_or_else(|| unknown("qualification", format!("#{id}")))
    }

    /// Whether the user is an account administrator in force at `at`:
    /// holds access and an unexpired assignment of the built-in role.
    pub fn is_active_admin(&self, user: &User, at: DateTime<Utc>) -> bool {
        let zone = self.zone();
        user.holds_access(at, zone)
            && user
                .assignment(self.settings.admin_role)
                .is_some_and(|a| zone.holds_until(a.until, at))
    }

    /// An administrator who stays one and can act: active, bound to a login,
    /// with neither the account nor the assignment limited in time (rule 3
    /// keeps at least one).
    pub fn is_permanent_admin(&self, user: &User, at: DateTime<Utc>) -> bool {
        self.is_active_admin(user, at)
            && user.login.is_some()
            && user.access_until.is_none()
            && user
                .assignment(self.settings.admin_role)
                .is_some_and(|a| a.until.is_none())
    }

    pub fn active_admin_count(&self, at: DateTime<Utc>) -> usize {
        self.users
            .values()
            .filter(|u| self.is_active_admin(u, at))
            .count()
    }

    /// A user's roles as one line: "Planner, Auditor (until 2026-12-04)".
    pub fn roles_summary(&self, u: &User) -> String {
        u.roles
            .iter()
            .filter_map(|a| {
                self.roles.get(&a.role).map(|r| match a.until {
                    Some(d) => format!("{} (until {d})", r.name),
                    None => r.name.clone(),
                })
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Users that are not deleted, in id order.
    pub fn live_users(&self) -> impl Iterator<Item = &User> {
        self.users
            .values()
            .filter(|u| u.status != UserStatus::Deleted)
    }
}

/// Serde for the fields that exports carry and bincode does not: in a
/// human-readable format (JSON) the value, in bincode nothing at all (a
/// unit, zero bytes), so the bincode bytes of an organisation are what they
/// were before the field existed.
mod human_only {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            v.serialize(s)
        } else {
            s.serialize_unit()
        }
    }

    pub fn deserialize<'de, T, D>(d: D) -> Result<T, D::Error>
    where
        T: Deserialize<'de> + Default,
        D: Deserializer<'de>,
    {
        if d.is_human_readable() {
            T::deserialize(d)
        } else {
            <()>::deserialize(d).map(|()| T::default())
        }
    }
}
