//! Kiosk mode at a workshop terminal: the sign-in screen (person and PIN),
//! and the state of who is signed in. Started from a registered terminal
//! account, the app shows this screen; after a sign-in it runs as that
//! person capped to self-service (the Me tab only); quitting or idling
//! signs out, audited, back to this screen — never back to the previous
//! person. Sign-in and sign-out go through the session's `kiosk_sign_in`
//! and `kiosk_sign_out`, which audit every attempt.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, Tab, Who};
use super::theme::Theme;
use super::views::me::MeView;
use super::widgets::status::Status;
use super::widgets::{centered, Symbols};
use crate::domain::text::{is_unsafe_char, sanitize};
use crate::domain::users::UserId;

/// Idle time before a kiosk signs out when the config sets no idle lock.
pub const DEFAULT_IDLE: std::time::Duration = std::time::Duration::from_secs(120);
/// The longest person or PIN typed.
const MAX_TYPED: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Field {
    #[default]
    Person,
    Pin,
}

/// The kiosk's state: who is signed in, and the sign-in form.
#[derive(Debug, Default)]
pub struct Kiosk {
    /// The person signed in (None: the sign-in screen shows).
    pub signed_in: Option<UserId>,
    pub person: String,
    pin: String,
    pub focus: Field,
    /// The last refusal or note (error: true for a refusal).
    pub message: Option<(String, bool)>,
    /// The help overlay is shown.
    pub help: bool,
}

/// What a key on the sign-in screen asks the app to do.
#[derive(Debug, PartialEq, Eq)]
pub enum SignInKey {
    None,
    /// Sign in with this person and PIN (the fields are cleared).
    SignIn(String, String),
    Quit,
}

impl Kiosk {
    /// Forgets everything typed (after a sign-in attempt or an idle time).
    pub fn clear(&mut self) {
        self.person.clear();
        self.pin.clear();
        self.focus = Field::Person;
        self.help = false;
    }

    /// Whether a PIN has been typed (its characters are never shown).
    pub fn pin_len(&self) -> usize {
        self.pin.chars().count()
    }

    /// A key on the sign-in screen.
    pub fn key(&mut self, k: KeyEvent) -> SignInKey {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(k.code, KeyCode::Char('c') | KeyCode::Char('q')) {
            return SignInKey::Quit;
        }
        if self.help {
            // Any key closes the help.
            self.help = false;
            return SignInKey::None;
        }
        match k.code {
            KeyCode::F(1) => self.help = true,
            // '?' is never part of a login or an email: help.
            KeyCode::Char('?') if self.focus == Field::Person => self.help = true,
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Down | KeyCode::Up => {
                self.focus = match self.focus {
                    Field::Person => Field::Pin,
                    Field::Pin => Field::Person,
                };
            }
            KeyCode::Esc => self.clear(),
            KeyCode::Enter => match self.focus {
                Field::Person if self.pin.is_empty() => self.focus = Field::Pin,
                _ => {
                    let person = std::mem::take(&mut self.person);
                    let pin = std::mem::take(&mut self.pin);
                    self.clear();
                    if person.trim().is_empty() || pin.is_empty() {
                        self.message = Some(("type who you are and your PIN".into(), true));
                        return SignInKey::None;
                    }
                    return SignInKey::SignIn(person.trim().to_string(), pin);
                }
            },
            KeyCode::Backspace => {
                self.field().pop();
            }
            KeyCode::Char(c) if !ctrl && !is_unsafe_char(c) => {
                let f = self.field();
                if f.chars().count() < MAX_TYPED {
                    f.push(c);
                }
            }
            _ => {}
        }
        SignInKey::None
    }

    fn field(&mut self) -> &mut String {
        match self.focus {
            Field::Person => &mut self.person,
            Field::Pin => &mut self.pin,
        }
    }

    /// Pasted text goes into the person field only (never a PIN).
    pub fn paste(&mut self, text: &str) {
        if self.focus == Field::Person {
            let clean: String = text
                .chars()
                .filter(|c| !is_unsafe_char(*c) && !c.is_whitespace())
                .take(MAX_TYPED)
                .collect();
            self.person.push_str(&clean);
        }
    }
}

/// What the sign-in screen shows besides the form.
pub struct Screen<'a> {
    pub organisation: &'a str,
    pub terminal: &'a str,
    pub theme: &'a Theme,
    pub sym: Symbols,
}

