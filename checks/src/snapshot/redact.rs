//! Secrets never stay in a snapshot, and free text is made safe to print.
//!
//! Applied by the loader after parsing, to files and to the live collector's snapshot alike
//! (the collector ends with `snapshot::from_json`), so a snapshot is never written with them
//! and an old file loses them on load:
//!
//! - log driver options (`log_options` of a container definition) keep their names, but the
//!   value of an option whose name looks secret (`token`, `password`, `passwd`, `secret`,
//!   `key`, `credential`, `auth`, `signature`, any case: `splunk-token`, `HTTP_Passwd`,
//!   `apikey`) becomes [`MASK`];
//! - in every other option value and in free text (stopped reasons, container reasons, service
//!   event messages, gap messages), a `NAME=VALUE` pair whose name looks secret (a URL's
//!   `X-Amz-Security-Token`, `X-Amz-Credential`, `X-Amz-Signature`, `token=`, `password=`, …)
//!   keeps its name and loses its value, and so does the password of a URL's `user:password@`;
//! - free text keeps its words but not its control characters: an ESC, a carriage return or a
//!   backspace would let a stopped reason rewrite the terminal it is printed on, so each is
//!   replaced by its escaped form (`\u{1b}`); tabs and newlines stay.
//!
//! Masking is idempotent, so a masked snapshot loads unchanged.

use super::Snapshot;
use super::validate::is_inert;

/// What a secret value becomes.
pub const MASK: &str = "***";

const SECRET_WORDS: &[&str] = &[
    "token",
    "password",
    "passwd",
    "secret",
    "key",
    "credential",
    "auth",
    "signature",
];

/// Whether a log option, a query parameter or a `NAME=VALUE` name looks like it holds a secret.
pub fn looks_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|word| name.contains(word))
}

/// Masks secrets and neutralises control characters throughout the snapshot.
pub fn redact(snapshot: &mut Snapshot) {
    for task in &mut snapshot.tasks {
        if let Some(reason) = &mut task.stopped_reason {
            clean(reason);
        }
        for container in &mut task.containers {
            if let Some(reason) = &mut container.reason {
                clean(reason);
            }
        }
    }
    for service in &mut snapshot.services {
        for event in &mut service.events {
            clean(&mut event.message);
        }
    }
    for definition in &mut snapshot.task_definitions {
        for container in &mut definition.containers {
            for (name, value) in &mut container.log_options {
                if looks_secret(name) {
                    if value != MASK {
                        *value = MASK.to_string();
                    }
                } else {
                    clean(value);
                }
            }
        }
    }
    for role in &mut snapshot.iam_roles {
        if let Some(unavailable) = role
            .simulation
            .as_mut()
            .and_then(|s| s.unavailable.as_mut())
        {
            clean(unavailable);
        }
    }
    for gap in &mut snapshot.gaps {
        clean(&mut gap.message);
    }
}

/// Rewrites `text` in place only when something changes (most text is clean: no allocation).
fn clean(text: &mut String) {
    if let Some(cleaned) = cleaned(text) {
        *text = cleaned;
    }
}

/// The text with control characters escaped and credentials masked; `None` when it is clean.
pub fn cleaned(text: &str) -> Option<String> {
    let printable = if text.chars().all(|c| c == '\n' || c == '\t' || is_inert(c)) {
        None
    } else {
        let mut out = String::with_capacity(text.len() + 8);
        for c in text.chars() {
            if c == '\n' || c == '\t' || is_inert(c) {
                out.push(c);
            } else {
                out.extend(c.escape_unicode());
            }
        }
        Some(out)
    };
    let base = printable.as_deref().unwrap_or(text);
    match mask_credentials(base) {
        Some(masked) => Some(masked),
        None => printable,
    }
}

/// Where a masked value ends: at the next parameter, quote, space or bracket.
fn ends_value(c: char) -> bool {
    c.is_whitespace() || "&\"'<>()[]{},;#`|\\".contains(c)
}

