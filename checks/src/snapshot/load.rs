//! Reading a snapshot: bounded reads, version check and migration, strict parsing, shape
//! validation, unique ids, secret masking. Files and the live collector's snapshot take the
//! same path (`from_json`), so a live diagnosis and its replay agree.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};

use super::{SCHEMA_VERSION, Snapshot, redact, strict, validate};

/// The largest snapshot read: far above any real account (101,000 services is about 56 MB),
/// far below what would exhaust a laptop.
pub const MAX_SNAPSHOT_BYTES: u64 = 256 * 1024 * 1024;

/// Why a snapshot could not be read. Each variant renders as one line naming the file.
#[derive(Debug)]
pub enum LoadError {
    Missing {
        path: PathBuf,
    },
    Unreadable {
        path: PathBuf,
        reason: String,
    },
    /// Larger than [`MAX_SNAPSHOT_BYTES`]: the file's size, or `None` for a stream that went
    /// past the limit.
    TooLarge {
        path: PathBuf,
        size: Option<u64>,
    },
    Malformed {
        path: PathBuf,
        reason: String,
    },
    WrongVersion {
        path: PathBuf,
        found: Option<u64>,
    },
    /// A value without the shape of its field, or a repeated id (see `validate`).
    Invalid {
        path: PathBuf,
        problem: validate::Problem,
    },
}

/// A file path as an error line shows it: no control characters.
struct Shown<'a>(&'a Path);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.to_string_lossy();
        if text == "-" {
            f.write_str("- (standard input)")
        } else if text.chars().all(validate::is_inert) {
            f.write_str(&text)
        } else {
            f.write_str(&validate::shown(&text))
        }
    }
}

/// Any message as an error line shows it: one line, no control characters, bounded.
fn one_line(text: &str) -> String {
    const LONGEST: usize = 400;
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count == LONGEST {
            out.push('…');
            break;
        }
        if validate::is_inert(c) {
            out.push(c);
        } else {
            validate::push_escaped(&mut out, c);
        }
    }
    out
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Missing { path } => {
                write!(f, "snapshot file {} does not exist", Shown(path))
            }
            LoadError::Unreadable { path, reason } => write!(
                f,
                "cannot read snapshot file {}: {}",
                Shown(path),
                one_line(reason)
            ),
            LoadError::TooLarge { path, size } => write!(
                f,
                "snapshot file {} is too large: {}, the limit is {MAX_SNAPSHOT_BYTES} bytes (256 MiB)",
                Shown(path),
                match size {
                    Some(size) => format!("{size} bytes"),
                    None => format!("more than {MAX_SNAPSHOT_BYTES} bytes"),
                }
            ),
            LoadError::Malformed { path, reason } => write!(
                f,
                "snapshot file {} is not a valid snapshot: {}",
                Shown(path),
                one_line(reason)
            ),
            LoadError::WrongVersion {
                path,
                found: Some(found),
            } => write!(
                f,
                "snapshot file {} has schema_version {found}; this build reads version {SCHEMA_VERSION} (re-collect it with `ecr-pathcheck snapshot`)",
                Shown(path)
            ),
            LoadError::WrongVersion { path, found: None } => write!(
                f,
                "snapshot file {} has no numeric schema_version; this build reads version {SCHEMA_VERSION}",
                Shown(path)
            ),
            LoadError::Invalid { path, problem } => write!(
                f,
                "snapshot file {} is refused: {}",
                Shown(path),
                one_line(&problem.to_string())
            ),
        }
    }
}

impl std::error::Error for LoadError {}

/// A loaded snapshot and the schema version its file was written in (it was migrated from
/// that version to [`SCHEMA_VERSION`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub snapshot: Snapshot,
    pub read_version: u32,
}

/// Reads a snapshot file, or standard input when `path` is `-`.
pub fn load_file(path: &Path) -> Result<Snapshot, LoadError> {
    load_file_versioned(path).map(|loaded| loaded.snapshot)
}

