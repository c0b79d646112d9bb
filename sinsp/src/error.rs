//! The state layer's error: what can go wrong writing a capture from the state.

/// An error of the dumper.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The block writer failed (an I/O error or a block too large), at a byte offset.
    #[error(transparent)]
    Write(#[from] strata_scap::Error),
    /// A table of the state does not fit its block format.
    #[error("cannot write the {what}: {kind}")]
    Encode {
        /// Which table.
        what: &'static str,
        /// Why.
        kind: strata_scap::ErrorKind,
    },
    /// Finishing the output (flushing, ending the gzip stream) failed.
    #[error("finishing the capture: {0}")]
    Io(std::io::Error),
}
