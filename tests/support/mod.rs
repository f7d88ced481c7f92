//! What the integration tests share: the Python that has the emulator's packages, and how a
//! run's output is read. Each test binary uses some of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A bad input exits 2 with exactly one line on stderr that contains `expected`, and no panic.
pub fn assert_one_line_error(output: &Output, expected: &str) {
    let message = stderr(output);
    assert_eq!(output.status.code(), Some(2), "stderr: {message}");
    assert_eq!(
        message.trim_end().lines().count(),
        1,
        "not one line: {message}"
    );
    assert!(message.contains(expected), "`{expected}` not in: {message}");
    assert!(
        !message.contains("panicked") && !message.contains("RUST_BACKTRACE"),
        "{message}"
    );
}

/// The Python with `moto[server]` 5.2.1, `boto3` and `jsonschema` (which moto's server extra
/// brings): the one on the PATH when it has them, else a virtual environment under the target
/// directory, installed once by `mocks/live/ensure_emulator.py`.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let output = Command::new("python3")
            .arg(root.join("mocks/live/ensure_emulator.py"))
            .arg(Path::new(env!("CARGO_TARGET_TMPDIR")).join("emulator-venv"))
            .stderr(Stdio::inherit())
            .output()
            .expect("python3 must be installed to run these tests");
        assert!(
            output.status.success(),
            "mocks/live/ensure_emulator.py could not provide moto[server]==5.2.1, boto3 and jsonschema"
        );
        PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
    })
}
