//! sysdig 0.29.3's event table where it differs from today's, for [`Flavor::Sysdig029`].
//!
//! Facts from libs e5c53d64 (the version sysdig 0.29.3 was built with), compared with today's:
//! * parameters whose name or type changed: enumerations that were typed as flags, a few
//!   signed and unsigned swaps, and execve's `pgid`, renamed `vpgid`. The bytes are the same;
//!   only how they are named and printed differs;
//! * flag names added since (`CLONE_CHILD_IN_PIDNS`, `O_F_CREATED`, ...): sysdig 0.29 prints
//!   no name for those bits;
//! * events that today's table flags as using an fd and 2022's did not (mmap, sendmmsg,
//!   mkdirat, ...): sysdig 0.29 gives them no `fd.*` fields;
//! * the syscall table: names (some renamed since) and the category of each syscall, which
//!   is what `evt.category` prints for a generic syscall event.
//!
//! Everything else is read from today's table.
//!
//! [`Flavor::Sysdig029`]: crate::render::Flavor::Sysdig029

use std::collections::HashMap;
use std::sync::OnceLock;

use strata_scap::Event;
use strata_scap::table::{self, EventFlags, FlagTable, ParamAux, ParamInfo, ParamType as T};

use crate::render::Flavor;
use crate::value::Value;

/// (event code, parameter index, name, type) in sysdig 0.29.3's table.
const CHANGED: &[(u16, u8, &str, T)] = &[
    (18, 0, "domain", T::Flags32),    // socket
    (24, 1, "backlog", T::Uint32),    // listen
    (36, 1, "how", T::Flags8),        // shutdown
    (42, 0, "domain", T::Flags32),    // socketpair
    (45, 2, "level", T::Flags8),      // setsockopt
    (45, 3, "optname", T::Flags8),    // setsockopt
    (47, 2, "level", T::Flags8),      // getsockopt
    (47, 3, "optname", T::Flags8),    // getsockopt
    (62, 1, "flags", T::Flags32),     // eventfd
    (86, 2, "whence", T::Flags8),     // lseek
    (88, 2, "whence", T::Flags8),     // llseek
    (126, 2, "flags", T::Flags8),     // signalfd
    (136, 1, "flags", T::Flags8),     // timerfd_create
    (138, 0, "flags", T::Flags8),     // inotify_init
    (140, 0, "resource", T::Flags8),  // getrlimit
    (142, 0, "resource", T::Flags8),  // setrlimit
    (144, 1, "resource", T::Flags8),  // prlimit
    (150, 1, "cmd", T::Flags8),       // fcntl
    (161, 0, "res", T::Uint64),       // mmap
    (163, 0, "res", T::Uint64),       // mmap2
    (168, 0, "request", T::Flags16),  // ptrace
    (293, 16, "tty", T::Int32),       // execve
    (293, 17, "pgid", T::Pid),        // execve
    (293, 18, "loginuid", T::Int32),  // execve
    (295, 0, "res", T::Pid),          // setpgid
    (322, 0, "plugin ID", T::Uint32), // pluginevent
    (331, 16, "tty", T::Int32),       // execveat
    (331, 17, "pgid", T::Pid),        // execveat
    (331, 18, "loginuid", T::Int32),  // execveat
];

/// Flag names that today's tables have and sysdig 0.29.3's did not, by table. The rest of
/// each table is the same, in the same order.
const FLAGS_ADDED: &[(&str, &[&str])] = &[
    ("clone_flags", &["CLONE_CHILD_IN_PIDNS"]),
    (
        "execve_flags",
        &["EXE_UPPER_LAYER", "EXE_FROM_MEMFD", "EXE_LOWER_LAYER"],
    ),
    (
        "file_flags",
        &["O_F_CREATED", "FD_UPPER_LAYER", "FD_LOWER_LAYER"],
    ),
    ("shutdown_how", &["SHUT_UNKNOWN"]),
];

