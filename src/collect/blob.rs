//! The config blob of a single-architecture image, where its OS and architecture are recorded.
//!
//! A manifest list (or OCI index) names the platforms of each of its manifests; a single image
//! manifest does not: it names its config blob by digest (`config.digest`), and that JSON
//! document holds `os`, `architecture` and, for some CPUs, `variant` (OCI image spec,
//! `manifest.md` and `config.md`; Docker's Image Manifest V2, Schema 2). ECR hands out a blob of
//! an image as a presigned S3 URL through `ecr:GetDownloadUrlForLayer` (ECR API Reference,
//! GetDownloadUrlForLayer: by repository and digest, for blobs an image references; the config
//! blob is one, which a pull fetches the same way), then one plain HTTPS GET of that URL,
//! without AWS credentials (the signature is in the URL).
//!
//! Reading is bounded: [`MAX_CONFIG_BYTES`], [`ATTEMPT_TIMEOUT`] per attempt, three attempts for
//! a server error or a network failure, and the run's deadline (through `Calls::fetch`). Every
//! failure is a [`BlobFailure`] the caller records as a gap; the URL itself, which carries a
//! signature and often a session token, is never put in a message.

use std::sync::OnceLock;
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{HttpConnector, SharedHttpConnector};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::byte_stream::ByteStream;
use sha2::{Digest, Sha256};

use super::client::SERVER_ERROR_ATTEMPTS;

/// The largest config blob read. A config is a few KB (its `history` and labels grow it);
/// 1 MiB is far above any real one and bounds what a wrong URL can make the collector hold.
pub const MAX_CONFIG_BYTES: usize = 1 << 20;

/// No attempt (connecting, the answer's head and its body) waits longer than this.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// The media types of an image's config (Docker schema 2 and OCI). Anything else (a Helm chart,
/// a signature, an OCI artifact) is not an image: it has no platform to read.
const CONFIG_MEDIA_TYPES: &[&str] = &[
    "application/vnd.docker.container.image.v1+json",
    "application/vnd.oci.image.config.v1+json",
];

/// Why the blob's platform could not be read: the gap's `error_code` (`HTTP 403`, `Timeout`,
/// `Unreachable`, `InvalidResponse`) and a message without the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobFailure {
    pub code: String,
    pub message: String,
}

impl BlobFailure {
    fn new(code: impl Into<String>, message: impl Into<String>) -> BlobFailure {
        BlobFailure {
            code: code.into(),
            message: message.into(),
        }
    }

    fn invalid(message: impl Into<String>) -> BlobFailure {
        BlobFailure::new("InvalidResponse", message)
    }
}

/// The config blob's digest of a single image manifest (Docker schema 2 or OCI image manifest):
/// `sha256:` and 64 lowercase hex digits. `None` for a manifest list or index (its platforms are
/// in the manifest), for a config that is not an image's, and for a digest this tool cannot
/// check (another algorithm).
pub fn config_digest(manifest: &str) -> Option<String> {
    let manifest: serde_json::Value = serde_json::from_str(manifest).ok()?;
    if manifest.get("manifests").is_some() {
        return None;
    }
    let config = manifest.get("config")?;
    let media_type = config.get("mediaType")?.as_str()?;
    if !CONFIG_MEDIA_TYPES.contains(&media_type) {
        return None;
    }
    let digest = config.get("digest")?.as_str()?;
    let hex = digest.strip_prefix("sha256:")?;
    (hex.len() == 64
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then(|| digest.to_string())
}

/// The platform an image config records, `os/architecture[/variant]` (`linux/arm64/v8`), from
/// its top-level `os`, `architecture` and optional `variant` strings. An error (as a message)
/// when the blob is not a JSON object or names no usable platform.
pub fn config_platform(config: &[u8]) -> Result<String, String> {
    let config: serde_json::Value = serde_json::from_slice(config)
        .map_err(|error| format!("the config blob is not JSON ({error})"))?;
    let field = |name: &str| -> Result<Option<&str>, String> {
        match config.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(text)) if is_platform_part(text) => Ok(Some(text)),
            Some(_) => Err(format!(
                "the config blob's {name} is not a platform word (letters, digits, ., _ and -)"
            )),
        }
    };
    let (Some(os), Some(architecture)) = (field("os")?, field("architecture")?) else {
        return Err("the config blob names no os and architecture".to_string());
    };
    Ok(match field("variant")? {
        Some(variant) => format!("{os}/{architecture}/{variant}"),
        None => format!("{os}/{architecture}"),
    })
}

