//! The `?` help: every binding of the current view, generated from the
//! keymap, filterable by typing.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::{centered, Symbols};
use crate::tui::keymap::{Action, Context, Keymap};
use crate::tui::theme::Theme;

pub struct Help {
    pub chain: Vec<Context>,
    /// Actions hidden in this view (no permission).
    pub hidden: Vec<Action>,
    pub filter: String,
    pub scroll: usize,
}

impl Help {
    pub fn lines(&self, keymap: &Keymap) -> Vec<(String, String, &'static str)> {
        let f = self.filter.to_lowercase();
        keymap
            .bindings_for(&self.chain)
            .into_iter()
            .filter(|b| !self.hidden.contains(&b.action))
            .map(|b| {
                let keys = b
                    .keys
                    .iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join(" ");
                (keys, b.description.clone(), b.context.name())
            })
            .filter(|(k, d, c)| {
                f.is_empty() || d.to_lowercase().contains(&f) || k.contains(&f) || c.contains(&f)
            })
            .collect()
    }

    pub fn render(&self, f: &mut Frame, area: Rect, keymap: &Keymap, theme: &Theme, sym: Symbols) {
        let r = centered(
            area,
            area.width.saturating_sub(4).min(78),
            area.height.saturating_sub(2),
        );
        f.render_widget(Clear, r);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(sym.border_set())
            .border_style(theme.border)
            .title(Span::styled(
                " Help — type to filter, esc to close ",
                theme.title,
            ));
        let inner_h = r.height.saturating_sub(3) as usize;
        let mut text = vec![Line::from(vec![
            Span::styled("filter: ", theme.muted),
            Span::raw(self.filter.clone()),
            Span::styled("_", theme.muted),
        ])];
        let lines = self.lines(keymap);
        let scroll = self.scroll.min(lines.len().saturating_sub(1));
        for (keys, desc, ctx) in lines.iter().skip(scroll).take(inner_h) {
            text.push(Line::from(vec![
                Span::styled(format!("{keys:<16}"), theme.key),
                Span::raw(format!("{desc:<44}")),
                Span::styled(*ctx, theme.muted),
            ]));
        }
        if lines.is_empty() {
            text.push(Line::styled("no binding matches", theme.muted));
        }
        f.render_widget(Paragraph::new(text).block(block), r);
    }
}