/// [`load_file`], also telling which schema version the file had.
pub fn load_file_versioned(path: &Path) -> Result<Loaded, LoadError> {
    let bytes = read_bounded(path)?;
    from_json_versioned(&bytes, path)
}

/// Reads at most [`MAX_SNAPSHOT_BYTES`] of a regular file, or of standard input for `-`.
///
/// The file's type is checked before it is opened: opening a FIFO without a writer blocks
/// forever, and a device such as `/dev/zero` never ends. The size is checked up front for a
/// file and enforced while reading for both (`Read::take`), since a file can grow and standard
/// input has no size.
fn read_bounded(path: &Path) -> Result<Vec<u8>, LoadError> {
    let unreadable = |reason: String| LoadError::Unreadable {
        path: path.to_path_buf(),
        reason,
    };
    let too_large = |size: Option<u64>| LoadError::TooLarge {
        path: path.to_path_buf(),
        size,
    };
    let (reader, capacity): (Box<dyn Read>, u64) = if path == Path::new("-") {
        (Box::new(std::io::stdin().lock()), 0)
    } else {
        let metadata = std::fs::metadata(path).map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => LoadError::Missing {
                path: path.to_path_buf(),
            },
            _ => unreadable(error.to_string()),
        })?;
        if !metadata.is_file() {
            let kind = if metadata.is_dir() {
                "a directory"
            } else {
                "a device, FIFO or socket"
            };
            return Err(unreadable(format!("it is {kind}, not a regular file")));
        }
        if metadata.len() > MAX_SNAPSHOT_BYTES {
            return Err(too_large(Some(metadata.len())));
        }
        let file = std::fs::File::open(path).map_err(|error| unreadable(error.to_string()))?;
        (Box::new(file), metadata.len())
    };
    let mut bytes = Vec::with_capacity(capacity as usize + 1);
    reader
        .take(MAX_SNAPSHOT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| unreadable(error.to_string()))?;
    if bytes.len() as u64 > MAX_SNAPSHOT_BYTES {
        return Err(too_large(None));
    }
    Ok(bytes)
}

/// Parses a snapshot, checking the schema version before the shape so that an old file gets
/// the version message rather than a confusing field error.
pub fn from_json(bytes: &[u8], path: &Path) -> Result<Snapshot, LoadError> {
    from_json_versioned(bytes, path).map(|loaded| loaded.snapshot)
}

/// [`from_json`], also telling which schema version the file had.
pub fn from_json_versioned(bytes: &[u8], path: &Path) -> Result<Loaded, LoadError> {
    let malformed = |reason: String| LoadError::Malformed {
        path: path.to_path_buf(),
        reason,
    };
    let version = read_version(bytes).map_err(|error| malformed(error.to_string()))?;
    let read_version = version
        .filter(|version| (1..=u64::from(SCHEMA_VERSION)).contains(version))
        .ok_or(LoadError::WrongVersion {
            path: path.to_path_buf(),
            found: version,
        })?;
    let state = strict::State::default();
    let parsed = match migrations(read_version) {
        // The current version: parsed straight from the bytes into the typed snapshot.
        [] => strict::deserialize::<Snapshot, _>(
            &mut serde_json::Deserializer::from_slice(bytes),
            &state,
        ),
        steps => {
            // An older version: read as a tree (strictly: no repeated key survives), rewritten
            // version by version, then read as the current version.
            let mut value: serde_json::Value = strict::deserialize(
                &mut serde_json::Deserializer::from_slice(bytes),
                &strict::State::default(),
            )
            .map_err(|error| malformed(error.to_string()))?;
            for step in steps {
                step(&mut value);
            }
            value["schema_version"] = SCHEMA_VERSION.into();
            strict::deserialize::<Snapshot, _>(value, &state)
        }
    };
    let mut snapshot = parsed.map_err(|error| {
        malformed(match state.error_path() {
            Some(at) => format!("{at}: {error}"),
            None => error.to_string(),
        })
    })?;
    let invalid = |problem| LoadError::Invalid {
        path: path.to_path_buf(),
        problem,
    };
    validate::shapes(&snapshot).map_err(invalid)?;
    snapshot.normalize();
    validate::unique_ids(&snapshot).map_err(invalid)?;
    redact::redact(&mut snapshot);
    Ok(Loaded {
        snapshot,
        read_version: read_version as u32,
    })
}

