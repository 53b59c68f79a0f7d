//! Popups: help, the palette, confirmations, forms and information, on
//! top of the views. Keys and pastes go to the top popup only; every popup
//! is drawn over the body, the top one last.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, Effect, Tab};
use super::keymap::{Action, Context, Key};
use super::widgets::centered;
use super::widgets::confirm::{types_text, Confirm, ConfirmFocus};
use super::widgets::form::Form;
use super::widgets::help::Help;
use super::widgets::palette::Palette;
use super::widgets::picker::{Listing, Picker};
use super::widgets::reason;
use super::widgets::status::Status;
use crate::domain::text::sanitize;
use crate::ops::Command;

pub enum Popup {
    Help(Help),
    Palette(Palette),
    /// The confirmation and the exact effect captured when it was asked for.
    Confirm(Confirm, Box<Effect>),
    /// A form owned by a tab; `tag` says which of the tab's forms it is.
    Form(Form, Tab, u32),
    /// Information shown once (e.g. an invitation code).
    Info(String, Vec<String>),
    /// A fuzzy picker (the permission `who` lists the holders of).
    Pick(Picker),
    /// Rows to read (who holds a permission).
    List(Listing),
}

impl App {
    /// Opens a popup on top. A confirmation that commits a change offers
    /// a reason.
    pub(super) fn open(&mut self, p: Popup) {
        match p {
            Popup::Confirm(c, effect) if commits(&effect) => {
                let c = if self.session.org().settings.reason_required {
                    c.with_required_reason()
                } else {
                    c.with_reason()
                };
                self.popups.push(Popup::Confirm(c, effect))
            }
            Popup::Form(mut form, tab, tag) => {
                if self.session.org().settings.reason_required {
                    form.require_reason();
                }
                self.popups.push(Popup::Form(form, tab, tag))
            }
            p => self.popups.push(p),
        }
    }

    /// A key for the top popup.
    pub(super) fn popup_key(&mut self, k: KeyEvent, key: Key) -> Effect {
        let keymap = &self.keymap;
        match self.popups.last_mut() {
            None => Effect::None,
            Some(Popup::Help(h)) => match keymap.lookup(&[Context::Help], &key) {
                Some(Action::Cancel) => Effect::Close,
                _ => {
                    match k.code {
                        KeyCode::Backspace => {
                            h.filter.pop();
                        }
                        KeyCode::Down => h.scroll += 1,
                        KeyCode::Up => h.scroll = h.scroll.saturating_sub(1),
                        KeyCode::Char(c) if !c.is_control() => h.filter.push(c),
                        _ => {}
                    }
                    Effect::None
                }
            },
            Some(Popup::Palette(p)) => match keymap.lookup(&[Context::Palette], &key) {
                Some(Action::Cancel) => Effect::Close,
                Some(Action::SelectNext) => {
                    p.selected = (p.selected + 1).min(p.matches().len().saturating_sub(1));
                    Effect::None
                }
                Some(Action::SelectPrev) => {
                    p.selected = p.selected.saturating_sub(1);
                    Effect::None
                }
                Some(Action::Submit) => {
                    let chosen = p.matches().get(p.selected).cloned();
                    self.popups.pop();
                    if let Some(item) = chosen {
                        self.run_item(item);
                    }
                    Effect::None
                }
                _ => {
                    match k.code {
                        KeyCode::Backspace => {
                            p.query.pop();
                        }
                        KeyCode::Char('u') if key.ctrl => p.query.clear(),
                        KeyCode::Char(c) if !c.is_control() && !key.ctrl => p.query.push(c),
                        _ => {}
                    }
                    p.selected = 0;
                    Effect::None
                }
            },
            Some(Popup::Confirm(c, _)) => {
                // In a text field (the typed name, the reason) keys that
                // type text are text: only the others act (enter, esc, tab).
                let action = keymap
                    .lookup(&[Context::Confirm], &key)
                    .filter(|_| !(c.text_focused() && types_text(&key)));
                match action {
                    Some(Action::Confirm) if c.ready() && c.reason_missing() => {
                        c.focus = ConfirmFocus::Reason;
                        self.status = Some(Status {
                            text: format!(
                                "{}: fill in {}; nothing was sent",
                                reason::ORGANISATION_NEEDS,
                                reason::LABEL
                            ),
                            error: true,
                        });
                        Effect::None
                    }
                    Some(Action::Confirm) if c.ready() => self.confirmed(),
                    Some(Action::Cancel) => Effect::Close,
                    Some(Action::NextField) => {
                        c.next_focus();
                        Effect::None
                    }
                    Some(_) => Effect::None,
                    None => {
                        match k.code {
                            KeyCode::Backspace => c.backspace(),
                            KeyCode::Char('u') if key.ctrl => c.clear_field(),
                            KeyCode::Char(ch)
                                if !k
                                    .modifiers
                                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
                            {
                                c.type_char(ch)
                            }
                            _ => {}
                        }
                        Effect::None
                    }
                }
            }
            Some(Popup::Pick(_) | Popup::List(_)) => self.pick_key(k, key),
            Some(Popup::Info(..)) => match k.code {
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => Effect::Close,
                _ => Effect::None,
            },
            Some(Popup::Form(form, _, _)) => match keymap.lookup(&[Context::Form], &key) {
                Some(Action::NextField) => {
                    form.next_field();
                    Effect::None
                }
                Some(Action::PrevField) => {
                    form.prev_field();
                    Effect::None
                }
                Some(Action::Cancel) => {
                    if form.changed() {
                        let c = Confirm::new(
                            "Discard?",
                            vec!["Discard the changes in this form?".into()],
                            false,
                        );
                        Effect::Open(Popup::Confirm(c, Box::new(Effect::Close)))
                    } else {
                        Effect::Close
                    }
                }
                Some(Action::Submit) => self.submit_form(),
                _ => {
                    form.input(k);
                    Effect::None
                }
            },
        }
    }

