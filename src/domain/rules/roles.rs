//! Rules for roles: add, copy, edit, set levels, remove.

use std::collections::{BTreeMap, BTreeSet};

use super::super::catalog::system;
use super::super::command::RolePolicyEdit;
use super::super::error::{invalid, DomainError, DomainResult};
use super::super::org::{Put, Record, RecordKey};
use super::super::roles::Role;
use super::super::text::{self};
use super::Ctx;

pub(super) fn add_role(
    cx: &mut Ctx<'_>,
    name: &str,
    description: &str,
    copy_from: &Option<String>,
) -> DomainResult<String> {
    let org = cx.org;
    cx.require(system::ROLES_MANAGE)?;
    let name = text::required_text("role name", name)?;
    let description = text::free_text("description", description)?;
    if org.resolve_role(&name).is_ok() {
        return Err(DomainError::Duplicate(format!(
            "a role named {name} already exists"
        )));
    }
    let id = cx.counters.next_role;
    let r = match copy_from {
        Some(src) => {
            let src = org.resolve_role(src)?;
            cx.holds_role(src)?;
            for (i, l) in src.level_vector(org.catalog()).into_iter().enumerate() {
                cx.holds_for_good(i, l)?;
            }
            // The copy lets its holders assign what the original does: for good.
            for y in &src.assignable {
                if let Some(yr) = org.roles.get(y) {
                    cx.may_assign(yr, true)?;
                }
            }
            let levels = if src.builtin_admin {
                org.catalog()
                    .permissions
                    .iter()
                    .map(|p| (p.key.clone(), p.scale.top()))
                    .collect()
            } else {
                src.levels.clone()
            };
            Role {
                assignable: src.assignable.clone(),
                requires_email: src.requires_email,
                ..Role::new(id, name, description, levels)
            }
        }
        None => Role::new(id, name, description, BTreeMap::new()),
    };
    cx.counters.next_role += 1;
    let s = match copy_from {
        Some(src) => format!("added role {} as a copy of {}", r.name, src),
        None => format!("added role {}", r.name),
    };
    cx.puts.push(Put {
        key: RecordKey::Role(id),
        before: None,
        after: Some(Record::Role(r)),
    });
    Ok(s)
}

pub(super) fn edit_role(
    cx: &mut Ctx<'_>,
    role: &str,
    name: &Option<String>,
    description: &Option<String>,
) -> DomainResult<String> {
    let org = cx.org;
    cx.require(system::ROLES_MANAGE)?;
    let before = org.resolve_role(role)?;
    if before.builtin_admin && name.is_some() {
        // Renaming the built-in role is harmless, but keep it stable.
        return Err(DomainError::Immutable(format!(
            "{} is built in and cannot be renamed",
            before.name
        )));
    }
    cx.holds_role(before)?;
    let mut r = before.clone();
    if let Some(n) = name {
        r.name = text::required_text("role name", n)?;
        if org
            .roles
            .values()
            .any(|x| x.id != r.id && x.name.eq_ignore_ascii_case(&r.name))
        {
            return Err(DomainError::Duplicate(format!(
                "a role named {} already exists",
                r.name
            )));
        }
    }
    if let Some(d) = description {
        r.description = text::free_text("description", d)?;
    }
    if r == *before {
        return Err(invalid("nothing to change"));
    }
    cx.puts.push(Put {
        key: RecordKey::Role(r.id),
        before: Some(Record::Role(before.clone())),
        after: Some(Record::Role(r.clone())),
    });
    Ok(format!("edited role {}", r.name))
}