/// Today's table `t` as sysdig 0.29.3 had it, if it differs.
fn old_flag_table(t: &'static FlagTable) -> Option<&'static FlagTable> {
    static TABLES: OnceLock<Vec<&'static FlagTable>> = OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        // Built once per process: a handful of small tables, leaked so that parameters can
        // point at them as they point at today's.
        FLAGS_ADDED
            .iter()
            .filter_map(|&(name, added)| {
                let today = table::flag_table(name)?;
                let entries: Vec<(&'static str, u32)> = today
                    .entries
                    .iter()
                    .filter(|(n, _)| !added.contains(n))
                    .copied()
                    .collect();
                let entries: &'static [(&'static str, u32)] = Box::leak(entries.into_boxed_slice());
                let old: &'static FlagTable = Box::leak(Box::new(FlagTable {
                    name: today.name,
                    entries,
                }));
                Some(old)
            })
            .collect()
    });
    tables.iter().copied().find(|o| o.name == t.name)
}

/// sysdig 0.29.3's parameters of every event type, indexed by code: today's with the changes
/// above.
struct Old {
    params: Vec<Vec<ParamInfo>>,
}

fn old() -> &'static Old {
    static CELL: OnceLock<Old> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut params: Vec<Vec<ParamInfo>> =
            table::events().iter().map(|e| e.params.to_vec()).collect();
        for &(code, i, name, ty) in CHANGED {
            if let Some(p) = params
                .get_mut(code as usize)
                .and_then(|ps| ps.get_mut(i as usize))
            {
                p.name = name;
                p.ty = ty;
            }
        }
        for p in params.iter_mut().flatten() {
            if let ParamAux::Flags(t) = p.aux {
                if let Some(old) = old_flag_table(t) {
                    p.aux = ParamAux::Flags(old);
                }
            }
        }
        Old { params }
    })
}

/// Whether `flags` make an event one with an fd (it creates, uses or destroys one): only
/// those have `fd.*` fields.
pub(crate) fn has_fd(flags: EventFlags) -> bool {
    flags.0 & (EventFlags::CREATES_FD | EventFlags::USES_FD | EventFlags::DESTROYS_FD) != 0
}

/// The flags of `ev` in `flavor`'s table.
pub(crate) fn flags(ev: &Event<'_>, flavor: Flavor) -> EventFlags {
    let today = ev.info().map_or(0, |i| i.flags.0);
    if flavor == Flavor::Sysdig029 {
        return EventFlags(strata_sinsp::event_flags_2022(ev.event_type, today));
    }
    EventFlags(today)
}

/// Parameter `i` of `ev` as `flavor`'s table has it.
pub(crate) fn param(ev: &Event<'_>, i: usize, flavor: Flavor) -> Option<&'static ParamInfo> {
    match flavor {
        Flavor::Sysdig029 => old().params.get(ev.event_type as usize)?.get(i),
        _ => ev.info()?.params.get(i),
    }
}

/// The parameters of `ev`'s type in `flavor`'s table (none for an unknown type).
pub(crate) fn params(ev: &Event<'_>, flavor: Flavor) -> &'static [ParamInfo] {
    match flavor {
        Flavor::Sysdig029 => old()
            .params
            .get(ev.event_type as usize)
            .map_or(&[], |p| p.as_slice()),
        _ => ev.info().map_or(&[], |i| i.params),
    }
}

/// The index of the parameter `name` of `ev` in `flavor`'s table.
pub(crate) fn index(ev: &Event<'_>, name: &str, flavor: Flavor) -> Option<usize> {
    match flavor {
        Flavor::Sysdig029 => old()
            .params
            .get(ev.event_type as usize)?
            .iter()
            .position(|p| p.name == name),
        _ => ev.info()?.param_index(name),
    }
}

/// sysdig 0.29's `evt.rawarg.NAME`: typed once, by the first parameter of that name in the
/// table, and printed with no print format. That leaves 64-bit signed numbers (in decimal) and
/// strings; every other type printed nothing (or stopped sysdig), here `None`.
pub(crate) fn rawarg_029<'e>(ev: &Event<'e>, name: &str) -> Option<Value<'e>> {
    let raw = rawarg_raw_029(ev, name)?;
    match rawarg_type_029(name)? {
        T::Int64 | T::Pid | T::Errno => {
            let v = ev.endian().u64(raw, 0)?;
            Some(Value::I64(v as i64))
        }
        T::Charbuf | T::Fspath | T::Fsrelpath => {
            let end = raw.iter().position(|&c| c == 0).unwrap_or(raw.len());
            Some(Value::Bytes(&raw[..end]))
        }
        _ => None,
    }
}

