use std::fmt;
use std::path::{Path, PathBuf};

use super::{SCHEMA_VERSION, Snapshot};

/// Why a snapshot could not be read. Each variant renders as one line naming the file.
#[derive(Debug)]
pub enum LoadError {
    Missing { path: PathBuf },
    Unreadable { path: PathBuf, reason: String },
    Malformed { path: PathBuf, reason: String },
    WrongVersion { path: PathBuf, found: Option<u64> },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Missing { path } => {
                write!(f, "snapshot file {} does not exist", path.display())
            }
            LoadError::Unreadable { path, reason } => {
                write!(f, "cannot read snapshot file {}: {reason}", path.display())
            }
            LoadError::Malformed { path, reason } => {
                write!(
                    f,
                    "snapshot file {} is not a valid snapshot: {reason}",
                    path.display()
                )
            }
            LoadError::WrongVersion {
                path,
                found: Some(found),
            } => write!(
                f,
                "snapshot file {} has schema_version {found}; this build reads version {SCHEMA_VERSION} (re-collect it with `ecr-pathcheck snapshot`)",
                path.display()
            ),
            LoadError::WrongVersion { path, found: None } => write!(
                f,
                "snapshot file {} has no numeric schema_version; this build reads version {SCHEMA_VERSION}",
                path.display()
            ),
        }
    }
}

impl std::error::Error for LoadError {}

pub fn load_file(path: &Path) -> Result<Snapshot, LoadError> {
    let bytes = std::fs::read(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => LoadError::Missing {
            path: path.to_path_buf(),
        },
        _ => LoadError::Unreadable {
            path: path.to_path_buf(),
            reason: error.to_string(),
        },
    })?;
    from_json(&bytes, path)
}

/// Parses a snapshot, checking the schema version before the shape so that an old file gets
/// the version message rather than a confusing field error.
pub fn from_json(bytes: &[u8], path: &Path) -> Result<Snapshot, LoadError> {
    let malformed = |reason: String| LoadError::Malformed {
        path: path.to_path_buf(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|error| malformed(error.to_string()))?;
    let serde_json::Value::Object(fields) = &value else {
        return Err(malformed("the top level must be a JSON object".into()));
    };
    let version = fields
        .get("schema_version")
        .and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(SCHEMA_VERSION)) {
        return Err(LoadError::WrongVersion {
            path: path.to_path_buf(),
            found: version,
        });
    }
    let mut snapshot: Snapshot =
        serde_json::from_value(value).map_err(|error| malformed(error.to_string()))?;
    snapshot.normalize();
    Ok(snapshot)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Snapshot, LoadError> {
        from_json(text.as_bytes(), Path::new("s.json"))
    }

    #[test]
    fn minimal_snapshot_loads() {
        let snapshot =
            load(r#"{"schema_version":1,"account_id":"111122223333","region":"us-east-1"}"#)
                .unwrap();
        assert_eq!(snapshot.region, "us-east-1");
    }

    #[test]
    fn errors_are_one_line_and_name_the_file() {
        let cases = [
            ("", "not a valid snapshot"),
            ("[]", "top level must be a JSON object"),
            (r#"{"schema_version":99}"#, "schema_version 99"),
            (r#"{"schema_version":"1"}"#, "no numeric schema_version"),
            (
                r#"{"schema_version":1,"account_id":"1","region":"r","vpcs":[{"id":"vpc-1"}]}"#,
                "missing field",
            ),
            (
                r#"{"schema_version":1,"account_id":"1","region":"r","subnets":[{"id":"s","vpc_id":"v","availability_zone":"a","cidr_block":"10.0.0.0/99"}]}"#,
                "invalid prefix length",
            ),
            (
                r#"{"schema_version":1,"account_id":"1","region":"r","extra":1}"#,
                "unknown field",
            ),
        ];
        for (text, expected) in cases {
            let message = load(text).unwrap_err().to_string();
            assert!(message.contains(expected), "{message}");
            assert!(message.contains("s.json"), "{message}");
            assert!(!message.contains('\n'), "{message}");
        }
    }

    #[test]
    fn missing_file_is_reported_as_missing() {
        let error = load_file(Path::new("/nonexistent/snapshot.json")).unwrap_err();
        assert!(error.to_string().contains("does not exist"));
    }
}
