//! Decodes arbitrary bytes as a parameter of every type, and as a whole event body of the type
//! named by the first two bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    strata_scap::fuzzing::decode_params(data);
});
