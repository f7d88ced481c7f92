//! What the integration tests share: the Python that has the emulator's packages.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

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
