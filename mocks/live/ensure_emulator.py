#!/usr/bin/env python3
"""Makes sure a Python with the emulator's packages exists, and prints its path.

  ensure_emulator.py VENV_DIR

The live tests call this first, so `cargo test --workspace` passes on a machine with only Rust
and Python: when this Python already has moto 5.2.1 and boto3 (CI installs them), it is used as
it is; otherwise a virtual environment is made in VENV_DIR (it sees this Python's packages) and
they are installed there from PyPI, once (jsonschema validates the SARIF output in tests/plan.rs). Prints the interpreter to run the emulator with.
"""
import os
import pathlib
import subprocess
import sys
import venv

REQUIREMENTS = ["moto[server]==5.2.1", "boto3", "jsonschema"]
CHECK = "import boto3, jsonschema, moto; assert moto.__version__ == '5.2.1', moto.__version__"


def has_packages(python):
    return subprocess.run([python, "-c", CHECK], capture_output=True).returncode == 0


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    if has_packages(sys.executable):
        print(sys.executable)
        return
    directory = pathlib.Path(sys.argv[1])
    python = directory / "bin" / "python"
    if not python.exists():
        venv.EnvBuilder(with_pip=True, system_site_packages=True).create(directory)
    if not has_packages(str(python)):
        print(f"installing {' '.join(REQUIREMENTS)} into {directory} (once)", file=sys.stderr)
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *REQUIREMENTS],
            stdout=sys.stderr,
            env=dict(os.environ, PIP_NO_INPUT="1"),
        )
        if done.returncode != 0 or not has_packages(str(python)):
            raise SystemExit(f"could not install {' '.join(REQUIREMENTS)} into {directory}")
    print(python)


if __name__ == "__main__":
    main()
