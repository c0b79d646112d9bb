//! Checks that `src/table/generated.rs` is exactly what `gen/gen_table.rs` renders from `data/`.
//!
//! After changing the data or the generator, rewrite the file with
//! `STRATA_BLESS=1 cargo test -p strata-scap --test generated_table`.

#[path = "../gen/gen_table.rs"]
mod gen_table;

use std::path::{Path, PathBuf};

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn generated_path() -> PathBuf {
    crate_dir().join("src/table/generated.rs")
}

#[test]
fn generated_table_is_up_to_date() {
    let rendered = gen_table::generate(&crate_dir().join("data"));
    let path = generated_path();
    if std::env::var_os("STRATA_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &rendered)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let current = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    if current != rendered {
        let line = current
            .lines()
            .zip(rendered.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| current.lines().count().min(rendered.lines().count()))
            + 1;
        panic!(
            "{} is out of date (first difference at line {line}); regenerate it with \
             `STRATA_BLESS=1 cargo test -p strata-scap --test generated_table`",
            path.display()
        );
    }
}

#[test]
fn generation_is_deterministic() {
    let data = crate_dir().join("data");
    assert_eq!(gen_table::generate(&data), gen_table::generate(&data));
}

/// The generated file is laid out as rustfmt lays it out, so `cargo fmt` leaves it alone (and the
/// byte-for-byte check above keeps passing). Needs `rustfmt` on the PATH, hence ignored by default.
#[test]
#[ignore = "needs rustfmt"]
fn generated_table_is_rustfmt_clean() {
    let status = std::process::Command::new("rustfmt")
        .args(["--check", "--edition", "2024"])
        .arg(generated_path())
        .status()
        .expect("cannot run rustfmt");
    assert!(
        status.success(),
        "rustfmt would reformat generated.rs; adjust gen_table.rs"
    );
}
