//! The fields this crate computes itself: `evt.*` from the event's bytes and the counters of
//! the [`StateView`], plus the few process and fd fields its small lookups can answer.

use strata_scap::table::{self, Direction, EventFlags};
use strata_scap::{Event, ParamValue};

use super::Builtin as B;
use crate::old_table;
use crate::registry::Arg;
use crate::render::{self, Flavor, OutputTime, RenderOptions};
use crate::state::StateView;
use crate::syslog;
use crate::text::{Text, nine_digits};
use crate::time::{Stamp, StampCache, write_human_duration, write_stamp};
use crate::value::Value;

/// Whether the field is computed here rather than asked of the view.
pub(super) fn computes(b: B) -> bool {
    b == B::ThreadTid
        || b == B::ThreadExectime
        || matches!(
            super::def(b).class,
            crate::registry::Class::Evt | crate::registry::Class::Syslog
        )
}

/// Whether the field's text is composed rather than borrowed: see [`compose`].
pub(super) fn composes(b: B) -> bool {
    matches!(
        b,
        B::EvtTime
            | B::EvtTimeS
            | B::EvtTimeIso8601
            | B::EvtDatetime
            | B::EvtDatetimeS
            | B::EvtOutputtime
            | B::EvtRawtimeNs
            | B::EvtReltime
            | B::EvtReltimeNs
            | B::EvtLatencyNs
            | B::EvtDeltatimeNs
            | B::EvtLatencyHuman
            | B::EvtInfo
            | B::EvtArgs
            | B::EvtArg
            | B::EvtRes
    )
}

/// Whether the field is a number or a fixed name that [`write_plain`] writes.
pub(super) fn plain(b: B) -> bool {
    matches!(
        b,
        B::EvtNum | B::EvtCpu | B::EvtDir | B::EvtType | B::ThreadTid | B::EvtRawtime
    )
}

/// A [`plain`] field's value, as [`extract`] gives it, without its dispatch (for writers
/// that take values rather than text, which ask for these on every row).
#[inline]
pub(super) fn plain_value<S: StateView + ?Sized>(
    b: B,
    view: &S,
    opts: &RenderOptions,
) -> Option<Value<'static>> {
    let ev = view.event();
    Some(match b {
        B::EvtNum => Value::U64(view.num()),
        B::EvtCpu => Value::I64(ev.cpu as i64),
        B::EvtDir => Value::Str(match Direction::of(ev.event_type) {
            Direction::Enter => ">",
            Direction::Exit => "<",
        }),
        B::EvtType => Value::Str(type_name_in(ev, opts.flavor)),
        B::ThreadTid => Value::I64(ev.tid as i64),
        B::EvtRawtime => Value::AbsTime(ev.ts),
        _ => return None,
    })
}

/// Writes a [`plain`] field, which always has a value: the text of the [`Value`] that
/// [`extract`] gives, without building it.
#[inline]
pub(super) fn write_plain<O: Text, S: StateView + ?Sized>(
    b: B,
    view: &S,
    opts: &RenderOptions,
    out: &mut O,
) {
    match b {
        B::EvtNum => out.push_u64(view.num()),
        B::EvtCpu => out.push_u64(view.event().cpu as u64),
        B::EvtDir => out.push_byte(match Direction::of(view.event().event_type) {
            Direction::Enter => b'>',
            Direction::Exit => b'<',
        }),
        B::EvtType => out.push_str(type_name_in(view.event(), opts.flavor)),
        B::ThreadTid => out.push_i64(view.event().tid as i64),
        B::EvtRawtime => out.push_u64(view.event().ts),
        _ => {}
    }
}