fn is_platform_part(text: &str) -> bool {
    (1..=32).contains(&text.len())
        && text
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// Whether `bytes` are the blob `digest` (`sha256:<hex>`) names.
pub fn matches_digest(bytes: &[u8], digest: &str) -> bool {
    let hex: String = Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    digest.strip_prefix("sha256:") == Some(hex.as_str())
}

/// The host of a URL, for messages: never its path or query (the signature).
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // `user:password@host` would be a credential too.
    host.rsplit('@').next().unwrap_or_default()
}

/// Reads config blobs over HTTPS (HTTP for an emulator), with the SDK's own HTTP stack
/// (aws-smithy-http-client: hyper 1 and rustls with aws-lc, the platform's root certificates).
/// The connector is built on first use, so a run without a single-architecture image builds
/// no TLS configuration.
pub struct ConfigBlobs {
    connector: OnceLock<SharedHttpConnector>,
    attempt_timeout: Duration,
    backoff: Duration,
}

impl Default for ConfigBlobs {
    fn default() -> Self {
        ConfigBlobs {
            connector: OnceLock::new(),
            attempt_timeout: ATTEMPT_TIMEOUT,
            backoff: Duration::from_millis(200),
        }
    }
}

/// How one attempt failed: worth another attempt or not.
enum Attempt {
    Retry(BlobFailure),
    Final(BlobFailure),
}

impl ConfigBlobs {
    /// A reader whose requests go to `connector` (a scripted one in tests), retrying at once.
    #[cfg(test)]
    pub fn with_connector(connector: impl HttpConnector + 'static) -> ConfigBlobs {
        let blobs = ConfigBlobs {
            backoff: Duration::ZERO,
            attempt_timeout: Duration::from_millis(500),
            ..ConfigBlobs::default()
        };
        let _ = blobs.connector.set(SharedHttpConnector::new(connector));
        blobs
    }

    fn connector(&self) -> &SharedHttpConnector {
        self.connector.get_or_init(|| {
            use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
            SharedHttpConnector::new(
                aws_smithy_http_client::Connector::builder()
                    .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
                    .build(),
            )
        })
    }

    /// The platform recorded in the blob `digest` served at `url` (a presigned URL from
    /// `GetDownloadUrlForLayer`): fetched, checked against the digest, parsed.
    pub async fn platform(&self, url: &str, digest: &str) -> Result<String, BlobFailure> {
        let bytes = self.get(url).await?;
        if !matches_digest(&bytes, digest) {
            return Err(BlobFailure::invalid(format!(
                "the config blob served by {} does not have the digest {digest} the manifest names",
                host_of(url)
            )));
        }
        config_platform(&bytes)
            .map_err(|message| BlobFailure::invalid(format!("config blob {digest}: {message}")))
    }

    async fn get(&self, url: &str) -> Result<Vec<u8>, BlobFailure> {
        let mut attempt = 1;
        loop {
            let result = tokio::time::timeout(self.attempt_timeout, self.attempt(url))
                .await
                .unwrap_or_else(|_| {
                    Err(Attempt::Retry(BlobFailure::new(
                        "Timeout",
                        format!(
                            "no answer from {} within {} s, after the retries",
                            host_of(url),
                            self.attempt_timeout.as_secs_f32()
                        ),
                    )))
                });
            match result {
                Ok(bytes) => return Ok(bytes),
                Err(Attempt::Retry(_)) if attempt < SERVER_ERROR_ATTEMPTS => {
                    tokio::time::sleep(self.backoff * 2u32.pow(attempt - 1)).await;
                    attempt += 1;
                }
                Err(Attempt::Retry(failure) | Attempt::Final(failure)) => return Err(failure),
            }
        }
    }

    async fn attempt(&self, url: &str) -> Result<Vec<u8>, Attempt> {
        let host = host_of(url);
        let request = HttpRequest::get(url).map_err(|_| {
            Attempt::Final(BlobFailure::invalid(
                "GetDownloadUrlForLayer answered a URL that is not one",
            ))
        })?;
        let response = self.connector().call(request).await.map_err(|error| {
            let detail = scrub(&causes(&error), url, host);
            if error.is_timeout() {
                Attempt::Retry(BlobFailure::new(
                    "Timeout",
                    format!("no answer from {host}: {detail}"),
                ))
            } else {
                Attempt::Retry(BlobFailure::new(
                    "Unreachable",
                    format!("cannot reach {host}: {detail}"),
                ))
            }
        })?;
        let status = response.status().as_u16();
        let declared = response
            .headers()
            .get("content-length")
            .and_then(|length| length.parse::<u64>().ok());
        if status == 200 && declared.is_some_and(|length| length > MAX_CONFIG_BYTES as u64) {
            return Err(Attempt::Final(too_large(host)));
        }
        let mut body = ByteStream::new(response.into_body());
        let mut bytes = Vec::new();
        loop {
            match body.try_next().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > MAX_CONFIG_BYTES {
                        if status != 200 {
                            break;
                        }
                        return Err(Attempt::Final(too_large(host)));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(error) => {
                    return Err(Attempt::Retry(BlobFailure::new(
                        "Unreachable",
                        format!(
                            "the answer from {host} was cut: {}",
                            scrub(&causes(&error), url, host)
                        ),
                    )));
                }
            }
        }
        if status == 200 {
            return Ok(bytes);
        }
        // S3 explains a refusal in an XML body: `<Code>AccessDenied</Code>`, `ExpiredToken`.
        let text = String::from_utf8_lossy(&bytes);
        let said = text
            .split_once("<Code>")
            .and_then(|(_, rest)| rest.split_once("</Code>"))
            .map(|(code, _)| code)
            .filter(|code| is_platform_part(code))
            .map(|code| format!(" ({code})"))
            .unwrap_or_default();
        let failure = BlobFailure::new(
            format!("HTTP {status}"),
            format!("the GET of the config blob from {host} answered HTTP {status}{said}"),
        );
        Err(if status >= 500 {
            Attempt::Retry(failure)
        } else {
            Attempt::Final(failure)
        })
    }
}

