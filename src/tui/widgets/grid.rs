//! The permission grid: a frozen first column of row labels, and columns
//! (roles, areas, …) that scroll horizontally by themselves. ratatui's Table
//! cannot freeze a column, so the grid draws straight into the buffer, and it
//! asks for the text of the visible rows and columns only.
//!
//! Every cell carries its meaning in text — the level as a word, `*` for an
//! unsaved change, `▶` for the cursor — and in colour.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;

use super::Symbols;
use crate::tui::theme::Theme;

/// Cursor and scroll offsets of a grid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GridState {
    pub row: usize,
    pub col: usize,
    pub row_offset: usize,
    pub col_offset: usize,
}

impl GridState {
    pub fn clamp(&mut self, rows: usize, cols: usize) {
        self.row = self.row.min(rows.saturating_sub(1));
        self.col = self.col.min(cols.saturating_sub(1));
    }

    pub fn down(&mut self, rows: usize) {
        if self.row + 1 < rows {
            self.row += 1;
        }
    }

    pub fn up(&mut self) {
        self.row = self.row.saturating_sub(1);
    }

    pub fn right(&mut self, cols: usize) {
        if self.col + 1 < cols {
            self.col += 1;
        }
    }

    pub fn left(&mut self) {
        self.col = self.col.saturating_sub(1);
    }
}

/// What one cell shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridCell {
    pub text: String,
    pub style: Style,
    /// An unsaved change: drawn with `*` (and the caller's `changed` style).
    pub changed: bool,
}

/// The shape of a grid: how many rows, the widths of its columns, the width
/// of the frozen label column and its header.
pub struct GridSpec<'a> {
    pub rows: usize,
    /// Width of each scrolling column (including one blank separator).
    pub widths: &'a [u16],
    pub label_width: u16,
    /// Text over the label column.
    pub corner: &'a str,
    /// Header lines over the columns (1 or 2).
    pub header_lines: u16,
    /// Whether the grid has the keyboard focus (draws the cursor).
    pub focused: bool,
}

/// The rows and columns that were drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Visible {
    pub rows: (usize, usize),
    pub cols: (usize, usize),
}

/// Cuts `s` to at most `w` display columns, ending in an ellipsis when cut.
pub fn fit(s: &str, w: usize, sym: Symbols) -> String {
    if Span::raw(s).width() <= w {
        return s.to_string();
    }
    if w == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = Span::raw(c.to_string()).width();
        if used + cw > w.saturating_sub(1) {
            break;
        }
        out.push(c);
        used += cw;
    }
    out.push_str(sym.pick("…", "~"));
    out
}

/// Splits a header into at most two lines of `w` columns, breaking after a
/// space or a slash when one is near.
pub fn two_lines(s: &str, w: usize, sym: Symbols) -> (String, String) {
    let chars: Vec<char> = s.chars().collect();
    if Span::raw(s).width() <= w {
        return (s.to_string(), String::new());
    }
    // The last break point that leaves the first line within `w`.
    let mut cut = None;
    for (i, c) in chars.iter().enumerate() {
        if i >= w {
            break;
        }
        if *c == ' ' || *c == '/' || *c == '-' {
            cut = Some(i + 1);
        }
    }
    let cut = cut.filter(|c| *c > 1).unwrap_or(w.min(chars.len()));
    let first: String = chars[..cut]
        .iter()
        .collect::<String>()
        .trim_end()
        .to_string();
    let rest: String = chars[cut..].iter().collect::<String>().trim().to_string();
    (fit(&first, w, sym), fit(&rest, w, sym))
}

/// The first visible column so that `col` is visible and the columns from
/// the offset fill at most `avail` columns of the screen.
fn visible_cols(widths: &[u16], state: &mut GridState, avail: u16) -> (usize, usize) {
    let n = widths.len();
    if n == 0 {
        return (0, 0);
    }
    state.col = state.col.min(n - 1);
    if state.col < state.col_offset {
        state.col_offset = state.col;
    }
    let fits = |from: usize, to: usize| {
        widths[from..=to].iter().map(|w| *w as u32).sum::<u32>() <= avail as u32
    };
    while state.col_offset < state.col && !fits(state.col_offset, state.col) {
        state.col_offset += 1;
    }
    // Use spare room on the right to show earlier columns again.
    while state.col_offset > 0 && fits(state.col_offset - 1, n - 1) {
        state.col_offset -= 1;
    }
    let end = last_fitting(widths, state.col_offset, avail);
    (state.col_offset, (end + 1).max(state.col_offset + 1).min(n))
}

/// The last column that fits when starting at `from` (at least `from`).
fn last_fitting(widths: &[u16], from: usize, avail: u16) -> usize {
    let mut used = 0u32;
    let mut last = from;
    for (i, w) in widths.iter().enumerate().skip(from) {
        used += *w as u32;
        if used > avail as u32 {
            break;
        }
        last = i;
    }
    last
}