/// `Some(whether it had a value)` when the field's text is composed rather than borrowed
/// (times, `evt.args`, `evt.arg`, ...): it is then written to `out`, and nothing is written
/// when it has no value. `None` for the other fields, which [`extract`] gives.
pub(super) fn compose<O: Text, S: StateView + ?Sized>(
    b: B,
    arg: Option<&Arg>,
    view: &S,
    opts: &RenderOptions,
    cache: &mut StampCache,
    out: &mut O,
) -> Option<bool> {
    let ev = view.event();
    let ts = ev.ts;
    match b {
        B::EvtTime => write_stamp(out, ts, opts.tz, Stamp::Time { nanos: true }, cache),
        B::EvtTimeS => write_stamp(out, ts, opts.tz, Stamp::Time { nanos: false }, cache),
        B::EvtTimeIso8601 => write_stamp(out, ts, opts.tz, Stamp::Iso8601, cache),
        B::EvtDatetime => write_stamp(out, ts, opts.tz, Stamp::DateTime { nanos: true }, cache),
        B::EvtDatetimeS => write_stamp(out, ts, opts.tz, Stamp::DateTime { nanos: false }, cache),
        B::EvtOutputtime => match opts.output_time {
            OutputTime::Human => write_stamp(out, ts, opts.tz, Stamp::Time { nanos: true }, cache),
            mode => {
                let ns = match mode {
                    OutputTime::Relative => reltime(view),
                    OutputTime::Delta => deltatime(view),
                    _ => ts,
                };
                out.push_u64(ns / 1_000_000_000);
                out.push_byte(b'.');
                out.push_ascii(&nine_digits((ns % 1_000_000_000) as u32));
            }
        },
        // Printed zero-padded to at least 9 digits (PF_10_PADDED_DEC).
        B::EvtRawtimeNs => out.push_ascii(&nine_digits((ts % 1_000_000_000) as u32)),
        B::EvtReltime => out.push_u64_padded(reltime(view), 9),
        B::EvtReltimeNs => out.push_ascii(&nine_digits((reltime(view) % 1_000_000_000) as u32)),
        B::EvtLatencyNs => out.push_ascii(&nine_digits(
            (latency(view, opts.flavor) % 1_000_000_000) as u32,
        )),
        B::EvtDeltatimeNs => {
            out.push_ascii(&nine_digits((deltatime(view) % 1_000_000_000) as u32));
        }
        // sysdig 0.29: the thread's last latency, whatever the direction; none for
        // internal events. libsinsp 0.25 prints 0ns (what `latency` gives in its era).
        B::EvtLatencyHuman if opts.flavor == Flavor::Sysdig029 => {
            const EC_INTERNAL: u32 = 256;
            if ev.info().is_some_and(|i| i.category.0 & EC_INTERNAL != 0) {
                return Some(false);
            }
            let ns = match view.has_thread() {
                true => view.latency().unwrap_or(0),
                false => 0,
            };
            write_human_duration(out, ns)
        }
        B::EvtLatencyHuman => write_human_duration(out, latency(view, opts.flavor)),
        B::EvtInfo if opts.flavor == Flavor::Sysdig029 => {
            if let Some(s) = syslog::of_event(view, opts.flavor) {
                out.push_str("syslog sev=");
                out.push_str(s.severity_str());
                out.push_str(" msg=");
                out.push_lossy(s.message);
            } else {
                render::write_args(out, view, opts);
            }
        }
        B::EvtArgs | B::EvtInfo => render::write_args(out, view, opts),
        B::EvtArg => return Some(evt_arg(arg, view, ev, opts, out).is_some()),
        B::EvtRes => return Some(evt_res(view, ev, opts, out).is_some()),
        _ => return None,
    }
    Some(true)
}

/// `evt.arg`: the parameter named or numbered by `arg`, resolved if it can be.
fn evt_arg<O: Text, S: StateView + ?Sized>(
    arg: Option<&Arg>,
    view: &S,
    ev: &Event<'_>,
    opts: &RenderOptions,
    out: &mut O,
) -> Option<()> {
    let info = ev.info()?;
    let i = match arg? {
        Arg::Index(i) => usize::try_from(*i).ok()?,
        Arg::Name(n) => old_table::index(ev, n, opts.flavor)?,
    };
    if i >= ev.nparams() || i >= info.params.len() {
        return None;
    }
    let pinfo = old_table::param(ev, i, opts.flavor)?;
    render::write_param(out, view, ev, i, pinfo, false, opts);
    Some(())
}

/// `evt.res`: `SUCCESS`, or the error the result parameter resolves to.
fn evt_res<O: Text, S: StateView + ?Sized>(
    view: &S,
    ev: &Event<'_>,
    opts: &RenderOptions,
    out: &mut O,
) -> Option<()> {
    let (idx, res) = render::result_in(ev, opts.flavor)?;
    if res >= 0 {
        out.push_str("SUCCESS");
    } else {
        let pinfo = &ev.info()?.params[idx];
        render::write_param(out, view, ev, idx, pinfo, false, opts);
    }
    Some(())
}

