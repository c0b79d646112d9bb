//! The `blocks` example against an independent walker, its `--copy` against the input, and
//! sysdig on the copy against sysdig on the original.

mod common;

use std::process::Command;

use common::*;

#[test]
fn blocks_prints_what_an_independent_walker_finds() {
    let Some(captures) = all_captures() else {
        return;
    };
    let blocks = example("blocks");
    for path in captures {
        let expected: String = walk_events(&decompressed(&path))
            .iter()
            .enumerate()
            .map(|(i, e)| {
                format!(
                    "{} {} {} {} {} {}\n",
                    i + 1,
                    e.ts,
                    e.cpu,
                    e.tid,
                    e.event_type,
                    e.len
                )
            })
            .collect();
        let out = Command::new(&blocks).arg(&path).output().unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let got = String::from_utf8(out.stdout).unwrap();
        assert!(
            got == expected,
            "{}: blocks output differs from the walker",
            path.display()
        );
    }
}

#[test]
fn copy_reproduces_the_decompressed_input_and_sysdig_agrees() {
    let Some(captures) = all_captures() else {
        return;
    };
    let blocks = example("blocks");
    let dir = std::env::temp_dir().join(format!("strata-copy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Without sysdig (outside CI) the copies are still checked, the oracle's reading is not.
    let sysdig = sysdig();
    let mut sysdig_lines = 0;
    for path in captures {
        let copy = dir.join(path.file_name().unwrap());
        let out = Command::new(&blocks)
            .arg("--copy")
            .arg(&copy)
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let original = decompressed(&path);
        let copied = std::fs::read(&copy).unwrap();
        assert!(
            copied == original,
            "{}: copy differs from the input",
            path.display()
        );
        // sysdig 0.29.3 reads the old-format captures; on today's format (the modern corpus,
        // and the wild captures with libsinsp's answers beside them) it is not an oracle.
        let old_format = path.parent().unwrap().ends_with("corpus")
            || (path.parent().unwrap().ends_with("corpus-wild")
                && !path.with_extension("state.txt").exists());
        if let Some(sysdig) = &sysdig {
            if old_format {
                let a = run_sysdig(sysdig, &path, &[]);
                let b = run_sysdig(sysdig, &copy, &[]);
                assert!(
                    a == b,
                    "{}: sysdig reads the copy differently",
                    path.display()
                );
                sysdig_lines += a.lines().count();
            }
        }
    }
    // Some captures hold only procinfo events, which sysdig hides; the corpus as a whole must
    // show events, or the comparison above proved nothing.
    assert!(
        sysdig.is_none() || sysdig_lines > 1000,
        "sysdig printed {sysdig_lines} lines"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn blocks_reports_a_truncated_file_after_its_whole_blocks() {
    let Some(files) = corpus("corpus") else {
        return;
    };
    let blocks = example("blocks");
    let path = &files[0];
    let bytes = decompressed(path);
    let events = walk_events(&bytes);
    let cut = bytes.len() - 5;
    let dir = std::env::temp_dir().join(format!("strata-trunc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cut.scap");
    std::fs::write(&file, &bytes[..cut]).unwrap();
    let out = Command::new(&blocks).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let lines = String::from_utf8(out.stdout).unwrap().lines().count();
    assert_eq!(lines, events.len() - 1);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("truncated"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
