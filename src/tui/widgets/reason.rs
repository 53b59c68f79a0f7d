//! The reason field. Every save and every confirmation that commits a
//! change offers one line saying why; the app sends the command wrapped in
//! `Command::Reasoned` (as `--reason` does), so the reason is stored in the
//! audit entry. A kind may require it for every change to its
//! authorizations, and an organisation for every change: the form or the
//! confirmation then marks the field and refuses to send without it (the
//! domain refuses too: it is the real guard).

use super::form::Field;
use super::validators;
use crate::domain::org::Organisation;

/// The field's label, in forms and confirmations.
pub const LABEL: &str = "Reason";

/// The hint of an optional reason.
pub const OPTIONAL: &str = "optional: why, kept with the change in the audit log";

/// Whether a form's reason is needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReasonNeed {
    Optional,
    /// Required, and why ("kind RII needs a reason for every change").
    Required(String),
    /// Required while the choice field `field` shows one of `values` (the
    /// kind chosen for a new authorization).
    RequiredWhen {
        field: usize,
        values: Vec<String>,
    },
    /// The organisation requires a reason for every change.
    Organisation,
}

impl ReasonNeed {
    /// What a change to an authorization of kind `code` needs.
    pub fn for_kind(org: &Organisation, code: &str) -> ReasonNeed {
        match org.kind(code) {
            Ok(k) if k.reason_required => ReasonNeed::Required(kind_needs(&k.code)),
            _ => ReasonNeed::Optional,
        }
    }

    /// Required while the choice field `field` names a kind that requires
    /// a reason (Optional when no kind does).
    pub fn for_kind_field(org: &Organisation, field: usize) -> ReasonNeed {
        let values: Vec<String> = org
            .settings
            .kinds
            .iter()
            .filter(|k| k.reason_required)
            .map(|k| k.code.clone())
            .collect();
        if values.is_empty() {
            ReasonNeed::Optional
        } else {
            ReasonNeed::RequiredWhen { field, values }
        }
    }

    /// Why the reason is required with the form's fields as they are now,
    /// if it is.
    pub fn why(&self, fields: &[Field]) -> Option<String> {
        match self {
            ReasonNeed::Optional => None,
            ReasonNeed::Required(why) => Some(why.clone()),
            ReasonNeed::Organisation => Some(ORGANISATION_NEEDS.into()),
            ReasonNeed::RequiredWhen { field, values } => {
                let v = fields.get(*field)?.value();
                values.contains(&v).then(|| kind_needs(&v))
            }
        }
    }
}

/// Why every change needs a reason where the organisation says so.
pub const ORGANISATION_NEEDS: &str = "this organisation requires a reason for every change";

/// "kind RII needs a reason for every change".
pub fn kind_needs(code: &str) -> String {
    format!("kind {code} needs a reason for every change")
}

/// The reason field of a form: one line, at most as long as the domain
/// takes (`text::MAX_TEXT`); control characters are refused as typed and
/// dropped from a paste, like every text field.
pub fn field() -> Field {
    Field::text(LABEL, "", OPTIONAL, validators::optional_text)
}
