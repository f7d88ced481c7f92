//! Every AWS call of the collector goes through [`Calls`]: it bounds the calls in flight, counts
//! them for the progress line, holds the run's deadline, and sorts failures.
//!
//! The contract (issue: "a diagnosis survives every failed read"): only the calls that name the
//! targets ([`Calls::target`]: describing the task, the service, listing a cluster's services)
//! may end the run, with one line. Every other call's failure, whatever it is (refused, unknown
//! operation, an unexpected 4xx, a 5xx still failing after a short retry, a timeout, an answer
//! that does not parse, the run's deadline) becomes a [`CollectionGap`]: the diagnosis goes on and
//! the hops that needed the data are unknown.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use ecr_pathcheck_checks::snapshot::CollectionGap;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::progress::Progress;

/// Codes that mean "you may not read this".
const REFUSED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "OptInRequired",
];

/// Codes that mean "this API does not exist here" (an emulator, a partition or a region without it).
const UNKNOWN_OPERATION: &[&str] = &[
    "InvalidAction",
    "UnknownOperationException",
    "UnknownOperation",
    "NotImplemented",
    "InvalidOperation",
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

/// Whether a call names the targets (its failure ends the run) or only adds to them (its
/// failure is a gap: a service's stopped tasks, a lone task's service).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Target,
    Context,
}

/// What a call gave: its output, the not-found code the caller said to expect, or a gap.
#[derive(Debug)]
pub enum Outcome<T> {
    Found(T),
    /// One of the caller's expected "does not exist" codes.
    Absent(String),
    /// The call failed and was recorded as a gap: the data is unknown, not absent.
    Gap,
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
    /// The sweep's bound over every account and region (`--max-total-concurrency`), beside this
    /// collection's own.
    shared_limiter: Option<Arc<Semaphore>>,
    gaps: Mutex<Vec<CollectionGap>>,
    succeeded: AtomicUsize,
    progress: Progress,
    /// When the run stops waiting: calls still pending then become gaps.
    deadline: Option<Instant>,
}

impl Calls {
    pub fn new(max_in_flight: usize, progress: Progress, deadline: Option<Instant>) -> Calls {
        Calls {
            limiter: Semaphore::new(max_in_flight.max(1)),
            shared_limiter: None,
            gaps: Mutex::new(Vec::new()),
            succeeded: AtomicUsize::new(0),
            progress,
            deadline,
        }
    }

    /// Also bounded by `shared`, which other collections of the same sweep hold too.
    pub fn sharing(mut self, shared: Arc<Semaphore>) -> Calls {
        self.shared_limiter = Some(shared);
        self
    }

