//! Roles: reusable access profiles holding a level per permission.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::catalog::{Catalog, Level};

pub type RoleId = u32;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub id: RoleId,
    pub name: String,
    pub description: String,
    /// The built-in account administrator: every permission at its top level,
    /// never editable.
    pub builtin_admin: bool,
    /// Permission key → level; absent means none.
    pub levels: BTreeMap<String, Level>,
}

impl Role {
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
