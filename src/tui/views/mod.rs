//! One file per tab.

pub mod audit;
pub mod authorizations;
pub mod grants;
pub(crate) mod impact;
pub mod me;
pub(crate) mod quals;
pub mod reviews;
pub mod roles;
pub mod users;

use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders};

use super::app::Cx;

/// The bordered block every pane uses.
pub fn pane<'a>(title: String, cx: &Cx, focused: bool) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_set(cx.sym.border_set())
        .border_style(if focused {
            cx.theme.title
        } else {
            cx.theme.border
        })
        .title(Span::styled(format!(" {title} "), cx.theme.title))
}

/// Splits a body into a list and a detail pane: side by side when wide,
/// stacked when narrow.
pub fn split_detail(area: Rect) -> (Rect, Rect) {
    use ratatui::layout::{Constraint, Layout};
    if area.width >= 110 {
        let [a, b] = Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)])
            .areas(area);
        (a, b)
    } else {
        let [a, b] =
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
        (a, b)
    }
}
