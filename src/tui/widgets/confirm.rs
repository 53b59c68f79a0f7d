//! The confirm popup. It carries the exact command captured when it was
//! asked for; deleting asks for the short name to be typed.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::{centered, Symbols};
use crate::domain::text::{is_unsafe_char, sanitize};
use crate::tui::theme::Theme;

pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub danger: bool,
    /// When set, the user must type this text before confirming.
    pub expect: Option<String>,
    pub typed: String,
}

impl Confirm {
    pub fn new(title: &str, lines: Vec<String>, danger: bool) -> Confirm {
        Confirm {
            title: title.into(),
            lines,
            danger,
            expect: None,
            typed: String::new(),
        }
    }

    pub fn typed_confirmation(mut self, expect: &str) -> Confirm {
        self.expect = Some(expect.into());
        self
    }

    /// Whether confirming is allowed now.
    pub fn ready(&self) -> bool {
        self.expect.as_ref().is_none_or(|e| *e == self.typed)
    }

    pub fn type_char(&mut self, c: char) {
        if !is_unsafe_char(c) && self.typed.chars().count() < 200 {
            self.typed.push(c);
        }
    }

    pub fn backspace(&mut self) {
        self.typed.pop();
    }

    pub fn render(&self, f: &mut Frame, area: Rect, theme: &Theme, sym: Symbols) {
        let h = self.lines.len() as u16 + if self.expect.is_some() { 7 } else { 5 };
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
        if let Some(e) = &self.expect {
            text.push(Line::from(format!("Type {} to confirm:", sanitize(e))));
            text.push(Line::styled(
                format!("> {}_", sanitize(&self.typed)),
                theme.selected,
            ));
        }
        let keys = if self.ready() {
            "y/enter: confirm   n/esc: cancel"
        } else {
            "type the name, then enter   esc: cancel"
        };
        text.push(Line::styled(keys, theme.muted));
        f.render_widget(
            Paragraph::new(text).block(block).wrap(Wrap { trim: false }),
            r,
        );
    }
}
