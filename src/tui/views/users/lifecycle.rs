//! Inviting, deactivating, reactivating and deleting a person in the Users
//! tab. Each asks first, with the exact command captured, so that a reason
//! can be given with it (the confirmation's reason field); deleting needs
//! the short name typed (login, else the email before "@"). What the rules would refuse (reactivating an
//! active person) is said at once instead of asked.

use crate::domain::command::Command;
use crate::domain::text::sanitize;
use crate::domain::users::User;
use crate::tui::keymap::Action;
use crate::tui::popups::Popup;
use crate::tui::view::{Cx, Effect};
use crate::tui::widgets::confirm::Confirm;

/// How long an invitation code is valid.
const INVITATION_DAYS: i64 = 14;

/// The confirmation of `action` on `u`.
pub(super) fn ask(action: Action, cx: &Cx, u: &User) -> Result<Effect, String> {
    let user = format!("#{}", u.id);
    let name = sanitize(&u.name());
    Ok(match action {
        Action::Invite => {
            let code = crate::ops::new_invitation_code().map_err(|e| e.to_string())?;
            let expires = cx.now + chrono::Duration::days(INVITATION_DAYS);
            let cmd = Command::Invite {
                user,
                code_hash: crate::ops::code_hash(&code),
                expires,
            };
            refused(cx, &cmd)?;
            let info = Popup::Info(
                "Invitation code (shown once)".into(),
                vec![
                    format!("Code for {}: {code}", u.name()),
                    format!(
                        "Expires {}.",
                        expires
                            .with_timezone(&chrono::Local)
                            .format("%Y-%m-%d %H:%M")
                    ),
                    format!("They run: clearance user accept {code}"),
                ],
            );
            let mut lines = vec![format!(
                "Invite {name}? A one-time code, valid for {INVITATION_DAYS} days, is shown once."
            )];
            if u.invitation.is_some() {
                lines.push("Their earlier code stops working.".into());
            }
            let c = Confirm::new("Invite", lines, false);
            Effect::Open(Popup::Confirm(
                c,
                Box::new(Effect::RunThen(cmd, Box::new(Effect::Open(info)))),
            ))
        }
        Action::Deactivate => {
            let c = Confirm::new(
                "Deactivate",
                vec![format!(
                    "Deactivate {} ({})? They will hold no access until reactivated.",
                    u.name(),
                    u.handle()
                )],
                true,
            );
            let cmd = Command::Deactivate { user };
            refused(cx, &cmd)?;
            Effect::Open(Popup::Confirm(c, Box::new(Effect::Run(cmd))))
        }
        Action::Reactivate => {
            let c = Confirm::new(
                "Reactivate",
                vec![format!(
                    "Reactivate {} ({})? Their roles and grants give access again.",
                    u.name(),
                    u.handle()
                )],
                false,
            );
            let cmd = Command::Reactivate { user };
            refused(cx, &cmd)?;
            Effect::Open(Popup::Confirm(c, Box::new(Effect::Run(cmd))))
        }
        Action::Delete => {
            let c = Confirm::new(
                "Delete user",
                vec![
                    format!("Delete {name}? The user stays on record as a tombstone"),
                    "and can never be changed again.".into(),
                ],
                true,
            )
            .typed_confirmation(&u.short_name());
            let cmd = Command::DeleteUser { user };
            refused(cx, &cmd)?;
            Effect::Open(Popup::Confirm(c, Box::new(Effect::Run(cmd))))
        }
        _ => Effect::None,
    })
}

/// What the rules would say to `cmd` now, if they would refuse it (the
/// pure plan, nothing written; the command is planned again when sent).
/// It is planned as if with a reason: the confirmation asks for one, so a
/// reason the organisation requires is no refusal yet.
fn refused(cx: &Cx, cmd: &Command) -> Result<(), String> {
    let asked = Command::Reasoned {
        reason: "asked in the confirmation".into(),
        command: Box::new(cmd.clone()),
    };
    crate::domain::rules::plan(cx.org, cx.actor, &asked, cx.now)
        .map(|_| ())
        .map_err(|e| e.to_string())
}
