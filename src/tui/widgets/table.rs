//! The windowed table: rows are built only for the visible window, and the
//! selection is marked with a symbol as well as a style.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Row, Table};
use ratatui::Frame;

use super::Symbols;
use crate::tui::keymap::Action;

/// Selection and scroll offset of a list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListState {
    pub selected: usize,
    pub offset: usize,
}

impl ListState {
    pub fn clamp(&mut self, len: usize) {
        if len == 0 {
            self.selected = 0;
            self.offset = 0;
        } else if self.selected >= len {
            self.selected = len - 1;
        }
    }

    pub fn next(&mut self, len: usize) {
        if len > 0 && self.selected + 1 < len {
            self.selected += 1;
        }
    }

    pub fn prev(&mut self) {
        self.selected = self.selected.saturating_sub(1);
    }

    pub fn page_down(&mut self, len: usize, page: usize) {
        if len > 0 {
            self.selected = (self.selected + page.max(1)).min(len - 1);
        }
    }

    pub fn page_up(&mut self, page: usize) {
        self.selected = self.selected.saturating_sub(page.max(1));
    }

    pub fn first(&mut self) {
        self.selected = 0;
    }

    pub fn last(&mut self, len: usize) {
        self.selected = len.saturating_sub(1);
    }

    /// Moves the selection for a list action — down, up, a page of `page`
    /// rows either way, first, last — in a list of `len` rows. Returns
    /// false, leaving the selection alone, for any other action.
    pub fn navigate(&mut self, action: Action, len: usize, page: usize) -> bool {
        match action {
            Action::SelectNext => self.next(len),
            Action::SelectPrev => self.prev(),
            Action::PageDown => self.page_down(len, page),
            Action::PageUp => self.page_up(page),
            Action::First => self.first(),
            Action::Last => self.last(len),
            _ => return false,
        }
        true
    }

    /// Adjusts the offset so the selection is visible in `height` rows and
    /// returns the visible range.
    pub fn window(&mut self, len: usize, height: usize) -> std::ops::Range<usize> {
        self.clamp(len);
        let h = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + h {
            self.offset = self.selected + 1 - h;
        }
        if self.offset + h > len {
            self.offset = len.saturating_sub(h);
        }
        self.offset..(self.offset + h).min(len)
    }
}

