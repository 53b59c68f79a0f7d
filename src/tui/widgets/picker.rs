//! Two small popups: a fuzzy picker over a list of texts (type to narrow,
//! ↑/↓ to move, enter to choose), and a scrollable listing of rows laid
//! out in [`Column`]s (what `who` answers).

use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::palette::fuzzy_rank;
use super::table::{ellipsize, fit_columns, wrap_parts, Column, FILTER_MAX};
use super::{centered, Symbols};
use crate::domain::text::{is_unsafe_char, sanitize};
use crate::tui::keymap::{Action, Context, Key, Keymap};
use crate::tui::theme::Theme;

/// What a picker is choosing for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickFor {
    /// The permission whose holders `who` lists.
    Who,
}

/// What a key did in a picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picked {
    Nothing,
    Cancel,
    Chosen(String),
}

pub struct Picker {
    pub title: String,
    pub purpose: PickFor,
    pub items: Vec<String>,
    pub query: String,
    pub selected: usize,
}

impl Picker {
    pub fn new(title: &str, purpose: PickFor, items: Vec<String>) -> Picker {
        Picker {
            title: title.into(),
            purpose,
            items,
            query: String::new(),
            selected: 0,
        }
    }

    /// The items matching the query, best first.
    pub fn matches(&self) -> Vec<&String> {
        if self.query.trim().is_empty() {
            return self.items.iter().collect();
        }
        fuzzy_rank(self.query.trim(), self.items.iter().collect(), |s| {
            s.as_str()
        })
    }

    /// A key (the palette's bindings: ↑ ↓ enter esc; anything else types).
    pub fn key(&mut self, k: KeyEvent, key: &Key, keymap: &Keymap) -> Picked {
        match keymap.lookup(&[Context::Palette], key) {
            Some(Action::Cancel) => Picked::Cancel,
            Some(Action::SelectNext) => {
                self.selected = (self.selected + 1).min(self.matches().len().saturating_sub(1));
                Picked::Nothing
            }
            Some(Action::SelectPrev) => {
                self.selected = self.selected.saturating_sub(1);
                Picked::Nothing
            }
            Some(Action::Submit) => match self.matches().get(self.selected) {
                Some(s) => Picked::Chosen((*s).clone()),
                None => Picked::Nothing,
            },
            _ => {
                match k.code {
                    KeyCode::Backspace => {
                        self.query.pop();
                    }
                    KeyCode::Char('u') if key.ctrl => self.query.clear(),
                    KeyCode::Char(c)
                        if !key.ctrl
                            && !is_unsafe_char(c)
                            && self.query.chars().count() < FILTER_MAX =>
                    {
                        self.query.push(c)
                    }
                    _ => return Picked::Nothing,
                }
                self.selected = 0;
                Picked::Nothing
            }
        }
    }

    pub fn render(&self, f: &mut Frame, area: Rect, theme: &Theme, sym: Symbols) {
        let r = centered(
            area,
            area.width.saturating_sub(8).min(60),
            area.height.saturating_sub(4).min(20),
        );
        f.render_widget(Clear, r);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(sym.border_set())
            .border_style(theme.border)
            .title(Span::styled(format!(" {} ", self.title), theme.title));
        let mut text = vec![Line::from(vec![
            Span::styled("> ", theme.key),
            Span::raw(sanitize(&self.query)),
            Span::styled("_", theme.muted),
        ])];
        let matches = self.matches();
        if matches.is_empty() {
            text.push(Line::styled(
                format!("nothing matches '{}'", sanitize(self.query.trim())),
                theme.muted,
            ));
        }
        let rows = r.height.saturating_sub(3) as usize;
        let skip = self.selected.saturating_sub(rows.saturating_sub(1));
        let w = r.width.saturating_sub(4);
        for (i, m) in matches.iter().enumerate().skip(skip).take(rows) {
            let sel = i == self.selected;
            let mut spans = vec![Span::raw(if sel { sym.selected() } else { "  " })];
            spans.extend(ellipsize(Line::from(sanitize(m)), w).spans);
            let line = Line::from(spans);
            text.push(if sel {
                line.style(theme.selected)
            } else {
                line
            });
        }
        f.render_widget(Paragraph::new(text).block(block), r);
    }
}