/// `Some(value or None)` when the field is computed here; `None` to ask the view.
pub(super) fn extract<'a, S: StateView + ?Sized>(
    b: B,
    arg: Option<&Arg>,
    view: &'a S,
    opts: &RenderOptions,
    scratch: &'a mut String,
) -> Option<Option<Value<'a>>> {
    if composes(b) {
        let some = compose(b, arg, view, opts, &mut StampCache::default(), scratch);
        return Some((some == Some(true)).then_some(Value::Str(scratch.as_str())));
    }
    let ev = view.event();
    let ts = ev.ts;
    let exit = ev.direction() == Direction::Exit;
    let flags = || old_table::flags(ev, opts.flavor);
    let v = match b {
        B::EvtNum => Some(Value::U64(view.num())),
        // 0 except on a context switch, whose time since the previous switch on its CPU
        // only a `Format` keeps (it renders the events in order): alone, it has no value.
        B::ThreadExectime => (ev.name() != "switch").then_some(Value::RelTime(0)),
        B::EvtRawtime => Some(Value::AbsTime(ts)),
        B::EvtRawtimeS => Some(Value::AbsTime(ts / 1_000_000_000)),
        B::EvtReltimeS => Some(Value::RelTime(reltime(view) / 1_000_000_000)),
        B::EvtLatency => Some(Value::RelTime(latency(view, opts.flavor))),
        B::EvtLatencyS => Some(Value::RelTime(latency(view, opts.flavor) / 1_000_000_000)),
        B::EvtDeltatime => Some(Value::RelTime(deltatime(view))),
        B::EvtDeltatimeS => Some(Value::RelTime(deltatime(view) / 1_000_000_000)),
        B::EvtDir => Some(Value::Str(match ev.direction() {
            Direction::Enter => ">",
            Direction::Exit => "<",
        })),
        B::EvtType => Some(Value::Str(type_name_in(ev, opts.flavor))),
        // libsinsp: a number names one event code; a name, its first code and the next one
        // (its enter and exit).
        B::EvtTypeIs => {
            let name = arg.and_then(Arg::name)?;
            let code = ev.event_type;
            let is = match name.parse::<u16>() {
                Ok(n) => code == n,
                Err(_) => crate::filter::first_code(name)
                    .is_some_and(|j| code == j || code == j.wrapping_add(1)),
            };
            Some(Value::U64(is as u64))
        }
        // sysdig 0.29 tested the event's flags against the internal category's bit, which
        // is the skip-parse-reset flag: every other event but the newer switch has a type.
        B::SyscallType if opts.flavor == Flavor::Sysdig029 => {
            const SCHEDSWITCH_6_E: u16 = 152;
            let skip = flags().0 & table::EventFlags::SKIP_PARSE_RESET != 0;
            (ev.event_type != SCHEDSWITCH_6_E && !skip).then(|| Value::Str(type_name(ev)))
        }
        B::SyscallType => {
            let syscall = ev
                .info()
                .is_some_and(|i| i.category.source() & table::Category::SYSCALL != 0);
            syscall.then(|| Value::Str(type_name_in(ev, opts.flavor)))
        }
        B::EvtCategory => Some(Value::Str(category(view, ev, opts.flavor))),
        B::EvtCpu => Some(Value::I64(ev.cpu as i64)),
        B::EvtIsSyslog => Some(Value::Bool(syslog::is_syslog_write(view))),
        B::SyslogFacility => Some(Value::U64(
            syslog::of_event(view, opts.flavor)?.facility().into(),
        )),
        B::SyslogFacilityStr => Some(Value::Str(
            syslog::of_event(view, opts.flavor)?.facility_str(),
        )),
        B::SyslogSeverity => Some(Value::U64(
            syslog::of_event(view, opts.flavor)?.severity().into(),
        )),
        B::SyslogSeverityStr => Some(Value::Str(
            syslog::of_event(view, opts.flavor)?.severity_str(),
        )),
        B::SyslogMessage => Some(Value::Bytes(syslog::of_event(view, opts.flavor)?.message)),
        B::EvtRawarg if opts.flavor == Flavor::Sysdig029 => old_table::rawarg_029(ev, arg?.name()?),
        B::EvtRawarg => {
            let i = old_table::index(ev, arg?.name()?, opts.flavor)?;
            let pinfo = old_table::param(ev, i, opts.flavor)?;
            match ev
                .param_raw(i)
                .map(|raw| ParamValue::decode(pinfo, raw, ev.endian()))
            {
                Some(Ok(pv)) => Some(Value::Param(pv, pinfo)),
                _ => None,
            }
        }
        B::EvtBuffer => match ev.param_by_name("data") {
            Some(Ok(ParamValue::Bytes(b))) => Some(Value::Buf(b)),
            Some(Ok(ParamValue::Empty)) => Some(Value::Buf(b"")),
            _ => None,
        },
        B::EvtRawres => render::result_in(ev, opts.flavor).map(|(_, r)| Value::I64(r)),
        // An I/O exit on a known fd: its non-negative result, the bytes moved.
        B::EvtBuflen => {
            let io = ev.info().is_some_and(|i| i.category.kind() & 32 != 0);
            if !(exit && io && view.event_fd_info().is_some()) {
                return None;
            }
            let res = ev.param(0)?.ok()?.as_i64()?;
            (res >= 0).then_some(Value::U64(res as u64))
        }
        B::EvtBuflenIn
        | B::EvtBuflenOut
        | B::EvtBuflenFile
        | B::EvtBuflenFileIn
        | B::EvtBuflenFileOut
        | B::EvtBuflenNet
        | B::EvtBuflenNetIn
        | B::EvtBuflenNetOut => {
            // The I/O kind the field wants (32 read, 33 write; any I/O otherwise) and the fd
            // kind (files, IP sockets; any otherwise).
            let kind = ev.info().map_or(0, |i| i.category.kind());
            let f = view.event_fd_info()?;
            let dir_ok = match b {
                B::EvtBuflenIn | B::EvtBuflenFileIn | B::EvtBuflenNetIn => kind == 32,
                B::EvtBuflenOut | B::EvtBuflenFileOut | B::EvtBuflenNetOut => kind == 33,
                _ => kind & 32 != 0,
            };
            let fd_ok = match b {
                B::EvtBuflenFile | B::EvtBuflenFileIn | B::EvtBuflenFileOut => {
                    f.type_name == "file"
                }
                B::EvtBuflenNet | B::EvtBuflenNetIn | B::EvtBuflenNetOut => {
                    matches!(f.type_name, "ipv4" | "ipv6")
                }
                _ => true,
            };
            if !(exit && dir_ok && fd_ok) {
                return Some(None);
            }
            let (_, res) = render::result_in(ev, opts.flavor)?;
            (res >= 0).then_some(Value::U64(res as u64))
        }
        B::EvtCountProcinfo | B::EvtCountThreadinfo => {
            const PROCINFO_E: u16 = 234;
            let one = ev.event_type == PROCINFO_E
                && (b == B::EvtCountThreadinfo || view.has_thread() && view.is_main_thread());
            Some(Value::U64(one as u64))
        }
        B::EvtIsOpenCreate => Some(Value::Bool(open_created(ev))),
        B::EvtSource => Some(Value::Str("syscall")),
        B::EvtIsAsync => Some(Value::Bool(is_metaevent(ev))),
        B::EvtAsynctype if !is_metaevent(ev) => None,
        B::EvtAsynctype => {
            const ASYNCEVENT_E: u16 = 402;
            if ev.event_type == ASYNCEVENT_E {
                Some(Value::Bytes(ev.param(1)?.ok()?.as_bytes()?))
            } else {
                Some(Value::Str(ev.name()))
            }
        }
        // libsinsp 0.25's capture reader never fills the machine's host name in (its live
        // engine asks the reading machine): empty for any file. Strata's other flavor gives
        // the name the capture's machine block carries.
        B::EvtHostname if opts.flavor == Flavor::Libsinsp025 => Some(Value::Str("")),
        B::EvtHostname => view.hostname().map(Value::Bytes),
        B::EvtLatencyQuantized => Some(Value::U64(0)),
        B::EvtInfraDockerName
        | B::EvtInfraDockerContainerId
        | B::EvtInfraDockerContainerName
        | B::EvtInfraDockerContainerImage => {
            infra_docker(b, ev, scratch)?;
            Some(Value::Str(scratch.as_str()))
        }
        // libsinsp 0.25: only for events with a return value.
        B::EvtFailed if opts.flavor == Flavor::Libsinsp025 => {
            render::result_025(ev).map(|(_, r)| Value::Bool(r < 0))
        }
        B::EvtFailed => Some(Value::Bool(failed(ev))),
        B::EvtIsOpenRead | B::EvtIsOpenWrite | B::EvtIsOpenExec => {
            Some(Value::Bool(open_mode(b, ev, opts.flavor)))
        }
        B::EvtIsIo => Some(Value::Bool(
            flags().0 & (EventFlags::READS_FROM_FD | EventFlags::WRITES_TO_FD) != 0,
        )),
        B::EvtIsIoRead => Some(Value::Bool(flags().contains(EventFlags::READS_FROM_FD))),
        B::EvtIsIoWrite => Some(Value::Bool(flags().contains(EventFlags::WRITES_TO_FD))),
        B::EvtIoDir => {
            if flags().contains(EventFlags::WRITES_TO_FD) {
                Some(Value::Str("write"))
            } else if flags().contains(EventFlags::READS_FROM_FD) {
                Some(Value::Str("read"))
            } else {
                None
            }
        }
        B::EvtIsWait => Some(Value::Bool(flags().contains(EventFlags::WAITS))),
        // libsinsp 0.25 gives 0 for every event (the field is deprecated).
        B::EvtWaitLatency if opts.flavor == Flavor::Libsinsp025 => Some(Value::RelTime(0)),
        B::EvtWaitLatency => (flags().contains(EventFlags::WAITS) && exit)
            .then(|| Value::RelTime(latency(view, opts.flavor))),
        B::EvtCount => Some(Value::U64(1)),
        B::EvtCountExit => exit.then_some(Value::U64(1)),
        B::EvtCountError => error_count(ev, opts.flavor),
        // Errors by the kind of the event's fd; without one, the opens count as file
        // errors and accept and connect as network ones.
        B::EvtCountErrorFile | B::EvtCountErrorNet | B::EvtCountErrorOther => {
            let class = match view.event_fd_info() {
                Some(f) => match f.type_name {
                    "file" | "directory" => B::EvtCountErrorFile,
                    "ipv4" | "ipv6" | "unix" => B::EvtCountErrorNet,
                    _ => B::EvtCountErrorOther,
                },
                None => match ev.name() {
                    "open" | "creat" | "openat" | "openat2" if exit => B::EvtCountErrorFile,
                    "open_by_handle_at" if exit && opts.flavor == Flavor::Libsinsp025 => {
                        B::EvtCountErrorFile
                    }
                    "accept" | "accept4" | "connect" if exit => B::EvtCountErrorNet,
                    _ if ev.info().is_some_and(|i| i.category.kind() == 5) => {
                        return Some(None);
                    }
                    _ => B::EvtCountErrorOther,
                },
            };
            if class != b {
                return Some(None);
            }
            error_count(ev, opts.flavor)
        }
        B::EvtCountErrorMemory => {
            let memory = ev.info().is_some_and(|i| i.category.kind() == 5);
            if !memory {
                return Some(None);
            }
            error_count(ev, opts.flavor)
        }
        B::EvtAbspath => return Some(abspath(arg, view, ev, opts.flavor, scratch)),
        B::EvtAround | B::EvtPluginname | B::EvtPlugininfo => None,
        B::ThreadTid => Some(Value::I64(ev.tid as i64)),
        _ => return None,
    };
    Some(v)
}

