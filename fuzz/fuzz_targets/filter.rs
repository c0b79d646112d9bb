//! Filter text through lexer, parser (both dialects), compiler and evaluation.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    strata_dissect::fuzzing::filter(data);
});
