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
        let Some((first, rest)) = changes.split_first() else {
            continue;
        };
        let mut entry = vec![format!("  {name}: {first}")];
        for ch in rest {
            match entry.last_mut() {
                Some(last) if last.chars().count() + 2 + ch.chars().count() <= WIDTH => {
                    last.push_str(", ");
                    last.push_str(ch);
                }
                Some(last) => {
                    last.push(',');
                    entry.push(format!("    {ch}"));
                }
                None => entry.push(format!("    {ch}")),
            }
        }
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
