use super::*;

fn parse_all(bytes: &[u8]) -> (Vec<Token>, Option<Vec<u8>>) {
    let mut p = Parser::default();
    let mut out = Vec::new();
    let rest = p.feed(bytes, &mut out);
    p.flush(&mut out);
    (out, rest)
}

fn k(code: KeyCode, m: KeyModifiers) -> Token {
    key(code, m)
}

#[test]
fn keys_arrive_as_crossterm_reports_them() {
    let none = KeyModifiers::NONE;
    let (t, _) = parse_all(b"jQ\r\t\x7f\x03\x1a\x1b[A\x1bOB\x1b[1;5C\x1b[Z\x1b[5~\x1b[3~\x1bOP");
    assert_eq!(
        t,
        vec![
            k(KeyCode::Char('j'), none),
            k(KeyCode::Char('Q'), KeyModifiers::SHIFT),
            k(KeyCode::Enter, none),
            k(KeyCode::Tab, none),
            k(KeyCode::Backspace, none),
            k(KeyCode::Char('c'), KeyModifiers::CONTROL),
            k(KeyCode::Char('z'), KeyModifiers::CONTROL),
            k(KeyCode::Up, none),
            k(KeyCode::Down, none),
            k(KeyCode::Right, KeyModifiers::CONTROL),
            k(KeyCode::BackTab, KeyModifiers::SHIFT),
            k(KeyCode::PageUp, none),
            k(KeyCode::Delete, none),
            k(KeyCode::F(1), none),
        ]
    );
}

#[test]
fn a_lone_escape_is_the_esc_key_and_escape_plus_a_key_is_alt() {
    assert_eq!(
        parse_all(b"\x1b").0,
        vec![k(KeyCode::Esc, KeyModifiers::NONE)]
    );
    assert_eq!(
        parse_all(b"\x1bx").0,
        vec![k(KeyCode::Char('x'), KeyModifiers::ALT)]
    );
    assert_eq!(
        parse_all("é€".as_bytes()).0,
        vec![
            k(KeyCode::Char('é'), KeyModifiers::NONE),
            k(KeyCode::Char('€'), KeyModifiers::NONE)
        ]
    );
}

#[test]
fn a_sequence_split_between_reads_waits_for_its_rest() {
    let mut p = Parser::default();
    let mut out = Vec::new();
    p.feed(b"j\x1b[", &mut out);
    assert!(p.has_pending());
    p.feed(b"B", &mut out);
    assert!(!p.has_pending());
    assert_eq!(
        out,
        vec![
            k(KeyCode::Char('j'), KeyModifiers::NONE),
            k(KeyCode::Down, KeyModifiers::NONE)
        ]
    );
}

#[test]
fn a_paste_start_hands_every_following_byte_to_the_paste() {
    let (t, rest) = parse_all(b"a\x1b[200~q\x1b[201~2");
    assert_eq!(
        t,
        vec![k(KeyCode::Char('a'), KeyModifiers::NONE), Token::PasteStart]
    );
    assert_eq!(rest.as_deref(), Some(&b"q\x1b[201~2"[..]));
}

#[test]
fn a_stray_paste_end_and_unknown_sequences_are_dropped() {
    let (t, _) = parse_all(b"\x1b[201~\x1b[?1;2c\x1b[99xj");
    assert_eq!(t, vec![k(KeyCode::Char('j'), KeyModifiers::NONE)]);
}

#[test]
fn mouse_wheel_reports_scroll() {
    let (t, _) = parse_all(b"\x1b[<65;10;5M\x1b[<64;1;1M");
    let kinds: Vec<_> = t
        .iter()
        .map(|t| match t {
            Token::Event(Event::Mouse(m)) => m.kind,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        vec![MouseEventKind::ScrollDown, MouseEventKind::ScrollUp]
    );
}

#[test]
fn a_paste_keeps_its_text_bounded_and_notes_an_end_marker_split_between_reads() {
    let mut p = Paste::default();
    p.add(b"abc\x1b[20");
    assert!(!p.ended);
    p.add(b"1~def");
    assert!(p.ended);
    assert_eq!(p.text(), "abcdef");
    let mut big = Paste::default();
    big.add(&vec![b'x'; PASTE_MAX_BYTES + 10]);
    assert!(big.truncated());
    assert_eq!(big.total, PASTE_MAX_BYTES + 10);
    assert_eq!(big.text().len(), PASTE_MAX_BYTES);
}
