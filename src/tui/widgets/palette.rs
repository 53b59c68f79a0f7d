//! The `:` command palette: every action of every tab the operator may
//! use, with its key, fuzzy-filtered as you type. The app builds the items
//! (see `tui::commands`); choosing one from another tab switches to it.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::table::ellipsize;
use super::{centered, Symbols};
use crate::domain::text::sanitize;
use crate::tui::keymap::Action;
use crate::tui::theme::Theme;
use crate::tui::view::Tab;

/// One row of the palette.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaletteItem {
    pub action: Action,
    /// The tab the action belongs to (None: global).
    pub tab: Option<Tab>,
    /// For `who`: the permission chosen already (typed as "who has KEY").
    pub arg: Option<String>,
    pub keys: String,
    pub description: String,
}

pub struct Palette {
    pub items: Vec<PaletteItem>,
    /// Permission keys, for "who has KEY" typed into the palette.
    pub permissions: Vec<String>,
    pub query: String,
    pub selected: usize,
}

impl Palette {
    /// Matching items, best first.
    pub fn matches(&self) -> Vec<PaletteItem> {
        let q = self.query.trim();
        if q.is_empty() {
            return self.items.clone();
        }
        let texts: Vec<String> = self
            .items
            .iter()
            .map(|i| format!("{} {}", i.description, i.action.name()))
            .collect();
        let ranked = fuzzy_rank(q, (0..self.items.len()).collect(), |i| texts[*i].as_str());
        let mut out: Vec<PaletteItem> = Vec::new();
        // "who has KEY" (or "who KEY"): the permissions matching KEY.
        if let Some(who) = self.items.iter().find(|i| i.action == Action::Who) {
            let lower = q.to_lowercase();
            let rest = lower
                .strip_prefix("who has ")
                .or_else(|| lower.strip_prefix("who "))
                .map(str::trim)
                .filter(|r| !r.is_empty() && *r != "has");
            if let Some(rest) = rest {
                let keys: Vec<&String> =
                    fuzzy_rank(rest, self.permissions.iter().collect(), |k| k.as_str());
                out.extend(keys.into_iter().map(|k| PaletteItem {
                    action: Action::Who,
                    tab: None,
                    arg: Some(k.clone()),
                    keys: who.keys.clone(),
                    description: format!("Who has {k}"),
                }));
            }
        }
        out.extend(ranked.into_iter().map(|i| self.items[i].clone()));
        out
    }

    pub fn render(&self, f: &mut Frame, area: Rect, theme: &Theme, sym: Symbols) {
        let r = centered(
            area,
            area.width.saturating_sub(8).min(76),
            area.height.saturating_sub(4).min(20),
        );
        f.render_widget(Clear, r);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(sym.border_set())
            .border_style(theme.border)
            .title(Span::styled(" Command palette ", theme.title));
        let mut text = vec![Line::from(vec![
            Span::styled(": ", theme.key),
            Span::raw(sanitize(&self.query)),
            Span::styled("_", theme.muted),
        ])];
        let matches = self.matches();
        if matches.is_empty() {
            text.push(Line::styled(
                format!("no action matches '{}'", sanitize(self.query.trim())),
                theme.muted,
            ));
        }
        let rows = r.height.saturating_sub(3) as usize;
        // Keep the selection in sight.
        let skip = self.selected.saturating_sub(rows.saturating_sub(1));
        let inner = r.width.saturating_sub(2);
        let desc_w = inner.saturating_sub(2 + 12).max(10);
        for (i, m) in matches.iter().enumerate().skip(skip).take(rows) {
            let sel = i == self.selected;
            let desc = ellipsize(Line::from(m.description.clone()), desc_w);
            let pad = (desc_w as usize).saturating_sub(desc.width()) + 1;
            let mut spans = vec![Span::raw(if sel { sym.selected() } else { "  " })];
            spans.extend(desc.spans);
            spans.push(Span::raw(" ".repeat(pad)));
            spans.push(Span::styled(m.keys.clone(), theme.key));
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

/// Ranks items by a fuzzy match of `query` against `text(item)`; items that
/// do not match are dropped.
pub fn fuzzy_rank<'t, T>(query: &str, items: Vec<T>, text: impl Fn(&T) -> &'t str) -> Vec<T> {
    let mut matcher = Matcher::new(Config::DEFAULT);
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, usize, T)> = items
        .into_iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let s = text(&item);
            pattern
                .score(Utf32Str::new(s, &mut buf), &mut matcher)
                .map(|sc| (sc, i, item))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, _, t)| t).collect()
}

