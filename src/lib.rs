#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod alerts;
mod error;
mod events;
#[cfg(feature = "parquet")]
pub mod export;
mod record;

pub use alerts::{Alert, Alerts, FieldValue, Rules, rfc3339};
pub use error::Error;
pub use events::{EventView, Events};
pub use record::{Recorder, Rotation};
pub use strata_dissect as dissect;
pub use strata_filter as filter;
pub use strata_rules as rules;
pub use strata_scap as scap;
pub use strata_sinsp as sinsp;
