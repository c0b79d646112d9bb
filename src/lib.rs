#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use strata_dissect as dissect;
pub use strata_scap as scap;
pub use strata_sinsp as sinsp;