/// Draws a grid in `area` (no border: the caller's block is outside).
/// `header(col)` gives a column's title, `label(row)` the frozen first
/// column, `cell(row, col)` a cell; each is called for visible ones only.
#[allow(clippy::too_many_arguments)]
pub fn render_grid(
    buf: &mut Buffer,
    area: Rect,
    spec: &GridSpec,
    state: &mut GridState,
    theme: &Theme,
    sym: Symbols,
    header: impl Fn(usize) -> String,
    label: impl Fn(usize) -> (String, Style),
    cell: impl Fn(usize, usize) -> GridCell,
) -> Visible {
    let hl = spec.header_lines.clamp(1, 2);
    if area.height <= hl || area.width < 8 {
        return Visible::default();
    }
    let cols = spec.widths.len();
    state.clamp(spec.rows, cols);
    // The frozen column takes at most 30% of a narrow grid.
    let label_w = spec
        .label_width
        .min((area.width as u32 * 3 / 10).max(14) as u16)
        .min(area.width.saturating_sub(4));
    let avail = area.width.saturating_sub(label_w);
    let (c0, c1) = visible_cols(spec.widths, state, avail);
    // Rows window.
    let body_h = (area.height - hl) as usize;
    if state.row < state.row_offset {
        state.row_offset = state.row;
    } else if state.row >= state.row_offset + body_h {
        state.row_offset = state.row + 1 - body_h;
    }
    if state.row_offset + body_h > spec.rows {
        state.row_offset = spec.rows.saturating_sub(body_h);
    }
    let r0 = state.row_offset;
    let r1 = (r0 + body_h).min(spec.rows);
    let bar = sym.pick("│", "|");
    let marker = sym.selected().trim_end();

    // Header: the corner, then each visible column's title (two lines).
    buf.set_stringn(
        area.x,
        area.y,
        fit(spec.corner, label_w.saturating_sub(1) as usize, sym),
        label_w as usize,
        theme.muted,
    );
    let mut x = area.x + label_w;
    for c in c0..c1 {
        let w = spec.widths[c];
        let text_w = w.saturating_sub(2) as usize;
        let current = c == state.col;
        let style = if current { theme.selected } else { theme.title };
        let (a, b) = if hl == 2 {
            two_lines(&header(c), text_w, sym)
        } else {
            (fit(&header(c), text_w, sym), String::new())
        };
        let lead = if current { marker } else { " " };
        buf.set_stringn(
            x,
            area.y,
            format!("{lead}{a}"),
            w.saturating_sub(1) as usize,
            style,
        );
        if hl == 2 {
            buf.set_stringn(
                x,
                area.y + 1,
                format!(" {b}"),
                w.saturating_sub(1) as usize,
                style,
            );
        }
        x += w;
    }
    // More columns to the left or right: an arrow as well as the count in
    // the caller's title.
    if c0 > 0 {
        let (s, w) = (sym.pick("«", "<<"), if sym.ascii { 2 } else { 1 });
        let x = area.x + label_w.saturating_sub(1 + w);
        buf.set_string(x, area.y + hl - 1, s, theme.key);
    }
    if c1 < cols {
        let (s, w) = (sym.pick("»", ">>"), if sym.ascii { 2 } else { 1 });
        buf.set_string(
            area.right().saturating_sub(w),
            area.y + hl - 1,
            s,
            theme.key,
        );
    }
    for y in area.y..area.y + hl {
        buf.set_string(area.x + label_w.saturating_sub(1), y, bar, theme.border);
    }

    // Body.
    for (i, r) in (r0..r1).enumerate() {
        let y = area.y + hl + i as u16;
        let current_row = r == state.row;
        let (text, style) = label(r);
        let lead = if current_row && spec.focused {
            marker
        } else {
            " "
        };
        let lstyle = if current_row && spec.focused {
            theme.selected
        } else {
            style
        };
        buf.set_stringn(
            area.x,
            y,
            format!(
                "{lead}{}",
                fit(&text, label_w.saturating_sub(2) as usize, sym)
            ),
            label_w.saturating_sub(1) as usize,
            lstyle,
        );
        buf.set_string(area.x + label_w.saturating_sub(1), y, bar, theme.border);
        let mut x = area.x + label_w;
        for c in c0..c1 {
            let w = spec.widths[c];
            let cur = current_row && c == state.col && spec.focused;
            let gc = cell(r, c);
            let text_w = w.saturating_sub(3) as usize;
            let lead = if cur { marker } else { " " };
            let mark = if gc.changed { "*" } else { " " };
            let body = fit(&gc.text, text_w, sym);
            let pad = text_w.saturating_sub(Span::raw(body.as_str()).width());
            let s = format!("{lead}{body}{mark}{}", " ".repeat(pad));
            let st = if cur {
                theme.selected
            } else if gc.changed {
                theme.changed
            } else {
                gc.style
            };
            buf.set_stringn(x, y, s, w.saturating_sub(1) as usize, st);
            x += w;
        }
    }
    Visible {
        rows: (r0, r1),
        cols: (c0, c1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_scroll_to_keep_the_cursor_visible() {
        let widths = vec![10u16; 10];
        let mut s = GridState::default();
        assert_eq!(visible_cols(&widths, &mut s, 35), (0, 3));
        s.col = 5;
        assert_eq!(visible_cols(&widths, &mut s, 35), (3, 6));
        s.col = 9;
        assert_eq!(visible_cols(&widths, &mut s, 35), (7, 10));
        s.col = 0;
        assert_eq!(visible_cols(&widths, &mut s, 35), (0, 3));
        // Everything fits: no offset.
        s.col = 9;
        assert_eq!(visible_cols(&widths, &mut s, 200), (0, 10));
    }

    #[test]
    fn headers_break_at_spaces_and_slashes() {
        let sym = Symbols { ascii: false };
        assert_eq!(
            two_lines("Workshop technician", 11, sym),
            ("Workshop".into(), "technician".into())
        );
        assert_eq!(
            two_lines("Compliance/airworthiness", 11, sym),
            ("Compliance/".into(), "airworthin…".into())
        );
        assert_eq!(
            two_lines("Stores", 11, sym),
            ("Stores".into(), String::new())
        );
        assert_eq!(fit("own+students", 8, sym), "own+stu…");
        assert_eq!(fit("own+students", 8, Symbols { ascii: true }), "own+stu~");
    }
}
