//! A person's qualifications in the Users tab (authorizations.manage):
//! `Q` on a person picks one of their qualifications to edit, or adds a new
//! one — kind, number, categories, type ratings, issued, expires. The same
//! `AddQualification` / `EditQualification` commands as the CLI.

use super::UsersView;
use crate::domain::command::{Command, NewQualification, QualificationEdit};
use crate::domain::qualifications::{Qualification, QualificationKind};
use crate::domain::text::sanitize;
use crate::domain::users::User;
use crate::tui::popups::Popup;
use crate::tui::view::{Cx, Effect, Tab};
use crate::tui::views::quals;
use crate::tui::widgets::form::{self, Field, Form};
use crate::tui::widgets::reason::ReasonNeed;

pub(super) const FORM_QUAL_PICK: u32 = 5;
pub(super) const FORM_QUAL_ADD: u32 = 6;
pub(super) const FORM_QUAL_EDIT: u32 = 7;

/// The picker's first option.
pub const ADD_NEW: &str = "(add a new qualification)";

impl UsersView {
    /// `Q` on a person: pick a qualification to edit, or add one (straight
    /// to the new form when they hold none).
    pub(super) fn qualifications(&mut self, cx: &Cx, u: &User) -> Effect {
        let held = quals::of_holder(cx, u.id);
        if held.is_empty() {
            return self.add_form(cx, u);
        }
        let today = cx.today();
        let mut options = vec![ADD_NEW.to_string()];
        options.extend(held.iter().map(|q| quals::label(q, today)));
        let form = Form::new(
            &format!("Qualifications of {}", sanitize(&u.name())),
            vec![Field::choice(
                "Qualification",
                options,
                0,
                "space / ← → to choose, enter to open",
            )],
        );
        self.qual = Some((u.id, None));
        Effect::Open(Popup::Form(form, Tab::Users, FORM_QUAL_PICK))
    }

    fn add_form(&mut self, cx: &Cx, u: &User) -> Effect {
        let kinds = QualificationKind::ALL
            .iter()
            .map(|k| k.word().to_string())
            .collect();
        let mut fields = vec![Field::choice(
            "Kind",
            kinds,
            0,
            "space / ← → or a letter to choose",
        )];
        fields.extend(common_fields(cx, None));
        self.qual = Some((u.id, None));
        let form = Form::new(
            &format!("New qualification of {}", sanitize(&u.name())),
            fields,
        )
        .with_reason(ReasonNeed::Optional);
        Effect::Open(Popup::Form(form, Tab::Users, FORM_QUAL_ADD))
    }

    fn edit_form(&mut self, cx: &Cx, u: &User, q: &Qualification) -> Effect {
        self.qual = Some((u.id, Some(q.id)));
        let form = Form::new(
            &format!(
                "Edit {} of {}",
                quals::label(q, cx.today()),
                sanitize(&u.name())
            ),
            common_fields(cx, Some(q)),
        )
        .with_reason(ReasonNeed::Optional);
        Effect::Open(Popup::Form(form, Tab::Users, FORM_QUAL_EDIT))
    }

    /// A qualification form of this tab was submitted.
    pub(super) fn submit_qualification(
        &mut self,
        tag: u32,
        f: &Form,
        cx: &Cx,
    ) -> Result<Effect, String> {
        let (holder, id) = self.qual.ok_or("no person chosen")?;
        let u = cx.org.user(holder).map_err(|e| e.to_string())?;
        let list = |i: usize| form::split_list(&f.value(i));
        match tag {
            FORM_QUAL_PICK => {
                let i = f.fields.first().map_or(0, |x| x.choice);
                if i == 0 {
                    return Ok(self.add_form(cx, u));
                }
                let q = quals::of_holder(cx, holder)
                    .get(i - 1)
                    .copied()
                    .ok_or("the person's qualifications changed: open the list again")?;
                Ok(self.edit_form(cx, u, q))
            }
            FORM_QUAL_ADD => Ok(Effect::Run(Command::AddQualification(NewQualification {
                holder: format!("#{holder}"),
                kind: f.value(0),
                number: f.value(1),
                categories: list(2),
                type_ratings: list(3),
                issued: form::parse_date(&f.value(4))?,
                expires: form::optional_date_value(&f.value(5)),
            }))),
            FORM_QUAL_EDIT => Ok(Effect::Run(Command::EditQualification {
                id: id.ok_or("no qualification chosen")?,
                edit: QualificationEdit {
                    number: Some(f.value(0)),
                    categories: Some(list(1)),
                    type_ratings: Some(list(2)),
                    issued: Some(form::parse_date(&f.value(3))?),
                    expires: Some(form::optional_date_value(&f.value(4))),
                },
            })),
            _ => Ok(Effect::None),
        }
    }
}

/// Number, categories, type ratings, issued and expires (of `q` when editing).
fn common_fields(cx: &Cx, q: Option<&Qualification>) -> Vec<Field> {
    let issued = q.map_or(cx.today(), |q| q.issued).to_string();
    let expires = q
        .and_then(|q| q.expires)
        .map(|d| d.to_string())
        .unwrap_or_default();
    vec![
        Field::text(
            "Number",
            q.map_or("", |q| q.number.as_str()),
            "licence or certificate number",
            form::required,
        ),
        Field::text(
            "Categories",
            &q.map(|q| q.categories.join(", ")).unwrap_or_default(),
            "comma-separated, e.g. B1, B2",
            form::list,
        ),
        Field::text(
            "Type ratings",
            &q.map(|q| q.type_ratings.join(", ")).unwrap_or_default(),
            "comma-separated, e.g. ATR72",
            form::list,
        ),
        Field::text("Issued", &issued, "YYYY-MM-DD", form::date),
        Field::text(
            "Expires",
            &expires,
            "YYYY-MM-DD or empty",
            form::optional_date,
        ),
    ]
}
