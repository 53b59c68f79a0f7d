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
use super::keymap::{Action, Context, Key};
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

/// How the first-run screen ended.
pub enum Outcome {
    /// The organisation was created.
    Created(Box<Session>),
    /// The user left (esc, ctrl-c): nothing is created, exit 0.
    Left,
    /// A terminating signal (128 + its number) or a hang-up
    /// ([`super::EXIT_HANGUP`]): nothing is created, and the process exits
    /// with this status, as the app would.
    Ended(i32),
}

/// The form and what it asks the loop to do.
struct Screen<'a> {
    form: Form,
    look: &'a Look,
    db: &'a Path,
    login: &'a str,
    clock: Option<Box<dyn Clock>>,
    dirty: bool,
    redraw: bool,
    suspend: bool,
    done: Option<Outcome>,
}

impl Screen<'_> {
    fn on_event(&mut self, ev: Event) -> Result<(), String> {
        self.dirty = true;
        let k = match ev {
            Event::Key(k) if k.kind == KeyEventKind::Press => k,
            Event::Paste(s) => {
                if let Some(cut) = self.form.paste(&s) {
                    self.form.error = Some(cut);
                }
                return Ok(());
            }
            _ => return Ok(()),
        };
        // Job control and redrawing as in the app, by the same keymap rows.
        if let Some(key) = Key::from_event(&k) {
            match self.look.keymap.lookup(&[Context::Global], &key) {
                Some(Action::SuspendApp) => {
                    self.suspend = true;
                    return Ok(());
                }
                Some(Action::Redraw) => {
                    self.redraw = true;
                    return Ok(());
                }
                _ => {}
            }
        }
        match k.code {
            KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                self.done = Some(Outcome::Left)
            }
            KeyCode::Esc => self.done = Some(Outcome::Left),
            KeyCode::Tab => self.form.next_field(),
            KeyCode::BackTab => self.form.prev_field(),
            KeyCode::Enter => self.submit()?,
            _ => self.form.input(k),
        }
        Ok(())
    }

    fn submit(&mut self) -> Result<(), String> {
        let form = &mut self.form;
        if !form.validate_all() {
            form.error = Some("fix the marked fields first".into());
            return Ok(());
        }
        let preset = crate::presets::load(&form.value(0))?;
        let admin = NewUser {
            given: form.value(2),
            family: form.value(3),
            email: Some(form.value(4)),
            login: Some(self.login.to_string()),
            roles: vec![],
            access_until: None,
        };
        let c = self.clock.take().ok_or("internal: clock used twice")?;
        match Session::init(self.db, self.login, c, &preset, &form.value(1), admin) {
            Ok(s) => self.done = Some(Outcome::Created(Box::new(s))),
            Err(e) => {
                form.error = Some(e.to_string());
                self.clock = Some(crate::cli::clock());
            }
        }
        Ok(())
    }
}

/// Runs the first-run screen with the app's loop: signals between events
/// (a terminating signal or a hang-up ends it with the app's exit status;
/// ctrl-z and SIGTSTP suspend), all pending input handled, then one draw.
pub fn run(db: &Path, login: &str, clock: Box<dyn Clock>, look: &Look) -> Result<Outcome, String> {
    let mut guard = TerminalGuard::enter(false, look.depth).map_err(|e| e.to_string())?;
    let mut input = Input::stdin();
    let mut screen = Screen {
        form: form(),
        look,
        db,
        login,
        clock: Some(clock),
        dirty: true,
        redraw: false,
        suspend: false,
        done: None,
    };
    let mut pending = signals::take();
    loop {
        let suspend = std::mem::take(&mut screen.suspend);
        match super::on_signals(pending, &mut guard, suspend, true).map_err(|e| e.to_string())? {
            Err(code) => return Ok(Outcome::Ended(code)),
            Ok(redraw) => screen.dirty |= redraw,
        }
        if let Some(done) = screen.done.take() {
            return Ok(done);
        }
        if std::mem::take(&mut screen.redraw) {
            guard.redraw_all().map_err(|e| e.to_string())?;
            screen.dirty = true;
        }
        if screen.dirty {
            let (form, look) = (&mut screen.form, screen.look);
            if let Err(e) = guard.terminal.draw(|f| draw(f, form, look)) {
                if terminal::is_gone() || e.raw_os_error() == Some(libc::EIO) {
                    terminal::mark_gone();
                    return Ok(Outcome::Ended(super::EXIT_HANGUP));
                }
                return Err(e.to_string());
            }
            screen.dirty = false;
        }
        let batch = input
            .wait(Duration::from_secs(60))
            .map_err(|e| e.to_string())?;
        pending = signals::take();
        for incoming in batch {
            match incoming {
                Incoming::Event(ev) => screen.on_event(ev)?,
                Incoming::Notice(n) => {
                    screen.form.error = Some(n);
                    screen.dirty = true;
                }
                Incoming::Hangup => {
                    tracing::info!("the terminal hung up (end of input)");
                    terminal::mark_gone();
                    return Ok(Outcome::Ended(super::EXIT_HANGUP));
                }
            }
            pending = pending.union(signals::take());
            if screen.done.is_some() || screen.suspend || pending.quit().is_some() {
                break;
            }
        }
        pending = pending.union(signals::take());
    }
}