    fn confirmed(&mut self) -> Effect {
        match self.popups.pop() {
            Some(Popup::Confirm(c, effect)) => {
                // A confirmed "close" closes what the confirmation was about.
                if matches!(*effect, Effect::Close) {
                    self.popups.pop();
                    return Effect::None;
                }
                with_reason(*effect, c.reason_text())
            }
            _ => Effect::None,
        }
    }

    fn submit_form(&mut self) -> Effect {
        let Some(Popup::Form(form, tab, tag)) = self.popups.last_mut() else {
            return Effect::None;
        };
        if !form.validate_all() {
            // A required reason is refused here, before anything is sent.
            form.refuse();
            return Effect::None;
        }
        let (tab, tag) = (*tab, *tag);
        let Some(Popup::Form(form, _, _)) = self.popups.pop() else {
            return Effect::None;
        };
        let reason = form.reason();
        let result = self
            .with_view(tab, |view, cx| view.submit(tag, &form, cx))
            .map(|r| r.map(|effect| with_reason(effect, reason)));
        // The form stays on top until its command succeeds.
        self.popups.push(Popup::Form(form, tab, tag));
        let Some(result) = result else {
            // The session ended: the app shows why and only quits.
            return Effect::None;
        };
        match result {
            Ok(Effect::Run(cmd)) => {
                match self.execute(cmd) {
                    Ok(()) => {
                        self.popups.pop();
                    }
                    Err(msg) => {
                        if let Some(Popup::Form(f, _, _)) = self.popups.last_mut() {
                            f.error = Some(msg);
                        }
                    }
                }
                Effect::None
            }
            Ok(other) => {
                self.popups.pop();
                other
            }
            Err(msg) => {
                if let Some(Popup::Form(f, _, _)) = self.popups.last_mut() {
                    f.error = Some(msg);
                }
                Effect::None
            }
        }
    }