/// A rewrite of a snapshot document from one schema version to the next.
type Migration = fn(&mut serde_json::Value);

/// The rewrites that bring a file of `version` to [`SCHEMA_VERSION`], oldest first: version 1
/// files get `&[v1_to_v2, v2_to_v3, v3_to_v4]`, version 2 files `&[v2_to_v3, v3_to_v4]`, and
/// so on; version 4 files `&[]`.
fn migrations(version: u64) -> &'static [Migration] {
    match version {
        1 => &[v1_to_v2, v2_to_v3, v3_to_v4],
        2 => &[v2_to_v3, v3_to_v4],
        3 => &[v3_to_v4],
        4 => &[],
        _ => unreachable!("versions outside 1..=SCHEMA_VERSION are refused before"),
    }
}

/// Version 1 to 2. Version 2 adds only evidence fields that a version 1 collector never read:
/// `tasks[].containers[].image_digest` and `exit_code`, `ecr_repositories[].images[].size_bytes`
/// and `task_definitions[].ephemeral_storage_gib`. Their absence means "not recorded" (never
/// "the default", never "missing"), which is exactly what a version 1 file knows, so the
/// rewrite leaves them absent; the checks that read them stay silent or unknown. A version 1
/// `ephemeral_storage_gib` cannot exist (unknown fields are refused), so nothing is renamed.
fn v1_to_v2(document: &mut serde_json::Value) {
    document["schema_version"] = 2.into();
}

/// Version 2 to 3. Version 3 adds `ecr_repositories[].images[].config_platform`, the platform a
/// single-architecture image's config blob records, which no version 2 collector read. Its
/// absence means "not recorded" (PC702 then says the platform is unknown, as version 2 did), so
/// the rewrite leaves it absent; nothing else changed.
fn v2_to_v3(document: &mut serde_json::Value) {
    document["schema_version"] = 3.into();
}

/// Version 3 to 4. Version 4 adds `subnets[].owner_id` and `vpcs[].owner_id`, the account that
/// owns each (another account's for a subnet shared through AWS RAM): a version 3 collector read
/// only the caller's view and recorded no owner; absent, the owner is the snapshot's account,
/// which is what version 3 assumed, so they stay absent. Version 4 also records IPv6: subnets'
/// `ipv6_cidr_blocks`, `ipv6_native` and `enable_dns64`, network ACL entries' `ipv6_cidr`, task
/// interfaces' `ipv6_address`; a subnet's
/// `cidr_block` may be absent (an IPv6-only subnet, which a version 3 collector left out). A
/// version 3 file knows none of this, so the new fields stay absent: `ipv6_cidr_blocks` absent
/// means "not recorded" (the IPv6 path of a dual-stack host stays unknown, as version 3 said),
/// never "no IPv6". The new fields in a version 3 file are dropped, since that file's collector
/// could not have read them; so a version 3 subnet without its `cidr_block` is refused by the
/// validation (only an IPv6-only subnet has none).
fn v3_to_v4(document: &mut serde_json::Value) {
    document["schema_version"] = 4.into();
    if let Some(subnets) = document
        .get_mut("subnets")
        .and_then(serde_json::Value::as_array_mut)
    {
        for subnet in subnets
            .iter_mut()
            .filter_map(serde_json::Value::as_object_mut)
        {
            for field in [
                "ipv6_cidr_blocks",
                "ipv6_native",
                "enable_dns64",
                "owner_id",
            ] {
                subnet.remove(field);
            }
        }
    }
    if let Some(vpcs) = document
        .get_mut("vpcs")
        .and_then(serde_json::Value::as_array_mut)
    {
        for vpc in vpcs.iter_mut().filter_map(serde_json::Value::as_object_mut) {
            vpc.remove("owner_id");
        }
    }
    if let Some(acls) = document
        .get_mut("network_acls")
        .and_then(serde_json::Value::as_array_mut)
    {
        for entry in acls
            .iter_mut()
            .filter_map(|acl| acl.get_mut("entries")?.as_array_mut())
            .flatten()
            .filter_map(serde_json::Value::as_object_mut)
        {
            entry.remove("ipv6_cidr");
        }
    }
}

