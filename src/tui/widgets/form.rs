//! Forms: ratatui-textarea fields with inline validation as you type.
//! Nothing is saved until the form is submitted; a rejected command leaves
//! the form open with the message. A form that commits a change ends with
//! the reason field (`reason.rs`). A form taller than the screen scrolls to
//! keep the focused field in view.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;
use ratatui_textarea::TextArea;

use super::reason::{self, ReasonNeed};
use super::{centered, Symbols};
use crate::domain::text::{self, is_unsafe_char, sanitize};
use crate::tui::theme::Theme;

pub use super::validators::*;

pub type Validator = fn(&str) -> Result<(), String>;

#[derive(Debug, Clone)]
pub enum FieldKind {
    Text,
    /// One of a fixed list, cycled with space / ← →.
    Choice(Vec<String>),
    /// Any number of a fixed list: ← → move between the options, space
    /// ticks or unticks the one shown (`Field::choice` is the cursor).
    Multi(Vec<String>, Vec<bool>),
}

pub struct Field {
    pub label: String,
    pub kind: FieldKind,
    pub input: TextArea<'static>,
    pub choice: usize,
    pub hint: String,
    pub validate: Validator,
    pub message: Option<String>,
    /// The most characters the field takes, typed or pasted.
    pub max: usize,
    /// Shown muted while the field is empty and not focused.
    pub placeholder: &'static str,
}

impl Field {
    pub fn text(label: &str, value: &str, hint: &str, validate: Validator) -> Field {
        let mut input = TextArea::new(vec![value.to_string()]);
        input.move_cursor(ratatui_textarea::CursorMove::End);
        input.set_cursor_line_style(Style::default());
        Field {
            label: label.into(),
            kind: FieldKind::Text,
            input,
            choice: 0,
            hint: hint.into(),
            validate,
            message: None,
            max: text::MAX_TEXT,
            placeholder: "",
        }
    }

    /// A free-text field (limitations, reasons): up to
    /// [`text::MAX_LONG_TEXT`] characters.
    pub fn long(mut self) -> Field {
        self.max = text::MAX_LONG_TEXT;
        self
    }

    fn len(&self) -> usize {
        self.input.lines().iter().map(|l| l.chars().count()).sum()
    }

    pub fn choice(label: &str, options: Vec<String>, selected: usize, hint: &str) -> Field {
        let mut f = Field::text(label, "", hint, any);
        f.choice = selected.min(options.len().saturating_sub(1));
        f.kind = FieldKind::Choice(options);
        f
    }

    /// A multi-select of `options`, those in `chosen` ticked.
    pub fn multi(label: &str, options: Vec<String>, chosen: &[usize], hint: &str) -> Field {
        let mut f = Field::text(label, "", hint, any);
        let ticks = (0..options.len()).map(|i| chosen.contains(&i)).collect();
        f.kind = FieldKind::Multi(options, ticks);
        f
    }

    pub fn value(&self) -> String {
        match &self.kind {
            FieldKind::Text => self.input.lines().join(" ").trim().to_string(),
            FieldKind::Choice(o) => o.get(self.choice).cloned().unwrap_or_default(),
            FieldKind::Multi(o, ticks) => o
                .iter()
                .zip(ticks)
                .filter(|(_, t)| **t)
                .map(|(o, _)| o.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        }
    }

    /// Rows the field takes in a form: label and value, the options of a
    /// multi-select (at least one line), the hint or message.
    fn rows(&self) -> u16 {
        match &self.kind {
            FieldKind::Multi(o, _) => 2 + o.len().max(1) as u16,
            _ => 2,
        }
    }

    /// The ticked options of a multi-select, by index (empty otherwise).
    pub fn chosen(&self) -> Vec<usize> {
        match &self.kind {
            FieldKind::Multi(_, ticks) => (0..ticks.len()).filter(|i| ticks[*i]).collect(),
            _ => Vec::new(),
        }
    }

    fn check(&mut self) {
        self.message = (self.validate)(&self.value()).err();
    }
}

pub struct Form {
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// The last rejection of the submitted command.
    pub error: Option<String>,
    /// Extra lines shown above the fields (context, inherited levels, …).
    pub notes: Vec<String>,
    initial: Vec<String>,
    /// The reason field (its index, the last) and whether it is needed.
    reason: Option<(usize, ReasonNeed)>,
}

impl Form {
    pub fn new(title: &str, fields: Vec<Field>) -> Form {
        let initial = fields.iter().map(Field::value).collect();
        let mut f = Form {
            title: title.into(),
            fields,
            focus: 0,
            error: None,
            notes: vec![],
            initial,
            reason: None,
        };
        for field in &mut f.fields {
            field.check();
        }
        f
    }