/// Renders a table whose rows come from `row(i)` for the visible window only.
#[allow(clippy::too_many_arguments)]
pub fn render_windowed<'a>(
    f: &mut Frame,
    area: Rect,
    block: Block<'a>,
    header: Vec<&'a str>,
    widths: &[Constraint],
    len: usize,
    state: &mut ListState,
    sym: Symbols,
    selected_style: Style,
    header_style: Style,
    mut row: impl FnMut(usize) -> Vec<Cell<'a>>,
) {
    let inner_h = area.height.saturating_sub(3) as usize; // borders + header
    let range = state.window(len, inner_h);
    let rows: Vec<Row> = range
        .map(|i| {
            let mut cells = vec![Cell::from(if i == state.selected {
                sym.selected()
            } else {
                "  "
            })];
            cells.extend(row(i));
            let r = Row::new(cells);
            if i == state.selected {
                r.style(selected_style)
            } else {
                r
            }
        })
        .collect();
    let mut w = vec![Constraint::Length(2)];
    w.extend_from_slice(widths);
    let mut head = vec![Cell::from("")];
    head.extend(header.into_iter().map(Cell::from));
    let table = Table::new(rows, w)
        .header(Row::new(head).style(header_style))
        .block(block)
        .column_spacing(1);
    f.render_widget(table, area);
    if len == 0 {
        let msg = Rect {
            x: area.x + 2,
            y: area.y + 2,
            width: area.width.saturating_sub(4),
            height: 1,
        };
        if msg.height > 0 && area.height > 3 {
            f.render_widget(Line::from("nothing to show"), msg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_follows_the_selection() {
        let mut s = ListState::default();
        assert_eq!(s.window(100, 10), 0..10);
        s.selected = 15;
        assert_eq!(s.window(100, 10), 6..16);
        s.selected = 3;
        assert_eq!(s.window(100, 10), 3..13);
        s.last(100);
        assert_eq!(s.window(100, 10), 90..100);
        assert_eq!(s.window(5, 10), 0..5);
        assert_eq!(s.selected, 4);
        assert_eq!(s.window(0, 10), 0..0);
    }

    #[test]
    fn navigate_moves_for_list_actions_only() {
        let mut s = ListState::default();
        assert!(s.navigate(Action::SelectNext, 20, 5));
        assert_eq!(s.selected, 1);
        assert!(s.navigate(Action::PageDown, 20, 5));
        assert_eq!(s.selected, 6);
        assert!(s.navigate(Action::Last, 20, 5));
        assert_eq!(s.selected, 19);
        assert!(s.navigate(Action::SelectNext, 20, 5));
        assert_eq!(s.selected, 19, "stops at the last row");
        assert!(s.navigate(Action::PageUp, 20, 5));
        assert_eq!(s.selected, 14);
        assert!(s.navigate(Action::SelectPrev, 20, 5));
        assert_eq!(s.selected, 13);
        assert!(s.navigate(Action::First, 20, 5));
        assert_eq!(s.selected, 0);
        // A page of 0 rows (not yet drawn) still moves by one.
        assert!(s.navigate(Action::PageDown, 20, 0));
        assert_eq!(s.selected, 1);
        // Other actions are not navigation and change nothing.
        assert!(!s.navigate(Action::Open, 20, 5));
        assert!(!s.navigate(Action::GridDown, 20, 5));
        assert_eq!(s.selected, 1);
        // An empty list stays at 0.
        let mut e = ListState::default();
        assert!(e.navigate(Action::SelectNext, 0, 5));
        assert!(e.navigate(Action::Last, 0, 5));
        assert_eq!(e.selected, 0);
    }
}

/// What a key did to a list's filter while it was being typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKey {
    /// The text changed: start again at the best match.
    Changed,
    /// ↓ / ↑: move within the matches.
    Down,
    Up,
    /// Kept or ignored.
    Other,
}

/// The longest filter text, in characters.
pub const FILTER_MAX: usize = 100;

/// Typing into a list's filter (`/`): characters, backspace, enter keeps it,
/// esc clears it. Control and format characters are refused. Returns None
/// when the filter is not being typed (the key is not the filter's).
pub fn filter_key(
    text: &mut String,
    active: &mut bool,
    key: ratatui::crossterm::event::KeyEvent,
) -> Option<FilterKey> {
    use ratatui::crossterm::event::KeyCode;
    if !*active {
        return None;
    }
    let before = text.len();
    match key.code {
        KeyCode::Esc => {
            text.clear();
            *active = false;
        }
        KeyCode::Enter => *active = false,
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Down => return Some(FilterKey::Down),
        KeyCode::Up => return Some(FilterKey::Up),
        KeyCode::Char(c)
            if !crate::domain::text::is_unsafe_char(c) && text.chars().count() < FILTER_MAX =>
        {
            text.push(c)
        }
        _ => {}
    }
    Some(if text.len() != before {
        FilterKey::Changed
    } else {
        FilterKey::Other
    })
}

/// Pasted text goes into the filter while it is being typed, cleaned.
pub fn filter_paste(text: &mut String, active: bool, pasted: &str) -> bool {
    if !active {
        return false;
    }
    let room = FILTER_MAX.saturating_sub(text.chars().count());
    text.push_str(&super::clean_paste(pasted, room).0);
    true
}

#[cfg(test)]
mod filter_tests {
    use super::*;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn k(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn typing_a_filter_changes_moves_keeps_and_clears() {
        let (mut text, mut active) = (String::new(), false);
        assert_eq!(
            filter_key(&mut text, &mut active, k(KeyCode::Char('a'))),
            None
        );
        active = true;
        assert_eq!(
            filter_key(&mut text, &mut active, k(KeyCode::Char('a'))),
            Some(FilterKey::Changed)
        );
        assert_eq!(
            filter_key(&mut text, &mut active, k(KeyCode::Down)),
            Some(FilterKey::Down)
        );
        assert_eq!(
            filter_key(&mut text, &mut active, k(KeyCode::Char('\u{1b}'))),
            Some(FilterKey::Other)
        );
        assert_eq!(text, "a");
        assert_eq!(
            filter_key(&mut text, &mut active, k(KeyCode::Enter)),
            Some(FilterKey::Other)
        );
        assert!(!active);
        active = true;
        assert_eq!(
            filter_key(&mut text, &mut active, k(KeyCode::Esc)),
            Some(FilterKey::Changed)
        );
        assert!(!active && text.is_empty());
    }

    #[test]
    fn pasting_into_a_filter_is_cleaned_and_bounded() {
        let mut text = String::new();
        assert!(!filter_paste(&mut text, false, "x"));
        assert!(filter_paste(&mut text, true, "far\u{1b}[2Jouk"));
        assert_eq!(text, "far[2Jouk");
        filter_paste(&mut text, true, &"y".repeat(500));
        assert_eq!(text.chars().count(), FILTER_MAX);
    }
}
