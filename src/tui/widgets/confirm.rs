//! The confirm popup. It carries the exact command captured when it was
//! asked for; deleting asks for the short name to be typed. A confirmation
//! that commits a change has a reason field (tab moves to it and back),
//! sent with the command and kept in its audit entry.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::{centered, reason, Symbols};
use crate::domain::text::{is_unsafe_char, sanitize, MAX_TEXT};
use crate::tui::keymap::{Action, Context, Key, KeyName, Keymap};
use crate::tui::theme::Theme;

/// Where the keys go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmFocus {
    /// No text field: the confirm and cancel keys act (y, n, …).
    Keys,
    /// The short name being typed.
    Typed,
    /// The reason.
    Reason,
}

pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub danger: bool,
    /// When set, the user must type this text before confirming.
    pub expect: Option<String>,
    pub typed: String,
    /// The reason field, when the confirmation commits a change (None:
    /// nothing is committed, e.g. discarding edits).
    pub reason: Option<String>,
    /// The organisation requires the reason (every change needs one).
    pub reason_required: bool,
    pub focus: ConfirmFocus,
}

impl Confirm {
    pub fn new(title: &str, lines: Vec<String>, danger: bool) -> Confirm {
        Confirm {
            title: title.into(),
            lines,
            danger,
            expect: None,
            typed: String::new(),
            reason: None,
            reason_required: false,
            focus: ConfirmFocus::Keys,
        }
    }

    pub fn typed_confirmation(mut self, expect: &str) -> Confirm {
        self.expect = Some(expect.into());
        self.focus = ConfirmFocus::Typed;
        self
    }

    /// Adds the (optional) reason field.
    pub fn with_reason(mut self) -> Confirm {
        self.reason.get_or_insert_with(String::new);
        self
    }

    /// Adds the reason field, required.
    pub fn with_required_reason(mut self) -> Confirm {
        self.reason_required = true;
        self.with_reason()
    }

    /// A required reason is missing: confirming moves to the field instead.
    pub fn reason_missing(&self) -> bool {
        self.reason_required && self.reason_text().is_none()
    }

    /// Whether confirming is allowed now.
    pub fn ready(&self) -> bool {
        self.expect.as_ref().is_none_or(|e| *e == self.typed)
    }

    /// A text field has the keys: letters are text there, not y or n.
    pub fn text_focused(&self) -> bool {
        self.focus != ConfirmFocus::Keys
    }

