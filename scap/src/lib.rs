//! `strata-scap`: the `.scap` block codec.
//!
//! A capture is a sequence of pcapng-style blocks: a section header, metadata (machine info,
//! process, fd, interface and user lists), then events. This crate reads every block type and
//! version written from 2014 to today, from a byte slice (zero-copy), any `io::Read`, or a file,
//! gzip'd or not; decodes each event's parameters on demand to typed values; and writes captures
//! back, byte for byte. It keeps no state: that is `strata-sinsp`'s job.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use strata_scap::{Block, Capture};
//! let capture = Capture::from_bytes(strata_scap::demo::capture())?;
//! for block in capture.blocks() {
//!     if let Block::Event(ev) = block? {
//!         let _ = (ev.ts, ev.tid, ev.name(), ev.nparams());
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Errors carry the byte offset and block type; a truncated input yields every whole block and
//! then an error that says it is truncated. No input panics, hangs or allocates unboundedly.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod block;
pub mod bytes;
pub mod demo;
pub mod error;
pub mod event;
pub mod fdlist;
#[doc(hidden)]
pub mod fuzzing;
pub mod iflist;
pub mod machine;
pub mod param;
pub mod proclist;
pub mod reader;
pub mod section;
pub mod table;
#[cfg(test)]
mod test_support;
pub mod userlist;
pub mod writer;

pub use block::{Block, BlockKind, RawBlock};
pub use bytes::Endian;
pub use error::{Error, ErrorKind, Result};
pub use event::{Event, EventHeader, ParamBuf};
pub use param::ParamValue;
pub use reader::{Capture, ReadOptions, SliceReader, StreamReader};
pub use section::SectionHeader;
pub use writer::Writer;