    pub fn with_notes(mut self, notes: Vec<String>) -> Form {
        self.notes = notes;
        self
    }

    /// Ends the form with the reason field: the command it submits is
    /// sent with the reason given (see `reason.rs`).
    pub fn with_reason(mut self, need: ReasonNeed) -> Form {
        self.fields.push(reason::field());
        self.initial.push(String::new());
        self.reason = Some((self.fields.len() - 1, need));
        self.check_reason();
        self
    }

    /// The organisation requires a reason for every change: the form's
    /// reason field (if it has one) is required whatever else it says.
    pub fn require_reason(&mut self) {
        if let Some((_, need)) = &mut self.reason {
            *need = ReasonNeed::Organisation;
            self.check_reason();
        }
    }

    /// The reason given, if the form has the field and it is filled in.
    pub fn reason(&self) -> Option<String> {
        let (i, _) = self.reason.as_ref()?;
        Some(self.value(*i)).filter(|r| !r.is_empty())
    }

    /// Why the reason is required now (the kind chosen), if it is.
    pub fn reason_required(&self) -> Option<String> {
        self.reason.as_ref()?.1.why(&self.fields)
    }

    /// Marks the reason field: its hint says whether it is required, and
    /// a required reason left empty is a field error.
    fn check_reason(&mut self) {
        let Some((i, _)) = self.reason else {
            return;
        };
        let why = self.reason_required();
        let Some(field) = self.fields.get_mut(i) else {
            return;
        };
        field.check();
        field.hint = match &why {
            Some(w) => format!("required: {w}"),
            None => reason::OPTIONAL.into(),
        };
        field.placeholder = if why.is_some() {
            "(required)"
        } else {
            "(optional)"
        };
        if let Some(w) = why {
            if field.message.is_none() && field.value().is_empty() {
                field.message = Some(format!("required: {w}"));
            }
        }
    }

    /// The form was submitted with marked fields: says so, and a missing
    /// required reason is named and gets the focus.
    pub fn refuse(&mut self) {
        match (self.reason_required(), &self.reason) {
            (Some(why), Some((i, need))) if self.reason().is_none() => {
                self.focus = *i;
                let whose = if *need == ReasonNeed::Organisation {
                    ""
                } else {
                    " to its authorizations"
                };
                self.error = Some(format!(
                    "{why}{whose}: fill in {}; nothing was sent",
                    reason::LABEL
                ));
            }
            _ => self.error = Some("fix the marked fields first".into()),
        }
    }

    pub fn value(&self, i: usize) -> String {
        self.fields.get(i).map(Field::value).unwrap_or_default()
    }

    /// The ticked options of field `i` (a multi-select), by index.
    pub fn chosen(&self, i: usize) -> Vec<usize> {
        self.fields.get(i).map(Field::chosen).unwrap_or_default()
    }

    pub fn changed(&self) -> bool {
        self.fields.iter().map(Field::value).collect::<Vec<_>>() != self.initial
    }

    pub fn next_field(&mut self) {
        self.focus = (self.focus + 1) % self.fields.len().max(1);
    }

    pub fn prev_field(&mut self) {
        self.focus = (self.focus + self.fields.len().max(1) - 1) % self.fields.len().max(1);
    }

    /// All fields valid? Sets every field's message.
    pub fn validate_all(&mut self) -> bool {
        for f in &mut self.fields {
            f.check();
        }
        self.check_reason();
        self.fields.iter().all(|f| f.message.is_none())
    }

