//! Recovery through the whole pipeline (`Events::recover`, `sdump --recover`): every capture
//! of `../shared/corpus` and `../shared/corpus-wild`, with the length of one event block in its
//! middle zeroed, yields every event before and after that block (each event as its time,
//! thread, type and direction), the same as the undamaged file without that one event.

mod common;

use std::path::Path;
use std::process::Command;

use strata::Events;
use strata::dissect::{Format, Registry};

const IDENTITY: &str = "%evt.rawtime %thread.tid %evt.type %evt.dir";

/// Each event handed out, as `IDENTITY` prints it; and the errors seen.
fn identities(bytes: Vec<u8>, recover: bool) -> (Vec<String>, usize) {
    let mut events = Events::from_bytes(bytes).unwrap().recover(recover);
    let mut format = Format::compile(Registry::builtin(), IDENTITY, *events.options()).unwrap();
    let (mut out, mut errors) = (Vec::new(), 0);
    while let Some(ev) = events.next() {
        match ev {
            Ok(ev) => {
                if format.options().flavor != ev.options().flavor {
                    format.set_flavor(ev.options().flavor);
                }
                let mut line = Vec::new();
                if format.render_into(&ev.ctx(), &mut line) {
                    out.push(String::from_utf8_lossy(&line).into_owned());
                }
            }
            Err(_) => errors += 1,
        }
    }
    (out, errors)
}

/// [`identities`] through `Events::try_for_each`, called again after each error.
fn identities_each(bytes: Vec<u8>, recover: bool) -> (Vec<String>, usize) {
    let mut events = Events::from_bytes(bytes).unwrap().recover(recover);
    let mut format = Format::compile(Registry::builtin(), IDENTITY, *events.options()).unwrap();
    let (mut out, mut errors) = (Vec::new(), 0);
    loop {
        let r = events.try_for_each(|ev| {
            if format.options().flavor != ev.options().flavor {
                format.set_flavor(ev.options().flavor);
            }
            let mut line = Vec::new();
            if format.render_into(&ev.ctx(), &mut line) {
                out.push(String::from_utf8_lossy(&line).into_owned());
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
        match r {
            Ok(_) => break,
            Err(_) => errors += 1,
        }
        if !recover {
            break;
        }
    }
    (out, errors)
}

/// The offset of the event block in the middle of `bytes`, and that event's identity prefix
/// (raw time and thread).
fn middle_event(bytes: &[u8]) -> (usize, String) {
    let mut r = strata::scap::SliceReader::new(bytes);
    let mut events = Vec::new();
    while let Some(b) = r.next() {
        if let Ok(strata::scap::Block::Event(ev)) = b {
            events.push((
                r.block_offset() as usize,
                format!("{} {} ", ev.ts, ev.tid as i64),
            ));
        }
    }
    events.swap_remove(events.len() / 2)
}

#[test]
fn a_damaged_block_in_the_middle_costs_only_its_event() {
    let Some(mut caps) = common::corpus("corpus") else {
        return;
    };
    let Some(wild) = common::corpus("corpus-wild") else {
        return;
    };
    caps.extend(wild);
    let mut failures = Vec::new();
    for cap in &caps {
        let bytes = common::decompressed(cap);
        let (at, lost) = middle_event(&bytes);
        let mut bad = bytes.clone();
        bad[at + 4..at + 8].fill(0);
        let (whole, _) = identities(bytes, false);
        let (cut, errors) = identities(bad.clone(), false);
        assert_eq!(
            errors,
            1,
            "{}: without recovery the damage ends reading",
            cap.display()
        );
        assert!(cut.len() <= whole.len());
        assert_eq!(
            identities_each(bad.clone(), false),
            (cut.clone(), errors),
            "{}: try_for_each without recovery",
            cap.display()
        );
        let (got, errors) = identities(bad.clone(), true);
        assert_eq!(
            identities_each(bad, true),
            (got.clone(), errors),
            "{}: try_for_each with recovery",
            cap.display()
        );
        let want: Vec<String> = whole
            .iter()
            .filter(|l| !l.starts_with(&lost))
            .cloned()
            .collect();
        if errors != 1 || got != want {
            failures.push(format!(
                "{}: {} events read with recovery ({errors} errors), {} expected",
                cap.display(),
                got.len(),
                want.len()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sdump_recover_reads_on_past_the_damage() {
    let Some(cap) = common::shared("corpus/curl_google.scap") else {
        return;
    };
    let bytes = common::decompressed(&cap);
    let (at, _) = middle_event(&bytes);
    let mut bad = bytes.clone();
    bad[at..at + 8].fill(0xa5);
    let path = std::env::temp_dir().join(format!("strata-recover-{}.scap", std::process::id()));
    std::fs::write(&path, &bad).unwrap();
    let run = |recover: bool| {
        let mut cmd = Command::new(common::example("sdump"));
        cmd.env("TZ", "UTC")
            .arg("-r")
            .arg(&path)
            .arg("-p")
            .arg("%evt.num");
        if recover {
            cmd.arg("--recover");
        }
        cmd.output().unwrap()
    };
    let (plain, recovered) = (run(false), run(true));
    let _ = std::fs::remove_file(Path::new(&path));
    assert!(
        !plain.status.success(),
        "without --recover the damage is a failure"
    );
    assert!(recovered.status.success());
    let err = String::from_utf8_lossy(&recovered.stderr);
    assert!(err.contains("recovered from 1 errors"), "{err}");
    let lines = |o: &std::process::Output| o.stdout.iter().filter(|&&c| c == b'\n').count();
    assert!(
        lines(&recovered) > lines(&plain) + 100,
        "events after the damage are read"
    );
}
