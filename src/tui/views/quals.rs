//! Qualifications as people name them, for choosing an authorization's
//! bases: "Licence DK.66.1301 B1 ATR72 (valid to 2028-01-01)" instead of a
//! raw id. The Users tab adds and edits them (`users/quals.rs`); the
//! authorization forms tick them in a multi-select.

use crate::domain::qualifications::{Qualification, QualificationId};
use crate::domain::users::UserId;
use crate::tui::view::Cx;
use crate::tui::widgets::form::Field;

/// "Licence DK.66.1301 B1 ATR72 (valid to 2028-01-01)".
pub(crate) fn label(q: &Qualification, today: chrono::NaiveDate) -> String {
    let word = q.kind.word().replace('-', " ");
    let mut kind = word.chars();
    let mut s: String = kind
        .next()
        .map(|c| c.to_uppercase().chain(kind).collect())
        .unwrap_or_default();
    for part in std::iter::once(&q.number)
        .chain(&q.categories)
        .chain(&q.type_ratings)
    {
        s.push(' ');
        s.push_str(part);
    }
    match q.expires {
        Some(d) if d < today => s.push_str(&format!(" (expired {d})")),
        Some(d) => s.push_str(&format!(" (valid to {d})")),
        None => s.push_str(" (no expiry)"),
    }
    s
}

/// A person's qualifications, in id order (the order of every list).
pub(crate) fn of_holder<'a>(cx: &Cx<'a>, holder: UserId) -> Vec<&'a Qualification> {
    cx.org
        .qualifications
        .values()
        .filter(|q| q.holder == holder)
        .collect()
}

/// The bases multi-select: the holder's qualifications, `chosen` ticked.
pub(crate) fn bases_field(cx: &Cx, holder: UserId, chosen: &[QualificationId]) -> Field {
    let quals = of_holder(cx, holder);
    let today = cx.today();
    let ticked: Vec<usize> = (0..quals.len())
        .filter(|i| chosen.contains(&quals[*i].id))
        .collect();
    Field::multi(
        "Bases",
        quals.iter().map(|q| label(q, today)).collect(),
        &ticked,
        "← → to move, space to tick or untick",
    )
}

/// The ids of the ticked bases (the field's option count must still match
/// the holder's qualifications, else they changed under the form).
pub(crate) fn chosen_bases(
    cx: &Cx,
    holder: UserId,
    field: Option<&Field>,
) -> Result<Vec<QualificationId>, String> {
    let quals = of_holder(cx, holder);
    let Some(field) = field else {
        return Ok(Vec::new());
    };
    let options = match &field.kind {
        crate::tui::widgets::form::FieldKind::Multi(o, _) => o.len(),
        _ => 0,
    };
    if options != quals.len() {
        return Err("the person's qualifications changed: open the form again".into());
    }
    Ok(field
        .chosen()
        .into_iter()
        .filter_map(|i| quals.get(i).map(|q| q.id))
        .collect())
}