/// `evt.abspath` (`.src`, `.dst`): the path a `*at` call names, resolved against its
/// directory fd (the working directory for `AT_FDCWD`, `<UNKNOWN>/` for an fd not in the
/// table). Which events have one differs by era: sysdig 0.29 also reads the old enter events
/// of openat, linkat and unlinkat; libsinsp 0.25 adds fchownat and open_by_handle_at.
///
/// libsinsp also makes the directory fd the event's fd while doing so (later fields on the
/// same line then name it); Strata's fields have no side effects, so it does not.
fn abspath<'a, S: StateView + ?Sized>(
    arg: Option<&Arg>,
    view: &S,
    ev: &Event<'_>,
    flavor: Flavor,
    scratch: &'a mut String,
) -> Option<Value<'a>> {
    use strata_sinsp::paths::{PathRules, concat_into};
    if !view.has_thread() {
        return None;
    }
    let old = flavor == Flavor::Sysdig029;
    let second = matches!(arg, Some(Arg::Name(n)) if &**n == "dst");
    let (dirfd_name, path_name) = match (ev.event_type, old) {
        (177 | 319, _) if second => ("newdirfd", "newpath"),
        (177 | 319, _) => ("olddirfd", "oldpath"),
        (181, _) => ("linkdirfd", "linkpath"),
        (102, true) | (307 | 327, _) => ("dirfd", "name"),
        (106, true) | (311, _) if second => ("newdir", "newpath"),
        (106, true) | (311, _) => ("olddir", "oldpath"),
        (110, true) | (303, _) => ("dirfd", "name"),
        (305, _) => ("dirfd", "path"),
        (313, _) => ("dirfd", "filename"),
        (385, false) => ("dirfd", "pathname"),
        // open_by_handle_at: the path the kernel found, when the open succeeded.
        (_, false) if ev.name() == "open_by_handle_at" && ev.direction() == Direction::Exit => {
            let fd = ev.param(0)?.ok()?.as_i64()?;
            let path = ev.param(3)?.ok()?.as_bytes()?;
            if fd <= 0 {
                return None;
            }
            let mut out = Vec::new();
            concat_into(&mut out, b"", path, PathRules::Libsinsp025);
            let _ = crate::value::write_lossy(scratch, &out);
            return Some(Value::Str(scratch.as_str()));
        }
        _ => return None,
    };
    let info = ev.info()?;
    let dirfd = ev.param(info.param_index(dirfd_name)?)?.ok()?;
    let path = ev.param(info.param_index(path_name)?)?.ok()?;
    if !old && (matches!(dirfd, ParamValue::Empty) || matches!(path, ParamValue::Empty)) {
        return None;
    }
    let dirfd = dirfd.as_i64()?;
    let path = path.as_bytes().unwrap_or_default();
    let rules = if old {
        PathRules::Sysdig029
    } else {
        PathRules::Libsinsp025
    };
    const AT_FDCWD: i64 = -100;
    let mut base: Vec<u8> = Vec::new();
    if path.first() == Some(&b'/') {
    } else if dirfd == AT_FDCWD {
        base.extend_from_slice(view.cwd().unwrap_or_default());
    } else {
        // libsinsp always adds a `/` after the directory's name.
        match view.dir_of_fd(dirfd) {
            Some(d) => base.extend_from_slice(d),
            None => base.extend_from_slice(b"<UNKNOWN>"),
        }
        base.push(b'/');
    }
    let mut out = Vec::new();
    concat_into(&mut out, &base, path, rules);
    let _ = crate::value::write_lossy(scratch, &out);
    Some(Value::Str(scratch.as_str()))
}

