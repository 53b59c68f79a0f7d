//! The first-run screen: no database yet. Asks for the preset, the
//! organisation's name and yours, and makes you the account administrator
//! bound to your OS login.

use std::path::Path;
use std::time::Duration;

use ratatui::crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::input::{Incoming, Input};
use super::signals;
use super::terminal::{self, TerminalGuard};
use super::widgets::form::{self, Field, Form};
use super::widgets::Symbols;
use super::Look;
use crate::domain::command::NewUser;
use crate::ops::{Clock, Session};

pub fn form() -> Form {
    let presets: Vec<String> = crate::presets::names()
        .into_iter()
        .map(String::from)
        .collect();
    Form::new(
        "Welcome to Clearance — set up your organisation",
        vec![
            Field::choice(
                "Preset",
                presets,
                0,
                "maintenance, flight-school, operator or club (space / ← →)",
            ),
            Field::text("Organisation", "", "its name", form::required),
            Field::text("Your given name", "", "required", form::required),
            Field::text("Your family name", "", "required", form::required),
            Field::text("Your email", "", "required", |s| {
                form::required(s).and_then(|_| form::optional_email(s))
            }),
        ],
    )
    .with_notes(vec![
        "No database exists here yet. You become its account administrator,".into(),
        "bound to your OS login. tab/shift-tab: move  enter: create  esc: quit".into(),
    ])
}

/// Draws the first-run screen.
pub fn draw(f: &mut Frame, form: &mut Form, look: &Look) {
    let [top, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(f.area());
    f.render_widget(
        Paragraph::new(Line::styled(" Clearance ", look.theme.title)),
        top,
    );
    form.render(f, body, &look.theme, Symbols { ascii: look.ascii });
    super::passes::finish(f.buffer_mut(), look.theme.mono, look.depth, look.ascii);
}

/// Runs the first-run screen; returns the new session, or None if the user
/// left (a terminating signal or a hang-up leaves too: nothing is created).
pub fn run(
    db: &Path,
    login: &str,
    clock: Box<dyn Clock>,
    look: &Look,
) -> Result<Option<Session>, String> {
    let mut guard = TerminalGuard::enter(false, look.depth).map_err(|e| e.to_string())?;
    let mut form = form();
    let mut clock = Some(clock);
    let mut input = Input::stdin();
    let mut events = std::collections::VecDeque::new();
    loop {
        let pending = signals::take();
        if pending.quit().is_some() {
            return Ok(None);
        }
        if pending.contains(libc::SIGTSTP) {
            guard.suspend().map_err(|e| e.to_string())?;
        } else if pending.contains(libc::SIGCONT) {
            guard.resume().map_err(|e| e.to_string())?;
        }
        let Some(ev) = events.pop_front() else {
            if let Err(e) = guard.terminal.draw(|f| draw(f, &mut form, look)) {
                if e.raw_os_error() == Some(libc::EIO) {
                    terminal::mark_gone();
                    return Ok(None);
                }
                return Err(e.to_string());
            }
            for incoming in input
                .wait(Duration::from_secs(60))
                .map_err(|e| e.to_string())?
            {
                match incoming {
                    Incoming::Event(ev) => events.push_back(ev),
                    Incoming::Notice(n) => form.error = Some(n),
                    Incoming::Hangup => {
                        terminal::mark_gone();
                        return Ok(None);
                    }
                }
            }
            continue;
        };
        let Event::Key(k) = ev else {
            if let Event::Paste(s) = ev {
                if let Some(cut) = form.paste(&s) {
                    form.error = Some(cut);
                }
            }
            continue;
        };
        if k.kind != KeyEventKind::Press {
            continue;
        }
        match k.code {
            KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => return Ok(None),
            KeyCode::Esc => return Ok(None),
            KeyCode::Tab => form.next_field(),
            KeyCode::BackTab => form.prev_field(),
            KeyCode::Enter => {
                if !form.validate_all() {
                    form.error = Some("fix the marked fields first".into());
                    continue;
                }
                let preset = crate::presets::load(&form.value(0))?;
                let admin = NewUser {
                    given: form.value(2),
                    family: form.value(3),
                    email: Some(form.value(4)),
                    login: Some(login.to_string()),
                    roles: vec![],
                    access_until: None,
                };
                let c = clock.take().ok_or("internal: clock used twice")?;
                match Session::init(db, login, c, &preset, &form.value(1), admin) {
                    Ok(s) => return Ok(Some(s)),
                    Err(e) => {
                        form.error = Some(e.to_string());
                        clock = Some(crate::cli::clock());
                    }
                }
            }
            _ => form.input(k),
        }
    }
}
