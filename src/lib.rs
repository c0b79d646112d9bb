#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod events;

pub use error::Error;
pub use events::{EventView, Events};
pub use strata_dissect as dissect;
pub use strata_filter as filter;
pub use strata_scap as scap;
pub use strata_sinsp as sinsp;