/// How sysdig names a generic event whose syscall it does not know.
const UNKNOWN_SYSCALL: &str = "<unknown>";

/// The event's name; for generic syscall events, the name of the syscall in `ID`.
///
/// libsinsp 0.25 also names generic events whose `ID` is 0 by their native (x86-64) syscall
/// number, and says `unknown`; sysdig 0.29 said `<unknown>` for both.
pub(crate) fn type_name_in(ev: &Event<'_>, flavor: Flavor) -> &'static str {
    if flavor == Flavor::Libsinsp025 && render::is_generic(ev.event_type) {
        let id = match ev.param(0) {
            Some(Ok(ParamValue::SyscallId(id))) => id,
            _ => 0,
        };
        let native = ev.param(1).and_then(Result::ok).and_then(|v| v.as_u64());
        return match (id, native) {
            (0, Some(n)) => native_syscall_name(n).unwrap_or("unknown"),
            (id, _) => table::syscall_name(id).unwrap_or("unknown"),
        };
    }
    type_name(ev)
}

/// x86-64 syscall names by number, for generic events that carry only the native number.
/// Only the entries seen in captures so far.
fn native_syscall_name(n: u64) -> Option<&'static str> {
    Some(match n {
        221 => "fadvise64",
        _ => return None,
    })
}

