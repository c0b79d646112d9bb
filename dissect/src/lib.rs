//! `strata-dissect`: the fields of events, their values, and sysdig's text output.
//!
//! * [`Registry`]: every field sysdig 0.29.3 knows (`evt.*`, `proc.*`, `fd.*`, ...), and the
//!   libsinsp 0.25 fields Falco's rules use that it lacks (`proc.aexe[N]`, `fd.nameraw`,
//!   `thread.cap_effective`, ...), with class, type, argument syntax and a doc line; user
//!   fields can be added.
//! * [`FieldRef::extract`]: a field's typed [`Value`] for one event. The event and everything
//!   that needs state (fd names, process names, users, the enter event) come through the
//!   [`StateView`] trait, which `strata-sinsp` implements; [`Stateless`] is the no-state one.
//! * [`Format`]: sysdig `-p` strings, compiled once and rendered per event into a reused
//!   `String`, matching sysdig's text (`res=-2(ENOENT)`, `flags=4097(O_RDONLY|O_CLOEXEC)`,
//!   `data=...` cut at 80 characters, `<NA>`).
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use strata_dissect::{FieldRef, Registry, RenderOptions, Stateless, Value};
//! use strata_scap::{Block, Capture};
//!
//! let reg = Registry::builtin();
//! let ty = FieldRef::parse(reg, "evt.type")?;
//! let opts = RenderOptions::default();
//! let capture = Capture::from_bytes(strata_scap::demo::capture())?;
//! let mut scratch = String::new();
//! for (i, block) in capture.blocks().enumerate() {
//!     if let Block::Event(ev) = block? {
//!         let view = Stateless::new(ev, i as u64 + 1);
//!         let value = ty.extract(&view, &opts, &mut scratch);
//!         assert!(matches!(value, Some(Value::Str(_))));
//!     }
//! }
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod error;
pub mod fields;
pub(crate) mod filter;
pub mod format;
pub mod fuzzing;
pub mod json;
pub mod list;
mod old_table;
pub mod payload;
pub mod registry;
pub mod render;
mod resolve;
mod sinsp_view;
pub mod state;
mod syslog;
#[cfg(test)]
mod test_support;
mod text;
pub mod time;
pub mod tree;
pub mod user;
pub mod value;

pub use error::Error;
pub use fields::{Builtin, FieldRef};
pub use filter::{FilterField, FilterRecord, FilterSchema};
pub use format::{Format, SYSDIG_DEFAULT};
pub use json::{Typed, field_json, field_typed};
pub use registry::{Arg, ArgKind, Class, FieldId, FieldInfo, FieldType, Registry};
pub use render::{Flavor, FlavorDecider, OutputTime, RenderOptions};
pub use state::{FdEnds, FdView, StateView, Stateless};
pub use time::TimeZone;
pub use user::{Extractor, FieldClass};
pub use value::Value;
