//! The app: state, routing of keys to the top popup or the focused view, the
//! effects views ask for, and drawing. Every change goes through the one
//! write path (`ops::Session::execute`, here or at the database's server,
//! through `client::link::Link`), like the CLI.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::caps::ColorDepth;
use super::keymap::{Action, Context, Key, Keymap};
use super::kiosk::Kiosk;
pub use super::passes::{ascii_fold, ascii_symbol};
pub use super::popups::Popup;
pub use super::session::{standing, Who};
use super::theme::Theme;
pub use super::view::{Cx, Effect, Tab, View};
use super::views::{
    audit::AuditView, authorizations::AuthorizationsView, me::MeView, reviews::ReviewsView,
    roles::RolesView, users::UsersView,
};
use super::widgets::confirm::Confirm;
use super::widgets::help::Help;
use super::widgets::status::Status;
use super::widgets::Symbols;
use crate::client::link::Link;
use crate::domain::engine::effective_levels;
use crate::domain::read::Subject;
use crate::ops::Command;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

pub struct App {
    pub session: Link,
    pub keymap: Keymap,
    pub theme: Theme,
    pub sym: Symbols,
    pub tab: Tab,
    pub users: UsersView,
    pub roles: RolesView,
    pub authorizations: AuthorizationsView,
    pub audit: AuditView,
    pub me: MeView,
    pub reviews: ReviewsView,
    pub popups: Vec<Popup>,
    pub status: Option<Status>,
    pub quit: bool,
    pub version: u64,
    /// Something changed since the last draw.
    pub dirty: bool,
    /// Set when a storage error after commit makes further writes unsafe.
    pub fatal: Option<String>,
    /// The idle screen blank: the screen is hidden until a key is pressed,
    /// which gives the same session back (not a sign-out).
    pub locked: bool,
    /// Job control: the loop gives the terminal back and stops the process.
    pub suspend: bool,
    /// May the app be suspended (ctrl-z, SIGTSTP)? A kiosk would say no.
    pub allow_suspend: bool,
    /// The loop clears the screen and paints every cell (ctrl-l).
    pub redraw: bool,
    /// The size of the last frame drawn (None before the first).
    pub drawn: Option<(u16, u16)>,
    /// The colours the terminal shows; each frame is mapped down to them
    /// (true colour, the default, leaves the theme's colours as they are).
    pub depth: ColorDepth,
    /// Whom the app runs for (the operator, and with `--as` whom they act as).
    pub who: Who,
    /// The audit sequence the open edit is based on (see `shared`).
    pub base: Option<u64>,
    /// At a workshop terminal: the sign-in screen and who is signed in
    /// (None: the process's login is no terminal, the normal app).
    pub kiosk: Option<Kiosk>,
    /// Where each tab's title was drawn in the header (x from, x to), for
    /// a mouse click.
    pub tab_spots: Vec<(Tab, u16, u16)>,
}

macro_rules! cx {
    ($self:ident) => {
        make_cx(
            &$self.session,
            &$self.keymap,
            &$self.theme,
            $self.sym,
            $self.version,
            $self.who,
        )
    };
}

/// Builds the view context from the app's parts (so views can be borrowed
/// mutably beside it); `Err` says why the session ended (see [`standing`]).
pub fn make_cx<'a>(
    session: &'a Link,
    keymap: &'a Keymap,
    theme: &'a Theme,
    sym: Symbols,
    version: u64,
    who: Who,
) -> Result<Cx<'a>, String> {
    let actor = standing(session, who)?;
    let org = session.org();
    let now = session.now();
    let me = org.user(actor.effective()).map_err(|e| e.to_string())?;
    Ok(Cx {
        session,
        org,
        now,
        me,
        actor,
        mine: effective_levels(org, me, now).levels,
        keymap,
        theme,
        sym,
        version,
    })
}

impl App {
    pub fn new(session: impl Into<Link>, keymap: Keymap, theme: Theme, ascii: bool) -> App {
        let session = session.into();
        let who = Who::of(&session);
        let mut app = App {
            session,
            keymap,
            theme,
            sym: Symbols { ascii },
            tab: Tab::Me,
            users: UsersView::default(),
            roles: RolesView::default(),
            authorizations: AuthorizationsView::default(),
            audit: AuditView::default(),
            me: MeView::default(),
            reviews: ReviewsView::default(),
            popups: Vec::new(),
            status: None,
            quit: false,
            version: 1,
            dirty: true,
            fatal: None,
            locked: false,
            suspend: false,
            allow_suspend: true,
            redraw: false,
            drawn: None,
            depth: ColorDepth::TrueColor,
            who,
            base: None,
            kiosk: who.kiosk.then(Kiosk::default),
            tab_spots: Vec::new(),
        };
        // A kiosk is never suspended (it would leave a shell behind).
        app.allow_suspend = app.kiosk.is_none();
        app.tab = app.visible_tabs().first().copied().unwrap_or(Tab::Me);
        app
    }

