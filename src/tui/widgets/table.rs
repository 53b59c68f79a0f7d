//! The windowed table: rows are built only for the visible window, and the
//! selection is marked with a symbol as well as a style. Every tab's table
//! declares its [`Column`]s (title, priority, least and most width):
//! [`render_columns`] sizes them from their content, drops the
//! lowest-priority ones only when the rest would not fit, and cuts a text
//! that is too long with an ellipsis "…".

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table};
use ratatui::Frame;

use super::Symbols;
use crate::tui::keymap::Action;

/// Selection and scroll offset of a list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListState {
    pub selected: usize,
    pub offset: usize,
    /// Where the table was last drawn (for a mouse click on a row).
    pub area: Rect,
}

impl ListState {
    /// The row at a screen position in the table last drawn (a click),
    /// if it is one of the `len` rows.
    pub fn row_at(&self, column: u16, row: u16, len: usize) -> Option<usize> {
        let a = self.area;
        // Inside the borders, below the header.
        let top = a.y + 2;
        if column <= a.x || column + 1 >= a.x + a.width || row < top || row + 1 >= a.y + a.height {
            return None;
        }
        let i = self.offset + (row - top) as usize;
        (i < len).then_some(i)
    }

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
    state.area = area;
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

/// One column of a table: its title, how much it matters (higher stays
/// longer when the table is narrow), and its least and most width. Its
/// width is its content's (and title's), within those bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub title: &'static str,
    pub priority: u8,
    pub min: u16,
    pub max: u16,
}

impl Column {
    pub const fn new(title: &'static str, priority: u8, min: u16, max: u16) -> Column {
        Column {
            title,
            priority,
            min,
            max,
        }
    }
}

/// The width of each column in `width` cells with `spacing` between
/// columns (None: dropped). `content[i]` is the widest text of column `i`.
/// Columns are dropped, lowest priority first (the rightmost of equals),
/// only while their least widths do not fit; the kept ones then grow
/// towards their content, highest priority first, and what is left goes
/// to the last kept column.
pub fn fit_columns(cols: &[Column], content: &[u16], width: u16, spacing: u16) -> Vec<Option<u16>> {
    let want: Vec<u16> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let title = Span::raw(c.title).width() as u16;
            content
                .get(i)
                .copied()
                .unwrap_or(0)
                .max(title)
                .clamp(c.min, c.max.max(c.min))
        })
        .collect();
    let mut kept: Vec<bool> = vec![true; cols.len()];
    let need = |kept: &[bool]| -> u32 {
        let n = kept.iter().filter(|k| **k).count() as u32;
        let mins: u32 = cols
            .iter()
            .zip(kept)
            .filter(|(_, k)| **k)
            .map(|(c, _)| c.min as u32)
            .sum();
        mins + n.saturating_sub(1) * spacing as u32
    };
    while need(&kept) > width as u32 {
        let drop = (0..cols.len())
            .filter(|i| kept[*i])
            .min_by_key(|i| (cols[*i].priority, std::cmp::Reverse(*i)));
        match drop {
            Some(i) => kept[i] = false,
            None => break,
        }
    }
    let mut w: Vec<u16> = cols.iter().map(|c| c.min).collect();
    let mut left = (width as u32).saturating_sub(need(&kept));
    let mut order: Vec<usize> = (0..cols.len()).filter(|i| kept[*i]).collect();
    order.sort_by_key(|i| (std::cmp::Reverse(cols[*i].priority), *i));
    for i in order {
        let grow = (want[i].saturating_sub(w[i]) as u32).min(left);
        w[i] += grow as u16;
        left -= grow;
    }
    if let Some(last) = (0..cols.len()).rev().find(|i| kept[*i]) {
        w[last] = w[last].saturating_add(left.min(u16::MAX as u32) as u16);
    }
    (0..cols.len()).map(|i| kept[i].then_some(w[i])).collect()
}

/// The line cut to `width` cells, ending in "…" when it was longer.
pub fn ellipsize(line: Line<'_>, width: u16) -> Line<'_> {
    let width = width as usize;
    if line.width() <= width {
        return line;
    }
    let room = width.saturating_sub(1);
    let mut used = 0;
    let mut spans: Vec<Span> = Vec::new();
    let mut buf = [0u8; 4];
    'outer: for span in line.spans.iter() {
        let mut text = String::new();
        for c in span.content.chars() {
            let cw = Span::raw(&*c.encode_utf8(&mut buf)).width();
            if used + cw > room {
                if !text.is_empty() {
                    spans.push(Span::styled(text, span.style));
                }
                break 'outer;
            }
            used += cw;
            text.push(c);
        }
        spans.push(Span::styled(text, span.style));
    }
    let last_style = line.spans.last().map(|s| s.style).unwrap_or_default();
    if width > 0 {
        spans.push(Span::styled("…", last_style));
    }
    let mut out = Line::from(spans).style(line.style);
    out.alignment = line.alignment;
    out
}

/// Parts (the sources of a permission) joined with ", " in lines of at
/// most `width` cells: broken between parts, and a part longer than a line
/// between its words (a word longer than a line is for [`ellipsize`]).
pub fn wrap_parts(sources: &[String], width: usize) -> Vec<String> {
    let fits = |t: &str| Span::raw(t).width() <= width;
    let mut out: Vec<String> = Vec::new();
    let n = sources.len();
    for (i, s) in sources.iter().enumerate() {
        let s = if i + 1 < n {
            format!("{s},")
        } else {
            s.clone()
        };
        match out.last_mut() {
            Some(last) if fits(&format!("{last} {s}")) => {
                last.push(' ');
                last.push_str(&s);
            }
            _ if fits(&s) => out.push(s),
            _ => {
                // Too long for a line of its own: by words.
                let mut cur = String::new();
                for word in s.split(' ') {
                    if cur.is_empty() {
                        cur = word.to_string();
                    } else if fits(&format!("{cur} {word}")) {
                        cur.push(' ');
                        cur.push_str(word);
                    } else {
                        out.push(std::mem::replace(&mut cur, word.to_string()));
                    }
                }
                out.push(cur);
            }
        }
    }
    if out.is_empty() {
        out.push(String::new());
    }
    out
}

