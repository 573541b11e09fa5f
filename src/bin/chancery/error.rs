//! `CliError`, a failed command's exit code and one-line message, and the conversions to it.

use chancery::{AuditError, OpenError, StorageError};
use std::path::Path;

/// A failed command: its exit code and one line for stderr.
#[derive(Debug)]
pub struct CliError {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl CliError {
    /// Usage or input error (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }

    /// I/O error on a file (exit code 2).
    pub fn io(path: &Path, e: std::io::Error) -> Self {
        Self::usage(format!("{}: {e}", path.display()))
    }

    /// Verified invalid, or damage found (exit code 1).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
        }
    }
}

impl From<OpenError> for CliError {
    fn from(e: OpenError) -> Self {
        match e {
            OpenError::BadEntry(_) | OpenError::Storage(StorageError::Damaged(_)) => {
                CliError::invalid(format!("damaged ledger: {e}"))
            }
            other => CliError::usage(other.to_string()),
        }
    }
}

impl From<StorageError> for CliError {
    fn from(e: StorageError) -> Self {
        CliError::from(OpenError::Storage(e))
    }
}

impl From<chancery::AppendError> for CliError {
    fn from(e: chancery::AppendError) -> Self {
        CliError::usage(e.to_string())
    }
}

/// A ledger opened for auditing: failures are damage (exit 1).
impl From<AuditError> for CliError {
    fn from(e: AuditError) -> Self {
        match e {
            AuditError::Storage(s) => CliError::from(s),
            other => CliError::invalid(other.to_string()),
        }
    }
}
