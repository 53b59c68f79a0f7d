//! Whole-organisation rules: the consistency of an organisation (imports,
//! doctor) and the import command.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};

use super::super::error::{invalid, DomainError, DomainResult};
use super::super::org::{Counters, Organisation};
use super::super::text::{self};
use super::Ctx;

/// Checks that an organisation is internally consistent: every reference
/// resolves, names and emails are unique, levels exist on their scales and an
/// administrator remains. Used for imports and by `doctor`.
pub fn validate_organisation(org: &Organisation, now: DateTime<Utc>) -> DomainResult<()> {
    // The organisation may come straight from a file, its lookups not yet
    // built: resolve permissions through a catalog indexed here.
    let mut check = org.settings.catalog.clone();
    check.reindex();
    super::super::catalog::Catalog::new(check.areas.clone(), check.permissions.clone())?;
    let c = &check;
    let admin = org
        .roles
        .get(&org.settings.admin_role)
        .ok_or_else(|| invalid("the administrator role is missing"))?;
    if !admin.builtin_admin {
        return Err(invalid("the administrator role is not marked built-in"));
    }
    text::required_text("organisation name", &org.settings.name)?;
    let mut previous: Option<&str> = None;
    for area in &org.settings.features_off {
        c.resolve_area(area)?;
        if c.is_administration_area(area) {
            return Err(invalid(format!(
                "{area} is an administration area and cannot be switched off"
            )));
        }
        if previous.is_some_and(|p| p >= area.as_str()) {
            return Err(invalid("the areas switched off are not sorted and unique"));
        }
        previous = Some(area);
    }
    for k in &org.settings.kinds {
        text::required_text(&format!("kind {}: code", k.code), &k.code)?;
        text::required_text(&format!("kind {}: name", k.code), &k.name)?;
    }
    for p in &c.permissions {
        text::required_text(&format!("permission {}: label", p.key), &p.label)?;
    }
    for a in &c.areas {
        text::required_text(&format!("area {}: label", a.key), &a.label)?;
    }
    let mut names = HashSet::new();
    for r in org.roles.values() {
        text::required_text("role name", &r.name)?;
        text::free_text(&format!("role {}: description", r.name), &r.description)?;
        if !names.insert(r.name.to_lowercase()) {
            return Err(DomainError::Duplicate(format!(
                "role name {} is used twice",
                r.name
            )));
        }
        if r.builtin_admin && r.id != org.settings.admin_role {
            return Err(invalid(format!("role {} claims to be built in", r.name)));
        }
        for (k, l) in &r.levels {
            let p = c.get(c.resolve(k)?);
            if !p.scale.is_valid(*l) {
                return Err(invalid(format!(
                    "role {}: level {l} is not on {k}'s scale",
                    r.name
                )));
            }
        }
        if r.id >= org.counters.next_role {
            return Err(invalid(format!("role #{} is beyond the id counter", r.id)));
        }
    }
    let mut emails = HashSet::new();
    let mut logins = HashSet::new();
    for u in org.users.values() {
        text::required_text("given name", &u.given)?;
        text::required_text("family name", &u.family)?;
        if u.id >= org.counters.next_user {
            return Err(invalid(format!("user #{} is beyond the id counter", u.id)));
        }
        if let Some(e) = &u.email {
            if text::email(e)? != *e {
                return Err(invalid(format!(
                    "user #{}: email {e} is not normalised",
                    u.id
                )));
            }
            if !u.is_deleted() && !emails.insert(text::email_identity(e)) {
                return Err(DomainError::Duplicate(format!("email {e} is used twice")));
            }
        }
        if let Some(l) = &u.login {
            text::login(l)?;
            if !u.is_deleted() && !logins.insert(l.clone()) {
                return Err(DomainError::Duplicate(format!("login {l} is used twice")));
            }
        }
        for a in &u.roles {
            if !org.roles.contains_key(&a.role) {
                return Err(invalid(format!(
                    "user #{} has unknown role #{}",
                    u.id, a.role
                )));
            }
        }
        for g in &u.grants {
            let p = c.get(c.resolve(&g.permission)?);
            if !p.scale.is_valid(g.level) || g.level == 0 {
                return Err(invalid(format!(
                    "user #{}: grant level {} is not on {}'s scale",
                    u.id, g.level, p.key
                )));
            }
        }
    }
    for q in org.qualifications.values() {
        let what = |f: &str| format!("qualification #{}: {f}", q.id);
        text::required_text(&what("number"), &q.number)?;
        for c in q.categories.iter().chain(&q.type_ratings) {
            text::required_text(&what("category or type rating"), c)?;
        }
        if !org.users.contains_key(&q.holder) {
            return Err(invalid(format!(
                "qualification #{} has unknown holder #{}",
                q.id, q.holder
            )));
        }
        if q.id >= org.counters.next_qualification {
            return Err(invalid(format!(
                "qualification #{} is beyond the id counter",
                q.id
            )));
        }
    }
    let mut refs = HashSet::new();
    for a in org.authorizations.values() {
        let what = |f: &str| format!("authorization #{}: {f}", a.id);
        text::required_text(&what("reference"), &a.reference)?;
        text::free_text(&what("limitations"), &a.limitations)?;
        for s in &a.scope.stations {
            text::required_text(&what("station"), s)?;
        }
        for h in &a.history {
            text::required_text(&what("status reason"), &h.reason)?;
        }
        if !org.users.contains_key(&a.holder) {
            return Err(invalid(format!(
                "authorization {} has unknown holder #{}",
                a.reference, a.holder
            )));
        }
        org.kind(&a.kind)?;
        if !refs.insert(a.reference.to_lowercase()) {
            return Err(DomainError::Duplicate(format!(
                "authorization reference {} is used twice",
                a.reference
            )));
        }
        for b in &a.bases {
            if !org.qualifications.contains_key(b) {
                return Err(invalid(format!(
                    "authorization {} rests on unknown qualification #{b}",
                    a.reference
                )));
            }
        }
        if a.id >= org.counters.next_authorization {
            return Err(invalid(format!(
                "authorization {} is beyond the id counter",
                a.reference
            )));
        }
    }
    validate_terminals(org, &logins)?;
    super::sod::validate_rules(org)?;
    if !org.users.values().any(|u| org.is_permanent_admin(u, now)) {
        return Err(DomainError::LastAdministrator(
            "no active account administrator".into(),
        ));
    }
    Ok(())
}