/// Draws the sign-in screen (and its help when asked for).
pub fn render(f: &mut Frame, area: Rect, k: &Kiosk, s: &Screen) {
    let t = s.theme;
    let r = centered(area, 64.min(area.width), 11.min(area.height));
    let sel = s.sym.selected();
    let blank = " ".repeat(sel.chars().count());
    let mark = |on: bool| if on { sel.to_string() } else { blank.clone() };
    let dots = if s.sym.ascii { "*" } else { "•" }.repeat(k.pin_len());
    let mut lines = vec![
        Line::styled(sanitize(s.organisation), t.title),
        Line::styled(
            format!("Workshop terminal {}", sanitize(s.terminal)),
            t.muted,
        ),
        Line::from(""),
        Line::from(format!(
            "{} Who are you (login or email): {}",
            mark(k.focus == Field::Person),
            sanitize(&k.person)
        )),
        Line::from(format!(
            "{} PIN:                          {dots}",
            mark(k.focus == Field::Pin)
        )),
        Line::from(""),
    ];
    match &k.message {
        Some((m, true)) => lines.push(Line::styled(sanitize(m), t.danger)),
        Some((m, false)) => lines.push(Line::styled(sanitize(m), t.normal)),
        None => lines.push(Line::from("")),
    }
    lines.push(Line::styled(
        "tab: next field · enter: sign in · esc: clear · ?: help",
        t.muted,
    ));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(s.sym.border_set())
        .border_style(t.border)
        .title(" Sign in ");
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        r,
    );
    if k.help {
        render_help(f, area, s);
    }
}

