//! The last passes over a finished frame, whichever view or widget drew it:
//! colours mapped down to what the terminal shows (themes may use any
//! colour), the mono theme's reset, and the fold of drawing symbols to ASCII.

use ratatui::buffer::Buffer;
use ratatui::style::Color;

use super::caps::ColorDepth;

/// Every last pass, in order: `mono` (the mono theme) resets every cell's
/// colours, keeping bold and reverse (crossterm's NO_COLOR handling would
/// wipe those too); `depth` maps the colours down; `ascii` folds symbols.
pub fn finish(buf: &mut Buffer, mono: bool, depth: ColorDepth, ascii: bool) {
    let depth = if mono { ColorDepth::None } else { depth };
    if depth != ColorDepth::TrueColor {
        for cell in buf.content.iter_mut() {
            cell.fg = map_color(cell.fg, depth);
            cell.bg = map_color(cell.bg, depth);
            cell.underline_color = map_color(cell.underline_color, depth);
        }
    }
    if ascii {
        ascii_fold(buf);
    }
}

/// The xterm default RGB values of the 16 ANSI colours, in index order.
const ANSI: [(u8, u8, u8); 16] = [
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (92, 92, 255),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
];

const NAMED: [Color; 16] = [
    Color::Black,
    Color::Red,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::Cyan,
    Color::Gray,
    Color::DarkGray,
    Color::LightRed,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightBlue,
    Color::LightMagenta,
    Color::LightCyan,
    Color::White,
];

/// The six levels of each channel in the 256-colour cube (16–231).
const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// A colour as the given depth can show it: none → reset; 16 → the nearest
/// of the 16 ANSI colours; 256 → RGB to the nearest palette entry.
pub fn map_color(c: Color, depth: ColorDepth) -> Color {
    match (depth, c) {
        (_, Color::Reset) | (ColorDepth::TrueColor, _) => c,
        (ColorDepth::None, _) => Color::Reset,
        (ColorDepth::Ansi16, Color::Indexed(i)) if i < 16 => NAMED[i as usize],
        (ColorDepth::Ansi16, Color::Indexed(i)) => nearest16(indexed_rgb(i)),
        (ColorDepth::Ansi16, Color::Rgb(r, g, b)) => nearest16((r, g, b)),
        (ColorDepth::Ansi256, Color::Rgb(r, g, b)) => Color::Indexed(nearest256((r, g, b))),
        _ => c,
    }
}

fn dist(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).unsigned_abs();
    d(a.0, b.0).pow(2) + d(a.1, b.1).pow(2) + d(a.2, b.2).pow(2)
}

fn nearest16(rgb: (u8, u8, u8)) -> Color {
    let i = (0..16).min_by_key(|i| dist(ANSI[*i], rgb)).unwrap_or(7);
    NAMED[i]
}

/// The RGB value of a 256-palette entry.
fn indexed_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI[i as usize],
        16..=231 => {
            let n = i - 16;
            (
                CUBE[(n / 36) as usize],
                CUBE[(n / 6 % 6) as usize],
                CUBE[(n % 6) as usize],
            )
        }
        _ => {
            let v = 8 + 10 * (i - 232);
            (v, v, v)
        }
    }
}

/// The nearest entry of the cube and the grey ramp (16–255; the first 16
/// differ from terminal to terminal).
fn nearest256(rgb: (u8, u8, u8)) -> u8 {
    (16..=255u8)
        .min_by_key(|i| dist(indexed_rgb(*i), rgb))
        .unwrap_or(16)
}

/// `--ascii`: replaces the symbols the app draws with (dashes, arrows,
/// marks, box drawing, the control pictures of sanitised text) by ASCII, in
/// every cell, whichever view or widget put them there. Letters of stored
/// names lose their accents (ø → o, é → e: an ASCII terminal would show a
/// UTF-8 letter as two wrong characters and shift the rest of the line);
/// anything else becomes "?". Only ASCII is written.
pub fn ascii_fold(buf: &mut ratatui::buffer::Buffer) {
    for cell in buf.content.iter_mut() {
        let sym = cell.symbol();
        if sym.is_ascii() {
            continue;
        }
        let Some(c) = sym.chars().next() else {
            continue;
        };
        // A letter with combining marks: the letter alone.
        if c.is_ascii() {
            cell.set_char(c);
            continue;
        }
        let to = match c {
            '—' | '–' | '─' | '━' | '·' | '•' => '-',
            '│' | '┃' => '|',
            '┌' | '┐' | '└' | '┘' | '├' | '┤' | '┬' | '┴' | '┼' => '+',
            '×' | '✗' => 'x',
            '▶' | '→' | '►' => '>',
            '◀' | '←' | '◄' => '<',
            '↑' | '▲' => '^',
            '↓' | '▼' => 'v',
            '✓' => '+',
            '⊘' => 'o',
            '…' => '.',
            '\u{2400}'..='\u{2426}' => '?',
            c => ascii_letter(c).unwrap_or('?'),
        };
        cell.set_char(to);
    }
}