    /// Runs the app as another user (`--as`): needs `users.impersonate` and
    /// that user's access within the operator's (checked by the session).
    /// Views then show and do what that user may.
    pub fn act_as(&mut self, name: &str) -> Result<(), String> {
        if self.kiosk.is_some() {
            return Err("a workshop terminal is self-service: no acting as another user".into());
        }
        let actor = self.session.actor(Some(name)).map_err(|e| e.to_string())?;
        self.who = Who {
            operator: Some(actor.operator),
            acting_as: actor.acting_as,
            kiosk: false,
        };
        self.version += 1;
        self.tab = self.visible_tabs().first().copied().unwrap_or(Tab::Me);
        Ok(())
    }

    /// Why the session ended (the operator's access is gone), if it did.
    pub fn ended(&self) -> Option<String> {
        standing(&self.session, self.who).err()
    }

    /// Tabs the operator may see.
    pub fn visible_tabs(&self) -> Vec<Tab> {
        let Ok(cx) = cx!(self) else {
            return Vec::new();
        };
        // A kiosk session is capped to self-service, whatever the person
        // holds elsewhere.
        let kiosk = self.kiosk.is_some();
        Tab::ALL
            .into_iter()
            .filter(|t| tab_visible(*t, &cx) && (!kiosk || *t == Tab::Me))
            .collect()
    }

    pub(super) fn view(&mut self, tab: Tab) -> &mut dyn View {
        match tab {
            Tab::Users => &mut self.users,
            Tab::Roles => &mut self.roles,
            Tab::Authorizations => &mut self.authorizations,
            Tab::Audit => &mut self.audit,
            Tab::Me => &mut self.me,
            Tab::Reviews => &mut self.reviews,
        }
    }

    /// Runs `f` on a tab's view with the view context (borrowing the app's
    /// parts separately, so the view can change while the context is read).
    /// None when the session ended (see [`App::ended`]).
    pub(super) fn with_view<R>(
        &mut self,
        tab: Tab,
        f: impl FnOnce(&mut dyn View, &Cx) -> R,
    ) -> Option<R> {
        let cx = make_cx(
            &self.session,
            &self.keymap,
            &self.theme,
            self.sym,
            self.version,
            self.who,
        )
        .ok()?;
        let view: &mut dyn View = match tab {
            Tab::Users => &mut self.users,
            Tab::Roles => &mut self.roles,
            Tab::Authorizations => &mut self.authorizations,
            Tab::Audit => &mut self.audit,
            Tab::Me => &mut self.me,
            Tab::Reviews => &mut self.reviews,
        };
        Some(f(view, &cx))
    }

    /// Anything unsaved: a view's edits or a changed form.
    pub fn unsaved(&self) -> bool {
        self.users.unsaved()
            || self.roles.unsaved()
            || self.authorizations.unsaved()
            || self.audit.unsaved()
            || self.me.unsaved()
            || self
                .popups
                .iter()
                .any(|p| matches!(p, Popup::Form(f, _, _) if f.changed()))
    }

    pub fn on_event(&mut self, ev: Event) {
        let editing = self.editing();
        self.on_input(ev);
        self.track_edit(editing);
    }

    fn on_input(&mut self, ev: Event) {
        match ev {
            Event::Key(k) if k.kind == KeyEventKind::Press => self.on_key(k),
            // Below the minimum size nothing is shown: a paste is dropped.
            Event::Paste(text) if self.at_sign_in() => self.sign_in_paste(&text),
            Event::Paste(text) if !self.locked && !self.too_small() => self.on_paste(&text),
            Event::Resize(..) => self.dirty = true,
            // Mouse capture is on only when configured (see `commands`).
            Event::Mouse(m)
                if !self.locked
                    && self.popups.is_empty()
                    && !self.too_small()
                    && !self.at_sign_in()
                    && self.ended().is_none() =>
            {
                self.on_mouse(m)
            }
            _ => {}
        }
    }

    /// Hides the screen after inactivity. A screen blank only: any key
    /// shows the same session again, so it is no access control.
    /// At a workshop terminal it signs out instead (see `kiosk`).
    pub fn lock(&mut self) {
        self.dirty = true;
        if self.kiosk.is_some() {
            return self.kiosk_idle();
        }
        self.locked = true;
    }

