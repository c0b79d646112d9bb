//! The crate's error type: every error says where (byte offset, block type) and what.

use std::fmt;

/// An error reading or writing a capture.
///
/// `offset` is the byte offset of the start of the block in the (decompressed) stream, and
/// `block_type` the block's type code when it was read far enough to know it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at byte {offset}{}: {kind}", BlockName(*.block_type))]
pub struct Error {
    /// Byte offset of the block the error is in (or of the position where a block was expected).
    pub offset: u64,
    /// The block's type code, if known.
    pub block_type: Option<u32>,
    /// What was wrong.
    pub kind: ErrorKind,
}

impl Error {
    pub(crate) fn new(offset: u64, block_type: Option<u32>, kind: ErrorKind) -> Error {
        Error {
            offset,
            block_type,
            kind,
        }
    }

    /// Whether the error only says that the input ended in the middle of a block.
    pub fn is_truncated(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Truncated { .. } | ErrorKind::TruncatedGzip
        )
    }
}

struct BlockName(Option<u32>);

impl fmt::Display for BlockName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(t) => write!(
                f,
                ", in {} block (type {t:#x})",
                crate::block::block_type_name(t)
            ),
            None => Ok(()),
        }
    }
}

/// What went wrong; see [`Error`] for where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input ended before the block did: the file is truncated.
    #[error("truncated: needed {needed} bytes, {available} available")]
    Truncated {
        /// Bytes the block (or structure) needs.
        needed: u64,
        /// Bytes that were there.
        available: u64,
    },
    /// The gzip stream ends before its end marker: the decompressed data stops here.
    #[error("truncated: the gzip stream ends before its end")]
    TruncatedGzip,
    /// A block length smaller than the 12-byte minimum of header and trailer.
    #[error("block total length {0} is below the minimum of 12")]
    BadBlockLength(u32),
    /// A block larger than the configured cap.
    #[error("block total length {len} exceeds the configured maximum of {max}")]
    BlockTooLarge {
        /// The block's declared length.
        len: u64,
        /// The configured maximum.
        max: u64,
    },
    /// The trailing copy of the block length differs from the header's.
    #[error("wrong block total length: header says {header}, trailer says {trailer}")]
    TrailerMismatch {
        /// Length in the header.
        header: u32,
        /// Length in the trailer.
        trailer: u32,
    },
    /// The stream does not start with a section header block.
    #[error("expected a section header block, found block type {0:#x}")]
    NoSectionHeader(u32),
    /// The section header's byte-order magic is not 0x1A2B3C4D in either order.
    #[error("invalid byte-order magic {0:#010x}")]
    BadMagic(u32),
    /// A major version this reader does not know.
    #[error("unsupported format version {major}.{minor}")]
    UnsupportedVersion {
        /// Major version.
        major: u16,
        /// Minor version.
        minor: u16,
    },
    /// A field inside a block is malformed.
    #[error("{0}")]
    Malformed(&'static str),
    /// A length or count inside a block points past its end.
    #[error("{what} overruns its container: needs {needed} bytes, {available} left")]
    Overrun {
        /// Which field.
        what: &'static str,
        /// Bytes it needs.
        needed: u64,
        /// Bytes left.
        available: u64,
    },
    /// A string longer than the format allows.
    #[error("{what} is {len} bytes long, over the limit of {max}")]
    StringTooLong {
        /// Which string.
        what: &'static str,
        /// Its length.
        len: u64,
        /// The limit.
        max: u64,
    },
    /// An interface list entry of unknown type.
    #[error("unknown interface entry type {0}")]
    UnknownInterfaceType(u16),
    /// Decompressed data exceeds the configured maximum.
    #[error("decompressed size exceeds the configured maximum of {0} bytes")]
    DecompressedTooLarge(u64),
    /// A value does not fit the field it must be written to.
    #[error("{what} of {len} does not fit in {max}")]
    TooLargeToWrite {
        /// Which field.
        what: &'static str,
        /// The value.
        len: u64,
        /// The maximum.
        max: u64,
    },
    /// An I/O error from the underlying reader or writer.
    #[error("I/O error ({kind:?}): {message}")]
    Io {
        /// The I/O error kind.
        kind: std::io::ErrorKind,
        /// Its message.
        message: String,
    },
}

impl From<std::io::Error> for ErrorKind {
    fn from(e: std::io::Error) -> Self {
        ErrorKind::Io {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