pub(super) fn set_role_levels(
    cx: &mut Ctx<'_>,
    role: &str,
    levels: &[(String, String)],
) -> DomainResult<String> {
    let org = cx.org;
    cx.require(system::ROLES_MANAGE)?;
    let before = org.resolve_role(role)?;
    if before.builtin_admin {
        return Err(DomainError::Immutable(format!(
            "{} is built in and always holds every permission",
            before.name
        )));
    }
    if levels.is_empty() {
        return Err(invalid("no levels to set"));
    }
    let mut r = before.clone();
    let mut parts = Vec::new();
    for (k, w) in levels {
        let pi = org.catalog().resolve(k)?;
        let p = org.catalog().get(pi);
        let l = p.scale.parse_level(w)?;
        let old = r.levels.get(&p.key).copied().unwrap_or(0);
        // Rule 2: both the old and the new level must lie within the operator's.
        if (l | old) & !cx.mine[pi] != 0 {
            return Err(DomainError::Escalation(format!(
                "you hold {} = {}; cannot change it from {} to {}",
                p.key,
                p.scale.level_word(cx.mine[pi]),
                p.scale.level_word(old),
                p.scale.level_word(l)
            )));
        }
        cx.holds_for_good(pi, l & !old)?;
        if l == 0 {
            r.levels.remove(&p.key);
        } else {
            r.levels.insert(p.key.clone(), l);
        }
        parts.push(format!(
            "{} {} → {}",
            p.key,
            p.scale.level_word(old),
            p.scale.level_word(l)
        ));
    }
    if r == *before {
        return Err(invalid("nothing to change: the levels are already set"));
    }
    cx.puts.push(Put {
        key: RecordKey::Role(r.id),
        before: Some(Record::Role(before.clone())),
        after: Some(Record::Role(r.clone())),
    });
    Ok(format!("set role {}: {}", r.name, parts.join(", ")))
}

pub(super) fn remove_role(cx: &mut Ctx<'_>, role: &str) -> DomainResult<String> {
    let org = cx.org;
    cx.require(system::ROLES_MANAGE)?;
    let r = org.resolve_role(role)?;
    if r.builtin_admin {
        return Err(DomainError::Immutable(format!(
            "{} is built in and cannot be removed",
            r.name
        )));
    }
    cx.holds_role(r)?;
    if let Some(by) = org
        .roles
        .values()
        .find(|x| x.id != r.id && x.assignable.contains(&r.id))
    {
        return Err(DomainError::Conflict(format!(
            "role {} is assignable by the holders of {}; take it off that role's assignable roles first",
            r.name, by.name
        )));
    }
    let holders: Vec<String> = org
        .live_users()
        .filter(|u| u.assignment(r.id).is_some())
        .map(|u| u.handle())
        .collect();
    if !holders.is_empty() {
        return Err(DomainError::Conflict(format!(
            "role {} is assigned to {} user(s) ({}); unassign it first",
            r.name,
            holders.len(),
            holders
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    cx.puts.push(Put {
        key: RecordKey::Role(r.id),
        before: Some(Record::Role(r.clone())),
        after: None,
    });
    Ok(format!("removed role {}", r.name))
}

/// Sets the roles a role's holders may assign, and whether its holders need
/// an email. Listing (or unlisting) a role hands out (or takes back) the
/// power to assign it for good, so the operator must be able to assign it
/// for good.
pub(super) fn set_role_policy(
    cx: &mut Ctx<'_>,
    role: &str,
    edit: &RolePolicyEdit,
) -> DomainResult<String> {
    let org = cx.org;
    cx.require(system::ROLES_MANAGE)?;
    let before = org.resolve_role(role)?;
    cx.holds_role(before)?;
    let mut r = before.clone();
    let mut said = Vec::new();
    if let Some(names) = &edit.assignable {
        if before.builtin_admin {
            return Err(DomainError::Immutable(format!(
                "{} is built in: its holders may assign every role already",
                before.name
            )));
        }
        let mut ids = BTreeSet::new();
        for n in names {
            let x = org.resolve_role(n)?;
            if x.builtin_admin {
                return Err(invalid(format!(
                    "{} is the built-in administrator and is never assignable by delegation",
                    x.name
                )));
            }
            ids.insert(x.id);
        }
        for id in ids.symmetric_difference(&before.assignable) {
            if let Some(x) = org.roles.get(id) {
                cx.may_assign(x, true)?;
            }
        }
        r.assignable = ids;
        let names: Vec<&str> = r
            .assignable
            .iter()
            .filter_map(|id| org.roles.get(id).map(|x| x.name.as_str()))
            .collect();
        said.push(if names.is_empty() {
            "assigns no roles".to_string()
        } else {
            format!("assigns {}", names.join(", "))
        });
    }
    if let Some(req) = edit.requires_email {
        r.requires_email = req;
        said.push(if req {
            "requires an email".to_string()
        } else {
            "does not require an email".to_string()
        });
    }
    if said.is_empty() {
        return Err(invalid("nothing to change"));
    }
    if r == *before {
        return Err(invalid("nothing to change: the role is already so"));
    }
    cx.puts.push(Put {
        key: RecordKey::Role(r.id),
        before: Some(Record::Role(before.clone())),
        after: Some(Record::Role(r.clone())),
    });
    Ok(format!("role {}: {}", r.name, said.join("; ")))
}