/// A Latin letter without its accent (one cell for one: æ → a, ß → s).
pub fn ascii_letter(c: char) -> Option<char> {
    Some(match c {
        'À'..='Æ' | 'Ā' | 'Ă' | 'Ą' => 'A',
        'à'..='æ' | 'ā' | 'ă' | 'ą' => 'a',
        'Ç' | 'Ć' | 'Ĉ' | 'Ċ' | 'Č' => 'C',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'Ð' | 'Ď' | 'Đ' => 'D',
        'ð' | 'ď' | 'đ' => 'd',
        'È'..='Ë' | 'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' => 'E',
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' => 'G',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'Ì'..='Ï' | 'Ī' | 'Į' | 'İ' => 'I',
        'ì'..='ï' | 'ī' | 'į' | 'ı' => 'i',
        'Ł' | 'Ĺ' | 'Ľ' => 'L',
        'ł' | 'ĺ' | 'ľ' => 'l',
        'Ñ' | 'Ń' | 'Ň' => 'N',
        'ñ' | 'ń' | 'ň' => 'n',
        'Ò'..='Ö' | 'Ø' | 'Ő' | 'Œ' => 'O',
        'ò'..='ö' | 'ø' | 'ő' | 'œ' => 'o',
        'Ŕ' | 'Ř' => 'R',
        'ŕ' | 'ř' => 'r',
        'Ś' | 'Ŝ' | 'Ş' | 'Š' => 'S',
        'ś' | 'ŝ' | 'ş' | 'š' | 'ß' => 's',
        'Ţ' | 'Ť' | 'Þ' => 'T',
        'ţ' | 'ť' | 'þ' => 't',
        'Ù'..='Ü' | 'Ū' | 'Ů' | 'Ű' | 'Ų' => 'U',
        'ù'..='ü' | 'ū' | 'ů' | 'ű' | 'ų' => 'u',
        'Ý' | 'Ÿ' => 'Y',
        'ý' | 'ÿ' => 'y',
        'Ź' | 'Ż' | 'Ž' => 'Z',
        'ź' | 'ż' | 'ž' => 'z',
        _ => return None,
    })
}

/// The ASCII stand-in for a symbol; letters and digits are returned as they are.
pub fn ascii_symbol(c: char) -> char {
    match c {
        '─' | '━' | '═' | '—' | '–' | '‒' => '-',
        '│' | '┃' | '║' => '|',
        '▶' | '→' | '►' | '»' => '>',
        '◀' | '←' | '◄' | '«' => '<',
        '↑' | '▲' => '^',
        '↓' | '▼' => 'v',
        '✓' | '✔' => '+',
        '✗' | '✘' | '×' => 'x',
        '⊘' | '●' | '○' => 'o',
        '·' | '•' | '…' => '.',
        '\u{2500}'..='\u{257F}' => '+',
        '\u{2400}'..='\u{243F}' => '?',
        '\u{2000}'..='\u{206F}'
        | '\u{2190}'..='\u{21FF}'
        | '\u{2200}'..='\u{22FF}'
        | '\u{2580}'..='\u{27BF}' => '*',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_map_down_to_the_depth() {
        use ColorDepth::{Ansi16, Ansi256, TrueColor};
        let rgb = Color::Rgb(250, 10, 10);
        assert_eq!(map_color(rgb, TrueColor), rgb);
        assert_eq!(map_color(rgb, Ansi256), Color::Indexed(196));
        assert_eq!(map_color(rgb, Ansi16), Color::LightRed);
        assert_eq!(map_color(rgb, ColorDepth::None), Color::Reset);
        assert_eq!(map_color(Color::Indexed(4), Ansi16), Color::Blue);
        assert_eq!(map_color(Color::Indexed(244), Ansi16), Color::DarkGray);
        assert_eq!(map_color(Color::Rgb(0, 0, 0), Ansi16), Color::Black);
        assert_eq!(map_color(Color::Cyan, Ansi16), Color::Cyan);
        assert_eq!(map_color(Color::Cyan, ColorDepth::None), Color::Reset);
    }

    #[test]
    fn without_colour_bold_and_reverse_stay() {
        use ratatui::style::{Modifier, Style};
        let mut buf = Buffer::empty(ratatui::layout::Rect::new(0, 0, 2, 1));
        buf.set_string(
            0,
            0,
            "▶x",
            Style::default()
                .fg(Color::Black)
                .bg(Color::LightBlue)
                .add_modifier(Modifier::BOLD | Modifier::REVERSED),
        );
        finish(&mut buf, false, ColorDepth::None, true);
        let c = &buf[(0, 0)];
        assert_eq!((c.fg, c.bg), (Color::Reset, Color::Reset));
        assert!(c.modifier.contains(Modifier::BOLD | Modifier::REVERSED));
        assert_eq!(c.symbol(), ">");
    }

    #[test]
    fn ascii_writes_only_ascii_and_names_lose_their_accents() {
        let mut buf = Buffer::empty(ratatui::layout::Rect::new(0, 0, 12, 1));
        buf.set_string(0, 0, "Bjørn Lucía│日", ratatui::style::Style::default());
        finish(&mut buf, false, ColorDepth::Ansi16, true);
        let text: String = buf.content.iter().map(|c| c.symbol()).collect();
        assert_eq!(text, "Bjorn Lucia|");
        let mut buf = Buffer::empty(ratatui::layout::Rect::new(0, 0, 4, 1));
        buf.set_string(0, 0, "a日", ratatui::style::Style::default());
        finish(&mut buf, false, ColorDepth::Ansi16, true);
        let text: String = buf.content.iter().map(|c| c.symbol()).collect();
        assert_eq!(text, "a?  ");
    }
}
