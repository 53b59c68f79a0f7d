//! The footer: the 3–5 keys that matter now, from the keymap, and a status
//! line for results and errors.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::domain::text::sanitize;
use crate::tui::keymap::{Action, Context, Keymap};
use crate::tui::theme::Theme;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

/// Renders the key hints for `actions` (in that order, skipping unbound ones).
pub fn render_hints(
    f: &mut Frame,
    area: Rect,
    keymap: &Keymap,
    chain: &[Context],
    actions: &[Action],
    theme: &Theme,
    badge: Option<&str>,
) {
    let mut pairs = Vec::new();
    for a in actions {
        if let Some(b) = keymap
            .bindings_for(chain)
            .into_iter()
            .find(|b| b.action == *a)
        {
            let k = b.keys.first().map(|k| k.to_string()).unwrap_or_default();
            let short = b
                .description
                .split([' ', ':', '('])
                .next()
                .unwrap_or("")
                .to_lowercase();
            pairs.push((k, short));
        }
    }
    render_key_pairs(f, area, &pairs, theme, badge);
}

/// Renders key hints given as (keys, what they do), after the badge.
pub fn render_key_pairs(
    f: &mut Frame,
    area: Rect,
    pairs: &[(String, String)],
    theme: &Theme,
    badge: Option<&str>,
) {
    let mut spans = Vec::new();
    if let Some(b) = badge {
        spans.push(Span::styled(format!(" {b} "), theme.tab_active));
        spans.push(Span::raw(" "));
    }
    for (k, what) in pairs {
        spans.push(Span::styled(k.clone(), theme.key));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn render_status(f: &mut Frame, area: Rect, status: Option<&Status>, theme: &Theme) {
    if let Some(s) = status {
        let style = if s.error {
            theme.status_error
        } else {
            theme.status_ok
        };
        f.render_widget(Paragraph::new(Line::styled(sanitize(&s.text), style)), area);
    }
}
