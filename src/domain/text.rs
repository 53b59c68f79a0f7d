//! Validation of untrusted text and the one function that makes stored text
//! safe to show on a terminal.

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use super::error::{invalid, DomainResult};

/// The longest name, label or free-text field we accept, in characters.
pub const MAX_TEXT: usize = 200;
/// Limitations and reasons may be longer than names.
pub const MAX_LONG_TEXT: usize = 2000;

/// Characters that must not reach a terminal or a stored name, by their
/// Unicode general category: controls (Cc: C0, DEL, C1), format characters
/// (Cf: bidi controls, zero-width joiners, soft hyphen, tag characters
/// U+E0000–E007F), and the line and paragraph separators (Zl, Zp).
pub fn is_unsafe_char(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    )
}

/// Letters that draw nothing: the Hangul fillers and the blank braille
/// pattern, which are letters or symbols by category yet invisible.
const INVISIBLE_LETTERS: [char; 5] = ['\u{115F}', '\u{1160}', '\u{3164}', '\u{FFA0}', '\u{2800}'];

/// Whether a character draws something a reader can see: a letter, digit,
/// punctuation or symbol (not a space, a combining mark alone, or a filler).
fn is_visible(c: char) -> bool {
    use unicode_properties::GeneralCategoryGroup as G;
    matches!(
        c.general_category_group(),
        G::Letter | G::Number | G::Punctuation | G::Symbol
    ) && !INVISIBLE_LETTERS.contains(&c)
}

fn check_chars(field: &str, value: &str) -> DomainResult<()> {
    if let Some(c) = value.chars().find(|c| is_unsafe_char(*c)) {
        return Err(invalid(format!(
            "{field} contains a control or format character (U+{:04X})",
            c as u32
        )));
    }
    Ok(())
}

/// A required single-line text: trimmed, non-empty, at most [`MAX_TEXT`]
/// characters, no control or format characters.
pub fn required_text(field: &str, value: &str) -> DomainResult<String> {
    check_chars(field, value)?;
    let v = value.trim();
    if v.is_empty() {
        return Err(invalid(format!("{field} must not be empty")));
    }
    if !v.chars().any(is_visible) {
        return Err(invalid(format!(
            "{field} has no visible character (only spaces, marks or fillers)"
        )));
    }
    let n = v.chars().count();
    if n > MAX_TEXT {
        return Err(invalid(format!(
            "{field} is too long ({n} characters, at most {MAX_TEXT})"
        )));
    }
    Ok(v.to_string())
}

/// Optional free text (limitations, reasons, descriptions): may be empty, may
/// hold newlines and tabs, at most [`MAX_LONG_TEXT`] characters.
pub fn free_text(field: &str, value: &str) -> DomainResult<String> {
    if let Some(c) = value
        .chars()
        .find(|c| *c != '\n' && *c != '\t' && is_unsafe_char(*c))
    {
        return Err(invalid(format!(
            "{field} contains a control or format character (U+{:04X})",
            c as u32
        )));
    }
    let v = value.trim();
    let n = v.chars().count();
    if n > MAX_LONG_TEXT {
        return Err(invalid(format!(
            "{field} is too long ({n} characters, at most {MAX_LONG_TEXT})"
        )));
    }
    Ok(v.to_string())
}

/// An email address, returned lower-cased (emails are unique case-insensitively).
/// Deliberately simple: one `@`, a non-empty local part, a dotted domain, no spaces.
pub fn email(value: &str) -> DomainResult<String> {
    let v = required_text("email", value)?;
    let bad = || invalid(format!("malformed email '{v}'"));
    if v.chars().any(char::is_whitespace) || v.matches('@').count() != 1 {
        return Err(bad());
    }
    let (local, domain) = v.split_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || domain.len() < 3
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
        || local.starts_with('.')
        || local.ends_with('.')
    {
        return Err(bad());
    }
    if !domain
        .chars()
        .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
    {
        return Err(bad());
    }
    let v: String = v.nfc().collect::<String>().to_lowercase();
    // One script per part: a Cyrillic 'а' among Latin letters is a
    // look-alike, never a different person.
    if !v
        .split(['@', '.'])
        .all(unicode_security::MixedScript::is_single_script)
    {
        return Err(invalid(format!(
            "email '{}' mixes scripts (letters that look alike from different alphabets)",
            sanitize(&v)
        )));
    }
    Ok(v)
}

/// The identity an email stands for: compatibility-normalised (fullwidth
/// letters become plain ones), case-folded, and reduced to its confusable
/// skeleton (UTS #39), so that addresses a reader cannot tell apart are one.
/// Plain ASCII stays as it is (so `rn` is not taken for `m`); every other
/// character is replaced by its skeleton.
pub fn email_identity(email: &str) -> String {
    let folded: String = email.nfkc().collect::<String>().to_lowercase();
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            out.extend(unicode_security::skeleton(c.encode_utf8(&mut buf)));
        }
    }
    out.nfkc().collect::<String>().to_lowercase()
}