/// The type sysdig 0.29 gave `evt.rawarg.NAME`: that of the first parameter called `name` in
/// its table.
pub(crate) fn rawarg_type_029(name: &str) -> Option<T> {
    static FIRST: OnceLock<HashMap<&'static str, T>> = OnceLock::new();
    let first = FIRST.get_or_init(|| {
        let mut m = HashMap::new();
        for p in old().params.iter().flatten() {
            m.entry(p.name).or_insert(p.ty);
        }
        m
    });
    first.get(name).copied()
}

/// The bytes of the event's parameter `name` as sysdig 0.29's table places it.
pub(crate) fn rawarg_raw_029<'e>(ev: &Event<'e>, name: &str) -> Option<&'e [u8]> {
    ev.param_raw(index(ev, name, Flavor::Sysdig029)?)
}

/// Syscall codes (`ppm_sc`) whose name differs in sysdig 0.29.3's table, which ended at 329.
const SYSCALLS_RENAMED: &[(u16, &str)] = &[
    (0, "<unknown>"),
    (283, "newselect"),
    (292, "llseek"),
    (298, "sigreturn"),
    (305, "setuid"),
    (306, "getuid"),
    (307, "setgid"),
    (308, "geteuid"),
    (309, "getgid"),
    (310, "setresuid"),
    (311, "setresgid"),
    (312, "getresuid"),
    (313, "getresgid"),
];
const SYSCALLS_029: u16 = 329;

/// The category (`EC_*` value) of each syscall code in sysdig 0.29.3's syscall table
/// (`g_syscall_info_table`, libs e5c53d64), indexed by code, 0 to 328. Generated from that
/// table by a one-off script.
#[rustfmt::skip]
const SYSCALL_CATEGORIES_029: [u8; SYSCALLS_029 as usize] = [
    1, 8, 6, 32, 33, 2, 2, 2, 2, 2, 2, 11, 2, 2, 2, 2, 6, 2, 1, 11,
    2, 64, 11, 2, 34, 4, 2, 2, 2, 34, 4, 11, 5, 6, 34, 64, 6, 6, 4, 2,
    34, 6, 6, 6, 8, 6, 6, 11, 11, 2, 2, 2, 6, 6, 8, 2, 2, 2, 2, 2,
    6, 6, 2, 2, 8, 11, 11, 8, 1, 64, 8, 8, 34, 8, 8, 5, 8, 8, 8, 6,
    2, 8, 6, 2, 64, 2, 34, 32, 33, 6, 34, 5, 5, 5, 5, 6, 6, 6, 6, 7,
    6, 6, 6, 7, 2, 64, 6, 9, 9, 9, 9, 9, 9, 2, 6, 6, 2, 6, 2, 10,
    10, 10, 10, 10, 10, 10, 10, 2, 10, 10, 10, 10, 2, 10, 10, 10, 10, 6, 5, 5,
    6, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 9, 4, 6, 6, 6, 6, 34,
    34, 34, 34, 34, 34, 64, 64, 64, 2, 6, 11, 11, 11, 11, 11, 11, 11, 11, 7, 9,
    2, 4, 4, 4, 4, 4, 4, 8, 64, 8, 8, 8, 6, 6, 4, 4, 4, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 64, 64, 6, 6, 6, 4, 4, 4, 6, 64, 2,
    9, 11, 4, 11, 11, 9, 4, 64, 34, 4, 4, 32, 33, 1, 1, 4, 6, 1, 2, 6,
    4, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 2, 2, 2, 2, 6, 1, 9, 4, 3, 2, 2,
    2, 2, 2, 64, 9, 9, 9, 8, 2, 9, 6, 11, 2, 64, 2, 2, 6, 4, 9, 34,
    34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 8, 1, 1, 34, 34, 34,
    2, 2, 2, 2, 8, 8, 2, 6, 6,
];

/// The category (`EC_*` value) that sysdig 0.29.3's syscall table gives syscall code `id`.
pub(crate) fn syscall_category_029(id: u16) -> Option<u32> {
    SYSCALL_CATEGORIES_029.get(id as usize).map(|&c| c as u32)
}

