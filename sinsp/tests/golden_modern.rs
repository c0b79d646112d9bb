//! Conformance with libsinsp 0.25 on today's format: every capture of `corpus-modern` projected
//! through the inspector must print `golden-modern/NAME.state.txt` line for line.

mod common;

use common::{Flavor, compare, project, shared};
use strata_sinsp::Config;

#[test]
fn corpus_modern_matches_libsinsp_golden() {
    let dir = shared();
    let mut names: Vec<_> = std::fs::read_dir(dir.join("corpus-modern"))
        .expect("corpus-modern is missing")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "scap"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "corpus-modern is empty");
    let mut failures = String::new();
    let mut total_bad = 0;
    for path in &names {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let golden = dir.join("golden-modern").join(format!("{stem}.state.txt"));
        let want: Vec<String> = std::fs::read_to_string(&golden)
            .unwrap_or_else(|e| panic!("{}: {e}", golden.display()))
            .lines()
            .map(str::to_owned)
            .collect();
        let got = project(path, Config::default(), Flavor::Modern);
        let (bad, report) = compare(&stem, &got, &want);
        eprintln!("{stem}: {} lines, {bad} differ", want.len());
        total_bad += bad;
        failures.push_str(&report);
    }
    assert!(total_bad == 0, "{total_bad} lines differ\n{failures}");
}