fn too_large(host: &str) -> BlobFailure {
    BlobFailure::invalid(format!(
        "the config blob served by {host} is larger than {MAX_CONFIG_BYTES} bytes (1 MiB); not read"
    ))
}

/// An error's chain of causes on one line.
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    parts.dedup();
    parts.join(": ")
}

/// `text` without the URL (its query holds the signature): the host stands in for it.
fn scrub(text: &str, url: &str, host: &str) -> String {
    let text = text.replace(url, host);
    match url.split_once('?') {
        Some((_, query)) if !query.is_empty() => text.replace(query, "…"),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCKER: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
        "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1469,
        "digest":"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
        "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":3,"digest":"sha256:aa"}]}"#;

    #[test]
    fn a_single_manifest_names_its_config_digest_and_an_index_none() {
        assert_eq!(
            config_digest(DOCKER).as_deref(),
            Some("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
        );
        let oci = DOCKER
            .replace(
                "application/vnd.docker.distribution.manifest.v2+json",
                "application/vnd.oci.image.manifest.v1+json",
            )
            .replace(
                "application/vnd.docker.container.image.v1+json",
                "application/vnd.oci.image.config.v1+json",
            );
        assert!(config_digest(&oci).is_some(), "an OCI image manifest");
        let index = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
        assert_eq!(config_digest(index), None, "an index names its platforms");
        let chart = DOCKER.replace(
            "application/vnd.docker.container.image.v1+json",
            "application/vnd.cncf.helm.config.v1+json",
        );
        assert_eq!(config_digest(&chart), None, "not an image");
        for digest in [
            "sha512:0123",
            "sha256:0123",
            "sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            let odd = DOCKER.replace(
                "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                digest,
            );
            assert_eq!(config_digest(&odd), None, "{digest}");
        }
        assert_eq!(config_digest("not json"), None);
    }

    #[test]
    fn a_config_gives_os_architecture_and_variant() {
        let config = br#"{"architecture":"arm64","variant":"v8","os":"linux","config":{"Env":["PATH=/bin"]},"rootfs":{"type":"layers","diff_ids":[]}}"#;
        assert_eq!(config_platform(config).as_deref(), Ok("linux/arm64/v8"));
        assert_eq!(
            config_platform(br#"{"architecture":"amd64","os":"linux"}"#).as_deref(),
            Ok("linux/amd64")
        );
        assert_eq!(
            config_platform(
                br#"{"architecture":"amd64","os":"windows","os.version":"10.0.20348.2113"}"#
            )
            .as_deref(),
            Ok("windows/amd64")
        );
        for bad in [
            &b"not json"[..],
            br#"["linux"]"#,
            br#"{"os":"linux"}"#,
            br#"{"os":"linux","architecture":7}"#,
            br#"{"os":"linux","architecture":"arm64/../x"}"#,
            br#"{"os":"","architecture":"amd64"}"#,
        ] {
            assert!(
                config_platform(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn the_digest_is_checked_and_messages_never_hold_the_url() {
        // sha256("") is well known.
        assert!(matches_digest(
            b"",
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        ));
        assert!(!matches_digest(
            b"x",
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        ));
        let url = "https://prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com/a/b?X-Amz-Security-Token=Fwo&X-Amz-Signature=abc";
        assert_eq!(
            host_of(url),
            "prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com"
        );
        assert_eq!(host_of("http://u:p@127.0.0.1:5000/x"), "127.0.0.1:5000");
        let scrubbed = scrub(&format!("error sending {url}: refused"), url, host_of(url));
        assert!(
            !scrubbed.contains("Fwo") && !scrubbed.contains("abc"),
            "{scrubbed}"
        );
    }
}