/// The name of syscall code `id` in `flavor`'s table.
pub(crate) fn syscall_name(id: u16, flavor: Flavor) -> Option<&'static str> {
    if flavor == Flavor::Sysdig029 {
        if let Some((_, n)) = SYSCALLS_RENAMED.iter().find(|(c, _)| *c == id) {
            return Some(n);
        }
        if id >= SYSCALLS_029 {
            return None;
        }
    }
    table::syscall_name(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn width(t: T) -> usize {
        match t {
            T::Flags8 | T::Enumflags8 | T::Uint8 | T::Int8 => 1,
            T::Flags16 | T::Enumflags16 | T::Uint16 | T::Int16 => 2,
            T::Flags32 | T::Enumflags32 | T::Uint32 | T::Int32 | T::Uid => 4,
            T::Pid | T::Errno | T::Uint64 | T::Int64 => 8,
            _ => 0,
        }
    }

    #[test]
    fn every_change_names_a_parameter_of_today_with_the_same_width() {
        for &(code, i, _, _) in CHANGED {
            let (code, i) = (code as usize, i as usize);
            let old = &old().params[code][i];
            let today = &table::events()[code].params[i];
            assert_eq!(width(old.ty), width(today.ty), "{code}/{i}");
            assert!(width(old.ty) > 0, "{code}/{i}");
            assert_ne!((old.name, old.ty), (today.name, today.ty), "{code}/{i}");
        }
    }

    #[test]
    fn flags_added_since_2022_have_no_name_in_the_old_table() {
        // clone exit (code 223): `flags` with only CLONE_CHILD_IN_PIDNS (1 << 29) set.
        let code = 223;
        let today = &table::events()[code].params;
        let i = today.iter().position(|p| p.name == "flags").unwrap();
        let old = &old().params[code][i];
        let value = 1u32 << 29;
        let raw = value.to_le_bytes();
        let e = strata_scap::Endian::Little;
        let now = strata_scap::ParamValue::decode(&today[i], &raw, e).unwrap();
        let then = strata_scap::ParamValue::decode(old, &raw, e).unwrap();
        assert_eq!(now.resolved().unwrap().to_string(), "CLONE_CHILD_IN_PIDNS");
        assert_eq!(then.resolved(), None);
        // Other bits keep their names, in the same order.
        let both = (1u32 << 29 | 0x100 | 0x200).to_le_bytes();
        let then = strata_scap::ParamValue::decode(old, &both, e).unwrap();
        let now = strata_scap::ParamValue::decode(&today[i], &both, e).unwrap();
        let (then, now) = (
            then.resolved().unwrap().to_string(),
            now.resolved().unwrap().to_string(),
        );
        assert_eq!(
            now.replace("CLONE_CHILD_IN_PIDNS|", "")
                .replace("|CLONE_CHILD_IN_PIDNS", ""),
            then
        );
        // Every name left out exists today.
        for (name, added) in FLAGS_ADDED {
            let t = table::flag_table(name).unwrap();
            assert!(
                added.iter().all(|a| t.entries.iter().any(|(n, _)| n == a)),
                "{name}"
            );
            assert!(old_flag_table(t).is_some());
        }
    }

    #[test]
    fn events_flagged_with_an_fd_since_2022_have_none_in_the_old_table() {
        let e = |code: u16| crate::test_support::body(code, &[]);
        for code in [160u16, 161, 51, 55, 305, 303] {
            let b = e(code);
            let ev = crate::test_support::event(&b);
            assert!(has_fd(flags(&ev, Flavor::Libsinsp025)), "{code}");
            assert!(!has_fd(flags(&ev, Flavor::Sysdig029)), "{code}");
        }
        // Others are read from today's table.
        let b = e(7); // read exit
        let ev = crate::test_support::event(&b);
        assert_eq!(
            flags(&ev, Flavor::Sysdig029),
            flags(&ev, Flavor::Libsinsp025)
        );
        assert!(has_fd(flags(&ev, Flavor::Sysdig029)));
    }

    #[test]
    fn syscall_categories_of_2022() {
        let cat = |name: &str| {
            let id = (0..SYSCALLS_029)
                .find(|&i| syscall_name(i, Flavor::Sysdig029) == Some(name))
                .unwrap();
            syscall_category_029(id).unwrap()
        };
        assert_eq!(cat("wait4"), 64);
        assert_eq!(cat("sched_yield"), 7);
        assert_eq!(cat("prctl"), 6);
        assert_eq!(cat("statfs"), 2);
        assert_eq!(cat("sigaltstack"), 34);
        assert_eq!(cat("<unknown>"), 1);
        assert_eq!(syscall_category_029(SYSCALLS_029), None);
    }
}
