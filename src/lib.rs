//! Strata: read, write and understand system-call captures (`.scap`), the format of libscap,
//! Sysdig, Falco and Stratoshark.
//!
//! This crate re-exports the layers, each usable alone:
//! - [`scap`]: the block codec: every block type and version, gzip, zero-copy events, typed
//!   parameters, a writer. No state.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use strata::scap::{Block, Capture};
//! let capture = Capture::from_bytes(strata::scap::demo::capture())?;
//! let opens = capture
//!     .blocks()
//!     .filter_map(Result::ok)
//!     .filter(|b| matches!(b, Block::Event(e) if e.name() == "openat"))
//!     .count();
//! assert!(opens > 0);
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use strata_scap as scap;
