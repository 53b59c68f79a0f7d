//! What a change does to people's access, shown before it happens: per
//! person, the permissions whose effective level changes, old → new in
//! words. The Roles grid shows it before saving; role assignment in the
//! Users tab before assigning or removing a role.

use crate::domain::catalog::{Catalog, Level};
use crate::tui::widgets::grid::fit;
use crate::tui::widgets::Symbols;

/// How wide an impact line may be (the confirm popup's text width).
pub(crate) const WIDTH: usize = 64;

/// The permissions whose effective level differs between `before` and
/// `after` (both indexed by the catalog), as "key old → new".
pub(crate) fn level_changes(
    c: &Catalog,
    before: &[Level],
    after: &[Level],
    sym: Symbols,
) -> Vec<String> {
    let arrow = sym.pick("→", "->");
    before
        .iter()
        .zip(after)
        .enumerate()
        .filter(|(_, (b, a))| b != a)
        .map(|(i, (b, a))| {
            let p = c.get(i);
            format!(
                "{} {} {arrow} {}",
                p.key,
                p.scale.level_word(*b),
                p.scale.level_word(*a)
            )
        })
        .collect()
}

/// People and their changes as lines: one person per entry, continued on
/// indented lines when long; whole people only, at most `max_lines` lines
/// (always at least one person), then "… and N more users".
pub(crate) fn people_lines(
    affected: &[(String, Vec<String>)],
    max_lines: usize,
    sym: Symbols,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut used = 0;
    let mut shown = 0;
    for (name, changes) in affected {
        let Some(entry) = pack(&format!("  {name}: "), "    ", changes) else {
            continue;
        };
        if used + entry.len() > max_lines && shown > 0 {
            break;
        }
        used += entry.len();
        shown += 1;
        out.extend(entry.into_iter().map(|l| fit(&l, WIDTH + 2, sym)));
    }
    let left = affected.len() - shown;
    if left > 0 {
        out.push(format!(
            "  {} and {left} more user{}",
            sym.pick("…", "..."),
            if left == 1 { "" } else { "s" }
        ));
    }
    out
}

/// Changes packed into lines of at most [`WIDTH`] characters, the first
/// starting with `head`, the rest with `indent`; None when there are none.
fn pack(head: &str, indent: &str, changes: &[String]) -> Option<Vec<String>> {
    let (first, rest) = changes.split_first()?;
    let mut lines = vec![format!("{head}{first}")];
    for ch in rest {
        match lines.last_mut() {
            Some(last) if last.chars().count() + 2 + ch.chars().count() <= WIDTH => {
                last.push_str(", ");
                last.push_str(ch);
            }
            Some(last) => {
                last.push(',');
                lines.push(format!("{indent}{ch}"));
            }
            None => lines.push(format!("{indent}{ch}")),
        }
    }
    Some(lines)
}

/// One person's changes as at most `max_lines` lines (the first ones in
/// the order given), then "… and N more".
pub(crate) fn change_lines(changes: &[String], max_lines: usize, sym: Symbols) -> Vec<String> {
    let mut shown = changes.len();
    loop {
        let lines = pack("  ", "  ", &changes[..shown]).unwrap_or_default();
        let room = if shown < changes.len() {
            max_lines.saturating_sub(1)
        } else {
            max_lines
        };
        if lines.len() <= room || shown <= 1 {
            let mut out: Vec<String> = lines.iter().map(|l| fit(l, WIDTH + 2, sym)).collect();
            if shown < changes.len() {
                out.push(format!(
                    "  {} and {} more",
                    sym.pick("…", "..."),
                    changes.len() - shown
                ));
            }
            return out;
        }
        shown -= 1;
    }
}
