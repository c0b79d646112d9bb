//! The root crate's error type: what the front door ([`Events`](crate::Events)) reports.

use std::path::PathBuf;

/// Why a capture could not be read, or a filter or field not used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The capture file could not be opened.
    #[error("{}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Reading the input failed before any block.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A block of the capture is bad (its offset and what is wrong).
    #[error(transparent)]
    Capture(#[from] strata_scap::Error),
    /// The filter does not parse or compile; displayed with the filter and a caret line.
    #[error("{}", error.render(text))]
    Filter {
        /// The filter text.
        text: String,
        /// What is wrong, and where.
        error: strata_filter::Error,
    },
    /// Rules files that do not load or compile (Falco's report of them).
    #[error("{0}")]
    Rules(String),
    /// Writing a capture failed.
    #[error(transparent)]
    Dump(#[from] strata_sinsp::Error),
    /// A field name that names no field.
    #[error(transparent)]
    Field(#[from] strata_dissect::Error),
    /// Writing an export (Parquet) failed.
    #[error("export: {0}")]
    Export(String),
}
