//! Terminal input bytes to events. Our own parser (crossterm's is private
//! and its reader spins on end of input and swallows everything after a lone
//! paste-start marker): keys as xterm-compatible terminals send them, SGR
//! and X10 mouse reports, and bracketed paste. While a paste is open every
//! byte is text, end markers included; when it closes is the reader's
//! decision (see `input.rs`), not the bytes'.

use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

pub const PASTE_START: &[u8] = b"\x1b[200~";
pub const PASTE_END: &[u8] = b"\x1b[201~";
/// The most bytes of one paste that are kept; the rest is counted and
/// dropped. The longest field holds 2,000 characters.
pub const PASTE_MAX_BYTES: usize = 64 * 1024;

/// What a run of bytes parses to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Event(Event),
    /// A paste-start marker: every following byte belongs to the paste.
    PasteStart,
}

/// The bytes of an open paste.
#[derive(Debug, Default)]
pub struct Paste {
    kept: Vec<u8>,
    /// Every byte received, kept or not.
    pub total: usize,
    /// An end marker was seen (the paste may go on: anything arriving
    /// with it is still text).
    pub ended: bool,
    /// The last bytes, to find a marker split between reads.
    carry: Vec<u8>,
}

impl Paste {
    pub fn add(&mut self, bytes: &[u8]) {
        let mut probe = std::mem::take(&mut self.carry);
        probe.extend_from_slice(&bytes[..bytes.len().min(PASTE_END.len())]);
        if contains(&probe, PASTE_END) || contains(bytes, PASTE_END) {
            self.ended = true;
        }
        let keep = bytes.len().min(PASTE_END.len() - 1);
        self.carry = bytes[bytes.len() - keep..].to_vec();
        self.total += bytes.len();
        let room = PASTE_MAX_BYTES.saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    /// Were bytes dropped for the size bound?
    pub fn truncated(&self) -> bool {
        self.total > self.kept.len()
    }

    /// The pasted text without markers (other escape sequences are left for
    /// the field's cleaning, which drops control characters).
    pub fn text(&self) -> String {
        let mut s = String::from_utf8_lossy(&self.kept).into_owned();
        for m in [PASTE_START, PASTE_END] {
            s = s.replace(std::str::from_utf8(m).unwrap_or_default(), "");
        }
        s
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Outcome of parsing at the start of a buffer.
enum Parsed {
    /// A token and how many bytes it took.
    Done(Option<Token>, usize),
    /// A sequence that may complete with more bytes.
    Incomplete,
}

/// Parses bytes (outside pastes) into tokens, keeping an incomplete
/// sequence for the next read.
#[derive(Debug, Default)]
pub struct Parser {
    pending: Vec<u8>,
}

impl Parser {
    /// Parses `bytes` after whatever was pending. Stops right after a
    /// paste-start marker and returns the bytes that follow it (they belong
    /// to the paste).
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Token>) -> Option<Vec<u8>> {
        self.pending.extend_from_slice(bytes);
        let mut at = 0;
        while at < self.pending.len() {
            match parse(&self.pending[at..]) {
                Parsed::Incomplete => break,
                Parsed::Done(tok, n) => {
                    at += n;
                    if let Some(t) = tok {
                        let start = t == Token::PasteStart;
                        out.push(t);
                        if start {
                            let rest = self.pending[at..].to_vec();
                            self.pending.clear();
                            return Some(rest);
                        }
                    }
                }
            }
        }
        self.pending.drain(..at);
        None
    }

    /// Waiting for the rest of a sequence?
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Input went quiet: a lone ESC is the Esc key (and ESC + a key is
    /// alt + that key, as parsed); a sequence still incomplete is dropped.
    pub fn flush(&mut self, out: &mut Vec<Token>) {
        let pending = std::mem::take(&mut self.pending);
        match pending.as_slice() {
            [] => {}
            [0x1b] | [0x1b, 0x1b] => out.push(key(KeyCode::Esc, KeyModifiers::NONE)),
            [0x1b, rest @ ..] if rest[0] != b'[' && rest[0] != b'O' => {
                let mut inner = Vec::new();
                let mut p = Parser::default();
                p.feed(rest, &mut inner);
                for t in inner {
                    out.push(alt(t));
                }
            }
            _ => tracing::debug!(
                "dropped an incomplete input sequence of {} bytes",
                pending.len()
            ),
        }
    }
}

fn key(code: KeyCode, modifiers: KeyModifiers) -> Token {
    Token::Event(Event::Key(KeyEvent::new_with_kind(
        code,
        modifiers,
        KeyEventKind::Press,
    )))
}

fn alt(t: Token) -> Token {
    match t {
        Token::Event(Event::Key(mut k)) => {
            k.modifiers |= KeyModifiers::ALT;
            Token::Event(Event::Key(k))
        }
        other => other,
    }
}

/// A character key; upper case carries SHIFT, as crossterm reports it.
fn char_key(c: char) -> Token {
    let m = if c.is_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    key(KeyCode::Char(c), m)
}

fn parse(b: &[u8]) -> Parsed {
    let ctrl = KeyModifiers::CONTROL;
    let tok = match b[0] {
        0x1b => return parse_escape(b),
        b'\r' => key(KeyCode::Enter, KeyModifiers::NONE),
        b'\t' => key(KeyCode::Tab, KeyModifiers::NONE),
        0x7f => key(KeyCode::Backspace, KeyModifiers::NONE),
        0 => key(KeyCode::Char(' '), ctrl),
        c @ 0x01..=0x1a => key(KeyCode::Char((c - 1 + b'a') as char), ctrl),
        c @ 0x1c..=0x1f => key(KeyCode::Char((c - 0x1c + b'4') as char), ctrl),
        _ => return parse_utf8(b),
    };
    Parsed::Done(Some(tok), 1)
}

fn parse_utf8(b: &[u8]) -> Parsed {
    let len = match b[0] {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => return Parsed::Done(None, 1),
    };
    if b.len() < len {
        return Parsed::Incomplete;
    }
    match std::str::from_utf8(&b[..len])
        .ok()
        .and_then(|s| s.chars().next())
    {
        Some(c) => Parsed::Done(Some(char_key(c)), len),
        None => Parsed::Done(None, 1),
    }
}

fn parse_escape(b: &[u8]) -> Parsed {
    let Some(&second) = b.get(1) else {
        return Parsed::Incomplete;
    };
    match second {
        b'[' => parse_csi(b),
        b'O' => {
            let Some(&third) = b.get(2) else {
                return Parsed::Incomplete;
            };
            let code = match third {
                b'A' => KeyCode::Up,
                b'B' => KeyCode::Down,
                b'C' => KeyCode::Right,
                b'D' => KeyCode::Left,
                b'H' => KeyCode::Home,
                b'F' => KeyCode::End,
                c @ b'P'..=b'S' => KeyCode::F(1 + c - b'P'),
                _ => return Parsed::Done(None, 3),
            };
            Parsed::Done(Some(key(code, KeyModifiers::NONE)), 3)
        }
        0x1b => Parsed::Done(Some(key(KeyCode::Esc, KeyModifiers::NONE)), 1),
        _ => match parse(&b[1..]) {
            Parsed::Incomplete => Parsed::Incomplete,
            Parsed::Done(t, n) => Parsed::Done(t.map(alt), n + 1),
        },
    }
}

/// `ESC [` parameters intermediates final. Unknown sequences are consumed
/// whole and dropped.
fn parse_csi(b: &[u8]) -> Parsed {
    if b.get(2) == Some(&b'M') {
        // X10 mouse: ESC [ M b x y
        if b.len() < 6 {
            return Parsed::Incomplete;
        }
        let ev = mouse(u16::from(b[3].wrapping_sub(32)), b[4], b[5], false);
        return Parsed::Done(ev.map(Token::Event), 6);
    }
    let Some(end) = b[2..].iter().position(|c| (0x40..=0x7e).contains(c)) else {
        // Bound what we wait for: no real sequence is this long.
        return if b.len() > 64 {
            Parsed::Done(None, b.len())
        } else {
            Parsed::Incomplete
        };
    };
    let len = end + 3;
    let fin = b[len - 1];
    let params = std::str::from_utf8(&b[2..len - 1]).unwrap_or("");
    if &b[..len] == PASTE_START {
        return Parsed::Done(Some(Token::PasteStart), len);
    }
    if let Some(sgr) = params.strip_prefix('<') {
        return Parsed::Done(sgr_mouse(sgr, fin == b'm').map(Token::Event), len);
    }
    let mut nums = params.split(';').map(|p| p.parse::<u16>().ok());
    let first = nums.next().flatten();
    let mods = nums
        .next()
        .flatten()
        .map(modifiers)
        .unwrap_or(KeyModifiers::NONE);
    let code = match fin {
        b'A' => KeyCode::Up,
        b'B' => KeyCode::Down,
        b'C' => KeyCode::Right,
        b'D' => KeyCode::Left,
        b'H' => KeyCode::Home,
        b'F' => KeyCode::End,
        b'P' => KeyCode::F(1),
        b'Q' => KeyCode::F(2),
        b'R' if params.is_empty() || first == Some(1) => KeyCode::F(3),
        b'S' => KeyCode::F(4),
        b'Z' => return Parsed::Done(Some(key(KeyCode::BackTab, KeyModifiers::SHIFT)), len),
        b'~' => match first {
            Some(1 | 7) => KeyCode::Home,
            Some(2) => KeyCode::Insert,
            Some(3) => KeyCode::Delete,
            Some(4 | 8) => KeyCode::End,
            Some(5) => KeyCode::PageUp,
            Some(6) => KeyCode::PageDown,
            Some(n @ 11..=15) => KeyCode::F((n - 10) as u8),
            Some(n @ 17..=21) => KeyCode::F((n - 11) as u8),
            Some(n @ 23..=24) => KeyCode::F((n - 12) as u8),
            // A stray paste-end marker (no paste open) and anything else.
            _ => return Parsed::Done(None, len),
        },
        _ => return Parsed::Done(None, len),
    };
    Parsed::Done(Some(key(code, mods)), len)
}

/// xterm's modifier parameter: 1 + (shift 1, alt 2, ctrl 4).
fn modifiers(p: u16) -> KeyModifiers {
    let m = p.saturating_sub(1);
    let mut out = KeyModifiers::NONE;
    if m & 1 != 0 {
        out |= KeyModifiers::SHIFT;
    }
    if m & 2 != 0 {
        out |= KeyModifiers::ALT;
    }
    if m & 4 != 0 {
        out |= KeyModifiers::CONTROL;
    }
    out
}

fn sgr_mouse(params: &str, release: bool) -> Option<Event> {
    let mut it = params.split(';').map(|p| p.parse::<u16>().ok());
    let (b, x, y) = (it.next()??, it.next()??, it.next()??);
    let x = u8::try_from(x.min(223) + 32).ok()?;
    let y = u8::try_from(y.min(223) + 32).ok()?;
    mouse(b, x, y, release)
}

/// A mouse report; x and y are 1-based plus 32, as X10 sends them.
fn mouse(b: u16, x: u8, y: u8, release: bool) -> Option<Event> {
    let mut modifiers = KeyModifiers::NONE;
    if b & 4 != 0 {
        modifiers |= KeyModifiers::SHIFT;
    }
    if b & 8 != 0 {
        modifiers |= KeyModifiers::ALT;
    }
    if b & 16 != 0 {
        modifiers |= KeyModifiers::CONTROL;
    }
    let button = match b & 3 {
        0 => MouseButton::Left,
        1 => MouseButton::Middle,
        _ => MouseButton::Right,
    };
    let kind = if b & 64 != 0 {
        match b & 3 {
            0 => MouseEventKind::ScrollUp,
            1 => MouseEventKind::ScrollDown,
            2 => MouseEventKind::ScrollLeft,
            _ => MouseEventKind::ScrollRight,
        }
    } else if b & 32 != 0 {
        if b & 3 == 3 {
            MouseEventKind::Moved
        } else {
            MouseEventKind::Drag(button)
        }
    } else if release || b & 3 == 3 {
        MouseEventKind::Up(button)
    } else {
        MouseEventKind::Down(button)
    };
    Some(Event::Mouse(MouseEvent {
        kind,
        column: u16::from(x.saturating_sub(33)),
        row: u16::from(y.saturating_sub(33)),
        modifiers,
    }))
}

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
