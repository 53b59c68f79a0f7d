//! The backend the app draws through: crossterm's for everything but the
//! cells, which are written here so that colours go out as the terminal
//! understands them. crossterm writes even the 16 ANSI colours as 38;5;N,
//! which a 16-colour terminal may not know and a VT100 reads as blink; here
//! they are SGR 30–37/90–97 (40–47/100–107 for the background), 38;5;N only
//! for palette colours and 38;2;R;G;B only for RGB (the frame has been mapped
//! down to the terminal's depth before, see `passes`), and no colour at all
//! when the terminal has none. The window size falls back to LINES and
//! COLUMNS when the terminal reports 0×0 (serial lines).

use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};

use super::caps::{self, ColorDepth};

pub struct AppBackend<W: Write> {
    inner: CrosstermBackend<W>,
    depth: ColorDepth,
}

impl<W: Write> AppBackend<W> {
    pub fn new(writer: W, depth: ColorDepth) -> AppBackend<W> {
        AppBackend {
            inner: CrosstermBackend::new(writer),
            depth,
        }
    }
}

/// The SGR parameters of one colour (`base` 30 for the foreground, 40 for
/// the background), or None for the terminal's default.
fn color_sgr(c: Color, base: u8, depth: ColorDepth, out: &mut String) {
    use std::fmt::Write as _;
    if depth == ColorDepth::None {
        return;
    }
    let named = |i: u8| {
        if i < 8 {
            base + i
        } else {
            base + 60 + (i - 8)
        }
    };
    let p = match c {
        Color::Reset => return,
        Color::Black => named(0),
        Color::Red => named(1),
        Color::Green => named(2),
        Color::Yellow => named(3),
        Color::Blue => named(4),
        Color::Magenta => named(5),
        Color::Cyan => named(6),
        Color::Gray => named(7),
        Color::DarkGray => named(8),
        Color::LightRed => named(9),
        Color::LightGreen => named(10),
        Color::LightYellow => named(11),
        Color::LightBlue => named(12),
        Color::LightMagenta => named(13),
        Color::LightCyan => named(14),
        Color::White => named(15),
        Color::Indexed(i) if i < 16 => named(i),
        Color::Indexed(i) => {
            let _ = write!(out, ";{};5;{i}", base + 8);
            return;
        }
        Color::Rgb(r, g, b) => {
            let _ = write!(out, ";{};2;{r};{g};{b}", base + 8);
            return;
        }
    };
    let _ = write!(out, ";{p}");
}

/// One SGR sequence setting everything about a cell's look from scratch.
pub fn sgr(fg: Color, bg: Color, m: Modifier, depth: ColorDepth) -> String {
    let mut s = String::from("\x1b[0");
    for (bit, p) in [
        (Modifier::BOLD, 1),
        (Modifier::DIM, 2),
        (Modifier::ITALIC, 3),
        (Modifier::UNDERLINED, 4),
        (Modifier::SLOW_BLINK, 5),
        (Modifier::RAPID_BLINK, 6),
        (Modifier::REVERSED, 7),
        (Modifier::HIDDEN, 8),
        (Modifier::CROSSED_OUT, 9),
    ] {
        if m.contains(bit) {
            s.push(';');
            s.push_str(&p.to_string());
        }
    }
    color_sgr(fg, 30, depth, &mut s);
    color_sgr(bg, 40, depth, &mut s);
    s.push('m');
    s
}

impl<W: Write> Backend for AppBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut out = Vec::new();
        let mut look = (Color::Reset, Color::Reset, Modifier::empty());
        let mut last: Option<Position> = None;
        for (x, y, cell) in content {
            if !matches!(last, Some(p) if x == p.x + 1 && y == p.y) {
                write!(out, "\x1b[{};{}H", y + 1, x + 1)?;
            }
            last = Some(Position { x, y });
            let now = (cell.fg, cell.bg, cell.modifier);
            if now != look {
                out.extend_from_slice(sgr(now.0, now.1, now.2, self.depth).as_bytes());
                look = now;
            }
            out.extend_from_slice(cell.symbol().as_bytes());
        }
        out.extend_from_slice(b"\x1b[0m");
        self.inner.write_all(&out)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type)
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.inner.append_lines(n)
    }

    /// The terminal's size, or LINES × COLUMNS when it reports 0×0.
    fn size(&self) -> io::Result<Size> {
        match caps::window_size() {
            Some((width, height)) => Ok(Size { width, height }),
            None => self.inner.size(),
        }
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        let mut ws = self.inner.window_size()?;
        ws.columns_rows = self.size()?;
        Ok(ws)
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_go_out_as_the_depth_says() {
        let b = Modifier::BOLD;
        assert_eq!(
            sgr(Color::Black, Color::LightBlue, b, ColorDepth::Ansi16),
            "\x1b[0;1;30;104m"
        );
        assert_eq!(
            sgr(
                Color::DarkGray,
                Color::Reset,
                Modifier::empty(),
                ColorDepth::Ansi256
            ),
            "\x1b[0;90m"
        );
        assert_eq!(
            sgr(
                Color::Indexed(196),
                Color::Reset,
                Modifier::empty(),
                ColorDepth::Ansi256
            ),
            "\x1b[0;38;5;196m"
        );
        assert_eq!(
            sgr(
                Color::Rgb(1, 2, 3),
                Color::Rgb(4, 5, 6),
                Modifier::empty(),
                ColorDepth::TrueColor
            ),
            "\x1b[0;38;2;1;2;3;48;2;4;5;6m"
        );
        assert_eq!(
            sgr(
                Color::Red,
                Color::Blue,
                b | Modifier::REVERSED,
                ColorDepth::None
            ),
            "\x1b[0;1;7m"
        );
    }
}