    pub(super) fn on_paste(&mut self, text: &str) {
        self.dirty = true;
        // Pasted text goes into the focused text field only; anywhere else it
        // is dropped, so a paste can never run as commands.
        match self.popups.last_mut() {
            Some(Popup::Form(f, _, _)) => {
                if let Some(cut) = f.paste(text) {
                    self.status = Some(Status {
                        text: cut,
                        error: true,
                    });
                }
            }
            Some(Popup::Confirm(c, _)) if c.text_focused() => {
                // Into the focused field (the typed name or the reason),
                // cleaned and cut at its limit.
                let (clean, cut) = super::widgets::clean_paste(text, c.room());
                for ch in clean.chars() {
                    c.type_char(ch);
                }
                if cut {
                    self.status = Some(Status {
                        text: format!(
                            "paste cut: the field holds at most {} characters",
                            crate::domain::text::MAX_TEXT
                        ),
                        error: true,
                    });
                }
            }
            Some(_) => {}
            None => {
                let tab = self.tab;
                if !self.view(tab).paste(text) {
                    self.status = Some(Status {
                        text: "paste ignored: no text field has focus".into(),
                        error: false,
                    });
                }
            }
        }
    }

    /// Draws every popup over the body, the top one last.
    pub(super) fn draw_popups(&mut self, f: &mut Frame, body: Rect) {
        for i in 0..self.popups.len() {
            let theme = &self.theme;
            let sym = self.sym;
            match &mut self.popups[i] {
                Popup::Help(h) => h.render(f, body, &self.keymap, theme, sym),
                Popup::Palette(p) => p.render(f, body, theme, sym),
                Popup::Pick(p) => p.render(f, body, theme, sym),
                Popup::List(l) => l.render(f, body, theme, sym),
                Popup::Confirm(c, _) => c.render(f, body, &self.keymap, theme, sym),
                Popup::Form(form, _, _) => form.render(f, body, theme, sym),
                Popup::Info(title, lines) => {
                    // Long lines wrap (a signoff answer's fix must not be
                    // cut off); a wrapped line may need one row more than
                    // its length alone says, as words move down whole.
                    let w = body.width.saturating_sub(6).min(72);
                    let inner = w.saturating_sub(2).max(1) as usize;
                    let rows: usize = lines
                        .iter()
                        .map(|l| match sanitize(l).chars().count() {
                            n if n <= inner => 1,
                            n => n.div_ceil(inner) + 1,
                        })
                        .sum();
                    let r = centered(body, w, (rows as u16).saturating_add(4));
                    f.render_widget(Clear, r);
                    let block = Block::default()
                        .borders(Borders::ALL)
                        .border_set(sym.border_set())
                        .border_style(theme.border)
                        .title(Span::styled(format!(" {title} "), theme.title));
                    let mut text: Vec<Line> =
                        lines.iter().map(|l| Line::from(sanitize(l))).collect();
                    text.push(Line::styled("enter/esc: close", theme.muted));
                    f.render_widget(
                        Paragraph::new(text).block(block).wrap(Wrap { trim: false }),
                        r,
                    );
                }
            }
        }
    }
}

/// Whether an effect commits a change (a confirmation of it then offers a
/// reason field).
fn commits(effect: &Effect) -> bool {
    matches!(effect, Effect::Run(_) | Effect::RunThen(..))
}

/// The effect with its command sent with `reason` (`Command::Reasoned`, as
/// `--reason` does): the one write path records it in the audit entry.
pub(super) fn with_reason(effect: Effect, reason: Option<String>) -> Effect {
    let Some(reason) = reason else {
        return effect;
    };
    let wrap = |command| Command::Reasoned {
        reason,
        command: Box::new(command),
    };
    match effect {
        Effect::Run(cmd) => Effect::Run(wrap(cmd)),
        Effect::RunThen(cmd, next) => Effect::RunThen(wrap(cmd), next),
        other => other,
    }
}
