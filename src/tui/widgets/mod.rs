//! Widgets shared by the views: the windowed table, the permission grid,
//! forms, confirmation, help, palette, status bar.

pub mod confirm;
pub mod form;
pub mod grid;
pub mod help;
pub mod palette;
pub mod status;
pub mod table;

use ratatui::layout::{Constraint, Flex, Layout, Rect};

/// A centred rectangle of at most `w`×`h` inside `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(h.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [r] = Layout::horizontal([Constraint::Length(w.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    r
}

/// Symbols with ASCII fallbacks for old terminals.
#[derive(Debug, Clone, Copy)]
pub struct Symbols {
    pub ascii: bool,
}

impl Symbols {
    pub fn pick(&self, unicode: &'static str, ascii: &'static str) -> &'static str {
        if self.ascii {
            ascii
        } else {
            unicode
        }
    }
    pub fn selected(&self) -> &'static str {
        self.pick("▶ ", "> ")
    }
    pub fn valid(&self) -> &'static str {
        self.pick("✓", "+")
    }
    pub fn expiring(&self) -> &'static str {
        "!"
    }
    pub fn expired(&self) -> &'static str {
        self.pick("✗", "x")
    }
    pub fn suspended(&self) -> &'static str {
        self.pick("⊘", "o")
    }
    pub fn changed(&self) -> &'static str {
        "*"
    }
    pub fn border_set(&self) -> ratatui::symbols::border::Set<'static> {
        if self.ascii {
            ASCII_BORDER
        } else {
            ratatui::symbols::border::PLAIN
        }
    }
}

pub const ASCII_BORDER: ratatui::symbols::border::Set<'static> = ratatui::symbols::border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};
