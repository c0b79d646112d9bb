//! `strata-sinsp`: the state engine (work in progress).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
