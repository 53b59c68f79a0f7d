//! Commands: every change to the data, as a value. Front ends build them;
//! `ops::execute` plans them against the rules and commits them. They name
//! things the way people do (email, login, role name, reference), and are
//! serde-serializable so that the audit log records them exactly.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::authorizations::AuthorizationStatus;
use super::org::Organisation;
use super::reviews::{CampaignId, Fallback, ItemNo, Verdict};
use super::users::UserId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    pub given: String,
    pub family: String,
    pub email: Option<String>,
    pub login: Option<String>,
    pub roles: Vec<String>,
    pub access_until: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserEdit {
    pub given: Option<String>,
    pub family: Option<String>,
    /// Some(None) removes the email (the person then has no login).
    pub email: Option<Option<String>>,
    pub login: Option<Option<String>>,
    pub access_until: Option<Option<NaiveDate>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewQualification {
    pub holder: String,
    pub kind: String,
    pub number: String,
    pub categories: Vec<String>,
    pub type_ratings: Vec<String>,
    pub issued: NaiveDate,
    pub expires: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualificationEdit {
    pub number: Option<String>,
    pub categories: Option<Vec<String>>,
    pub type_ratings: Option<Vec<String>>,
    pub issued: Option<NaiveDate>,
    pub expires: Option<Option<NaiveDate>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAuthorization {
    pub holder: String,
    pub reference: String,
    pub kind: String,
    /// TYPE or TYPE:VARIANT each; empty = any.
    pub aircraft_types: Vec<String>,
    /// ATA chapters or ranges ("21-36"); empty = any.
    pub systems: Vec<String>,
    pub stations: Vec<String>,
    pub limitations: String,
    pub first_issue: Option<NaiveDate>,
    pub effective_from: NaiveDate,
    pub expires: Option<NaiveDate>,
    /// Qualification ids the authorization rests on.
    pub bases: Vec<u32>,
}

/// The contents of a new organisation, taken from a preset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitOrganisation {
    pub settings: super::org::Settings,
    /// Name of the built-in account-administrator role.
    pub admin_role_name: String,
    /// Roles other than the built-in administrator (ids assigned in order).
    pub roles: Vec<super::roles::Role>,
    pub admin: NewUser,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    Init(Box<InitOrganisation>),
    AddUser(NewUser),
    EditUser {
        user: String,
        edit: UserEdit,
    },
    AssignRole {
        user: String,
        role: String,
        until: Option<NaiveDate>,
    },
    UnassignRole {
        user: String,
        role: String,
    },
    Grant {
        user: String,
        permission: String,
        level: String,
        until: Option<NaiveDate>,
    },
    Ungrant {
        user: String,
        permission: String,
    },
    Deactivate {
        user: String,
    },
    Reactivate {
        user: String,
    },
    DeleteUser {
        user: String,
    },
    /// Issues (or re-issues) an invitation; only the code's hash travels.
    Invite {
        user: String,
        code_hash: [u8; 32],
        expires: DateTime<Utc>,
    },
    /// Accepts an invitation and binds the login of the accepting process.
    Accept {
        code_hash: [u8; 32],
        login: String,
    },
    AddRole {
        name: String,
        description: String,
        copy_from: Option<String>,
    },
    EditRole {
        role: String,
        name: Option<String>,
        description: Option<String>,
    },
    /// Sets any number of cells of one role at once (the grid's save).
    SetRoleLevels {
        role: String,
        levels: Vec<(String, String)>,
    },
    RemoveRole {
        role: String,
    },
    AddQualification(NewQualification),
    EditQualification {
        id: u32,
        edit: QualificationEdit,
    },
    AddAuthorization(Box<NewAuthorization>),
    SetAuthorizationStatus {
        reference: String,
        status: AuthorizationStatus,
        reason: String,
    },
    RenewAuthorization {
        reference: String,
        effective_from: Option<NaiveDate>,
        expires: NaiveDate,
    },
    /// Replaces the organisation with an exported one, all or nothing.
    Import(Box<Organisation>),
    /// Several commands applied as one change with one audit entry, all or
    /// nothing (bulk loads, the grid's save across rows, seeding).
    Batch(Vec<Command>),
    /// Changes an authorization's scope, limitations or bases (None: unchanged).
    EditAuthorization {
        reference: String,
        edit: AuthorizationEdit,
    },
    /// Adds an authorization kind or replaces its name and policy (by code).
    SetKind(super::authorizations::AuthorizationKind),
    /// The way back from a lock-out: binds `login` (the OS user who owns the
    /// database files) to `user` and makes them an account administrator for
    /// good. Planned by `rules::plan_rescue`, without an operator.
    Rescue {
        user: u32,
        login: String,
        forced: bool,
    },
    /// Adds an authorization kind or changes only the policy fields named
    /// (None: unchanged; a new kind needs a name, the rest default).
    EditKind {
        code: String,
        edit: KindEdit,
    },
    /// Any command with the reason the operator gave for it; the audit entry
    /// records both, and the summary says why.
    Reasoned {
        reason: String,
        command: Box<Command>,
    },
    /// Changes the organisation's name, time zone or whether every change
    /// needs a reason (None: unchanged).
    EditOrganisation(OrganisationEdit),
    /// Switches an area on or off for the organisation (off: every check in
    /// it is denied, saying so).
    SetFeature {
        area: String,
        on: bool,
    },
    /// Turns setup mode on or off (on: the permissions marked setup-only
    /// are available to whoever holds them).
    SetSetupMode {
        on: bool,
    },
    /// Changes the roles a role's holders may assign, or whether its
    /// holders need an email (None: unchanged).
    SetRolePolicy {
        role: String,
        edit: RolePolicyEdit,
    },
    /// How an import is recorded in its audit entry: the organisation was
    /// replaced by the records stored beside the entry (see
    /// [`ImportRecord`]). Only ever recorded: it is never planned or run.
    ImportRecorded(ImportRecord),
    /// Registers a shared OS account (`login`) as a workshop terminal.
    AddTerminal {
        name: String,
        login: String,
    },
    /// Removes a workshop terminal, by name or login (it stays on record).
    RemoveTerminal {
        terminal: String,
    },
    /// Sets the operator's own kiosk PIN: only its argon2id hash (a PHC
    /// string, made in `ops`) travels.
    SetPin {
        hash: String,
    },
    /// Clears a person's kiosk PIN and lock: they must set a new one.
    ResetPin {
        user: String,
    },
    /// A person signed in at the workshop terminal whose login is `terminal`.
    KioskSignIn {
        terminal: String,
        user: UserId,
    },
    /// A refused kiosk sign-in: a wrong PIN, or a refusal while locked
    /// (`user` None: nobody by the name given may sign in there).
    KioskFailure {
        terminal: String,
        user: Option<UserId>,
    },
    /// The wrong PIN that locked a person's kiosk sign-in until `until`.
    KioskLock {
        terminal: String,
        user: UserId,
        until: DateTime<Utc>,
    },
    /// A person signed out of a workshop terminal (`idle`: by the idle timer).
    KioskSignOut {
        terminal: String,
        user: UserId,
        idle: bool,
    },
    /// Adds a separation-of-duties rule: nobody may hold all of its
    /// permissions (`key` or `key=least level`), or all of its roles.
    /// Exactly one of the two lists is given, with two or more entries.
    AddSodRule {
        name: String,
        reason: String,
        permissions: Vec<String>,
        roles: Vec<String>,
    },
    /// Removes a separation-of-duties rule by name (it stays on record).
    RemoveSodRule {
        rule: String,
    },
    /// A change that would create separation-of-duties violations, done
    /// anyway: each violation it creates is recorded as an exception to its
    /// rule for that person, with the reason, until the day given.
    SodExcepted {
        reason: String,
        until: NaiveDate,
        command: Box<Command>,
    },
    /// Starts an access-review campaign over a scope.
    StartReview(Box<NewReview>),
    /// Decides items of a campaign: one by its reviewer, or a bulk keep of
    /// items without a risk sign (`bulk`: how long, in milliseconds, the
    /// reviewer had the list open).
    DecideReview {
        campaign: CampaignId,
        items: Vec<ItemNo>,
        verdict: Verdict,
        reason: String,
        looked_ms: Option<u32>,
        bulk: Option<u32>,
    },
    /// Gives items of an open campaign to another reviewer.
    ReassignReview {
        campaign: CampaignId,
        items: Vec<ItemNo>,
        reviewer: String,
    },
    /// Closes a campaign: every removal and shortening is applied in this
    /// one change, undecided items get the campaign's default.
    CloseReview {
        campaign: CampaignId,
    },
    /// Brings an authorization's expiry forward (a review's shortening).
    ShortenAuthorization {
        reference: String,
        expires: NaiveDate,
        reason: String,
    },
}

/// What `review start` asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewReview {
    pub name: String,
    /// `all`, `privileged`, `role:NAME`, `area:AREA` or `kind:KIND`.
    pub scope: String,
    /// Users by login, email or `#id`.
    pub reviewers: Vec<String>,
    pub due: NaiveDate,
    pub fallback: Fallback,
    pub recur_months: Option<u32>,
    pub granter_may_review: bool,
    pub bulk_after_secs: Option<u32>,
    /// Days without activity that count as inactive (default 90).
    pub inactive_days: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolePolicyEdit {
    /// The whole list of assignable roles, by name (Some(vec![]): none).
    pub assignable: Option<Vec<String>>,
    pub requires_email: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationEdit {
    pub name: Option<String>,
    /// An IANA name, checked when planned.
    pub time_zone: Option<String>,
    /// Whether every change needs a reason.
    pub reason_required: Option<bool>,
    /// Every user must hold a role.
    #[serde(default)]
    pub role_required: Option<bool>,
    /// Deactivated users keep the view levels of the `own` relation.
    #[serde(default)]
    pub deactivated_read_own: Option<bool>,
}

/// What the audit entry of an import says about the organisation it
/// imported. Its records are too many to sit inside the entry, so the store
/// keeps them beside it (in `audit_side`, under the entry's sequence
/// number); the entry carries their count, length and SHA-256, and its
/// hash covers those, so the chain still derives every record and an edit
/// of the records beside it is seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRecord {
    pub users: u32,
    pub roles: u32,
    pub qualifications: u32,
    pub authorizations: u32,
    /// How many records are stored beside the entry.
    pub items: u64,
    /// Their length, in bytes.
    pub bytes: u64,
    /// The SHA-256 of those bytes.
    pub digest: [u8; 32],
}

impl ImportRecord {
    /// What the entry says it replaced the organisation with, in a line.
    pub fn describe(&self) -> String {
        let sha: String = self.digest.iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "the organisation was replaced by {} records kept beside this entry ({} users, {} roles, {} qualifications, {} authorizations; SHA-256 {sha})",
            self.items, self.users, self.roles, self.qualifications, self.authorizations
        )
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindEdit {
    pub name: Option<String>,
    pub expiry_required: Option<bool>,
    /// Some(None) removes the maximum.
    pub max_validity_months: Option<Option<u32>>,
    pub warning_days: Option<u32>,
    pub independent: Option<bool>,
    /// The bases its authorizations must rest on (Some(vec![]): none).
    pub requires: Option<Vec<super::bases::BasisRequirement>>,
    pub explicit_types: Option<bool>,
    pub reason_required: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationEdit {
    pub aircraft_types: Option<Vec<String>>,
    pub systems: Option<Vec<String>>,
    pub stations: Option<Vec<String>>,
    pub limitations: Option<String>,
    pub bases: Option<Vec<u32>>,
}

impl Command {
    /// The command's name as the audit log shows it.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Init(_) => "init",
            Command::AddUser(_) => "user add",
            Command::EditUser { .. } => "user edit",
            Command::AssignRole { .. } => "user assign",
            Command::UnassignRole { .. } => "user unassign",
            Command::Grant { .. } => "user grant",
            Command::Ungrant { .. } => "user ungrant",
            Command::Deactivate { .. } => "user deactivate",
            Command::Reactivate { .. } => "user reactivate",
            Command::DeleteUser { .. } => "user delete",
            Command::Invite { .. } => "user invite",
            Command::Accept { .. } => "user accept",
            Command::AddRole { .. } => "role add",
            Command::EditRole { .. } => "role edit",
            Command::SetRoleLevels { .. } => "role set",
            Command::RemoveRole { .. } => "role rm",
            Command::AddQualification(_) => "qual add",
            Command::EditQualification { .. } => "qual edit",
            Command::AddAuthorization(_) => "auth add",
            Command::SetAuthorizationStatus { status, .. } => match status {
                AuthorizationStatus::Active => "auth reinstate",
                AuthorizationStatus::Suspended => "auth suspend",
                AuthorizationStatus::Revoked => "auth revoke",
            },
            Command::RenewAuthorization { .. } => "auth renew",
            Command::Import(_) => "import",
            Command::Batch(_) => "batch",
            Command::EditAuthorization { .. } => "auth edit",
            Command::SetKind(_) => "kind set",
            Command::Rescue { .. } => "rescue",
            Command::EditKind { .. } => "kind set",
            Command::Reasoned { command, .. } => command.name(),
            Command::EditOrganisation(_) => "org set",
            Command::SetFeature { on: true, .. } => "feature on",
            Command::SetFeature { on: false, .. } => "feature off",
            Command::SetSetupMode { on: true } => "setup on",
            Command::SetSetupMode { on: false } => "setup off",
            Command::SetRolePolicy { .. } => "role edit",
            Command::ImportRecorded(_) => "import",
            Command::AddTerminal { .. } => "terminal add",
            Command::RemoveTerminal { .. } => "terminal remove",
            Command::SetPin { .. } => "pin set",
            Command::ResetPin { .. } => "pin reset",
            Command::KioskSignIn { .. } => "kiosk sign-in",
            Command::KioskFailure { .. } => "kiosk failure",
            Command::KioskLock { .. } => "kiosk lock",
            Command::KioskSignOut { .. } => "kiosk sign-out",
            Command::AddSodRule { .. } => "sod add",
            Command::RemoveSodRule { .. } => "sod remove",
            Command::SodExcepted { command, .. } => command.name(),
            Command::StartReview(_) => "review start",
            Command::DecideReview { .. } => "review decide",
            Command::ReassignReview { .. } => "review reassign",
            Command::CloseReview { .. } => "review close",
            Command::ShortenAuthorization { .. } => "auth shorten",
        }
    }

    /// The organisation an import carries, directly or with a reason.
    pub fn imported(&self) -> Option<&Organisation> {
        match self {
            Command::Import(o) => Some(o),
            Command::Reasoned { command, .. } => command.imported(),
            _ => None,
        }
    }

    /// How an import was recorded, directly or with a reason (see
    /// [`Command::ImportRecorded`]).
    pub fn import_record(&self) -> Option<&ImportRecord> {
        match self {
            Command::ImportRecorded(r) => Some(r),
            Command::Reasoned { command, .. } => command.import_record(),
            _ => None,
        }
    }

    /// Splits an import into the organisation it carries and the command as
    /// its audit entry records it (`record` in place of the organisation,
    /// the reason kept). None for any other command.
    pub fn into_import(self, record: ImportRecord) -> Option<(Command, Box<Organisation>)> {
        match self {
            Command::Import(o) => Some((Command::ImportRecorded(record), o)),
            Command::Reasoned { reason, command } => command.into_import(record).map(|(c, o)| {
                (
                    Command::Reasoned {
                        reason,
                        command: Box::new(c),
                    },
                    o,
                )
            }),
            _ => None,
        }
    }

    /// The reason recorded with the command: the one the operator gave
    /// (`Reasoned`, `--reason`), or else a status change's or an
    /// exception's own.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Command::Reasoned { reason, .. } => Some(reason),
            Command::SetAuthorizationStatus { reason, .. } => Some(reason),
            Command::SodExcepted { reason, .. } => Some(reason),
            Command::ShortenAuthorization { reason, .. } => Some(reason),
            Command::DecideReview { reason, .. } if !reason.is_empty() => Some(reason),
            _ => None,
        }
    }
}