fn render_help(f: &mut Frame, area: Rect, s: &Screen) {
    let r = centered(area, 70.min(area.width), 16.min(area.height));
    let lines = vec![
        Line::styled("Signing in at a workshop terminal", s.theme.title),
        Line::from(""),
        Line::from("Type your login or email, then your kiosk PIN."),
        Line::from("  tab / ↑ ↓   next field        enter   sign in"),
        Line::from("  esc         clear the form    ctrl-c  close the app"),
        Line::from(""),
        Line::from("You see your own access, qualifications and authorizations,"),
        Line::from("and may check a signoff. Nothing can be changed here."),
        Line::from("Leaving? Press q: you are signed out. Idle, you are signed"),
        Line::from("out too. Five wrong PINs lock your sign-in for 15 minutes."),
        Line::from("No PIN yet? Run 'clearance pin set' from your own account."),
        Line::from(""),
        Line::styled("any key closes this help", s.theme.muted),
    ];
    let lines = if s.sym.ascii {
        lines
            .into_iter()
            .map(|l| {
                let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
                Line::styled(text.replace("↑ ↓", "up/down"), l.style)
            })
            .collect()
    } else {
        lines
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(s.sym.border_set())
        .border_style(s.theme.border)
        .title(" Help ");
    f.render_widget(Clear, r);
    f.render_widget(Paragraph::new(lines).block(block), r);
}

impl App {
    /// At a workshop terminal with nobody signed in: the sign-in screen.
    pub fn at_sign_in(&self) -> bool {
        self.kiosk.as_ref().is_some_and(|k| k.signed_in.is_none())
    }

    pub(super) fn sign_in_key(&mut self, k: KeyEvent) {
        let Some(kiosk) = self.kiosk.as_mut() else {
            return;
        };
        match kiosk.key(k) {
            SignInKey::None => {}
            SignInKey::Quit => self.quit = true,
            SignInKey::SignIn(person, pin) => self.kiosk_sign_in(&person, &pin),
        }
    }

    pub(super) fn sign_in_paste(&mut self, text: &str) {
        if let Some(k) = self.kiosk.as_mut() {
            k.paste(text);
        }
    }

    /// Signs a person in (audited, refused or not) and opens their Me tab.
    pub fn kiosk_sign_in(&mut self, person: &str, pin: &str) {
        let result = self.session.kiosk_sign_in(person, pin);
        let Some(kiosk) = self.kiosk.as_mut() else {
            return;
        };
        match result {
            Ok(signed) => {
                kiosk.signed_in = Some(signed.user);
                kiosk.message = None;
                self.who = Who {
                    operator: Some(signed.user),
                    acting_as: None,
                    kiosk: true,
                };
                self.me = MeView::default();
                self.popups.clear();
                self.tab = Tab::Me;
                self.version += 1;
                self.status = Some(Status {
                    text: format!("signed in as {}: q signs out", sanitize(&signed.name)),
                    error: false,
                });
            }
            Err(e) => {
                if e.is_fatal() {
                    self.fatal = Some(e.to_string());
                    self.quit = true;
                }
                kiosk.message = Some((e.to_string(), true));
            }
        }
    }

    /// Signs the person out (audited) back to the sign-in screen; at the
    /// sign-in screen, or outside kiosk mode, quits.
    pub fn quit_or_sign_out(&mut self) {
        if self.kiosk.as_ref().is_some_and(|k| k.signed_in.is_some()) {
            self.kiosk_sign_out(false);
        } else {
            self.quit = true;
        }
    }

    /// Idle at a terminal: signs out, and forgets anything half typed.
    pub(super) fn kiosk_idle(&mut self) {
        let was_signed_in = !self.at_sign_in();
        if let Some(k) = self.kiosk.as_mut() {
            k.clear();
            if !was_signed_in {
                // Idle at the sign-in screen: the last note goes too.
                k.message = None;
            }
        }
        self.kiosk_sign_out(true);
    }

    /// Signs the person signed in out (audited) and forgets them: the next
    /// person starts at the sign-in screen, never in the last one's session.
    pub fn kiosk_sign_out(&mut self, idle: bool) {
        let Some(user) = self.kiosk.as_mut().and_then(|k| k.signed_in.take()) else {
            return;
        };
        self.who = Who {
            operator: None,
            acting_as: None,
            kiosk: true,
        };
        self.me = MeView::default();
        self.popups.clear();
        self.status = None;
        self.version += 1;
        self.dirty = true;
        let note = match self.session.kiosk_sign_out(user, idle) {
            Ok(_) if idle => ("signed out after inactivity".to_string(), false),
            Ok(_) => ("signed out".to_string(), false),
            Err(e) => {
                if e.is_fatal() {
                    self.fatal = Some(e.to_string());
                    self.quit = true;
                }
                (
                    format!("signed out; the sign-out was not recorded: {e}"),
                    true,
                )
            }
        };
        if let Some(k) = self.kiosk.as_mut() {
            k.message = Some(note);
        }
    }

    /// Draws the sign-in screen.
    pub(super) fn draw_sign_in(&mut self, f: &mut Frame) {
        let org = self.session.org();
        let terminal = crate::domain::rules::kiosk::terminal(org, self.session.login())
            .map(|t| t.name.clone())
            .unwrap_or_else(|_| self.session.login().to_string());
        if let Some(k) = &self.kiosk {
            let screen = Screen {
                organisation: &org.settings.name,
                terminal: &terminal,
                theme: &self.theme,
                sym: self.sym,
            };
            render(f, f.area(), k, &screen);
        }
        self.finish(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(k: &mut Kiosk, code: KeyCode) -> SignInKey {
        k.key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn type_text(k: &mut Kiosk, s: &str) {
        for c in s.chars() {
            press(k, KeyCode::Char(c));
        }
    }

    #[test]
    fn kiosk_form_enter_moves_to_pin_then_signs_in_and_clears() {
        let mut k = Kiosk::default();
        type_text(&mut k, "tess");
        assert_eq!(press(&mut k, KeyCode::Enter), SignInKey::None);
        assert_eq!(k.focus, Field::Pin);
        type_text(&mut k, "24?617");
        assert_eq!(k.pin_len(), 6);
        assert_eq!(
            press(&mut k, KeyCode::Enter),
            SignInKey::SignIn("tess".into(), "24?617".into())
        );
        assert!(k.person.is_empty() && k.pin_len() == 0 && k.focus == Field::Person);
    }

    #[test]
    fn kiosk_form_question_mark_is_help_and_paste_never_reaches_the_pin() {
        let mut k = Kiosk::default();
        press(&mut k, KeyCode::Char('?'));
        assert!(k.help);
        press(&mut k, KeyCode::Char('x'));
        assert!(!k.help && k.person.is_empty());
        press(&mut k, KeyCode::Tab);
        k.paste("123456");
        assert_eq!(k.pin_len(), 0);
    }
}