/// How many rows of a table at most are measured for its column widths.
pub const MEASURE_LIMIT: usize = 1000;

/// The content widths of a table's columns, measured over its rows (at
/// most [`MEASURE_LIMIT`] of them, spread over the list) once per `key`
/// (a data version and what is listed), not every frame.
#[derive(Debug, Clone, Default)]
pub struct ColumnWidths {
    key: Option<(u64, usize)>,
    content: Vec<u16>,
}

impl ColumnWidths {
    /// Measures the rows again when `key` or the number of rows changed.
    pub fn measure<'a>(
        &mut self,
        key: u64,
        len: usize,
        cols: usize,
        mut row: impl FnMut(usize) -> Vec<Line<'a>>,
    ) -> &[u16] {
        if self.key != Some((key, len)) || self.content.len() != cols {
            let mut w = vec![0u16; cols];
            // A long list is measured on rows spread over it (a row wider
            // than them is cut with "…"): drawing stays cheap.
            let step = len.div_ceil(MEASURE_LIMIT).max(1);
            for i in (0..len).step_by(step) {
                for (c, l) in row(i).iter().enumerate().take(cols) {
                    w[c] = w[c].max(l.width().min(u16::MAX as usize) as u16);
                }
            }
            self.content = w;
            self.key = Some((key, len));
        }
        &self.content
    }

    /// Forget the measures (the listed rows changed).
    pub fn reset(&mut self) {
        self.key = None;
    }
}

/// A table of [`Column`]s: the widths fit the content and the area (see
/// [`fit_columns`]), the columns that do not fit are dropped, and each cell
/// is cut with "…". `row(i)` gives one line per column (all of them, the
/// dropped ones too); `key` says when the content changed (see
/// [`ColumnWidths`]). Rows are built for the visible window only, apart
/// from the measuring (once per change, of at most [`MEASURE_LIMIT`] rows).
#[allow(clippy::too_many_arguments)]
pub fn render_columns<'a>(
    f: &mut Frame,
    area: Rect,
    block: Block<'a>,
    cols: &[Column],
    widths: &mut ColumnWidths,
    key: u64,
    len: usize,
    state: &mut ListState,
    sym: Symbols,
    selected_style: Style,
    header_style: Style,
    mut row: impl FnMut(usize) -> Vec<Line<'a>>,
) {
    let content = widths.measure(key, len, cols.len(), &mut row).to_vec();
    // Inside the borders, after the selection mark and its space.
    let room = area.width.saturating_sub(2 + 2 + 1);
    let fit = fit_columns(cols, &content, room, 1);
    let shown: Vec<(usize, u16)> = fit
        .iter()
        .enumerate()
        .filter_map(|(i, w)| w.map(|w| (i, w)))
        .collect();
    let header: Vec<&'a str> = shown.iter().map(|(i, _)| cols[*i].title).collect();
    let constraints: Vec<Constraint> = shown.iter().map(|(_, w)| Constraint::Length(*w)).collect();
    render_windowed(
        f,
        area,
        block,
        header,
        &constraints,
        len,
        state,
        sym,
        selected_style,
        header_style,
        |i| {
            let mut lines: Vec<Option<Line<'a>>> = row(i).into_iter().map(Some).collect();
            shown
                .iter()
                .map(|(c, w)| {
                    let l = lines.get_mut(*c).and_then(Option::take).unwrap_or_default();
                    Cell::from(ellipsize(l, *w))
                })
                .collect()
        },
    );
}

#[cfg(test)]
#[path = "table_column_tests.rs"]
mod column_tests;

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;

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
        // ctrl-u clears the line, as shells do.
        KeyCode::Char('u')
            if key
                .modifiers
                .contains(ratatui::crossterm::event::KeyModifiers::CONTROL) =>
        {
            text.clear()
        }
        KeyCode::Down => return Some(FilterKey::Down),
        KeyCode::Up => return Some(FilterKey::Up),
        KeyCode::Char(c)
            if !crate::domain::text::is_unsafe_char(c)
                && !key.modifiers.intersects(
                    ratatui::crossterm::event::KeyModifiers::CONTROL
                        | ratatui::crossterm::event::KeyModifiers::ALT,
                )
                && text.chars().count() < FILTER_MAX =>
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

#[cfg(test)]
mod wrap_tests {
    use super::*;

    #[test]
    fn sources_wrap_between_sources_then_words() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            wrap_parts(&s(&["role A", "role B"]), 20),
            s(&["role A, role B"])
        );
        assert_eq!(
            wrap_parts(
                &s(&["role Workshop technician", "role Certifying staff"]),
                31
            ),
            s(&["role Workshop technician,", "role Certifying staff"])
        );
        assert_eq!(
            wrap_parts(
                &s(&[
                    "role Maintenance planner",
                    "personal grant (until 2026-03-12)"
                ]),
                26
            ),
            s(&[
                "role Maintenance planner,",
                "personal grant (until",
                "2026-03-12)"
            ])
        );
        assert_eq!(wrap_parts(&[], 10), s(&[""]));
    }
}