/// An OS login name: 1–32 characters of letters, digits, `.`, `_`, `-`, not
/// starting with `-`.
pub fn login(value: &str) -> DomainResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(invalid("login must not be empty"));
    }
    if v.len() > 32
        || v.starts_with('-')
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '$'))
    {
        return Err(invalid(format!(
            "malformed login '{}' (letters, digits, '.', '_', '-'; at most 32)",
            sanitize(v)
        )));
    }
    Ok(v.to_string())
}

/// A lower_snake_case key (areas, actions, relations, kind codes are checked separately).
pub fn key(field: &str, value: &str) -> DomainResult<String> {
    let ok = !value.is_empty()
        && value.len() <= 40
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        return Err(invalid(format!(
            "{field} '{}' must be lower_snake_case, 1-40 characters",
            sanitize(value)
        )));
    }
    Ok(value.to_string())
}

/// Makes any stored string safe for a terminal: every control or format
/// character becomes a visible replacement (`␛` for ESC, `␊` for newline,
/// `\u{..}` for the rest). Use it on every untrusted string on its way out.
pub fn sanitize(s: &str) -> String {
    if !s.chars().any(is_unsafe_char) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !is_unsafe_char(c) {
            out.push(c);
            continue;
        }
        match c as u32 {
            // C0 controls have visible "control pictures" at U+2400.
            n @ 0x00..=0x1F => out.push(char::from_u32(0x2400 + n).unwrap_or('?')),
            0x7F => out.push('\u{2421}'),
            n => out.push_str(&format!("\\u{{{n:04X}}}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_rejects_empty_long_and_control() {
        assert!(required_text("name", "  ").is_err());
        assert!(required_text("name", &"x".repeat(201)).is_err());
        assert!(required_text("name", &"x".repeat(200)).is_ok());
        assert!(required_text("name", "a\u{1b}[31mb").is_err());
        assert!(required_text("name", "a\u{202E}b").is_err());
        assert_eq!(required_text("name", "  Mara  ").unwrap(), "Mara");
    }

    #[test]
    fn email_is_lowercased_and_shape_checked() {
        assert_eq!(email("Mara@Example.COM").unwrap(), "mara@example.com");
        for bad in [
            "mara",
            "mara@",
            "@x.org",
            "a@b",
            "a b@x.org",
            "a@@x.org",
            "a@x..org",
            "a@.x.org",
        ] {
            assert!(email(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn sanitize_makes_escape_sequences_visible() {
        assert_eq!(sanitize("a\u{1b}[2Jb"), "a\u{241B}[2Jb");
        assert_eq!(sanitize("x\ny"), "x\u{240A}y");
        assert_eq!(sanitize("r\u{202E}l"), "r\\u{202E}l");
        assert_eq!(sanitize("plain Ünïcode"), "plain Ünïcode");
    }

    #[test]
    fn login_rejects_odd_characters() {
        assert!(login("mara").is_ok());
        assert!(login("-x").is_err());
        assert!(login("a b").is_err());
        assert!(login("").is_err());
    }
}

#[cfg(test)]
mod identity_tests {
    use super::*;

    #[test]
    fn nfc_nfd_fullwidth_and_confusables_are_one_identity() {
        let nfc = email("jos\u{e9}@example.org").unwrap();
        let nfd = email("jose\u{301}@example.org").unwrap();
        assert_eq!(nfc, nfd, "stored forms are NFC");
        assert_eq!(email_identity(&nfc), email_identity(&nfd));
        assert_eq!(
            email_identity("\u{ff52}oot@example.org"),
            email_identity("root@example.org")
        );
        assert_eq!(
            email_identity("\u{430}@example.org"),
            email_identity("a@example.org")
        );
        // Plain ASCII look-alikes stay different people.
        assert_ne!(
            email_identity("arne@example.org"),
            email_identity("ame@example.org")
        );
    }

    #[test]
    fn mixed_script_addresses_are_refused_single_script_ones_accepted() {
        let e = email("p\u{430}ypal@example.org").unwrap_err().to_string();
        assert!(e.contains("mixes scripts"), "{e}");
        email("\u{438}\u{432}\u{430}\u{43d}@example.org").unwrap();
    }

    #[test]
    fn names_without_a_visible_character_are_refused() {
        for bad in ["\u{3164}", "\u{115F}\u{1160}", "\u{301}\u{302}", "\u{2800}"] {
            let e = required_text("given name", bad).unwrap_err().to_string();
            assert!(e.contains("no visible character"), "{bad:?}: {e}");
        }
        required_text("given name", "Zo\u{eb}").unwrap();
        required_text("given name", "\u{674e}").unwrap();
    }

    #[test]
    fn separators_bidi_and_tag_characters_are_unsafe() {
        for c in [
            '\u{2028}',
            '\u{2029}',
            '\u{202E}',
            '\u{2066}',
            '\u{E0041}',
            '\u{9B}',
            '\u{1B}',
        ] {
            assert!(is_unsafe_char(c), "{:04X}", c as u32);
            assert!(required_text("name", &format!("a{c}b")).is_err());
            assert!(!sanitize(&format!("a{c}b")).contains(c));
        }
        assert!(!is_unsafe_char('\u{e9}'));
    }
}
