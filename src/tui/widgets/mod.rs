//! Widgets shared by the views: the windowed table, the permission grid,
//! forms, confirmation, help, palette, status bar.

pub mod confirm;
pub mod form;
pub mod grid;
pub mod help;
pub mod palette;
pub mod picker;
pub mod reason;
pub mod status;
pub mod table;
pub mod validators;

use ratatui::layout::{Constraint, Flex, Layout, Rect};

use crate::domain::text::is_unsafe_char;

/// Pasted text made fit for a one-line field with `room` characters left:
/// each line break (CR LF, CR or LF) and tab becomes a space, control and
/// format characters go. Returns the text and whether some was cut.
pub fn clean_paste(pasted: &str, room: usize) -> (String, bool) {
    let mut out = String::new();
    let mut n = 0;
    let mut chars = pasted.chars().peekable();
    while let Some(c) = chars.next() {
        let c = match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                ' '
            }
            '\n' | '\t' => ' ',
            c if is_unsafe_char(c) => continue,
            c => c,
        };
        if n == room {
            return (out, true);
        }
        out.push(c);
        n += 1;
    }
    (out, false)
}

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

#[cfg(test)]
mod paste_tests {
    use super::clean_paste;
    use super::form::{self, Field, Form};
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    #[test]
    fn line_breaks_become_spaces_and_control_characters_go() {
        assert_eq!(
            clean_paste("a\r\nb\rc\nd\te\u{1b}[31m\u{202e}f", 100),
            ("a b c d e[31mf".to_string(), false)
        );
        assert_eq!(clean_paste("abcdef", 3), ("abc".to_string(), true));
        assert_eq!(clean_paste("abc", 3), ("abc".to_string(), false));
    }

    #[test]
    fn a_field_takes_no_more_than_its_limit_pasted_or_typed() {
        let mut f = Form::new(
            "t",
            vec![
                Field::text("Name", "", "", form::required),
                Field::text("Notes", "", "", form::any).long(),
            ],
        );
        let big = "x".repeat(1_034_959);
        let said = f.paste(&big).expect("the cut is reported");
        assert!(said.contains("Name holds at most 200"), "{said}");
        assert_eq!(f.value(0).chars().count(), 200);
        f.input(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE));
        assert_eq!(f.value(0).chars().count(), 200, "typing stops at the limit");
        f.next_field();
        assert!(
            f.paste(&"z".repeat(2_000)).is_none(),
            "2,000 fit a long field"
        );
        assert!(f.paste("z").is_some());
        assert_eq!(f.value(1).chars().count(), 2_000);
    }
}