/// The event's name as sysdig 0.29 prints it.
pub(crate) fn type_name(ev: &Event<'_>) -> &'static str {
    if render::is_generic(ev.event_type) {
        return match ev.param(0) {
            Some(Ok(ParamValue::SyscallId(id))) if id != 0 => {
                old_table::syscall_name(id, Flavor::Sysdig029).unwrap_or(UNKNOWN_SYSCALL)
            }
            _ => UNKNOWN_SYSCALL,
        };
    }
    ev.name()
}

/// `evt.category`: the category of the event type; for a generic syscall event, sysdig 0.29
/// takes the syscall's category from its syscall table (libsinsp 0.25 keeps the generic
/// event's own, `other`). I/O categories are named after the kind of the event's fd
/// (libsinsp's subcategory): `file`, `net`, `ipc`, else `unknown`, which is also what a
/// generic I/O syscall gets.
fn category<S: StateView + ?Sized>(view: &S, ev: &Event<'_>, flavor: Flavor) -> &'static str {
    let generic = render::is_generic(ev.event_type);
    let kind = if generic && flavor == Flavor::Sysdig029 {
        let id = match ev.param(0) {
            Some(Ok(ParamValue::SyscallId(id))) => id,
            _ => 0,
        };
        match old_table::syscall_category_029(id) {
            Some(k) => k,
            None => return "unknown",
        }
    } else {
        match ev.info() {
            Some(i) => i.category.kind(),
            None => return "unknown",
        }
    };
    category_name(kind, flavor, || {
        // libsinsp looks the fd up only for events its table says have one.
        if generic || !old_table::has_fd(old_table::flags(ev, flavor)) {
            None
        } else {
            view.event_fd_info().map(|f| f.type_name)
        }
    })
}

/// The name `evt.category` prints for category `kind` (an `EC_*` value without source bits);
/// `fd_type` gives the `fd.type` of the event's fd, for I/O categories.
fn category_name<'f>(
    kind: u32,
    flavor: Flavor,
    fd_type: impl FnOnce() -> Option<&'f str>,
) -> &'static str {
    match kind {
        // libsinsp spells this one in capitals.
        4 => "IPC",
        32..=34 => match fd_type() {
            Some("file" | "directory") => "file",
            Some("ipv4" | "ipv6") => "net",
            Some("pipe" | "unix" | "event" | "signalfd" | "inotify") => "ipc",
            // A kind sysdig 0.29 did not know.
            Some("userfaultfd") if flavor == Flavor::Libsinsp025 => "ipc",
            _ => "unknown",
        },
        // sysdig 0.29 had no name for internal events.
        256 if flavor == Flavor::Sysdig029 => "unknown",
        k => table::Category(k).name(),
    }
}

/// Time since the first event; libsinsp subtracts without a check, so an event older than
/// the first one wraps around 2^64.
fn reltime<S: StateView + ?Sized>(view: &S) -> u64 {
    view.event().ts.wrapping_sub(view.first_ts())
}

/// Time since the previous event; like [`reltime`], it wraps when timestamps go backwards.
fn deltatime<S: StateView + ?Sized>(view: &S) -> u64 {
    view.prev_ts()
        .map_or(0, |p| view.event().ts.wrapping_sub(p))
}

/// Time since the matching enter event, for exit events; 0 otherwise, and always 0 in libsinsp
/// 0.25 (which deprecated the latency fields and hard-codes them to 0).
fn latency<S: StateView + ?Sized>(view: &S, flavor: Flavor) -> u64 {
    if flavor == Flavor::Libsinsp025 {
        return 0;
    }
    if let Some(l) = view.latency() {
        return l;
    }
    let ev = view.event();
    if ev.direction() != Direction::Exit {
        return 0;
    }
    match view.enter_event() {
        Some(e) if e.event_type + 1 == ev.event_type && e.tid == ev.tid => {
            ev.ts.saturating_sub(e.ts)
        }
        _ => 0,
    }
}

