//! The app's session against its operator: whom it runs for (the operator,
//! and with `--as` whom they act as), whether it still may, and the "your
//! access ended" screen when it may not — an account edited, deactivated or
//! expired mid-session ends the session there, never in a panic.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::keymap::{Action, Context, Keymap};
use super::theme::Theme;
use super::widgets::{centered, Symbols};
use crate::client::link::Link;
use crate::domain::rules::Actor;
use crate::domain::text::sanitize;
use crate::domain::users::{UserId, UserStatus};

/// Whom the app runs for: the operator it started with (None when the
/// process's login was bound to no active user) and, with `--as`, the user
/// they act as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Who {
    pub operator: Option<UserId>,
    pub acting_as: Option<UserId>,
    /// At a workshop terminal: `operator` is the person signed in there
    /// (None: nobody), not the user bound to the process's login.
    pub kiosk: bool,
}

impl Who {
    /// The operator bound to the session's login now, acting as nobody.
    /// At a registered workshop terminal: nobody yet (the sign-in screen).
    pub fn of(session: &Link) -> Who {
        let kiosk = session.is_terminal();
        Who {
            operator: if kiosk { None } else { session.operator().ok() },
            acting_as: None,
            kiosk,
        }
    }
}

/// Why the app can no longer run for `who`, in words for the "your access
/// ended" screen; `Ok` with the actor while it still can. Checked on every
/// key and draw: an account edited, deactivated or expired mid-session (by
/// this app or another process) ends the session here, never in a panic.
pub fn standing(session: &Link, who: Who) -> Result<Actor, String> {
    let org = session.org();
    let now = session.now();
    let login = sanitize(session.login());
    if who.kiosk {
        // The person signed in at this terminal, while it is one and they
        // hold access.
        let Some(person) = who.operator else {
            return Err("nobody is signed in at this terminal".into());
        };
        return session.kiosk_actor(person).map_err(|e| e.to_string());
    }
    let Some(operator) = who.operator else {
        return Err(format!("your login '{login}' is bound to no active user"));
    };
    let Ok(me) = org.user(operator) else {
        return Err("your account no longer exists".into());
    };
    if me.status != UserStatus::Active {
        return Err(format!("your account was {}", me.status.word()));
    }
    if let Some(until) = me
        .access_until
        .filter(|_| !me.holds_access(now, org.zone()))
    {
        return Err(format!("your access expired on {until}"));
    }
    if session.operator().ok() != Some(operator) {
        return Err(format!(
            "your login '{login}' is no longer bound to your account (its login was changed)"
        ));
    }
    let acting_as = who.acting_as.map(|id| format!("#{id}"));
    session
        .actor(acting_as.as_deref())
        .map_err(|e| match who.acting_as {
            Some(_) => format!("acting as another user ended: {e}"),
            None => e.to_string(),
        })
}

/// Says why the session ended; only quitting acts.
pub(super) fn render_ended(
    f: &mut Frame,
    area: Rect,
    why: &str,
    keymap: &Keymap,
    theme: &Theme,
    sym: Symbols,
) {
    let quit = keymap
        .keys_text(&[Context::Global], Action::Quit)
        .unwrap_or_else(|| "q".into());
    let lines = vec![
        Line::styled("Your access ended", theme.danger),
        Line::from(""),
        Line::from(sanitize(why)),
        Line::from(""),
        Line::from("Nothing more can be seen or changed in this session."),
        Line::styled(format!("{quit}: quit"), theme.muted),
    ];
    let r = centered(area, 64.min(area.width), 10.min(area.height));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(sym.border_set())
        .border_style(theme.danger);
    f.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
        r,
    );
}
