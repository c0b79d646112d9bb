//! Test-only projection of events through the state engine, in sysdig's `-p` format.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::PathBuf;

use strata_scap::param::ParamValue;
use strata_scap::table::Direction;
use strata_scap::{Block, Capture};
use strata_sinsp::{Config, EventCtx, Inspector};

/// The shared data directory (`STRATA_SHARED`, default `../../shared`); panics if missing.
pub fn shared() -> PathBuf {
    let p = std::env::var_os("STRATA_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")));
    assert!(
        p.is_dir(),
        "shared data directory {} is missing",
        p.display()
    );
    p
}

/// Which reader's field rendering to imitate where the two differ.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// libsinsp 0.25 (golden-modern).
    Modern,
    /// sysdig 0.29.3.
    Sysdig029,
}

fn lossy(out: &mut String, b: &[u8]) {
    out.push_str(&String::from_utf8_lossy(b));
}

fn evt_type(ctx: &EventCtx<'_>) -> String {
    let ev = ctx.event();
    match ev.name() {
        "syscall" => {
            let id = match ev.param(0) {
                Some(Ok(ParamValue::SyscallId(id))) => id,
                _ => 0,
            };
            let native = ev.param(1).and_then(|v| v.ok()).and_then(|v| v.as_u64());
            match (id, native) {
                (0, Some(n)) => native_name(n).unwrap_or("unknown").into(),
                (id, _) => strata_scap::table::syscall_name(id)
                    .unwrap_or("unknown")
                    .into(),
            }
        }
        "asyncevent" => match ev.param(1) {
            Some(Ok(v)) => String::from_utf8_lossy(v.as_bytes().unwrap_or_default()).into(),
            _ => "asyncevent".into(),
        },
        n => n.into(),
    }
}

/// fd.name when the fd is not in the table: the creator's parameter, or empty.
fn null_fd_name(ctx: &EventCtx<'_>, flavor: Flavor) -> Option<String> {
    let ev = ctx.event();
    if ev.direction() == Direction::Enter {
        return None;
    }
    let p1 = || match ev.param(1) {
        Some(Ok(v)) => match v {
            ParamValue::Path(s) | ParamValue::Str(s) => String::from_utf8_lossy(s).into_owned(),
            ParamValue::SockTuple(t) => tuple_text(&t),
            ParamValue::Empty => String::new(),
            v => format!("{}", v.display(strata_scap::table::PrintFormat::Na)),
        },
        _ => String::new(),
    };
    Some(match ev.name() {
        "open" | "creat" | "accept" | "accept4" => p1(),
        // libsinsp 0.25 no longer names failed connects; sysdig 0.29 printed the tuple.
        "connect" if flavor == Flavor::Sysdig029 => p1(),
        _ => String::new(),
    })
}

fn tuple_text(t: &strata_scap::param::SockTuple<'_>) -> String {
    format!("{t}")
}

/// Native x86-64 syscall names for generic events whose ppm_sc is unknown. The field layer
/// owns the full table; this test carries the entries the corpus needs.
fn native_name(id: u64) -> Option<&'static str> {
    Some(match id {
        221 => "fadvise64",
        _ => return None,
    })
}

fn null_fd_typechar(ctx: &EventCtx<'_>, flavor: Flavor) -> char {
    if flavor == Flavor::Modern {
        return 'o';
    }
    match ctx.event().name() {
        "open" | "openat" | "openat2" | "creat" => 'f',
        "socket" | "accept" | "accept4" => '4',
        "pipe" | "pipe2" => 'p',
        "eventfd" | "eventfd2" => 'e',
        "signalfd" | "signalfd4" => 's',
        "timerfd_create" => 't',
        "inotify_init" | "inotify_init1" => 'i',
        _ => 'o',
    }
}

