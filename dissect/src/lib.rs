//! `strata-dissect`: fields, extraction and output formats (work in progress).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