    /// Text input to the focused field. Control and format characters are
    /// refused; Enter, Tab and Esc are the form's, not the field's.
    pub fn input(&mut self, key: KeyEvent) {
        let Some(field) = self.fields.get_mut(self.focus) else {
            return;
        };
        match &mut field.kind {
            FieldKind::Multi(options, ticks) => {
                let n = options.len().max(1);
                match key.code {
                    KeyCode::Left | KeyCode::Char('h') => field.choice = (field.choice + n - 1) % n,
                    KeyCode::Right | KeyCode::Char('l') => field.choice = (field.choice + 1) % n,
                    KeyCode::Char(' ') | KeyCode::Char('x') => {
                        if let Some(t) = ticks.get_mut(field.choice) {
                            *t = !*t;
                        }
                    }
                    _ => {}
                }
            }
            FieldKind::Choice(options) => {
                let n = options.len().max(1);
                match key.code {
                    KeyCode::Left | KeyCode::Char('h') => field.choice = (field.choice + n - 1) % n,
                    KeyCode::Right | KeyCode::Char(' ') | KeyCode::Char('l') => {
                        field.choice = (field.choice + 1) % n
                    }
                    KeyCode::Char(c) => {
                        // Jump to the next option starting with the letter.
                        let c = c.to_ascii_lowercase();
                        if let Some(i) = (1..=n)
                            .map(|d| (field.choice + d) % n)
                            .find(|i| options[*i].to_lowercase().starts_with(c))
                        {
                            field.choice = i;
                        }
                    }
                    _ => {}
                }
            }
            FieldKind::Text => {
                if let KeyCode::Char(c) = key.code {
                    if is_unsafe_char(c)
                        || key.modifiers.contains(KeyModifiers::CONTROL) && c == 'm'
                        || field.len() >= field.max
                    {
                        return;
                    }
                }
                if matches!(
                    key.code,
                    KeyCode::Enter | KeyCode::Tab | KeyCode::BackTab | KeyCode::Esc
                ) {
                    return;
                }
                // ctrl-u clears the line before the cursor, as shells do
                // (the text area's own ctrl-u would undo).
                if key.code == KeyCode::Char('u') && key.modifiers.contains(KeyModifiers::CONTROL) {
                    field.input.delete_line_by_head();
                } else {
                    field.input.input(key);
                }
            }
        }
        field.check();
        self.error = None;
        // A choice may decide whether the reason is required (the kind).
        self.check_reason();
    }

    /// Pasted text goes into the focused text field, cleaned (line breaks
    /// become spaces; control and format characters go) and cut at the
    /// field's limit. Returns what to tell the user when it was cut.
    pub fn paste(&mut self, s: &str) -> Option<String> {
        let field = self.fields.get_mut(self.focus)?;
        let FieldKind::Text = field.kind else {
            return None;
        };
        let (clean, cut) = super::clean_paste(s, field.max.saturating_sub(field.len()));
        field.input.insert_str(clean);
        field.check();
        let label = field.label.clone();
        let max = field.max;
        self.check_reason();
        cut.then(|| format!("paste cut: {label} holds at most {max} characters"))
    }

    /// The first field shown when `room` rows are left for the fields: the
    /// first one, unless the focused field would then fall below.
    fn first_shown(&self, room: u16) -> usize {
        let rows: Vec<u16> = self.fields.iter().map(Field::rows).collect();
        let focus = self.focus.min(rows.len().saturating_sub(1));
        let mut first = 0;
        while first < focus && rows[first..=focus].iter().sum::<u16>() > room {
            first += 1;
        }
        first
    }

