//! Roles: reusable access profiles holding a level per permission, with the
//! roles their holders may assign (delegated administration) and whether
//! their holders need an email.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::catalog::{Catalog, Level};
use super::layout::layout;

pub type RoleId = u32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub id: RoleId,
    pub name: String,
    pub description: String,
    /// The built-in account administrator: every permission at its top level,
    /// never editable.
    pub builtin_admin: bool,
    /// Permission key → level; absent means none.
    pub levels: BTreeMap<String, Level>,
    /// The roles this role's holders may assign and unassign, and whose
    /// holders they may add, edit, deactivate and delete, even where those
    /// roles hold levels they lack (see `domain::delegation`).
    pub assignable: BTreeSet<RoleId>,
    /// Its holders must have an email address.
    pub requires_email: bool,
}

/// Layout generations 1 and 2 (see `domain::layout`): levels only.
#[derive(Serialize, Deserialize)]
#[serde(rename = "Role")]
struct RoleV1<N, L> {
    id: RoleId,
    name: N,
    description: N,
    builtin_admin: bool,
    levels: L,
}

/// Layout generation 3: assignable roles and the email requirement.
#[derive(Serialize, Deserialize)]
#[serde(rename = "Role")]
struct RoleV3<N, L, A> {
    id: RoleId,
    name: N,
    description: N,
    builtin_admin: bool,
    levels: L,
    #[serde(default)]
    assignable: A,
    #[serde(default)]
    requires_email: bool,
}

impl Serialize for Role {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if layout() < 3 {
            RoleV1 {
                id: self.id,
                name: &self.name,
                description: &self.description,
                builtin_admin: self.builtin_admin,
                levels: &self.levels,
            }
            .serialize(s)
        } else {
            RoleV3 {
                id: self.id,
                name: &self.name,
                description: &self.description,
                builtin_admin: self.builtin_admin,
                levels: &self.levels,
                assignable: &self.assignable,
                requires_email: self.requires_email,
            }
            .serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        type Levels = BTreeMap<String, Level>;
        if layout() < 3 {
            let r = RoleV1::<String, Levels>::deserialize(d)?;
            Ok(Role {
                id: r.id,
                name: r.name,
                description: r.description,
                builtin_admin: r.builtin_admin,
                levels: r.levels,
                assignable: BTreeSet::new(),
                requires_email: false,
            })
        } else {
            let r = RoleV3::<String, Levels, BTreeSet<RoleId>>::deserialize(d)?;
            Ok(Role {
                id: r.id,
                name: r.name,
                description: r.description,
                builtin_admin: r.builtin_admin,
                levels: r.levels,
                assignable: r.assignable,
                requires_email: r.requires_email,
            })
        }
    }
}

impl Role {
    /// A role with the given levels and nothing else.
    pub fn new(
        id: RoleId,
        name: String,
        description: String,
        levels: BTreeMap<String, Level>,
    ) -> Self {
        Role {
            id,
            name,
            description,
            builtin_admin: false,
            levels,
            assignable: BTreeSet::new(),
            requires_email: false,
        }
    }

    /// The role's level on one permission (the administrator holds the top of every scale).
    pub fn level(&self, catalog: &Catalog, perm: usize) -> Level {
        let p = catalog.get(perm);
        if self.builtin_admin {
            p.scale.top()
        } else {
            self.levels.get(&p.key).copied().unwrap_or(0)
        }
    }

    /// The role's levels as a vector in catalog order.
    pub fn level_vector(&self, catalog: &Catalog) -> Vec<Level> {
        (0..catalog.len()).map(|i| self.level(catalog, i)).collect()
    }
}
