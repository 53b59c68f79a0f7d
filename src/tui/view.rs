//! The contract between the app and its tabs: which tab, what a view sees
//! ([`Cx`]), what it may ask for ([`Effect`]), and what every tab
//! implements ([`View`]). Views depend on this, not on the app.

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;

use super::keymap::{Action, Context, Keymap};
use super::popups::Popup;
use super::theme::Theme;
use super::widgets::form::Form;
use super::widgets::Symbols;
use crate::client::link::Link;
use crate::domain::catalog::Level;
use crate::domain::org::Organisation;
use crate::domain::read::{self, ReadScope, Subject};
use crate::domain::rules::Actor;
use crate::domain::users::User;
use crate::ops::Command;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Users,
    Roles,
    Authorizations,
    Audit,
    Me,
    Reviews,
}

impl Tab {
    pub const ALL: [Tab; 6] = [
        Tab::Users,
        Tab::Roles,
        Tab::Authorizations,
        Tab::Audit,
        Tab::Me,
        Tab::Reviews,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Users => "Users",
            Tab::Roles => "Roles",
            Tab::Authorizations => "Authorizations",
            Tab::Audit => "Audit",
            Tab::Me => "Me",
            Tab::Reviews => "Reviews",
        }
    }

    pub fn parse(s: &str) -> Option<Tab> {
        Tab::ALL
            .into_iter()
            .find(|t| t.title().eq_ignore_ascii_case(s))
    }
}

/// What a view or popup asks the app to do.
pub enum Effect {
    None,
    /// Execute a command as the operator.
    Run(Command),
    /// Execute a command, then (only if it succeeded) apply the next effect.
    RunThen(Command, Box<Effect>),
    Open(Popup),
    Status(String),
    Error(String),
    /// Close the top popup.
    Close,
    Quit,
    /// Tell a tab's view that something it asked for happened (a confirmation
    /// accepted, or — after `RunThen` — its command committed); the tag says
    /// what. Calls `View::notify`.
    Notify(Tab, u32),
}

/// What views see: the organisation, the operator and the look.
pub struct Cx<'a> {
    pub session: &'a Link,
    pub org: &'a Organisation,
    pub now: DateTime<Utc>,
    pub me: &'a User,
    pub actor: Actor,
    pub mine: Vec<Level>,
    pub keymap: &'a Keymap,
    pub theme: &'a Theme,
    pub sym: Symbols,
    /// Bumped after every committed command: views rebuild their data when it changes.
    pub version: u64,
}

impl Cx<'_> {
    /// Holds the top level of a system permission (may change that area).
    pub fn may(&self, key: &str) -> bool {
        let i = self.org.catalog().system(key);
        let top = self.org.catalog().get(i).scale.top();
        self.mine[i] & top == top
    }

    /// What the viewer may read of a subject (the one read policy in
    /// `domain::read`; their own records are in the Me tab).
    pub fn reads(&self, subject: Subject) -> ReadScope {
        read::read_scope(self.org, self.me, subject, self.now)
    }

    /// Today in the organisation's time zone.
    pub fn today(&self) -> chrono::NaiveDate {
        self.org.day_of(self.now)
    }
}

/// The interface every tab implements.
pub trait View {
    /// Keymap contexts, most specific first.
    fn chain(&self) -> &'static [Context];
    /// The 3–5 actions worth showing in the footer now.
    fn hints(&self, cx: &Cx) -> Vec<Action>;
    /// Actions the operator lacks the permission for (hidden everywhere).
    fn hidden(&self, cx: &Cx) -> Vec<Action>;
    /// Actions of the chain that mean nothing on this view: their keys do
    /// nothing here, and the help and the palette leave them out.
    fn unbound(&self) -> &'static [Action] {
        &[]
    }
    /// A mouse click at a screen position (select the row clicked).
    fn click(&mut self, _column: u16, _row: u16, _cx: &Cx) -> Effect {
        Effect::None
    }
    /// "view only" when the operator may look but not change.
    fn badge(&self, _cx: &Cx) -> Option<&'static str> {
        None
    }
    fn render(&mut self, f: &mut Frame, area: Rect, cx: &Cx);
    fn handle(&mut self, action: Action, cx: &Cx) -> Effect;
    /// Raw keys while the view captures text (a filter being typed).
    fn capture(&mut self, _key: KeyEvent, _cx: &Cx) -> Option<Effect> {
        None
    }
    fn paste(&mut self, _text: &str) -> bool {
        false
    }
    /// Unsaved edits (asks before quitting).
    fn unsaved(&self) -> bool {
        false
    }
    /// A form of this view was submitted.
    fn submit(&mut self, _tag: u32, _form: &Form, _cx: &Cx) -> Result<Effect, String> {
        Ok(Effect::None)
    }
    /// A command of this app committed (views drop cached edits if needed).
    fn committed(&mut self) {}
    /// An `Effect::Notify` for this view (see there).
    fn notify(&mut self, _tag: u32, _cx: &Cx) -> Effect {
        Effect::None
    }
}