    pub fn render(&mut self, f: &mut Frame, area: Rect, theme: &Theme, sym: Symbols) {
        let width = area.width.saturating_sub(4).min(76);
        let rows: u16 = self.fields.iter().map(Field::rows).sum();
        let height = (rows + self.notes.len() as u16 + 5).min(area.height);
        let r = centered(area, width, height);
        f.render_widget(Clear, r);
        // Too tall for the screen: the fields from `first` on are shown,
        // so that the focused one is in view, and the title says where.
        let reserve = if self.error.is_some() { 2 } else { 0 };
        let room = r
            .height
            .saturating_sub(2 + reserve + self.notes.len() as u16)
            .max(2);
        let first = self.first_shown(room);
        let mut block = Block::default()
            .borders(Borders::ALL)
            .border_set(sym.border_set())
            .border_style(theme.border)
            .title(Span::styled(format!(" {} ", self.title), theme.title));
        if first > 0 || rows > room {
            block = block.title(
                Line::styled(
                    format!(" field {} of {} ", self.focus + 1, self.fields.len()),
                    theme.muted,
                )
                .right_aligned(),
            );
        }
        let inner = block.inner(r);
        f.render_widget(block, r);
        let mut y = inner.y;
        for n in &self.notes {
            if y >= inner.bottom() {
                break;
            }
            f.render_widget(
                Paragraph::new(Line::styled(sanitize(n), theme.muted)),
                Rect {
                    y,
                    height: 1,
                    ..inner
                },
            );
            y += 1;
        }
        let label_w = self
            .fields
            .iter()
            .map(|f| f.label.chars().count())
            .max()
            .unwrap_or(0) as u16
            + 2;
        // The rows kept for the error stay free.
        let fields_bottom = inner.bottom().saturating_sub(reserve);
        for (i, field) in self.fields.iter_mut().enumerate().skip(first) {
            if y + 1 >= fields_bottom {
                break;
            }
            let focused = i == self.focus;
            let label = format!(
                "{}{}",
                if focused { sym.selected() } else { "  " },
                field.label
            );
            f.render_widget(
                Paragraph::new(Line::styled(
                    label,
                    if focused { theme.title } else { theme.normal },
                )),
                Rect {
                    y,
                    width: label_w + 2,
                    height: 1,
                    ..inner
                },
            );
            let value_area = Rect {
                x: inner.x + label_w + 2,
                y,
                width: inner.width.saturating_sub(label_w + 2),
                height: 1,
            };
            match &field.kind {
                // Empty and not focused: its placeholder, muted.
                FieldKind::Text
                    if !focused && !field.placeholder.is_empty() && field.value().is_empty() =>
                {
                    f.render_widget(
                        Paragraph::new(Line::styled(field.placeholder, theme.muted)),
                        value_area,
                    );
                }
                FieldKind::Text => {
                    field.input.set_cursor_style(if focused {
                        theme.selected
                    } else {
                        Style::default()
                    });
                    f.render_widget(&field.input, value_area);
                }
                FieldKind::Choice(_) | FieldKind::Multi(..) => {
                    let text = match &field.kind {
                        FieldKind::Multi(o, ticks) => format!(
                            "{} of {} ticked",
                            ticks.iter().filter(|t| **t).count(),
                            o.len()
                        ),
                        _ => format!(
                            "{} {} {}",
                            sym.pick("◀", "<"),
                            sanitize(&field.value()),
                            sym.pick("▶", ">")
                        ),
                    };
                    f.render_widget(
                        Paragraph::new(Line::styled(
                            text,
                            if focused {
                                theme.selected
                            } else {
                                theme.normal
                            },
                        )),
                        value_area,
                    );
                }
            }
            // A multi-select lists its options on the lines below, full width.
            if let FieldKind::Multi(o, ticks) = &field.kind {
                let lines: Vec<Line> = if o.is_empty() {
                    vec![Line::styled("(none to choose from)", theme.muted)]
                } else {
                    o.iter()
                        .zip(ticks)
                        .enumerate()
                        .map(|(j, (label, t))| {
                            let here = focused && j == field.choice;
                            Line::styled(
                                format!(
                                    "{}{} {}",
                                    if here { sym.selected() } else { "  " },
                                    if *t { "[x]" } else { "[ ]" },
                                    sanitize(label)
                                ),
                                if here { theme.selected } else { theme.normal },
                            )
                        })
                        .collect()
                };
                for line in lines {
                    y += 1;
                    if y + 1 >= fields_bottom {
                        break;
                    }
                    f.render_widget(
                        Paragraph::new(line),
                        Rect {
                            x: inner.x + 2,
                            y,
                            width: inner.width.saturating_sub(2),
                            height: 1,
                        },
                    );
                }
            }
            let msg = match &field.message {
                Some(m) => Line::styled(format!("  {} {}", sym.expired(), m), theme.status_error),
                None if focused => Line::styled(format!("  {}", field.hint), theme.muted),
                None => Line::from(""),
            };
            f.render_widget(
                Paragraph::new(msg),
                Rect {
                    x: value_area.x,
                    y: y + 1,
                    width: value_area.width,
                    height: 1,
                },
            );
            y += 2;
        }
        if let Some(e) = &self.error {
            let h = inner.bottom().saturating_sub(y).max(1);
            f.render_widget(
                Paragraph::new(Line::styled(
                    format!("{} {}", sym.expired(), sanitize(e)),
                    theme.status_error,
                ))
                .wrap(Wrap { trim: true }),
                Rect {
                    y: y.min(inner.bottom().saturating_sub(1)),
                    height: h.min(2),
                    ..inner
                },
            );
        }
    }
}