/// Rows in columns, scrolled with ↑/↓ (j/k), closed with esc, enter or q.
pub struct Listing {
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
    /// Lines under the rows (what is not listed, and why).
    pub notes: Vec<String>,
    pub scroll: usize,
}

impl Listing {
    /// A key; true when it closes the listing.
    pub fn key(&mut self, k: KeyEvent) -> bool {
        match k.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => return true,
            KeyCode::Down | KeyCode::Char('j') => {
                self.scroll = (self.scroll + 1).min(self.rows.len().saturating_sub(1))
            }
            KeyCode::Up | KeyCode::Char('k') => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::PageDown => {
                self.scroll = (self.scroll + 10).min(self.rows.len().saturating_sub(1))
            }
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::Home | KeyCode::Char('g') => self.scroll = 0,
            _ => {}
        }
        false
    }

    /// The lines as drawn in `width` cells: the header, the rows from the
    /// scroll position, then the notes.
    pub fn lines(&self, width: u16, theme: &Theme) -> Vec<Line<'static>> {
        let content: Vec<u16> = (0..self.columns.len())
            .map(|c| {
                self.rows
                    .iter()
                    .map(|r| r.get(c).map_or(0, |t| Span::raw(t.as_str()).width()))
                    .max()
                    .unwrap_or(0) as u16
            })
            .collect();
        let fit = fit_columns(&self.columns, &content, width, 1);
        let last = fit.iter().rposition(Option::is_some);
        // One row: its cells cut with "…", but the last column wraps at
        // words onto more lines (an expiry at its end is never cut off).
        let cells = |texts: Vec<String>| -> Vec<Line<'static>> {
            let mut lines: Vec<Line<'static>> = Vec::new();
            let mut spans: Vec<Span<'static>> = Vec::new();
            let mut indent = 0;
            for (c, w) in fit.iter().enumerate() {
                let Some(w) = *w else { continue };
                if !spans.is_empty() {
                    spans.push(Span::raw(" "));
                    indent += 1;
                }
                let t = texts.get(c).cloned().unwrap_or_default();
                if Some(c) == last {
                    // Parts end at "), " (each source of `who`).
                    let mut parts: Vec<String> = t.split("), ").map(|p| format!("{p})")).collect();
                    if let Some(l) = parts.last_mut() {
                        l.pop();
                    }
                    for (n, part) in wrap_parts(&parts, w as usize).into_iter().enumerate() {
                        if n > 0 {
                            let next = vec![Span::raw(" ".repeat(indent))];
                            lines.push(Line::from(std::mem::replace(&mut spans, next)));
                        }
                        spans.extend(ellipsize(Line::from(part), w).spans);
                    }
                    continue;
                }
                let cut = ellipsize(Line::from(t), w);
                let pad = (w as usize).saturating_sub(cut.width());
                spans.extend(cut.spans);
                spans.push(Span::raw(" ".repeat(pad)));
                indent += w as usize;
            }
            lines.push(Line::from(spans));
            lines
        };
        let header = self.columns.iter().map(|c| c.title.to_string()).collect();
        let mut out: Vec<Line<'static>> = cells(header)
            .into_iter()
            .map(|l| l.style(theme.muted))
            .collect();
        for r in self.rows.iter().skip(self.scroll) {
            out.extend(cells(r.iter().map(|t| sanitize(t)).collect()));
        }
        out.extend(
            self.notes
                .iter()
                .map(|n| Line::styled(sanitize(n), theme.muted)),
        );
        out
    }

    pub fn render(&self, f: &mut Frame, area: Rect, theme: &Theme, sym: Symbols) {
        let w = area.width.saturating_sub(4).min(116);
        let mut lines = self.lines(w.saturating_sub(2), theme);
        let h = (lines.len() + 3).min(area.height as usize) as u16;
        let r = centered(area, w, h.max(5));
        f.render_widget(Clear, r);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(sym.border_set())
            .border_style(theme.border)
            .title(Span::styled(format!(" {} ", self.title), theme.title));
        let room = r.height.saturating_sub(3) as usize;
        lines.truncate(room);
        lines.push(Line::styled("↑/↓ scroll   enter/esc: close", theme.muted));
        f.render_widget(Paragraph::new(lines).block(block), r);
    }
}
