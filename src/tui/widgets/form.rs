//! Forms: ratatui-textarea fields with inline validation as you type.
//! Nothing is saved until the form is submitted; a rejected command leaves
//! the form open with the message.

use chrono::NaiveDate;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;
use ratatui_textarea::TextArea;

use super::{centered, Symbols};
use crate::domain::text::{self, is_unsafe_char, sanitize};
use crate::tui::theme::Theme;

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
                field.input.input(key);
            }
        }
        field.check();
        self.error = None;
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
        cut.then(|| {
            format!(
                "paste cut: {} holds at most {} characters",
                field.label, field.max
            )
        })
    }

    pub fn render(&mut self, f: &mut Frame, area: Rect, theme: &Theme, sym: Symbols) {
        let width = area.width.saturating_sub(4).min(76);
        let rows: u16 = self.fields.iter().map(Field::rows).sum();
        let height = (rows + self.notes.len() as u16 + 5).min(area.height);
        let r = centered(area, width, height);
        f.render_widget(Clear, r);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(sym.border_set())
            .border_style(theme.border)
            .title(Span::styled(format!(" {} ", self.title), theme.title));
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
        for (i, field) in self.fields.iter_mut().enumerate() {
            if y + 1 >= inner.bottom() {
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
                    if y + 1 >= inner.bottom() {
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

// ---- validators -----------------------------------------------------------

pub fn any(_: &str) -> Result<(), String> {
    Ok(())
}

pub fn required(s: &str) -> Result<(), String> {
    text::required_text("this field", s)
        .map(|_| ())
        .map_err(|e| e.to_string().replace("this field ", ""))
}

pub fn optional_text(s: &str) -> Result<(), String> {
    if s.is_empty() {
        Ok(())
    } else {
        required(s)
    }
}

pub fn optional_email(s: &str) -> Result<(), String> {
    if s.is_empty() {
        Ok(())
    } else {
        text::email(s).map(|_| ()).map_err(|e| e.to_string())
    }
}

pub fn optional_login(s: &str) -> Result<(), String> {
    if s.is_empty() {
        Ok(())
    } else {
        text::login(s).map(|_| ()).map_err(|e| e.to_string())
    }
}

pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| "use YYYY-MM-DD".to_string())
}

pub fn date(s: &str) -> Result<(), String> {
    parse_date(s).map(|_| ())
}

pub fn optional_date(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        Ok(())
    } else {
        date(s)
    }
}

pub fn optional_date_value(s: &str) -> Option<NaiveDate> {
    parse_date(s).ok()
}

/// Comma-separated list; each entry must be sane text.
pub fn list(s: &str) -> Result<(), String> {
    split_list(s).iter().try_for_each(|x| required(x))
}

pub fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

pub fn ata_list(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Ok(());
    }
    crate::domain::authorizations::parse_ata_ranges(s)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub fn optional_ata(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Ok(());
    }
    crate::domain::authorizations::parse_ata(s)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub fn aircraft_type(s: &str) -> Result<(), String> {
    crate::domain::authorizations::AircraftType::parse(s)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub fn aircraft_types(s: &str) -> Result<(), String> {
    split_list(s).iter().try_for_each(|t| aircraft_type(t))
}
