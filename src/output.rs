//! Writing to the terminal: a closed pipe (`| head`) is not an error, and errors are one line.

use std::io::{self, Write};

pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_FAILURE: u8 = 2;

/// Writes the rendered output; a reader that went away is not a failure.
pub fn print(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

pub fn error_line(message: &str) {
    let _ = writeln!(io::stderr(), "error: {message}");
}