/// libsinsp's error code: an exit event whose first parameter, read as a 64-bit integer, is
/// negative.
/// `evt.count.error*` of an event of the right kind: sysdig 0.29 counts 1 for an error and
/// has no value otherwise; libsinsp 0.25 counts 0 or 1 for every event with a return value.
fn error_count(ev: &Event<'_>, flavor: Flavor) -> Option<Value<'static>> {
    match flavor {
        Flavor::Libsinsp025 => render::result_025(ev).map(|(_, r)| Value::U64((r < 0) as u64)),
        _ => failed(ev).then_some(Value::U64(1)),
    }
}

fn failed(ev: &Event<'_>) -> bool {
    ev.direction() == Direction::Exit
        && ev
            .param_raw(0)
            .filter(|r| r.len() == 8)
            .and_then(|r| render::raw_i64(r, ev))
            .is_some_and(|v| v < 0)
}

/// `evt.is_open_read`, `evt.is_open_write`, `evt.is_open_exec`: from the open flags (and, for
/// exec, the mode of a file the call may create: any execute bit) of the events that carry
/// them; `false` for every other event, as in libsinsp. Which events carry them differs by
/// era: sysdig 0.29 read the old `openat` enter event (code 102) and not
/// `open_by_handle_at`'s exit; libsinsp 0.25 the reverse.
/// The `evt.infra.docker.*` fields of an infrastructure event, written to `out`: its
/// description is `Key: value; ...`; each field takes the text after the first `:` (to the
/// next `:`) of the element starting with its key (`Event`, `ID` cut to 12 characters, `name`,
/// `Image` without its digest), trimmed.
fn infra_docker(b: B, ev: &Event<'_>, out: &mut String) -> Option<()> {
    const INFRASTRUCTURE_EVENT_E: u16 = 286;
    if ev.event_type != INFRASTRUCTURE_EVENT_E {
        return None;
    }
    let desc = ev.param(2)?.ok()?.as_bytes()?;
    let desc = String::from_utf8_lossy(desc);
    let key = match b {
        B::EvtInfraDockerName => "Event",
        B::EvtInfraDockerContainerId => "ID",
        B::EvtInfraDockerContainerName => "name",
        _ => "Image",
    };
    let e = desc
        .split(';')
        .map(str::trim)
        .find(|e| e.starts_with(key))?;
    let second = e.split(':').nth(1).unwrap_or_default();
    let v = match b {
        B::EvtInfraDockerContainerId => {
            let v = second.trim();
            &v[..v.char_indices().nth(12).map_or(v.len(), |(i, _)| i)]
        }
        B::EvtInfraDockerContainerImage if second.contains('@') => {
            second[..second.find('@').unwrap_or(second.len())].trim()
        }
        B::EvtInfraDockerContainerImage if second.contains("sha256") => {
            e[e.find(':').map_or(e.len(), |i| i + 1)..].trim()
        }
        _ => second.trim(),
    };
    out.push_str(v);
    Some(())
}

/// libsinsp 0.25's metaevents (the category's metaevent bit: container, user, procinfo, ...).
fn is_metaevent(ev: &Event<'_>) -> bool {
    ev.info()
        .is_some_and(|i| i.category.source() & table::Category::METAEVENT != 0)
}

/// `evt.is_open_create`: an open exit whose flags say it created the file, or an O_TMPFILE
/// open that succeeded.
fn open_created(ev: &Event<'_>) -> bool {
    const TMPFILE: u32 = 8192;
    let flags_at = match ev.event_type {
        3 | 337 => 2,   // open, open_by_handle_at exits
        307 | 327 => 3, // openat, openat2 exits
        _ => return false,
    };
    let flags = ev
        .param(flags_at)
        .and_then(Result::ok)
        .and_then(|p| p.as_u64())
        .unwrap_or(0) as u32;
    flags & strata_sinsp::fds::O_F_CREATED != 0
        || (flags & TMPFILE != 0 && render::result_025(ev).is_some_and(|(_, r)| r >= 0))
}

fn open_mode(b: B, ev: &strata_scap::Event<'_>, flavor: Flavor) -> bool {
    const RDONLY: u64 = 1;
    const WRONLY: u64 = 2;
    const CREAT: u64 = 4;
    const TMPFILE: u64 = 8192;
    const EXEC_BITS: u64 = 64 | 8 | 1; // S_IXUSR | S_IXGRP | S_IXOTH
    let num = |i: usize| ev.param(i).and_then(Result::ok).and_then(|p| p.as_u64());
    let old = flavor == Flavor::Sysdig029;
    let (flags_at, mode_at) = match ev.event_type {
        3 => (2, Some(3)),          // open exit
        102 if old => (2, Some(3)), // openat enter, first version
        307 | 327 => (3, Some(4)),  // openat and openat2 exits
        337 if !old => (2, None),   // open_by_handle_at exit
        59 => return b == B::EvtIsOpenExec && num(2).is_some_and(|m| m & EXEC_BITS != 0),
        _ => return false,
    };
    let flags = num(flags_at).unwrap_or(0);
    match b {
        B::EvtIsOpenRead => flags & RDONLY != 0,
        B::EvtIsOpenWrite => flags & WRONLY != 0,
        _ => {
            flags & (CREAT | TMPFILE) != 0
                && mode_at.and_then(num).is_some_and(|m| m & EXEC_BITS != 0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{FdView, Stateless};
    use crate::test_support::{View, body, event};

    /// A generic syscall exit (code 1) for `ppm_sc` code `id`.
    fn generic(id: u16) -> Vec<u8> {
        body(1, &[&id.to_le_bytes(), &0u16.to_le_bytes()])
    }

    fn cat(view: &dyn StateView, flavor: Flavor) -> &'static str {
        category(view, view.event(), flavor)
    }

    #[test]
    fn docker_infrastructure_events() {
        let desc: &[u8] =
            b"Event: start; ID: 0123456789abcdef0123; name: web; Image: nginx@sha256:abc\0";
        let b = body(286, &[&7u64.to_le_bytes(), b"container\0", desc, b"\0"]);
        let ev = event(&b);
        let f = |field: B| {
            let mut out = String::new();
            infra_docker(field, &ev, &mut out).map(|()| out)
        };
        assert_eq!(f(B::EvtInfraDockerName).as_deref(), Some("start"));
        assert_eq!(
            f(B::EvtInfraDockerContainerId).as_deref(),
            Some("0123456789ab")
        );
        assert_eq!(f(B::EvtInfraDockerContainerName).as_deref(), Some("web"));
        assert_eq!(f(B::EvtInfraDockerContainerImage).as_deref(), Some("nginx"));
        let other = body(
            286,
            &[&7u64.to_le_bytes(), b"x\0", b"Image: sha256:0f1e\0", b"\0"],
        );
        let ev = event(&other);
        let mut out = String::new();
        infra_docker(B::EvtInfraDockerContainerImage, &ev, &mut out).unwrap();
        assert_eq!(out, "sha256:0f1e");
        assert!(infra_docker(B::EvtInfraDockerName, &ev, &mut String::new()).is_none());
    }

    #[test]
    fn generic_events_take_the_category_of_sysdig_0_29s_syscall_table() {
        for (id, want) in [
            (69, "wait"),     // wait4
            (62, "file"),     // statfs
            (13, "file"),     // chmod
            (132, "file"),    // chown
            (106, "process"), // prctl
            (99, "sleep"),    // sched_yield
            (218, "wait"),    // epoll_pwait
            (25, "IPC"),      // kill
            (317, "unknown"), // sigaltstack: an I/O category, with no fd subcategory
            (0, "other"),     // <unknown>
            (400, "unknown"), // past sysdig 0.29's table
        ] {
            let b = generic(id);
            let view = Stateless::new(event(&b), 1);
            assert_eq!(cat(&view, Flavor::Sysdig029), want, "{id}");
            // libsinsp 0.25 keeps the generic event's own category.
            assert_eq!(cat(&view, Flavor::Libsinsp025), "other", "{id}");
        }
    }

    #[test]
    fn io_events_are_named_after_their_fds_kind() {
        let b = body(7, &[&8i64.to_le_bytes(), b"data"]); // read exit
        let mut view = View::new(event(&b));
        view.fd = Some(4);
        for (ty, old, new) in [
            ("file", "file", "file"),
            ("directory", "file", "file"),
            ("ipv4", "net", "net"),
            ("unix", "ipc", "ipc"),
            ("pipe", "ipc", "ipc"),
            ("event", "ipc", "ipc"),
            ("inotify", "ipc", "ipc"),
            ("signalfd", "ipc", "ipc"),
            ("userfaultfd", "unknown", "ipc"),
            ("timerfd", "unknown", "unknown"),
            ("eventpoll", "unknown", "unknown"),
            ("unknown", "unknown", "unknown"),
        ] {
            view.fds = vec![(4, FdView::new(b'x', ty, b""))];
            assert_eq!(cat(&view, Flavor::Sysdig029), old, "{ty}");
            assert_eq!(cat(&view, Flavor::Libsinsp025), new, "{ty}");
        }
        view.fds.clear();
        assert_eq!(cat(&view, Flavor::Sysdig029), "unknown");
    }

    #[test]
    fn internal_events_had_no_name_in_sysdig_0_29() {
        assert_eq!(category_name(256, Flavor::Sysdig029, || None), "unknown");
        assert_eq!(category_name(256, Flavor::Libsinsp025, || None), "internal");
        assert_eq!(category_name(4, Flavor::Sysdig029, || None), "IPC");
        assert_eq!(category_name(64, Flavor::Sysdig029, || None), "wait");
    }

    #[test]
    fn time_differences_wrap_when_time_goes_backwards() {
        let b = body(7, &[&8i64.to_le_bytes(), b"data"]);
        let mut view = Stateless::new(event(&b), 2);
        view.prev_ts = Some(1_100);
        view.first_ts = 900;
        assert_eq!(deltatime(&view), u64::MAX - 99);
        assert_eq!(reltime(&view), 100);
        view.first_ts = 1_001;
        assert_eq!(reltime(&view), u64::MAX);
    }
}
