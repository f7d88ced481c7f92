//! Writing to the terminal: a closed pipe (`| head`) is not an error, and errors are one line.

use std::ffi::OsStr;
use std::io::{self, Write};

use ecr_pathcheck_checks::text;

use crate::cli::ColorWhen;
use crate::report::Colour;

pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_FAILURE: u8 = 2;
/// No error finding, but hops that matter could not be decided (`Report::is_undecided`).
pub const EXIT_UNDECIDED: u8 = 3;

/// Writes the rendered output; a reader that went away is not a failure.
pub fn print(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Standard output for a report written as it is produced: buffered, so that a line is not a
/// system call. The writer of the report treats a reader that went away as [`print`] does.
pub fn report_writer() -> io::BufWriter<io::StdoutLock<'static>> {
    io::BufWriter::with_capacity(1 << 16, io::stdout().lock())
}

/// Whether the table is coloured. `always` and `never` are obeyed as given (a command-line
/// flag overrides `NO_COLOR`, as no-color.org asks); `auto` colours only a terminal, and not
/// when `NO_COLOR` has a non-empty value or `TERM` is `dumb`.
pub fn colour(
    when: ColorWhen,
    no_color: Option<&OsStr>,
    term: Option<&OsStr>,
    stdout_is_terminal: bool,
) -> Colour {
    let on = match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            stdout_is_terminal
                && no_color.is_none_or(OsStr::is_empty)
                && term.is_none_or(|term| term != "dumb")
        }
    };
    if on { Colour::Ansi } else { Colour::Plain }
}

pub fn error_line(message: &str) {
    let _ = writeln!(io::stderr(), "error: {}", safe_message(message));
}

/// The longest run of non-blank characters an error line echoes (a value read from a file or
/// an argument: a cluster name, an ARN), and the longest line.
const MAX_WORD: usize = 100;
const MAX_LINE: usize = 600;

/// An error message as one line a terminal shows as is: control characters and escape
/// sequences made visible, every overlong word cut to [`MAX_WORD`] characters and `…`, the
/// whole to [`MAX_LINE`].
pub fn safe_message(message: &str) -> String {
    let message = text::line(message.trim_end());
    let mut out = String::with_capacity(message.len().min(MAX_LINE + 8));
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(&text::truncate(word, MAX_WORD));
        word.clear();
    };
    for c in message.chars() {
        if c.is_whitespace() {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    text::truncate(&out, MAX_LINE).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_follows_the_flag_no_color_and_the_terminal() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        let dumb = Some(OsStr::new("dumb"));
        let xterm = Some(OsStr::new("xterm-256color"));
        let cases = [
            (ColorWhen::Auto, None, xterm, true, Colour::Ansi),
            (ColorWhen::Auto, None, None, true, Colour::Ansi),
            (ColorWhen::Auto, None, xterm, false, Colour::Plain),
            (ColorWhen::Auto, set, xterm, true, Colour::Plain),
            (ColorWhen::Auto, empty, xterm, true, Colour::Ansi),
            (ColorWhen::Auto, None, dumb, true, Colour::Plain),
            (ColorWhen::Always, set, dumb, false, Colour::Ansi),
            (ColorWhen::Never, None, xterm, true, Colour::Plain),
        ];
        for (when, no_color, term, tty, expected) in cases {
            assert_eq!(
                colour(when, no_color, term, tty),
                expected,
                "{when:?} NO_COLOR={no_color:?} TERM={term:?} tty={tty}"
            );
        }
    }

    #[test]
    fn error_lines_are_short_single_and_inert() {
        let huge = "c".repeat(120_000);
        let line = safe_message(&format!("cluster {huge:?} not found"));
        assert!(line.starts_with("cluster \"ccc"), "{line}");
        assert!(line.ends_with("… not found"), "{line}");
        assert!(line.chars().count() < 130, "{}", line.len());
        let line = safe_message("snapshot x.json: bad id \"sg-1\u{1b}]0;owned\u{7}\nrm -rf ~\"");
        assert!(!line.contains('\n') && !line.contains('\u{1b}') && !line.contains('\u{7}'));
        assert!(line.contains("\\u{1b}]0;owned"), "{line}");
        assert_eq!(
            safe_message("no AWS region configured"),
            "no AWS region configured"
        );
        let words = vec!["word"; 1000].join(" ");
        assert_eq!(safe_message(&words).chars().count(), MAX_LINE + 1);
    }
}