/// Above this many matches a filtered table keeps its own order (ranking
/// them all costs more than a keystroke may); type more to get them ranked.
pub const RANK_LIMIT: usize = 2000;

/// Whether every whitespace-separated word of `query` (lower-cased) occurs in
/// `text` as a subsequence, ignoring case: the membership test of a fuzzy
/// filter, without the cost of scoring.
pub fn fuzzy_contains(words: &[Vec<char>], text: &str) -> bool {
    words.iter().all(|w| {
        let mut want = w.iter().peekable();
        for c in text.chars() {
            match want.peek() {
                Some(x)
                    if c == **x || (!c.is_ascii() || c.is_ascii_uppercase()) && lower(c) == **x =>
                {
                    want.next();
                }
                Some(_) => {}
                None => break,
            }
        }
        want.peek().is_none()
    })
}

fn lower(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        c.to_lowercase().next().unwrap_or(c)
    }
}

/// An incremental fuzzy filter over a fixed list of texts. A query that
/// extends the previous one searches only the previous matches.
#[derive(Debug, Clone, Default)]
pub struct FuzzyFilter {
    query: String,
    /// Indices of matching texts, in list order.
    members: Vec<usize>,
}

impl FuzzyFilter {
    /// Indices of the texts matching `query`: ranked best first when there
    /// are at most [`RANK_LIMIT`] matches, else in list order.
    pub fn apply(&mut self, query: &str, texts: &[&str]) -> Vec<usize> {
        let words: Vec<Vec<char>> = query
            .split_whitespace()
            .map(|w| w.to_lowercase().chars().collect())
            .collect();
        let narrowing = !self.query.is_empty() && query.starts_with(self.query.as_str());
        let candidates: Vec<usize> = if narrowing {
            std::mem::take(&mut self.members)
        } else {
            (0..texts.len()).collect()
        };
        self.members = candidates
            .into_iter()
            .filter(|i| texts.get(*i).is_some_and(|t| fuzzy_contains(&words, t)))
            .collect();
        self.query = query.to_string();
        if self.members.len() <= RANK_LIMIT {
            fuzzy_rank(query, self.members.clone(), |i| texts[*i])
        } else {
            self.members.clone()
        }
    }

    /// Forget the previous query (the texts changed).
    pub fn reset(&mut self) {
        self.query.clear();
        self.members.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_filter_matches_words_as_subsequences_and_narrows() {
        let texts = [
            "Mara Lindqvist mara@x.org",
            "Jonas Berg jberg@x.org",
            "Henrik Dahl hdahl@x.org",
        ];
        let mut f = FuzzyFilter::default();
        assert_eq!(f.apply("ml", &texts), vec![0]);
        let mut g = FuzzyFilter::default();
        assert_eq!(g.apply("j", &texts), vec![1]);
        assert_eq!(g.apply("jb", &texts), vec![1]);
        assert_eq!(g.apply("jb x.org", &texts), vec![1]);
        assert_eq!(FuzzyFilter::default().apply("rg", &texts).len(), 3);
        assert!(g.apply("zz", &texts).is_empty());
        assert_eq!(FuzzyFilter::default().apply("DAHL", &texts), vec![2]);
    }
}