    pub fn on_key(&mut self, k: KeyEvent) {
        self.dirty = true;
        if self.locked {
            // The key that wakes the screen does nothing else.
            self.locked = false;
            return;
        }
        if self.at_sign_in() {
            return self.sign_in_key(k);
        }
        if k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL) {
            return self.quit_or_sign_out();
        }
        if self.ended().is_some() {
            // Nothing can be seen or saved any more: only quitting acts.
            if let Some(Action::Quit | Action::ForceQuit) =
                Key::from_event(&k).and_then(|key| self.keymap.lookup(&[Context::Global], &key))
            {
                self.quit_or_sign_out();
            }
            return;
        }
        // Test-hooks builds only: the pty tests make a key panic to prove that a
        // panic restores the terminal and leaves a report in the log.
        #[cfg(feature = "test-hooks")]
        if let Ok(c) = std::env::var("CLEARANCE_TEST_PANIC_ON_KEY") {
            if c.chars().next().is_some_and(|c| k.code == KeyCode::Char(c)) {
                panic!("CLEARANCE_TEST_PANIC_ON_KEY: test panic on key '{c}'");
            }
        }
        let Some(key) = Key::from_event(&k) else {
            return;
        };
        if self.too_small() {
            return self.small_key(&key);
        }
        // Job control and redrawing work everywhere, popups and text fields
        // included.
        if let Some(a @ (Action::SuspendApp | Action::Redraw)) =
            self.keymap.lookup(&[Context::Global], &key)
        {
            return self.global(a);
        }
        if !self.popups.is_empty() {
            let effect = self.popup_key(k, key);
            self.apply(effect);
            return;
        }
        let tab = self.tab;
        // Ok: an effect of the view; Err: a global action to run after.
        let outcome = self.with_view(tab, |view, cx| {
            if let Some(e) = view.capture(k, cx) {
                return Ok(e);
            }
            match cx.keymap.lookup(view.chain(), &key) {
                // Not bound here: nothing to do on this view.
                Some(a) if view.unbound().contains(&a) => Ok(Effect::None),
                Some(a) if view.hidden(cx).contains(&a) => Ok(Effect::Error(format!(
                    "you lack the permission for '{}'",
                    a.name()
                ))),
                Some(a) if is_global(a) => Err(a),
                Some(a) => Ok(view.handle(a, cx)),
                None => Ok(Effect::None),
            }
        });
        match outcome {
            Some(Ok(effect)) => self.apply(effect),
            Some(Err(a)) => self.global(a),
            None => {}
        }
    }

    /// Was the last frame below the minimum size ("resize to at least …")?
    pub fn too_small(&self) -> bool {
        self.drawn
            .is_some_and(|(w, h)| w < MIN_WIDTH || h < MIN_HEIGHT)
    }

    /// A key while the screen is too small to show anything: nothing
    /// unseen may happen, so only quitting (never discarding unsaved
    /// changes behind a confirmation nobody sees: the screen says how),
    /// job control and redrawing act.
    fn small_key(&mut self, key: &Key) {
        match self.keymap.lookup(&[Context::Global], key) {
            Some(a @ (Action::ForceQuit | Action::SuspendApp | Action::Redraw)) => self.global(a),
            Some(Action::Quit) if !self.unsaved() => self.quit_or_sign_out(),
            _ => {}
        }
    }

    fn global(&mut self, a: Action) {
        let tabs = self.visible_tabs();
        let goto = |t: Tab| if tabs.contains(&t) { Some(t) } else { None };
        let target = match a {
            Action::Quit if self.kiosk.is_none() => {
                if self.unsaved() {
                    let c = Confirm::new(
                        "Quit?",
                        vec!["There are unsaved changes. Quit and discard them?".into()],
                        true,
                    );
                    self.popups.push(Popup::Confirm(c, Box::new(Effect::Quit)));
                } else {
                    self.quit = true;
                }
                return;
            }
            Action::ForceQuit => return self.quit_or_sign_out(),
            Action::Quit if self.kiosk.is_some() => return self.quit_or_sign_out(),
            Action::Palette if self.kiosk.is_some() => {
                return self.set_error("no palette at a workshop terminal".into());
            }
            Action::Redraw => {
                self.redraw = true;
                return;
            }
            Action::SuspendApp => {
                if self.allow_suspend {
                    self.suspend = true;
                } else {
                    self.status = Some(Status {
                        text: "suspending is turned off here".into(),
                        error: true,
                    });
                }
                return;
            }
            Action::Help => {
                let (chain, hidden) = self.current_chain();
                self.popups.push(Popup::Help(Help {
                    chain,
                    hidden,
                    filter: String::new(),
                    scroll: 0,
                }));
                return;
            }
            Action::Palette => return self.open_palette(),
            Action::Who => return self.who(None),
            Action::NextTab | Action::PrevTab => {
                let i = tabs.iter().position(|t| *t == self.tab).unwrap_or(0);
                let n = tabs.len().max(1);
                let j = if a == Action::NextTab {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                tabs.get(j).copied()
            }
            Action::TabUsers => goto(Tab::Users),
            Action::TabRoles => goto(Tab::Roles),
            Action::TabAuthorizations => goto(Tab::Authorizations),
            Action::TabAudit => goto(Tab::Audit),
            Action::TabMe => goto(Tab::Me),
            Action::TabReviews => goto(Tab::Reviews),
            _ => None,
        };
        match target {
            Some(t) => self.tab = t,
            None => self.set_error("you have no access to that tab".into()),
        }
    }

    /// Runs an action chosen in the palette as if its key had been pressed.
    pub(super) fn run_action(&mut self, a: Action) {
        if is_global(a) {
            return self.global(a);
        }
        let tab = self.tab;
        if let Some(effect) = self.with_view(tab, |view, cx| view.handle(a, cx)) {
            self.apply(effect);
        }
    }

    /// Executes a command as the operator; on success bumps the data version.
    pub fn execute(&mut self, cmd: Command) -> Result<(), String> {
        if let Some(f) = &self.fatal {
            return Err(f.clone());
        }
        if self.kiosk.is_some() {
            let msg = "a workshop terminal is self-service: nothing can be changed here";
            self.set_error(msg.into());
            return Err(msg.into());
        }
        self.pull();
        let actor = standing(&self.session, self.who)?;
        match self.session.execute(actor, cmd, self.base) {
            Ok(out) => {
                self.version += 1;
                self.status = Some(Status {
                    text: format!("{} (audit #{})", out.summary, out.seq),
                    error: false,
                });
                for t in Tab::ALL {
                    self.view(t).committed();
                }
                Ok(())
            }
            Err(e) => {
                if e.fatal {
                    self.fatal = Some(e.message.clone());
                    self.quit = true;
                }
                if e.stale {
                    self.stale();
                }
                let msg = e.message;
                self.status = Some(Status {
                    text: msg.clone(),
                    error: true,
                });
                Err(msg)
            }
        }
    }

    pub fn apply(&mut self, effect: Effect) {
        match effect {
            Effect::None => {}
            Effect::Run(cmd) => {
                let _ = self.execute(cmd);
            }
            Effect::RunThen(cmd, next) => {
                if self.execute(cmd).is_ok() {
                    self.apply(*next);
                }
            }
            Effect::Open(p) => self.open(p),
            Effect::Status(s) => {
                self.status = Some(Status {
                    text: s,
                    error: false,
                })
            }
            Effect::Error(s) => self.set_error(s),
            Effect::Close => {
                self.popups.pop();
            }
            Effect::Quit => self.quit_or_sign_out(),
            Effect::Notify(tab, tag) => {
                if let Some(effect) = self.with_view(tab, |view, cx| view.notify(tag, cx)) {
                    self.apply(effect);
                }
            }
        }
    }

    pub(super) fn set_error(&mut self, s: String) {
        self.status = Some(Status {
            text: s,
            error: true,
        });
    }
}

fn is_global(a: Action) -> bool {
    matches!(
        a,
        Action::Quit
            | Action::ForceQuit
            | Action::SuspendApp
            | Action::Redraw
            | Action::Help
            | Action::Palette
            | Action::Who
            | Action::NextTab
            | Action::PrevTab
            | Action::TabUsers
            | Action::TabRoles
            | Action::TabAuthorizations
            | Action::TabAudit
            | Action::TabMe
            | Action::TabReviews
    )
}

/// Navigation is permission-aware: a tab you may not see is hidden.
pub fn tab_visible(t: Tab, cx: &Cx) -> bool {
    match t {
        Tab::Users => cx.reads(Subject::Users).others,
        Tab::Roles => cx.reads(Subject::Roles).others,
        Tab::Authorizations => cx.reads(Subject::Authorizations).others,
        Tab::Audit => cx.reads(Subject::Audit).others,
        Tab::Me => true,
        Tab::Reviews => !super::views::reviews::ReviewsView::campaigns(cx).is_empty(),
    }
}
