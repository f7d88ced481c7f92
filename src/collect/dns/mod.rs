//! How the VPC resolver answers the names the targets' flows dial: Route 53 private hosted zones
//! ([`zones`]) and Route 53 Resolver rules ([`resolver`]). Names are written as the snapshot
//! holds them: lowercase, without the trailing dot, a wildcard label as `*`.

pub mod resolver;
pub mod zones;

/// A DNS name as the snapshot holds it, from one as Route 53 writes it: lowercase, without the
/// trailing dot, and its `\DDD` octal escapes decoded (Route 53 writes the wildcard label `*` as
/// `\052`). `None` when an escape decodes to something no host name holds (the record cannot
/// answer a name a flow dials), or when the result is not a DNS name of letters, digits, `-` and
/// `_` (with one leading `*` label), or `.` for the root.
pub fn normalize_name(name: &str) -> Option<String> {
    let mut decoded = String::with_capacity(name.len());
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            decoded.push(c.to_ascii_lowercase());
            continue;
        }
        let digits: String = chars.by_ref().take(3).collect();
        let code = u8::from_str_radix(&digits, 8)
            .ok()
            .filter(|_| digits.len() == 3)?;
        decoded.push(char::from(code).to_ascii_lowercase());
    }
    if decoded == "." {
        return Some(decoded);
    }
    let trimmed = decoded.strip_suffix('.').unwrap_or(&decoded);
    is_dns_name(trimmed).then(|| trimmed.to_string())
}

/// The snapshot's shape of a DNS name (see `checks/src/snapshot/validate.rs`): labels of 1 to 63
/// lowercase letters, digits, `-` or `_`, 253 characters at most, optionally under `*.`.
fn is_dns_name(name: &str) -> bool {
    let labels = name.strip_prefix("*.").unwrap_or(name);
    (1..=253).contains(&name.len())
        && labels.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::normalize_name;

    #[test]
    fn names_are_lowercased_without_the_dot_and_the_wildcard_escape_decoded() {
        assert_eq!(
            normalize_name("API.ecr.us-east-1.amazonaws.com.").as_deref(),
            Some("api.ecr.us-east-1.amazonaws.com")
        );
        assert_eq!(
            normalize_name("\\052.dkr.ecr.us-east-1.amazonaws.com.").as_deref(),
            Some("*.dkr.ecr.us-east-1.amazonaws.com")
        );
        assert_eq!(normalize_name(".").as_deref(), Some("."));
        assert_eq!(
            normalize_name("a\\100b.example.com."),
            None,
            "@ is no host name"
        );
        assert_eq!(normalize_name("bad\\05"), None, "a cut escape");
        assert_eq!(normalize_name("x..example.com"), None);
    }
}
