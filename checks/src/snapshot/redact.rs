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
    "pass",
    "pwd",
    "secret",
    "key",
    "credential",
    "auth",
    "sig",
    "verify",
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

/// A label that, before a `:`, introduces a secret (`password: x`, `"token":"x"`,
/// `Authorization: Bearer x`). Stricter than [`looks_secret`]: prose such as `registry auth: …`
/// must keep its words for the classifier.
fn looks_secret_label(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "token",
        "secret",
        "apikey",
        "api_key",
        "api-key",
        "authorization",
        "credentials",
    ]
    .iter()
    .any(|label| name.ends_with(label))
}

/// Masks the values of secret-looking `NAME=VALUE` and `NAME: VALUE` pairs (quoted or not, with
/// or without spaces), bearer and basic tokens, and URL passwords; `None` when there are none.
fn mask_credentials(text: &str) -> Option<String> {
    if !text.contains(['=', ':', '@'])
        && !contains_ignore_case(text, "bearer")
        && !contains_ignore_case(text, "basic")
    {
        return None;
    }
    let tokens = mask_scheme_tokens(text);
    let text = tokens.as_deref().unwrap_or(text);
    let passwords = mask_url_passwords(text);
    let text = passwords.as_deref().unwrap_or(text);
    let mut out = String::with_capacity(text.len());
    let mut changed = tokens.is_some() || passwords.is_some();
    let mut rest = text;
    while let Some(at) = rest.find(['=', ':']) {
        let (before, after) = rest.split_at(at);
        let sign = &after[..1];
        let after = &after[1..];
        let label = before.trim_end().trim_end_matches(['"', '\'']);
        let name_start = label
            .char_indices()
            .rev()
            .take_while(|(_, c)| name_char(*c))
            .last()
            .map_or(label.len(), |(at, _)| at);
        let name = &label[name_start..];
        let secret = !name.is_empty()
            && if sign == "=" {
                looks_secret(name)
            } else {
                !after.starts_with("//") && looks_secret_label(name)
            };
        // The value: after spaces and one opening quote, up to where a value ends.
        let lead = after.len() - after.trim_start_matches([' ', '\t']).len();
        let lead = lead + usize::from(after[lead..].starts_with(['"', '\'']));
        let value_len = value_end(&after[lead..]);
        let value = &after[lead..lead + value_len];
        out.push_str(before);
        out.push_str(sign);
        // After a `:` only what looks like a credential: prose (`authorization: server message`)
        // keeps its words.
        let credential = sign == "=" || looks_like_credential(value);
        if secret && credential && !value.is_empty() && value != MASK {
            out.push_str(&after[..lead]);
            out.push_str(MASK);
            changed = true;
            rest = &after[lead + value_len..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// `scheme://user:password@host`: the password, between the last `:` after the `://` and the
/// `@`, is masked.
fn mask_url_passwords(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut rest = text;
    while let Some(at) = rest.find('@') {
        let (before, after) = rest.split_at(at);
        match url_password(before) {
            Some(start) if &before[start..] != MASK => {
                out.push_str(&before[..start]);
                out.push_str(MASK);
                changed = true;
            }
            _ => out.push_str(before),
        }
        out.push('@');
        rest = &after[1..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// Eight characters or more, with a digit, a capital or a symbol: not a word of prose.
fn looks_like_credential(value: &str) -> bool {
    value.chars().count() >= 8
        && value
            .chars()
            .any(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || !c.is_alphanumeric())
}

fn contains_ignore_case(text: &str, word: &str) -> bool {
    text.to_ascii_lowercase().contains(word)
}

/// `Bearer TOKEN` and `Basic TOKEN` (an HTTP Authorization value): the token is masked.
fn mask_scheme_tokens(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut from = 0;
    let mut search = 0;
    while let Some(found) = ["bearer ", "basic "]
        .iter()
        .filter_map(|scheme| {
            lower[search..]
                .find(scheme)
                .map(|at| (search + at, scheme.len()))
        })
        .min()
    {
        let (at, scheme_len) = found;
        let starts_word = at == 0 || !lower.as_bytes()[at - 1].is_ascii_alphanumeric();
        let value_start = at + scheme_len;
        let value_len = value_end(&text[value_start..]);
        let value = &text[value_start..value_start + value_len];
        if starts_word && value.len() >= 8 && value != MASK {
            out.push_str(&text[from..value_start]);
            out.push_str(MASK);
            from = value_start + value_len;
            changed = true;
        }
        search = value_start;
    }
    out.push_str(&text[from..]);
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
        assert_eq!(cleaned("apikey= "), None, "no value, nothing to mask");
    }

    #[test]
    fn other_shapes_of_credentials() {
        for (text, masked) in [
            (
                "Get https://production.cloudflare.docker.com/r/data?verify=1700000000-SECRETX: EOF",
                "Get https://production.cloudflare.docker.com/r/data?verify=***: EOF",
            ),
            (
                "https://a.blob.core.windows.net/c/b?se=2026&sig=SECRETX",
                "https://a.blob.core.windows.net/c/b?se=2026&sig=***",
            ),
            (
                "Authorization: Bearer SECRETXYZ123 failed",
                "Authorization: Bearer *** failed",
            ),
            ("password: SECRETX1", "password: ***"),
            ("{\"password\":\"SECRETX1\"}", "{\"password\":\"***\"}"),
            ("token = SECRETX", "token = ***"),
        ] {
            assert_eq!(cleaned(text).as_deref(), Some(masked), "{text}");
            assert!(!cleaned(text).unwrap().contains("SECRET"), "{text}");
        }
        // Prose keeps its words: the classifier reads them.
        for text in [
            "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed",
            "CannotPullContainerError: Error response from daemon: pull access denied",
            "pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed",
        ] {
            assert_eq!(cleaned(text), None, "{text}");
        }
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
            "pwd",
            "Passphrase",
            "verify",
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
