//! sysdig 0.29.3's event table where it differs from today's, for [`Flavor::Sysdig029`].
//!
//! Parameters whose name or type changed since 2022 (libs e5c53d64, the version sysdig 0.29.3
//! was built with): enumerations that were typed as flags, a few signed and unsigned swaps,
//! and execve's `pgid`, renamed `vpgid`. The bytes are the same; only how they are named and
//! printed differs. Everything else is read from today's table.
//!
//! [`Flavor::Sysdig029`]: crate::render::Flavor::Sysdig029

use std::collections::HashMap;
use std::sync::OnceLock;

use strata_scap::Event;
use strata_scap::table::{self, ParamInfo, ParamType as T};

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
        Old { params }
    })
}

/// Parameter `i` of `ev` as `flavor`'s table has it.
pub(crate) fn param(ev: &Event<'_>, i: usize, flavor: Flavor) -> Option<&'static ParamInfo> {
    match flavor {
        Flavor::Sysdig029 => old().params.get(ev.event_type as usize)?.get(i),
        _ => ev.info()?.params.get(i),
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
    static FIRST: OnceLock<HashMap<&'static str, T>> = OnceLock::new();
    let first = FIRST.get_or_init(|| {
        let mut m = HashMap::new();
        for p in old().params.iter().flatten() {
            m.entry(p.name).or_insert(p.ty);
        }
        m
    });
    let raw = ev.param_raw(index(ev, name, Flavor::Sysdig029)?)?;
    match first.get(name)? {
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
}
