//! `strata-sinsp`: the state engine.
//!
//! libsinsp's model, rebuilt from a capture: threads and processes (with parents, working
//! directories, credentials), each process's file descriptors (named the way sysdig names them
//! in `fd.name`), users, groups and network interfaces. [`Inspector`] takes the capture's
//! blocks in order and returns, for each event, an [`EventCtx`] with read-only views of the
//! state the event touched — what the field layer extracts `proc.*`, `fd.*` and `user.*` from.
//!
//! Tables are bounded ([`Config`]), so memory stays flat on endless streams.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod containers;
mod convert;
mod ctx;
mod dumper;
mod error;
pub mod fds;
mod inspector;
mod jsoncpp;
pub mod k8s;
pub mod mesos;
mod params;
mod parsers;
pub mod paths;
mod stats;
mod std_order;
mod streams;
pub mod threads;
pub mod users;

pub use ctx::EventCtx;
pub use dumper::{DumpOptions, Dumper, StateLoss};
pub use error::Error;
pub use fds::{FdInfo, FdTable, FdType, SockInfo};
pub use inspector::{Config, Inspector, Machine, Processed, event_flags_2022};
pub use stats::{TableStat, TableStats};
pub use threads::{ThreadInfo, ThreadTable};
pub use users::{GroupInfo, InterfaceAddr, InterfaceInfo, UserInfo, UserTable};