/// The length of the value at the start of `text`: up to [`ends_value`], or a `:` that ends a
/// sentence (`…&X-Amz-Signature=abc: i/o timeout`).
fn value_end(text: &str) -> usize {
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let sentence = c == ':' && chars.peek().is_none_or(|(_, next)| next.is_whitespace());
        if ends_value(c) || sentence {
            return at;
        }
    }
    text.len()
}

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'
}

/// Masks the values of secret-looking `NAME=VALUE` pairs and URL passwords; `None` when there
/// are none.
fn mask_credentials(text: &str) -> Option<String> {
    if !text.contains('=') && !text.contains("://") {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut rest = text;
    while let Some(at) = rest.find(['=', '@']) {
        let (before, after) = rest.split_at(at);
        let sign = &after[..1];
        let after = &after[1..];
        let value_len = value_end(after);
        let value = &after[..value_len];
        if sign == "=" {
            let name_start = before
                .char_indices()
                .rev()
                .take_while(|(_, c)| name_char(*c))
                .last()
                .map_or(before.len(), |(at, _)| at);
            let name = &before[name_start..];
            out.push_str(before);
            out.push('=');
            if !name.is_empty() && !value.is_empty() && value != MASK && looks_secret(name) {
                out.push_str(MASK);
                changed = true;
                rest = &after[value_len..];
            } else {
                rest = after;
            }
        } else {
            // `scheme://user:password@host`: the password is between the last `:` after the
            // `://` and the `@`.
            match url_password(before) {
                Some(start) if &before[start..] != MASK => {
                    out.push_str(&before[..start]);
                    out.push_str(MASK);
                    changed = true;
                }
                _ => out.push_str(before),
            }
            out.push('@');
            rest = after;
        }
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// In the text before an `@`: where the password of `scheme://user:password` starts, if the
/// text ends with one.
fn url_password(before: &str) -> Option<usize> {
    let scheme_end = before.rfind("://")? + 3;
    let userinfo = &before[scheme_end..];
    if userinfo.is_empty() || userinfo.contains(ends_value) || userinfo.contains('/') {
        return None;
    }
    let colon = userinfo.find(':')?;
    (colon + 1 < userinfo.len()).then_some(scheme_end + colon + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presigned_url_credentials_are_masked_and_names_kept() {
        let reason = "CannotPullContainerError: Get \"https://prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com/abc/def?X-Amz-Security-Token=FwoGZXIvYXdzCanaryToken&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA%2F20261129&X-Amz-Signature=deadbeef\": dial tcp 52.216.8.10:443: i/o timeout";
        let masked = cleaned(reason).unwrap();
        assert_eq!(
            masked,
            "CannotPullContainerError: Get \"https://prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com/abc/def?X-Amz-Security-Token=***&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=***&X-Amz-Signature=***\": dial tcp 52.216.8.10:443: i/o timeout"
        );
        assert_eq!(cleaned(&masked), None, "idempotent");
    }

    #[test]
    fn generic_parameters_and_url_passwords() {
        assert_eq!(
            cleaned("see https://u:hunter2@host/x?token=abc&page=2 and password=pw1;").unwrap(),
            "see https://u:***@host/x?token=***&page=2 and password=***;"
        );
        assert_eq!(cleaned("a=b c@d e://f@g"), None);
        assert_eq!(cleaned("apikey= x"), None, "no value, nothing to mask");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            cleaned("a\u{1b}]0;title\u{7}b\rc\u{8}d\n\te").unwrap(),
            "a\\u{1b}]0;title\\u{7}b\\u{d}c\\u{8}d\n\te"
        );
    }

    #[test]
    fn secret_option_names() {
        for name in [
            "splunk-token",
            "HTTP_Passwd",
            "http_password",
            "apikey",
            "aws_secret_access_key",
            "Credentials",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in [
            "awslogs-group",
            "awslogs-region",
            "splunk-url",
            "Host",
            "Name",
        ] {
            assert!(!looks_secret(name), "{name}");
        }
    }
}