    /// The reason given, if any.
    pub fn reason_text(&self) -> Option<String> {
        self.reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string)
    }

    /// Tab: to the reason field and back (to the typed name, or the keys).
    pub fn next_focus(&mut self) {
        if self.reason.is_none() {
            return;
        }
        self.focus = match self.focus {
            ConfirmFocus::Reason if self.expect.is_some() => ConfirmFocus::Typed,
            ConfirmFocus::Reason => ConfirmFocus::Keys,
            _ => ConfirmFocus::Reason,
        };
    }

    /// A character for the focused text field (control and format
    /// characters refused, at most `MAX_TEXT`, like every text field).
    pub fn type_char(&mut self, c: char) {
        let field = match self.focus {
            ConfirmFocus::Keys => return,
            ConfirmFocus::Typed => &mut self.typed,
            ConfirmFocus::Reason => match &mut self.reason {
                Some(r) => r,
                None => return,
            },
        };
        if !is_unsafe_char(c) && field.chars().count() < MAX_TEXT {
            field.push(c);
        }
    }

    /// ctrl-u: clears the focused text field (the line before the cursor,
    /// which is always at its end), as shells do.
    pub fn clear_field(&mut self) {
        match self.focus {
            ConfirmFocus::Keys => {}
            ConfirmFocus::Typed => self.typed.clear(),
            ConfirmFocus::Reason => {
                if let Some(r) = &mut self.reason {
                    r.clear();
                }
            }
        }
    }

    pub fn backspace(&mut self) {
        match self.focus {
            ConfirmFocus::Keys => {}
            ConfirmFocus::Typed => {
                self.typed.pop();
            }
            ConfirmFocus::Reason => {
                if let Some(r) = &mut self.reason {
                    r.pop();
                }
            }
        }
    }

    /// Room left in the focused text field.
    pub fn room(&self) -> usize {
        let used = match self.focus {
            ConfirmFocus::Keys => return 0,
            ConfirmFocus::Typed => self.typed.chars().count(),
            ConfirmFocus::Reason => self.reason.as_deref().map_or(0, |r| r.chars().count()),
        };
        MAX_TEXT.saturating_sub(used)
    }

    /// The keys that act now, from the keymap, with what they do. While a
    /// text field has the keys, keys that type text (y, n) are text and
    /// only the others (enter, esc, tab) act.
    pub fn hints(&self, keymap: &Keymap) -> Vec<(String, String)> {
        let text = self.text_focused();
        let keys = |a: Action| -> Option<String> {
            let b = keymap
                .bindings_for(&[Context::Confirm])
                .into_iter()
                .find(|b| b.action == a)?;
            let ks: Vec<String> = b
                .keys
                .iter()
                .filter(|k| !(text && types_text(k)))
                .map(|k| k.to_string())
                .collect();
            (!ks.is_empty()).then(|| ks.join("/"))
        };
        let mut out = Vec::new();
        if let Some(k) = keys(Action::Confirm) {
            out.push((k, "confirm".to_string()));
        }
        if let Some(k) = keys(Action::Cancel) {
            out.push((k, "cancel".to_string()));
        }
        if self.reason.is_some() {
            if let Some(k) = keys(Action::NextField) {
                let to = match self.focus {
                    ConfirmFocus::Reason if self.expect.is_some() => "back to the name",
                    ConfirmFocus::Reason => "leave the reason",
                    _ => "reason",
                };
                out.push((k, to.to_string()));
            }
        }
        out
    }

    pub fn render(&self, f: &mut Frame, area: Rect, keymap: &Keymap, theme: &Theme, sym: Symbols) {
        let h = self.lines.len() as u16
            + if self.expect.is_some() { 7 } else { 5 }
            + u16::from(self.reason.is_some());
        let r = centered(area, area.width.saturating_sub(6).min(72), h);
        f.render_widget(Clear, r);
        let style = if self.danger {
            theme.danger
        } else {
            theme.title
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(sym.border_set())
            .border_style(if self.danger {
                theme.danger
            } else {
                theme.border
            })
            .title(Span::styled(format!(" {} ", self.title), style));
        let mut text: Vec<Line> = self.lines.iter().map(|l| Line::from(sanitize(l))).collect();
        text.push(Line::from(""));
        let field_style = |focus: ConfirmFocus| {
            if self.focus == focus {
                theme.selected
            } else {
                theme.normal
            }
        };
        let cursor = |focus: ConfirmFocus| if self.focus == focus { "_" } else { "" };
        if let Some(e) = &self.expect {
            text.push(Line::from(format!("Type {} to confirm:", sanitize(e))));
            text.push(Line::styled(
                format!("> {}{}", sanitize(&self.typed), cursor(ConfirmFocus::Typed)),
                field_style(ConfirmFocus::Typed),
            ));
        }
        if let Some(reason) = &self.reason {
            let mark = if self.focus == ConfirmFocus::Reason {
                sym.selected()
            } else {
                ""
            };
            let line = if reason.is_empty() && self.focus != ConfirmFocus::Reason {
                Line::from(vec![
                    Span::raw(format!("{}: ", reason::LABEL)),
                    Span::styled(
                        if self.reason_required {
                            "(required)"
                        } else {
                            "(optional)"
                        },
                        theme.muted,
                    ),
                ])
            } else {
                Line::styled(
                    format!(
                        "{mark}{}: {}{}",
                        reason::LABEL,
                        sanitize(reason),
                        cursor(ConfirmFocus::Reason)
                    ),
                    field_style(ConfirmFocus::Reason),
                )
            };
            text.push(line);
        }
        let keys: Vec<String> = self
            .hints(keymap)
            .into_iter()
            .map(|(k, what)| match what.as_str() {
                "confirm" if !self.ready() => format!("type the name, then {k}"),
                _ => format!("{k}: {what}"),
            })
            .collect();
        text.push(Line::styled(keys.join("   "), theme.muted));
        f.render_widget(
            Paragraph::new(text).block(block).wrap(Wrap { trim: false }),
            r,
        );
    }
}

/// A key that types text in a text field (a character or space, without
/// ctrl or alt).
pub fn types_text(k: &Key) -> bool {
    !k.ctrl && !k.alt && matches!(k.code, KeyName::Char(_) | KeyName::Space)
}
