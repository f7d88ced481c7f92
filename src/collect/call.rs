//! Every AWS call of the collector goes through [`Calls::run`]: it bounds the calls in flight,
//! counts them for the progress line, and sorts failures into gaps (refused: the diagnosis goes
//! on without that data) and fatal errors (one line, exit 2).

use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use ecr_pathcheck_checks::snapshot::CollectionGap;
use tokio::sync::Semaphore;

use super::progress::Progress;

/// Codes that mean "you may not read this": the call becomes a gap, the diagnosis goes on.
const REFUSED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "NotImplemented",
    "InvalidAction",
    "OptInRequired",
];

/// Codes that mean the credentials themselves are unusable: nothing can be read.
const CREDENTIALS_REJECTED: &[&str] = &[
    "AuthFailure",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
];

const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "SlowDown",
];

/// What a call gave: its output, or the not-found code the caller said to expect.
#[derive(Debug)]
pub enum Outcome<T> {
    Found(T),
    /// One of the caller's expected "does not exist" codes.
    Absent(String),
    /// Refused and recorded as a gap.
    Refused,
}

impl<T> Outcome<T> {
    pub fn found(self) -> Option<T> {
        match self {
            Outcome::Found(value) => Some(value),
            _ => None,
        }
    }
}

pub struct Calls {
    limiter: Semaphore,
    gaps: Mutex<Vec<CollectionGap>>,
    succeeded: AtomicUsize,
    progress: Progress,
}

impl Calls {
    pub fn new(max_in_flight: usize, progress: Progress) -> Calls {
        Calls {
            limiter: Semaphore::new(max_in_flight.max(1)),
            gaps: Mutex::new(Vec::new()),
            succeeded: AtomicUsize::new(0),
            progress,
        }
    }

    /// Runs one call (or one paginated series of calls) named `api` (`service:Action`, also the
    /// IAM permission). `absent` lists the error codes that mean "no such thing" for this call.
    pub async fn run<T, E, F>(
        &self,
        api: &'static str,
        resource: Option<&str>,
        absent: &[&str],
        call: F,
    ) -> anyhow::Result<Outcome<T>>
    where
        F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let _permit = self.limiter.acquire().await?;
        self.progress.started();
        let result = call.await;
        self.progress.finished();
        let error = match result {
            Ok(value) => {
                self.succeeded.fetch_add(1, Ordering::Relaxed);
                return Ok(Outcome::Found(value));
            }
            Err(error) => error,
        };
        match classify(&error) {
            Failure::Service { code, .. } if absent.contains(&code.as_str()) => {
                self.succeeded.fetch_add(1, Ordering::Relaxed);
                Ok(Outcome::Absent(code))
            }
            Failure::Service { code, message } if REFUSED.contains(&code.as_str()) => {
                self.record_gap(api, resource, &code, &message);
                Ok(Outcome::Refused)
            }
            failure => Err(anyhow::anyhow!(failure.explain(api, resource))),
        }
    }

    /// A listing (usually every page of it); refused, it is empty and the gap is recorded.
    pub async fn list<T, E, F>(&self, api: &'static str, pages: F) -> anyhow::Result<Vec<T>>
    where
        F: Future<Output = Result<Vec<T>, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        Ok(self
            .run(api, None, &[], pages)
            .await?
            .found()
            .unwrap_or_default())
    }

    /// A call whose failure, whatever it is, only means "no answer": its reason is returned.
    pub async fn optional<T, E, F>(&self, api: &'static str, call: F) -> Result<T, String>
    where
        F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let Ok(_permit) = self.limiter.acquire().await else {
            return Err("was not made".into());
        };
        self.progress.started();
        let result = call.await;
        self.progress.finished();
        result.map_err(|error| match classify(&error) {
            Failure::Service { code, .. } if REFUSED.contains(&code.as_str()) => {
                format!("was refused ({code})")
            }
            Failure::Service { code, message } if message.trim().is_empty() => {
                format!("failed ({code})")
            }
            Failure::Service { code, message } => {
                format!("failed ({code}: {})", one_line(&message))
            }
            other => format!("failed ({})", other.explain(api, None)),
        })
    }

    pub fn record_gap(&self, api: &str, resource: Option<&str>, code: &str, message: &str) {
        let gap = CollectionGap {
            api: api.to_string(),
            resource: resource.map(str::to_string),
            error_code: code.to_string(),
            message: one_line(message),
        };
        self.gaps.lock().expect("gap list poisoned").push(gap);
    }

    pub fn take_gaps(&self) -> Vec<CollectionGap> {
        std::mem::take(&mut *self.gaps.lock().expect("gap list poisoned"))
    }

    /// Calls that answered (data or an expected not-found); zero means nothing could be read.
    pub fn succeeded(&self) -> usize {
        self.succeeded.load(Ordering::Relaxed)
    }

    pub fn finish_progress(&self) {
        self.progress.clear();
    }
}

#[derive(Debug)]
enum Failure {
    Service { code: String, message: String },
    Unreachable(String),
    Timeout,
    Other(String),
}

fn classify<E>(error: &SdkError<E, HttpResponse>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match error {
        SdkError::ServiceError(service) => {
            let code = service
                .err()
                .code()
                .map(str::to_string)
                .unwrap_or_else(|| format!("HTTP {}", service.raw().status().as_u16()));
            let message = service.err().message().unwrap_or_default().to_string();
            Failure::Service { code, message }
        }
        SdkError::DispatchFailure(failure) => {
            let detail = causes(error);
            if failure.is_timeout() {
                Failure::Timeout
            } else if failure.is_io() || failure.is_other() {
                Failure::Unreachable(detail)
            } else {
                Failure::Other(detail)
            }
        }
        SdkError::TimeoutError(_) => Failure::Timeout,
        SdkError::ResponseError(_) => {
            Failure::Other(format!("its answer could not be read ({})", causes(error)))
        }
        other => Failure::Other(causes(other)),
    }
}

impl Failure {
    fn explain(&self, api: &str, resource: Option<&str>) -> String {
        let about = resource.map(|r| format!(" for {r}")).unwrap_or_default();
        match self {
            Failure::Service { code, message } if CREDENTIALS_REJECTED.contains(&code.as_str()) => {
                format!(
                    "AWS rejected the credentials ({code}: {}); refresh them (aws sso login, new keys) or pick another --profile",
                    one_line(message)
                )
            }
            Failure::Service { code, message } if THROTTLED.contains(&code.as_str()) => format!(
                "{api}{about} was still throttled ({code}) after every retry: {}; run again later or lower --max-concurrency",
                one_line(message)
            ),
            Failure::Service { code, message } => {
                format!("{api}{about} failed with {code}: {}", one_line(message))
            }
            Failure::Unreachable(detail) => format!(
                "cannot reach the AWS endpoint for {api}: {}; check the network, the region and AWS_ENDPOINT_URL",
                one_line(detail)
            ),
            Failure::Timeout => {
                format!("{api}{about} timed out after every retry; check the network and run again")
            }
            Failure::Other(detail) => format!("{api}{about} failed: {}", one_line(detail)),
        }
    }
}

/// The error's chain of causes, without the raw response the SDK's own formatting includes.
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    parts.dedup();
    let text = one_line(&parts.join(": "));
    match text.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