/// Workshop terminals: named, each live login once and bound to no user.
fn validate_terminals(
    org: &Organisation,
    user_logins: &std::collections::HashSet<String>,
) -> DomainResult<()> {
    let mut live = std::collections::HashSet::new();
    for (id, t) in &org.terminals {
        if *id != t.id {
            return Err(invalid(format!("terminal #{id} is stored under #{}", t.id)));
        }
        text::required_text(&format!("terminal #{id}: name"), &t.name)?;
        text::login(&t.login)?;
        if t.is_live() && (!live.insert(t.login.clone()) || user_logins.contains(&t.login)) {
            return Err(DomainError::Duplicate(format!(
                "terminal login {} is used twice",
                t.login
            )));
        }
    }
    Ok(())
}

/// Plans an import. It replaces the whole organisation, so its change
/// holds no records: the store writes the imported organisation's records
/// as a new generation of its trees and keeps them beside the audit entry
/// (see `store::replace`). Nothing is copied here: at 100k users every
/// copy of the organisation costs about a hundred megabytes.
pub(super) fn plan_import(cx: &mut Ctx<'_>, new: &Organisation) -> DomainResult<String> {
    let org = cx.org;
    if !org.is_active_admin(cx.me, cx.now) {
        return Err(DomainError::Forbidden(
            "import needs an account administrator".into(),
        ));
    }
    // An import can give anything for good, so only a permanent
    // administrator may run one (rule 2 in time).
    if !org.is_permanent_admin(cx.me, cx.now) {
        return Err(DomainError::Escalation(
            "import needs an account administrator who holds that role for good".into(),
        ));
    }
    validate_organisation(new, cx.now).map_err(|e| invalid(format!("import file: {e}")))?;
    // The importing administrator must stay one, or they lock themselves out.
    let still = new
        .users
        .get(&cx.me.id)
        .is_some_and(|u| u.login == cx.me.login && new.is_active_admin(u, cx.now));
    if !still {
        return Err(invalid(format!(
            "import file: {} would no longer be an active administrator bound to login {}",
            cx.me.handle(),
            cx.me.login.clone().unwrap_or_default()
        )));
    }
    // Tombstones are immutable: a deleted user must come back unchanged.
    for u in org.users.values().filter(|u| u.is_deleted()) {
        if new.users.get(&u.id) != Some(u) {
            return Err(DomainError::Immutable(format!(
                "import file changes or drops deleted user #{}",
                u.id
            )));
        }
    }
    validate_reviews(new).map_err(|e| invalid(format!("import file: {e}")))?;
    cx.counters = Counters {
        next_user: new.counters.next_user.max(org.counters.next_user),
        next_role: new.counters.next_role.max(org.counters.next_role),
        next_qualification: new
            .counters
            .next_qualification
            .max(org.counters.next_qualification),
        next_authorization: new
            .counters
            .next_authorization
            .max(org.counters.next_authorization),
    };
    let changed = usize::from(org.settings != new.settings)
        + differing(&org.users, &new.users)
        + differing(&org.roles, &new.roles)
        + differing(&org.qualifications, &new.qualifications)
        + differing(&org.authorizations, &new.authorizations);
    if changed == 0 {
        return Err(invalid(
            "import file: nothing differs from the current organisation",
        ));
    }
    Ok(format!(
        "imported the organisation: {} users, {} roles, {} qualifications, {} authorizations ({} records changed)",
        new.users.len(),
        new.roles.len(),
        new.qualifications.len(),
        new.authorizations.len(),
        changed
    ))
}

