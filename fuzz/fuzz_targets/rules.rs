//! Arbitrary text as Falco rules files: YAML reading (aliases, nesting), the loader's checks,
//! list and macro expansion, compiling for both eras and, when they load, alerts on the demo
//! capture. No panic, no hang, bounded memory (alias and macro expansion are budgeted).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Twice: the second file sees (and may redefine) what the first defined.
    let (rules, _) = strata::Rules::load(&[("a.yaml", &text), ("b.yaml", &text)]);
    if let Some(rules) = rules {
        for alert in rules.run(strata::Events::demo()) {
            let _ = alert.map(|a| a.json("h"));
        }
    }
});
