//! Text for a terminal the tool does not own: values read from an account, a snapshot or an
//! argument are printed with their control characters made visible, so an id holding an escape
//! sequence cannot move the cursor, retitle the window, hide text or forge output.

use std::borrow::Cow;

/// One value on one line: every control character (C0 including newline and tab, DEL, C1, so
/// ESC/CSI/OSC sequences too), line separators and bidirectional overrides written as escapes
/// (`\n`, `\u{1b}`). Text without any is returned as is.
pub fn line(value: &str) -> Cow<'_, str> {
    escape(value, false)
}

/// A multi-line value (a fix, an evidence paragraph): as [`line`], but newlines and tabs are
/// kept, for the renderer to lay out.
pub fn block(value: &str) -> Cow<'_, str> {
    escape(value, true)
}

/// At most `max` characters of `value`, ending with `…` when cut.
pub fn truncate(value: &str, max: usize) -> Cow<'_, str> {
    match value.char_indices().nth(max) {
        None => Cow::Borrowed(value),
        Some((at, _)) => Cow::Owned(format!("{}…", &value[..at])),
    }
}

fn unsafe_char(c: char, keep_layout: bool) -> bool {
    if keep_layout && (c == '\n' || c == '\t') {
        return false;
    }
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn escape(value: &str, keep_layout: bool) -> Cow<'_, str> {
    if !value.chars().any(|c| unsafe_char(c, keep_layout)) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        if unsafe_char(c, keep_layout) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(line("sg-0ab1 · ok"), Cow::Borrowed(_)));
        assert!(matches!(block("a\n\tb"), Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_become_visible() {
        assert_eq!(line("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(line("t\u{1b}]0;title\u{7}"), "t\\u{1b}]0;title\\u{7}");
        assert_eq!(line("c1\u{9b}31m del\u{7f}"), "c1\\u{9b}31m del\\u{7f}");
        assert_eq!(line("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(line("rtl\u{202E}txt"), "rtl\\u{202e}txt");
        assert_eq!(block("a\nb\r\u{1b}c\td"), "a\nb\\r\\u{1b}c\td");
        assert!(!line("x\u{0}y").contains('\0'));
    }

    #[test]
    fn long_values_are_cut() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "abc…");
        assert_eq!(truncate("ééééé", 2), "éé…");
        assert_eq!(truncate(&"x".repeat(120_000), 100).chars().count(), 101);
    }
}
