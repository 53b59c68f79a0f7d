//! The app among others: what the server pushes (another administrator's
//! change, shown at once with who made it), the base an edit is made on
//! (so a save over someone else's newer change is refused, not silently
//! written), and the banner while the server is gone.

use super::app::{App, Popup, Tab};
use super::widgets::status::Status;
use crate::client::replica::News;
use crate::domain::text::sanitize;

impl App {
    /// Is an edit open: a form or a confirmation, or unsaved edits in a view?
    pub fn editing(&mut self) -> bool {
        self.popups
            .iter()
            .any(|p| matches!(p, Popup::Form(..) | Popup::Confirm(..)))
            || Tab::ALL.into_iter().any(|t| self.view(t).unsaved())
    }

    /// After an event: an edit that just began is based on the organisation
    /// as shown now; when none is open, there is no base.
    pub(super) fn track_edit(&mut self, was_editing: bool) {
        match (was_editing, self.editing()) {
            (false, true) => self.base = Some(self.session.seq()),
            (_, false) => self.base = None,
            (true, true) => {}
        }
    }

    /// Applies what the server pushed since the last call: every other
    /// person's change shows at once, named in the status line.
    pub fn pull(&mut self) {
        let news = self.session.update();
        if news.is_empty() {
            return;
        }
        self.dirty = true;
        for n in news {
            match n {
                News::Changed {
                    seq,
                    operator,
                    summary,
                } => {
                    // Views rebuild from the new version; pending edits stay.
                    self.version += 1;
                    let who = self
                        .session
                        .org()
                        .users
                        .get(&operator)
                        .map(|u| u.name())
                        .unwrap_or_else(|| format!("user #{operator}"));
                    self.status = Some(Status {
                        text: format!("{who}: {summary} (audit #{seq})"),
                        error: false,
                    });
                }
                News::Lost(why) => {
                    tracing::warn!("the server went away: {why}");
                }
                News::Reattached { pid } => {
                    self.version += 1;
                    self.status = Some(Status {
                        text: format!("connected to the server again (pid {pid}); the screen shows the saved state"),
                        error: false,
                    });
                }
            }
        }
    }

    /// While the server is gone: what the banner says.
    pub fn banner(&self) -> Option<String> {
        (!self.session.connected()).then(|| {
            let kept = if self.popups.iter().any(|p| matches!(p, Popup::Form(..)))
                || self.base.is_some()
            {
                " Your unsaved edits are kept."
            } else {
                ""
            };
            sanitize(&format!(
                "The server stopped — reconnecting; nothing can be saved until it is back.{kept}"
            ))
        })
    }

    /// A save refused because a record changed after the edit's base: the
    /// screen now shows the new state, the pending edit stays open, and the
    /// next save is based on what is shown.
    pub(super) fn stale(&mut self) {
        self.pull();
        self.base = Some(self.session.seq());
    }
}
