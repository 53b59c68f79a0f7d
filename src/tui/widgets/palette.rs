//! The `:` command palette: every action of the current view with its key,
//! fuzzy-filtered as you type.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::{centered, Symbols};
use crate::tui::keymap::{Action, Context, Keymap};
use crate::tui::theme::Theme;

pub struct Palette {
    pub chain: Vec<Context>,
    pub hidden: Vec<Action>,
    pub query: String,
    pub selected: usize,
}

impl Palette {
    /// Matching actions, best first: (action, keys, description).
    pub fn matches(&self, keymap: &Keymap) -> Vec<(Action, String, String)> {
        let items: Vec<(Action, String, String)> = keymap
            .bindings_for(&self.chain)
            .into_iter()
            .filter(|b| !self.hidden.contains(&b.action))
            .filter(|b| !matches!(b.action, Action::Palette | Action::Cancel))
            .map(|b| {
                (
                    b.action,
                    b.keys
                        .iter()
                        .map(|k| k.to_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                    b.description.clone(),
                )
            })
            .collect();
        if self.query.trim().is_empty() {
            return items;
        }
        let texts: Vec<String> = items
            .iter()
            .map(|(a, _, d)| format!("{d} {}", a.name()))
            .collect();
        let ranked = fuzzy_rank(&self.query, (0..items.len()).collect(), |i| {
            texts[*i].as_str()
        });
        ranked.into_iter().map(|i| items[i].clone()).collect()
    }

    pub fn render(&self, f: &mut Frame, area: Rect, keymap: &Keymap, theme: &Theme, sym: Symbols) {
        let r = centered(
            area,
            area.width.saturating_sub(8).min(70),
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
            Span::raw(self.query.clone()),
            Span::styled("_", theme.muted),
        ])];
        for (i, (_, keys, desc)) in self
            .matches(keymap)
            .iter()
            .enumerate()
            .take(r.height.saturating_sub(3) as usize)
        {
            let sel = i == self.selected;
            let line = Line::from(vec![
                Span::raw(if sel { sym.selected() } else { "  " }),
                Span::raw(format!("{desc:<44}")),
                Span::styled(keys.clone(), theme.key),
            ]);
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