    /// Runs one call (or one paginated series of calls) named `api` (`service:Action`, also the
    /// IAM permission). `absent` lists the error codes that mean "no such thing" for this call.
    /// Any other failure is recorded as a gap and gives [`Outcome::Gap`]; this never fails.
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
        Ok(match self.attempt(absent, call).await {
            Ok(outcome) => outcome,
            Err(failure) => {
                let (code, message) = failure.as_gap();
                self.record_gap(api, resource, &code, &message);
                Outcome::Gap
            }
        })
    }

    /// A call that names the targets: without its answer there is nothing to diagnose, so its
    /// failure ends the run with one line. An expected not-found code is still [`Outcome::Absent`].
    pub async fn target<T, E, F>(
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
        self.attempt(absent, call)
            .await
            .map_err(|failure| anyhow::anyhow!(failure.explain(api, resource)))
    }

    /// [`Calls::target`] or [`Calls::run`], as `role` says.
    pub async fn for_role<T, E, F>(
        &self,
        role: Role,
        api: &'static str,
        resource: Option<&str>,
        absent: &[&str],
        call: F,
    ) -> anyhow::Result<Outcome<T>>
    where
        F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match role {
            Role::Target => self.target(api, resource, absent, call).await,
            Role::Context => self.run(api, resource, absent, call).await,
        }
    }

    /// A request that is not an SDK call (the GET of a presigned URL), under the same bounds as
    /// the others: the calls in flight, the progress line and the run's deadline. Its failure,
    /// `(error_code, message)`, is recorded as a gap named `api` about `resource` and gives
    /// `None`; the caller's message must hold nothing secret (it goes into the snapshot).
    pub async fn fetch<T, F>(
        &self,
        api: &'static str,
        resource: Option<&str>,
        request: F,
    ) -> Option<T>
    where
        F: Future<Output = Result<T, (String, String)>>,
    {
        let failure = match self.bounded(request).await {
            Ok(Ok(value)) => {
                self.succeeded.fetch_add(1, Ordering::Relaxed);
                return Some(value);
            }
            Ok(Err(failure)) => failure,
            Err(failure) => failure.as_gap(),
        };
        self.record_gap(api, resource, &failure.0, &failure.1);
        None
    }

    /// Runs `call` within the limit of calls in flight and the run's deadline.
    async fn bounded<R, F>(&self, call: F) -> Result<R, Failure>
    where
        F: Future<Output = R>,
    {
        let bounded = async {
            let _permit = self
                .limiter
                .acquire()
                .await
                .map_err(|_| Failure::Other("the call was not made".into()))?;
            let _shared_permit = match &self.shared_limiter {
                Some(shared) => Some(
                    shared
                        .acquire()
                        .await
                        .map_err(|_| Failure::Other("the call was not made".into()))?,
                ),
                None => None,
            };
            self.progress.started();
            let result = call.await;
            self.progress.finished();
            Ok::<_, Failure>(result)
        };
        match self.deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, bounded)
                .await
                .map_err(|_| Failure::Deadline)?,
            None => bounded.await,
        }
    }

    async fn attempt<T, E, F>(&self, absent: &[&str], call: F) -> Result<Outcome<T>, Failure>
    where
        F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let result = self.bounded(call).await?;
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
            failure => Err(failure),
        }
    }

    /// A listing (usually every page of it); on any failure it is empty and the gap is recorded.
    /// Callers must not read the empty list as "none": the engine looks the gap up.
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

    /// A call whose failure, whatever it is, only means "no answer": its reason is returned and
    /// no gap is recorded (the caller records why in the data itself).
    pub async fn optional<T, E, F>(&self, api: &'static str, call: F) -> Result<T, String>
    where
        F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match self.attempt(&[], call).await {
            Ok(Outcome::Found(value)) => Ok(value),
            Ok(_) => Err("failed".into()),
            Err(failure) => Err(match failure {
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
            }),
        }
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
    Service {
        code: String,
        message: String,
    },
    Unreachable(String),
    Timeout,
    /// The run's `--timeout` passed while the call was pending.
    Deadline,
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
    /// The gap's `error_code` and `message`: AWS's own code where there is one, else a name for
    /// what happened (`Timeout`, `DeadlineExceeded`, `Unreachable`, `InvalidResponse`).
    fn as_gap(&self) -> (String, String) {
        match self {
            Failure::Service { code, message } => {
                let message = if message.trim().is_empty() {
                    match code {
                        code if UNKNOWN_OPERATION.contains(&code.as_str()) => {
                            "the API does not exist at this endpoint".to_string()
                        }
                        code if code.starts_with("HTTP 5")
                            || code.contains("Internal")
                            || code.contains("Unavailable") =>
                        {
                            "the service failed after the retries".to_string()
                        }
                        _ => "no message".to_string(),
                    }
                } else {
                    message.clone()
                };
                (code.clone(), message)
            }
            Failure::Unreachable(detail) => ("Unreachable".into(), detail.clone()),
            Failure::Timeout => (
                "Timeout".into(),
                "no answer within the per-call time limit after the retries".into(),
            ),
            Failure::Deadline => (
                "DeadlineExceeded".into(),
                "still pending when the run's --timeout passed".into(),
            ),
            Failure::Other(detail) => ("InvalidResponse".into(), detail.clone()),
        }
    }

    fn explain(&self, api: &str, resource: Option<&str>) -> String {
        let about = resource.map(|r| format!(" for {r}")).unwrap_or_default();
        match self {
            Failure::Service { code, message } if CREDENTIALS_REJECTED.contains(&code.as_str()) => {
                format!(
                    "AWS rejected the credentials ({code}: {}); refresh them (aws sso login, new keys) or pick another --profile",
                    one_line(message)
                )
            }
            Failure::Service { code, .. } if REFUSED.contains(&code.as_str()) => format!(
                "{api} was refused{about} ({code}), so the targets cannot be read; grant the actions in docs/iam-policy.json"
            ),
            Failure::Service { code, .. } if UNKNOWN_OPERATION.contains(&code.as_str()) => format!(
                "{api} does not exist at this endpoint ({code}), so the targets cannot be read; check the region and AWS_ENDPOINT_URL"
            ),
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
            Failure::Deadline => format!(
                "{api}{about} was still pending when --timeout passed; run again with a longer --timeout"
            ),
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