/// How many records differ between two maps of them: changed, added or
/// removed.
fn differing<K: Ord, V: PartialEq>(old: &BTreeMap<K, V>, new: &BTreeMap<K, V>) -> usize {
    let changed_or_added = new.iter().filter(|(k, v)| old.get(k) != Some(v)).count();
    let removed = old.keys().filter(|k| !new.contains_key(k)).count();
    changed_or_added + removed
}

/// Campaigns and items: each campaign stored under its id with its items
/// numbered 1 to the count it says, in blocks of its own; an item written
/// on its own where a block holds it; each item of a known person, given
/// to a reviewer of its campaign (never its holder) or to nobody.
pub fn validate_reviews(org: &Organisation) -> DomainResult<()> {
    let r = &org.reviews;
    for b in r.blocks() {
        if !r.campaigns.contains_key(&b.campaign) {
            return Err(invalid(format!(
                "items from {} belong to unknown campaign #{}",
                b.first, b.campaign
            )));
        }
        if b.items
            .iter()
            .enumerate()
            .any(|(k, i)| i.campaign != b.campaign || i.no != b.first + k as u32)
        {
            return Err(invalid(format!(
                "the block of items from {} of campaign #{} is out of order",
                b.first, b.campaign
            )));
        }
    }
    if let Some(i) = r.strays().next() {
        return Err(invalid(format!(
            "item {} of campaign #{} is in no block of its campaign",
            i.no, i.campaign
        )));
    }
    for (id, c) in &r.campaigns {
        if *id != c.id {
            return Err(invalid(format!("campaign #{id} is stored under #{}", c.id)));
        }
        let mut n = 0u32;
        for i in r.items_of(c.id) {
            n += 1;
            if i.no != n || i.campaign != c.id {
                return Err(invalid(format!(
                    "campaign #{id} has item {} where item {n} belongs",
                    i.no
                )));
            }
            if !org.users.contains_key(&i.holder) {
                return Err(invalid(format!(
                    "item {n} of campaign #{id} is held by unknown user #{}",
                    i.holder
                )));
            }
            if i.reviewer
                .is_some_and(|rv| i.holder == rv || !c.reviewers.iter().any(|x| x.user == rv))
            {
                return Err(invalid(format!(
                    "item {n} of campaign #{id} is given to someone who is not its reviewer"
                )));
            }
        }
        if n != c.item_count {
            return Err(invalid(format!(
                "campaign #{id} counts {} items but {n} are given",
                c.item_count
            )));
        }
    }
    Ok(())
}