/// The top-level `schema_version` (if it is a whole number), read without building the
/// document: every other value is skipped. A top level other than an object is an error.
fn read_version(bytes: &[u8]) -> Result<Option<u64>, serde_json::Error> {
    struct Header;

    impl<'de> Visitor<'de> for Header {
        type Value = Option<u64>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object at the top level")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<u64>, A::Error> {
            let mut version = None;
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if key == "schema_version" {
                    let value: serde_json::Value = map.next_value()?;
                    version = Some(value.as_u64());
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(version.flatten())
        }
    }

    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let version = deserializer.deserialize_map(Header)?;
    deserializer.end()?;
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str =
        r#"{"schema_version":1,"account_id":"111122223333","region":"us-east-1"}"#;

    fn load(text: &str) -> Result<Snapshot, LoadError> {
        from_json(text.as_bytes(), Path::new("s.json"))
    }

    fn with(field: &str) -> String {
        format!("{}, {field}}}", MINIMAL.trim_end_matches('}'))
    }

    #[test]
    fn version_1_migrates_and_version_2_reads_the_evidence_fields() {
        let v1 = with(
            r#""task_definitions": [{"arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:1", "containers": [{"name": "web", "image": "nginx:1"}]}]"#,
        );
        let loaded = from_json_versioned(v1.as_bytes(), Path::new("s.json")).unwrap();
        assert_eq!(
            (loaded.read_version, loaded.snapshot.schema_version),
            (1, SCHEMA_VERSION)
        );
        assert_eq!(
            loaded.snapshot.task_definitions[0].ephemeral_storage_gib,
            None
        );
        let v2 = with(r#""task_definitions": [{"arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:1", "ephemeral_storage_gib": 40, "containers": [{"name": "web", "image": "nginx:1"}]}], "tasks": [{"arn": "arn:aws:ecs:us-east-1:111122223333:task/prod/abc", "cluster_arn": "arn:aws:ecs:us-east-1:111122223333:cluster/prod", "task_definition_arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:1", "launch_type": "FARGATE", "last_status": "STOPPED", "containers": [{"name": "web", "image": "nginx:1", "image_digest": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "exit_code": 1}]}]"#).replace(r#""schema_version":1"#, r#""schema_version":2"#);
        let loaded = from_json_versioned(v2.as_bytes(), Path::new("s.json")).unwrap();
        assert_eq!(loaded.read_version, 2);
        assert_eq!(
            loaded.snapshot.task_definitions[0].ephemeral_storage_gib,
            Some(40)
        );
        assert_eq!(loaded.snapshot.tasks[0].containers[0].exit_code, Some(1));
        // A version 1 file cannot carry the version 2 fields: they are unknown there.
        let v1_with_v2_field = v2.replace(r#""schema_version":2"#, r#""schema_version":1"#);
        assert!(
            load(&v1_with_v2_field).is_ok(),
            "v1 files are read as v2 after migration"
        );
        for (bad, field) in [
            (
                r#""ephemeral_storage_gib": 40"#,
                r#""ephemeral_storage_gib": 9"#,
            ),
            (
                r#""image_digest": "sha256:a"#,
                r#""image_digest": "sha256:$(x)a"#,
            ),
        ] {
            let error = load(&v2.replace(bad, field)).unwrap_err().to_string();
            assert!(error.contains("is refused"), "{error}");
        }
    }

    #[test]
    fn versions_1_and_2_migrate_to_3_which_reads_the_config_platform() {
        let repository = |image: &str| {
            format!(
                r#""ecr_repositories": [{{"arn": "arn:aws:ecr:us-east-1:111122223333:repository/web", "name": "web", "uri": "111122223333.dkr.ecr.us-east-1.amazonaws.com/web", "images": [{{"digest": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "tags": ["1"]{image}}}]}}]"#
            )
        };
        for version in [1, 2] {
            let old = with(&repository("")).replace(
                r#""schema_version":1"#,
                &format!(r#""schema_version":{version}"#),
            );
            let loaded = from_json_versioned(old.as_bytes(), Path::new("s.json")).unwrap();
            assert_eq!(
                (loaded.read_version, loaded.snapshot.schema_version),
                (version, SCHEMA_VERSION)
            );
            let image = &loaded.snapshot.ecr_repositories[0].images[0];
            assert_eq!(image.config_platform, None, "not recorded before version 3");
        }
        let v3 = with(&repository(r#", "config_platform": "linux/arm64/v8""#))
            .replace(r#""schema_version":1"#, r#""schema_version":3"#);
        let loaded = from_json_versioned(v3.as_bytes(), Path::new("s.json")).unwrap();
        assert_eq!(loaded.read_version, 3);
        assert_eq!(
            loaded.snapshot.ecr_repositories[0].images[0]
                .config_platform
                .as_deref(),
            Some("linux/arm64/v8")
        );
        let written = serde_json::to_string(&loaded.snapshot).unwrap();
        assert!(written.contains(r#""config_platform":"linux/arm64/v8""#));
        for bad in ["arm64", "linux/arm64;id", "linux//v8"] {
            let error = load(&v3.replace("linux/arm64/v8", bad))
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("ecr_repositories[0].images[0].config_platform"),
                "{error}"
            );
        }
    }

    #[test]
    fn version_3_migrates_to_4_which_reads_the_owners_of_subnets_and_vpcs() {
        let network = r#""vpcs": [{"id": "vpc-0a1", "cidr_blocks": ["10.0.0.0/16"], "enable_dns_support": true, "enable_dns_hostnames": true}], "subnets": [{"id": "subnet-a", "vpc_id": "vpc-0a1", "availability_zone": "us-east-1a", "cidr_block": "10.0.1.0/24"}]"#;
        let v3 = with(network).replace(r#""schema_version":1"#, r#""schema_version":3"#);
        let loaded = from_json_versioned(v3.as_bytes(), Path::new("s.json")).unwrap();
        assert_eq!(
            (loaded.read_version, loaded.snapshot.schema_version),
            (3, 4)
        );
        assert_eq!(
            loaded.snapshot.subnets[0].owner_id, None,
            "not recorded before version 4"
        );
        assert_eq!(loaded.snapshot.vpcs[0].owner_id, None);
        let v4 = with(&network.replace(
            r#""cidr_block": "10.0.1.0/24""#,
            r#""cidr_block": "10.0.1.0/24", "owner_id": "444455556666""#,
        ))
        .replace(r#""schema_version":1"#, r#""schema_version":4"#);
        let loaded = from_json_versioned(v4.as_bytes(), Path::new("s.json")).unwrap();
        assert_eq!(loaded.read_version, 4);
        assert_eq!(
            loaded.snapshot.subnets[0].owner_id.as_deref(),
            Some("444455556666")
        );
        let error = load(&v4.replace("444455556666", "4444"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("subnets[0].owner_id"), "{error}");
        let error =
            load(r#"{"schema_version":5,"account_id":"111122223333","region":"us-east-1"}"#)
                .unwrap_err()
                .to_string();
        assert!(
            error.contains("schema_version 5; this build reads version 4"),
            "{error}"
        );
    }

    /// A dual-stack subnet, an IPv6-only one, and an ACL with an IPv6 entry, in `version`.
    fn ipv6_network(version: u32) -> String {
        with(r#""subnets": [
            {"id": "subnet-1", "vpc_id": "vpc-1", "availability_zone": "us-east-1a", "cidr_block": "10.0.1.0/24", "ipv6_cidr_blocks": ["2600:1f18:1:100::/64"]},
            {"id": "subnet-2", "vpc_id": "vpc-1", "availability_zone": "us-east-1b", "ipv6_cidr_blocks": ["2600:1f18:1:200::/64"], "ipv6_native": true, "enable_dns64": true}],
            "network_acls": [{"id": "acl-1", "vpc_id": "vpc-1", "entries": [
                {"rule_number": 100, "egress": true, "protocol": "all", "action": "allow", "cidr": "0.0.0.0/0"},
                {"rule_number": 101, "egress": true, "protocol": "all", "action": "allow", "ipv6_cidr": "::/0"}]}]"#)
        .replace(r#""schema_version":1"#, &format!(r#""schema_version":{version}"#))
    }

    #[test]
    fn version_4_reads_ipv6_and_version_3_files_leave_it_unrecorded() {
        let loaded = from_json_versioned(ipv6_network(4).as_bytes(), Path::new("s.json")).unwrap();
        assert_eq!(loaded.read_version, 4);
        let subnets = &loaded.snapshot.subnets;
        assert_eq!(
            subnets[0].ipv6_cidr_blocks.as_deref(),
            Some(&["2600:1f18:1:100::/64".to_string()][..])
        );
        assert!(subnets[0].has_ipv4() && !subnets[1].has_ipv4());
        assert!(subnets[1].ipv6_native && subnets[1].enable_dns64);
        assert_eq!(
            loaded.snapshot.network_acls[0].entries[1]
                .ipv6_cidr
                .as_deref(),
            Some("::/0")
        );
        let written = serde_json::to_string(&loaded.snapshot).unwrap();
        assert!(written.contains(r#""ipv6_native":true"#), "{written}");
        // Version 3: IPv6 facts are not recorded (absent, never "none"), and a subnet without
        // its IPv4 block is refused.
        let v3_dual = with(r#""subnets": [{"id": "subnet-1", "vpc_id": "vpc-1", "availability_zone": "us-east-1a", "cidr_block": "10.0.1.0/24"}], "network_acls": [{"id": "acl-1", "vpc_id": "vpc-1", "entries": [{"rule_number": 101, "egress": true, "protocol": "all", "action": "allow"}]}]"#)
            .replace(r#""schema_version":1"#, r#""schema_version":3"#);
        let loaded = from_json_versioned(v3_dual.as_bytes(), Path::new("s.json")).unwrap();
        assert_eq!(
            (loaded.read_version, loaded.snapshot.schema_version),
            (3, 4)
        );
        assert_eq!(loaded.snapshot.subnets[0].ipv6_cidr_blocks, None);
        assert_eq!(loaded.snapshot.network_acls[0].entries[0].ipv6_cidr, None);
        let error = load(&ipv6_network(3)).unwrap_err().to_string();
        assert!(error.contains("subnets[1].cidr_block"), "{error}");
    }

    #[test]
    fn ipv6_fields_are_validated() {
        for (from, to, field) in [
            (
                "2600:1f18:1:100::/64",
                "2600:1f18:1:100::/129",
                "subnets[0].ipv6_cidr_blocks[0]",
            ),
            (
                r#""ipv6_cidr": "::/0""#,
                r#""ipv6_cidr": "0.0.0.0/0""#,
                "network_acls[0].entries[1].ipv6_cidr",
            ),
            (
                r#""ipv6_native": true"#,
                r#""ipv6_native": false"#,
                "subnets[1].cidr_block",
            ),
            (
                r#""availability_zone": "us-east-1b", "#,
                r#""availability_zone": "us-east-1b", "cidr_block": "10.0.2.0/24", "#,
                "subnets[1].cidr_block",
            ),
            (
                r#""action": "allow", "ipv6_cidr""#,
                r#""action": "allow", "cidr": "10.0.0.0/8", "ipv6_cidr""#,
                "network_acls[0].entries[1].ipv6_cidr",
            ),
        ] {
            let text = ipv6_network(4);
            assert!(text.contains(from), "{from}");
            let error = load(&text.replacen(from, to, 1)).unwrap_err().to_string();
            assert!(error.contains(field), "{field}: {error}");
        }
        // An IPv6-only subnet recorded without an IPv6 block is refused; one whose blocks were
        // not recorded is read (its IPv6 is unknown).
        let error = load(&ipv6_network(4).replace(
            r#""ipv6_cidr_blocks": ["2600:1f18:1:200::/64"], "#,
            r#""ipv6_cidr_blocks": [], "#,
        ))
        .unwrap_err()
        .to_string();
        assert!(error.contains("subnets[1].ipv6_cidr_blocks"), "{error}");
        let unrecorded =
            load(&ipv6_network(4).replace(r#""ipv6_cidr_blocks": ["2600:1f18:1:200::/64"], "#, ""))
                .unwrap();
        assert_eq!(unrecorded.subnets[1].ipv6_cidr_blocks, None);
    }

    #[test]
    fn minimal_snapshot_loads_and_tells_its_version() {
        let loaded = from_json_versioned(MINIMAL.as_bytes(), Path::new("s.json")).unwrap();
        assert_eq!(loaded.snapshot.region, "us-east-1");
        assert_eq!(loaded.read_version, 1);
    }

    #[test]
    fn errors_are_one_line_and_name_the_file() {
        let cases = [
            (String::new(), "not a valid snapshot"),
            ("[]".into(), "expected a JSON object at the top level"),
            (
                "[{\"schema_version\":1}]".into(),
                "expected a JSON object at the top level",
            ),
            (r#"{"schema_version":99}"#.into(), "schema_version 99"),
            (r#"{"schema_version":0}"#.into(), "schema_version 0"),
            (
                r#"{"schema_version":"1"}"#.into(),
                "no numeric schema_version",
            ),
            (
                r#"{"schema_version":1,"schema_version":1}"#.into(),
                "duplicate key \"schema_version\"",
            ),
            (with(r#""vpcs":[{"id":"vpc-1"}]"#), "vpcs[0]: missing field"),
            (
                with(
                    r#""subnets":[{"id":"subnet-1","vpc_id":"vpc-1","availability_zone":"us-east-1a","cidr_block":"10.0.0.0/99"}]"#,
                ),
                "subnets[0].cidr_block: `10.0.0.0/99` has an invalid prefix length",
            ),
            (with(r#""extra":1"#), "extra: unknown field"),
            (
                with(r#""vpcs":[["vpc-1",[],true,true]]"#),
                "vpcs[0]: invalid type: sequence, expected struct Vpc",
            ),
            (
                with(r#""collected_at":"x","collected_at":"y""#),
                "duplicate key \"collected_at\"",
            ),
            (
                r#"{"schema_version":1,"account_id":"1","region":"us-east-1"}"#.into(),
                "account_id is \"1\"; expected a 12-digit account id",
            ),
            (
                with(
                    r#""internet_gateways":[{"id":"igw-1\u001b[2J"},{"id":"igw-1"},{"id":"igw-1"}]"#,
                ),
                "internet_gateways[0].id is \"igw-1\\u{1b}[2J\"",
            ),
            (
                with(r#""internet_gateways":[{"id":"igw-2"},{"id":"igw-1"},{"id":"igw-2"}]"#),
                "internet_gateways lists \"igw-2\" more than once",
            ),
            (
                with(r#""extra\u001b]0;x\u0007":1"#),
                "unknown field `extra\\u{1b}]0;x\\u{7}`",
            ),
        ];
        for (text, expected) in cases {
            let message = load(&text).unwrap_err().to_string();
            assert!(message.contains(expected), "{text}: {message}");
            assert!(message.contains("s.json"), "{message}");
            assert!(!message.chars().any(char::is_control), "{message:?}");
        }
    }

    #[test]
    fn missing_file_is_reported_as_missing() {
        let error = load_file(Path::new("/nonexistent/snapshot.json")).unwrap_err();
        assert!(error.to_string().contains("does not exist"));
    }

    #[test]
    fn only_regular_files_are_read() {
        for path in ["/dev/zero", "/dev/null", "/"] {
            let message = load_file(Path::new(path)).unwrap_err().to_string();
            assert!(message.contains("not a regular file"), "{message}");
        }
    }

    #[test]
    #[cfg(unix)]
    fn a_fifo_is_refused_without_blocking() {
        let fifo = std::env::temp_dir().join(format!("ecr-pathcheck-fifo-{}", std::process::id()));
        let _ = std::fs::remove_file(&fifo);
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|status| status.success()) {
            return;
        }
        let message = load_file(&fifo).unwrap_err().to_string();
        std::fs::remove_file(&fifo).unwrap();
        assert!(message.contains("not a regular file"), "{message}");
    }

    #[test]
    fn size_limit_is_one_line_with_the_size() {
        let error = LoadError::TooLarge {
            path: PathBuf::from("big.json"),
            size: None,
        };
        let message = error.to_string();
        assert!(
            message.contains("too large: more than 268435456 bytes"),
            "{message}"
        );
        assert!(message.contains("limit is 268435456 bytes"), "{message}");
        // A sparse file over the limit is refused from its size, without reading it.
        let big =
            std::env::temp_dir().join(format!("ecr-pathcheck-big-{}.json", std::process::id()));
        let file = std::fs::File::create(&big).unwrap();
        file.set_len(MAX_SNAPSHOT_BYTES + 1).unwrap();
        let message = load_file(&big).unwrap_err().to_string();
        std::fs::remove_file(&big).unwrap();
        assert!(
            message.contains("is too large: 268435457 bytes"),
            "{message}"
        );
    }

    #[test]
    fn secrets_are_masked_on_load() {
        let text = with(
            r#""task_definitions":[{"arn":"arn:aws:ecs:us-east-1:111122223333:task-definition/web:1","containers":[{"name":"web","image":"web:1","log_driver":"splunk","log_options":{"splunk-token":"hunter2","splunk-url":"https://splunk.example:8088"}}]}],
               "tasks":[{"arn":"arn:aws:ecs:us-east-1:111122223333:task/prod/abc","cluster_arn":"arn:aws:ecs:us-east-1:111122223333:cluster/prod","task_definition_arn":"arn:aws:ecs:us-east-1:111122223333:task-definition/web:1","launch_type":"FARGATE","last_status":"STOPPED","stopped_reason":"Get https://b.s3.amazonaws.com/x?X-Amz-Security-Token=Fwo123&X-Amz-Signature=abc: i/o timeout \u001b[31m"}]"#,
        );
        let snapshot = load(&text).unwrap();
        let options = &snapshot.task_definitions[0].containers[0].log_options;
        assert_eq!(options["splunk-token"], "***");
        assert_eq!(options["splunk-url"], "https://splunk.example:8088");
        assert_eq!(
            snapshot.tasks[0].stopped_reason.as_deref(),
            Some(
                "Get https://b.s3.amazonaws.com/x?X-Amz-Security-Token=***&X-Amz-Signature=***: i/o timeout \\u{1b}[31m"
            )
        );
        let written = serde_json::to_vec(&snapshot).unwrap();
        assert_eq!(
            load(std::str::from_utf8(&written).unwrap()).unwrap(),
            snapshot
        );
    }
}