/// One line: `*%evt.num %evt.type %evt.dir %thread.tid %proc.pid %proc.name %proc.exe
/// %proc.cmdline %fd.num %fd.typechar %fd.name %user.uid %group.gid`.
pub fn line(ctx: &EventCtx<'_>, flavor: Flavor) -> String {
    let ev = ctx.event();
    let mut s = String::new();
    let _ = write!(
        s,
        "{} {} {} {} ",
        ctx.num(),
        evt_type(ctx),
        ev.direction().as_char(),
        ev.tid as i64
    );
    match ctx.thread() {
        Some(t) => {
            let _ = write!(s, "{} ", t.pid);
            lossy(&mut s, &t.comm);
            s.push(' ');
            lossy(&mut s, &t.exe);
            s.push(' ');
            lossy(&mut s, &t.comm);
            for a in t.args() {
                s.push(' ');
                lossy(&mut s, a);
            }
            s.push(' ');
        }
        None => s.push_str("<NA> <NA> <NA> <NA> "),
    }
    match (ctx.thread(), ctx.fd_num()) {
        (Some(_), Some(n)) => {
            let _ = write!(s, "{n} ");
            let failed_connect = ev.name() == "connect"
                && ev.direction() == Direction::Exit
                && matches!(ev.param(0), Some(Ok(ParamValue::Errno(r)))
                    if r < 0 && (flavor == Flavor::Sysdig029 || r != -115));
            match ctx.fd() {
                Some(f) if !failed_connect => {
                    s.push(f.typechar());
                    s.push(' ');
                    lossy(&mut s, &f.name);
                }
                Some(f) => {
                    s.push(f.typechar());
                    s.push(' ');
                    s.push_str(&null_fd_name(ctx, flavor).unwrap_or_else(|| "<NA>".into()));
                }
                None => {
                    s.push(null_fd_typechar(ctx, flavor));
                    s.push(' ');
                    s.push_str(&null_fd_name(ctx, flavor).unwrap_or_else(|| "<NA>".into()));
                }
            }
            s.push(' ');
        }
        _ => s.push_str("<NA> <NA> <NA> "),
    }
    match ctx.thread() {
        Some(t) => {
            let _ = write!(s, "{} {}", t.uid, t.gid);
        }
        None => s.push_str("<NA> <NA>"),
    }
    s
}

/// Projects every event of a capture (procinfo events left out), keyed by evt.num.
pub fn project(path: &std::path::Path, cfg: Config, flavor: Flavor) -> Vec<(u64, String)> {
    let cap = Capture::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut insp = Inspector::with_config(cfg);
    let mut out = Vec::new();
    // libsinsp consumes the leading run of initial-state events (users, groups, containers)
    // when it opens a file: they are counted but never shown.
    let mut leading = true;
    for b in cap.blocks() {
        let b = b.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        match b {
            Block::Event(ev) => {
                let ctx = insp.process(&ev);
                if leading
                    && matches!(
                        ev.name(),
                        "useradded"
                            | "groupadded"
                            | "userdeleted"
                            | "groupdeleted"
                            | "container"
                            | "asyncevent"
                    )
                {
                    continue;
                }
                leading = false;
                if ev.name() == "procinfo" {
                    continue;
                }
                out.push((ctx.num(), line(&ctx, flavor)));
            }
            other => insp.process_block(&other),
        }
    }
    out
}

/// Compares lines; returns the number of differing lines and a report of the first ones.
pub fn compare(name: &str, got: &[(u64, String)], want: &[String]) -> (usize, String) {
    let mut report = String::new();
    let mut bad = 0;
    let n = got.len().max(want.len());
    for i in 0..n {
        let g = got.get(i).map(|x| x.1.as_str()).unwrap_or("<missing>");
        let w = want.get(i).map(String::as_str).unwrap_or("<missing>");
        if g != w {
            bad += 1;
            if bad <= 8 {
                let _ = writeln!(report, "{name}:\n  got  {g}\n  want {w}");
            }
        }
    }
    (bad, report)
}
