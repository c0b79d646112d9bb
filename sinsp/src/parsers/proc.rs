//! Process and thread events: clone/fork/vfork/clone3, execve/execveat, procexit, credentials,
//! working directory, sessions, users and groups.

use strata_scap::param::ParamValue;

use crate::fds::{FLAG_IS_CLONED, O_CLOEXEC};
use crate::inspector::Inspector;
use crate::params::{Args, P};
use crate::paths;
use crate::threads::{ThreadInfo, flags};
use crate::users::{GroupInfo, UserInfo};

/// The `PPM_EXE_*` flags of execve's exit: what is known of the executable file.
mod exe_flags {
    pub(super) const WRITABLE: u64 = 1;
    pub(super) const UPPER_LAYER: u64 = 1 << 1;
    pub(super) const FROM_MEMFD: u64 = 1 << 2;
    pub(super) const LOWER_LAYER: u64 = 1 << 3;
}

/// A thread created this recently by the caller's clone exit is not re-created by the child's.
pub(crate) const CLONE_STALE_TIME_NS: u64 = 2_000_000_000;

fn set_bytes(dst: &mut Vec<u8>, src: Option<&[u8]>) {
    if let Some(s) = src {
        dst.clear();
        dst.extend_from_slice(s);
    }
}

/// Fields every clone and execve exit carries: names, limits, memory, credentials.
fn fill_common(t: &mut ThreadInfo, a: &Args<'_, '_>) {
    set_bytes(&mut t.exe, a.bytes(P::Exe));
    set_bytes(&mut t.args_raw, a.bytes(P::Args).or(Some(b"")));
    match a.bytes(P::Comm) {
        Some(c) => set_bytes(&mut t.comm, Some(c)),
        None => t.comm.clone_from(&t.exe),
    }
    if let Some(v) = a.i64(P::Fdlimit) {
        t.fdlimit = v;
    }
    if let Some(v) = a.u64(P::PgftMaj) {
        t.pfmajor = v;
    }
    if let Some(v) = a.u64(P::PgftMin) {
        t.pfminor = v;
    }
    set_memory(t, a);
    if let Some(c) = a.bytes(P::Cgroups) {
        set_bytes(&mut t.cgroups_raw, Some(c));
        t.resolve_container();
    }
    if let Some(v) = a.u32(P::Uid) {
        t.uid = v;
    }
    if let Some(v) = a.u32(P::Gid) {
        t.gid = v;
    }
}

/// Copies what a new thread or process inherits from its creator.
fn inherit(child: &mut ThreadInfo, from: &ThreadInfo, new_process: bool, cwd: &[u8]) {
    child.exepath.clone_from(&from.exepath);
    child.root.clone_from(&from.root);
    child.sid = from.sid;
    child.vpgid = from.vpgid;
    child.pgid = from.pgid;
    child.tty = from.tty;
    child.loginuid = from.loginuid;
    child.cap_inheritable = from.cap_inheritable;
    child.cap_permitted = from.cap_permitted;
    child.cap_effective = from.cap_effective;
    child.exe_ino = from.exe_ino;
    child.exe_ino_ctime = from.exe_ino_ctime;
    child.exe_ino_mtime = from.exe_ino_mtime;
    child.exe_ino_ctime_duration_clone_ts = from.exe_ino_ctime_duration_clone_ts;
    child.exe_writable = from.exe_writable;
    child.exe_upper_layer = from.exe_upper_layer;
    child.exe_lower_layer = from.exe_lower_layer;
    child.exe_from_memfd = from.exe_from_memfd;
    child.container_id.clone_from(&from.container_id);
    if new_process {
        child.cwd = cwd.to_vec();
        child.env_raw.clone_from(&from.env_raw);
    } else {
        child.lastexec_ts = from.lastexec_ts;
    }
}

pub(super) fn clone_exit(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    let Some(res) = a.res() else { return };
    if res < 0 {
        return;
    }
    let cflags = a.u32(P::Flags).unwrap_or(0);
    let new_process = cflags & flags::CLONE_THREAD == 0;
    let ts = a.ev.ts;
    if res > 0 {
        // Caller side: `res` is the child's tid.
        if tid == -1 {
            return;
        }
        let names_flag = insp.cfg.clone_names_unknown_caller;
        // sysdig 0.29 left a child in a pid namespace to the child's own exit before it even
        // looked the caller up.
        let old_rules = insp.cfg.clone_defers_only_pidns;
        if old_rules
            && (cflags & flags::CHILD_IN_PIDNS != 0 || a.i64(P::Vtid).is_some_and(|v| v != tid))
        {
            return;
        }
        let caller = insp.thread_or_placeholder(tid);
        // sysdig 0.29 judged a caller by its name and uid. One never described was dropped
        // and looked up again (a fresh placeholder, without fds); it then takes the child's
        // names, and gives the child none of its own.
        let unknown_caller = names_flag && caller.comm == b"<NA>" && caller.uid == u32::MAX;
        if unknown_caller {
            insp.threads.remove(tid);
            insp.thread_or_placeholder(tid);
        }
        let caller = insp.threads.get_mut(tid).expect("present");
        if caller.is_invalid() && !names_flag {
            if let Some(p) = a.i64(P::Ptid) {
                caller.ptid = p;
            }
            caller.vtid = a.i64(P::Vtid).unwrap_or(tid);
            caller.vpid = a.i64(P::Vpid).unwrap_or(-1);
            if let Some(p) = a.i64(P::Pid) {
                insp.threads.set_pid(tid, p);
            }
        }
        let caller = insp.threads.get(tid).expect("present");
        // sysdig 0.29 kept unknown vtids unknown; the event's says whether the caller is in a
        // pid namespace.
        let caller_vtid = match a.i64(P::Vtid) {
            Some(v) if insp.cfg.placeholder_vtid_unknown && caller.vtid < 0 => v,
            _ => caller.vtid,
        };
        if !old_rules
            && (cflags & (flags::CHILD_IN_PIDNS | flags::CLONE_NEWPID | flags::CLONE_PARENT) != 0
                || caller.tid != caller_vtid
                || cflags & flags::CLONE_VFORK != 0
                || a.ev.name() == "vfork")
        {
            return;
        }
        if let Some(c) = insp.threads.get(res) {
            if c.flags & flags::CLONE_INVERTED != 0 {
                return;
            }
            insp.threads.remove(res);
        }
        let caller = insp.threads.get(tid).expect("present");
        let mut child = ThreadInfo::blank(res);
        child.lastevent_fd = insp.new_thread_last_fd();
        child.flags = cflags | flags::ACTIVE;
        if new_process {
            child.pid = res;
            child.ptid = tid;
        } else {
            child.pid = caller.pid;
            child.ptid = if insp.cfg.thread_parent_is_creator {
                tid
            } else {
                caller.ptid
            };
            child.flags |= flags::CLONE_FILES;
        }
        let cwd = insp.cwd(caller).to_vec();
        if !unknown_caller {
            inherit(&mut child, caller, new_process, &cwd);
        } else if new_process {
            child.cwd = cwd;
        }
        if new_process {
            copy_fds(&mut child, insp.fd_table(caller));
        }
        let caller_invalid = caller.is_invalid() || unknown_caller;
        fill_common(&mut child, a);
        child.vtid = res;
        child.vpid = child.pid;
        child.clone_ts = ts;
        child.pidns_init_start_ts = boot_ts(insp);
        if caller_invalid {
            let (exe, comm, args) = (
                child.exe.clone(),
                child.comm.clone(),
                child.args_raw.clone(),
            );
            let c = insp.threads.get_mut(tid).expect("present");
            c.exe = exe;
            c.comm = comm;
            c.args_raw = args;
        }
        insert_with_parent(insp, child);
    } else {
        // Child side: the event's thread is the child.
        if tid == -1 {
            return;
        }
        let old_rules = insp.cfg.clone_defers_only_pidns;
        if let Some(c) = insp.threads.get_mut(tid) {
            if c.clone_ts != 0 && ts.saturating_sub(c.clone_ts) < CLONE_STALE_TIME_NS {
                c.child_clone_seen = true;
                // sysdig 0.29: the caller added a child it saw from outside the child's pid
                // namespace; the child's own exit gives the ids inside it.
                if old_rules {
                    let vtid = a.i64(P::Vtid);
                    if cflags & flags::CHILD_IN_PIDNS != 0 || vtid.is_some_and(|v| v != tid) {
                        c.vtid = vtid.unwrap_or(c.vtid);
                        c.vpid = a.i64(P::Vpid).unwrap_or(c.vpid);
                    }
                }
                return;
            }
            insp.threads.remove(tid);
        }
        let pid = a.i64(P::Pid).unwrap_or(tid);
        let ptid = a.i64(P::Ptid).unwrap_or(-1);
        let mut child = ThreadInfo::blank(tid);
        child.lastevent_fd = insp.new_thread_last_fd();
        child.pid = pid;
        // sysdig 0.29 gave a thread its process's main thread as parent; libsinsp 0.25 the
        // event's ptid.
        child.ptid = if old_rules && !new_process { pid } else { ptid };
        child.flags = cflags | flags::CLONE_INVERTED | flags::ACTIVE;
        child.child_clone_seen = true;
        child.vtid = a.i64(P::Vtid).unwrap_or(tid);
        child.vpid = a.i64(P::Vpid).unwrap_or(-1);
        if !new_process {
            child.flags |= flags::CLONE_FILES;
        }
        let lookup_tid = if new_process { ptid } else { pid };
        // sysdig 0.29 treated the child's clone like the caller's: a creator never described
        // (no name, no uid) is dropped and looked up again, then takes the child's names.
        let mut unknown_creator = false;
        if lookup_tid >= 0 && lookup_tid != tid {
            let names_flag = insp.cfg.clone_names_unknown_caller;
            let lookup = insp.thread_or_placeholder(lookup_tid);
            if names_flag && lookup.comm == b"<NA>" && lookup.uid == u32::MAX {
                unknown_creator = true;
                insp.threads.remove(lookup_tid);
                insp.thread_or_placeholder(lookup_tid);
            }
            let lookup = insp.threads.get_mut(lookup_tid).expect("present");
            if !new_process && lookup.is_invalid() && !names_flag {
                lookup.ptid = ptid;
                lookup.vtid = pid;
                lookup.vpid = child.vpid;
                insp.threads.set_pid(lookup_tid, pid);
            }
            let lookup = insp.threads.get(lookup_tid).expect("present");
            // sysdig 0.29 judged the creator by its name and uid only (an unknown one was
            // made afresh above); libsinsp 0.25 by its ids.
            let valid = if names_flag {
                !unknown_creator
            } else {
                !lookup.is_invalid()
            };
            if valid {
                let cwd = insp.cwd(lookup).to_vec();
                inherit(&mut child, lookup, new_process, &cwd);
                if new_process {
                    copy_fds(&mut child, insp.fd_table(lookup));
                }
            }
        }
        fill_common(&mut child, a);
        if unknown_creator {
            let c = insp.threads.get_mut(lookup_tid).expect("present");
            c.exe.clone_from(&child.exe);
            c.comm.clone_from(&child.comm);
            c.args_raw.clone_from(&child.args_raw);
        }
        child.clone_ts = a.ev.ts;
        let in_ns =
            cflags & (flags::CHILD_IN_PIDNS | flags::CLONE_NEWPID) != 0 || tid != child.vtid;
        child.pidns_init_start_ts = match a.u64(P::PidnsInit) {
            Some(v) if in_ns => v.wrapping_add(boot_ts(insp)),
            _ => boot_ts(insp),
        };
        insert_with_parent(insp, child);
    }
}

/// The machine's boot time as the clone rules see it.
fn boot_ts(insp: &Inspector) -> u64 {
    if insp.cfg.machine_info_zeroed {
        0
    } else {
        insp.machine.boot_ts
    }
}

fn copy_fds(child: &mut ThreadInfo, from: &crate::fds::FdTable) {
    for f in from.iter_libsinsp_order() {
        let mut f = f.clone();
        f.flags |= FLAG_IS_CLONED;
        child.fds.insert(f, usize::MAX);
    }
}

/// Inserts a thread; a parent that is not in the table (or is a placeholder) becomes 0.
fn insert_with_parent(insp: &mut Inspector, mut t: ThreadInfo) {
    // libsinsp 0.25 gives the child of an invalid parent parent 0; sysdig 0.29 kept it.
    if t.pid != 1
        && !insp.cfg.clone_names_unknown_caller
        && insp.threads.get(t.ptid).is_none_or(|p| p.is_invalid())
    {
        t.ptid = 0;
    }
    let tid = t.tid;
    insp.threads.insert(t);
    identify_category(insp, tid);
}

/// libsinsp's `identify_category`, run when a thread's container is resolved: pid 1 of a
/// container is its init; a child takes its parent's category; otherwise a thread whose
/// program and arguments are exactly one of its container's probes, and that no container
/// init started, is that probe.
pub(crate) fn identify_category(insp: &mut Inspector, tid: i64) {
    use crate::containers::ProbeKind;
    use crate::threads::category as cat;
    let Some(t) = insp.threads.get(tid) else {
        return;
    };
    if t.container_id.is_empty() {
        return;
    }
    let found = if t.vpid == 1 {
        cat::CONTAINER
    } else if let Some(c) = insp
        .threads
        .get(t.ptid)
        .map(|p| p.category)
        .filter(|&c| c != cat::NONE)
    {
        c
    } else {
        let Some(info) = insp.containers.get(&t.container_id) else {
            return;
        };
        let probe = info.probes.iter().find(|p| {
            p.exe.as_bytes() == t.exe.as_slice()
                && p.args.len() == t.args().count()
                && p.args.iter().zip(t.args()).all(|(a, b)| a.as_bytes() == b)
        });
        let Some(probe) = probe else { return };
        // Started by a container's init: an ordinary process, not the probe.
        let mut a = insp.threads.get(t.ptid);
        for _ in 0..1024 {
            let Some(p) = a else { break };
            if p.vpid == 1 && !p.container_id.is_empty() {
                return;
            }
            if p.ptid == p.tid {
                break;
            }
            a = insp.threads.get(p.ptid);
        }
        match probe.kind {
            ProbeKind::Healthcheck => cat::HEALTHCHECK,
            ProbeKind::Liveness => cat::LIVENESS_PROBE,
            ProbeKind::Readiness => cat::READINESS_PROBE,
        }
    };
    if let Some(t) = insp.threads.get_mut(tid) {
        t.category = found;
    }
}

pub(super) fn execve_exit(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    if a.res().is_none_or(|r| r < 0) {
        return;
    }
    let Some(t) = insp.threads.get_mut(tid) else {
        return;
    };
    t.flags &= !flags::CLOSED;
    let was_invalid = t.is_invalid();
    fill_common(t, a);
    t.lastexec_ts = a.ev.ts;
    if let Some(e) = a.bytes(P::Env) {
        set_bytes(&mut t.env_raw, Some(e));
    }
    if let Some(v) = a.u32(P::Tty) {
        t.tty = v;
    }
    if let Some(v) = a.i64(P::Vpgid) {
        t.vpgid = v;
    }
    if let Some(v) = a.u32(P::Loginuid) {
        t.loginuid = v;
    }
    if let Some(v) = a.u64(P::CapInh) {
        t.cap_inheritable = v;
    }
    if let Some(v) = a.u64(P::CapPerm) {
        t.cap_permitted = v;
    }
    if let Some(v) = a.u64(P::CapEff) {
        t.cap_effective = v;
    }
    // Only the exit's own flags: execveat's enter has flags of another kind (AT_*).
    if let Some(f) = a.own(P::Flags).and_then(|v| v.as_u64()) {
        t.exe_writable = f & exe_flags::WRITABLE != 0;
        t.exe_upper_layer = f & exe_flags::UPPER_LAYER != 0;
        t.exe_from_memfd = f & exe_flags::FROM_MEMFD != 0;
        t.exe_lower_layer = f & exe_flags::LOWER_LAYER != 0;
    }
    // The three inode parameters come together (libsinsp looks at the mtime's presence).
    if let Some(mtime) = a.u64(P::ExeInoMtime) {
        t.exe_ino = a.u64(P::ExeIno).unwrap_or(0);
        t.exe_ino_ctime = a.u64(P::ExeInoCtime).unwrap_or(0);
        t.exe_ino_mtime = mtime;
        if t.clone_ts != 0 {
            // Wrapping, as libsinsp's unsigned difference does when the file changed after
            // the clone.
            t.exe_ino_ctime_duration_clone_ts = t.clone_ts.wrapping_sub(t.exe_ino_ctime);
        }
    } else if let Some(v) = a.u64(P::ExeIno) {
        t.exe_ino = v;
    }
    if a.own(P::Pgid).is_some() {
        t.pgid = a.i64(P::Pgid).unwrap_or(-1);
    }
    let keep = flags::PIPE_SRC | flags::PIPE_DST | flags::IS_MAIN_THREAD | flags::CLONE_INVERTED;
    t.flags = (t.flags & keep) | flags::ACTIVE | flags::NAME_CHANGED;
    if was_invalid {
        if let Some(p) = a.i64(P::Ptid) {
            t.ptid = p;
        }
    }
    let pid = a.i64(P::Pid);
    let trusted = a
        .own(P::TrustedExepath)
        .and_then(|v| v.as_bytes().filter(|s| !s.is_empty()));
    if let Some(p) = trusted {
        super::set_exepath(t, p, insp.cfg.exepath_keeps_deleted);
    }
    if let Some(p) = pid {
        insp.threads.set_pid(tid, p);
    }
    let t = insp.threads.get(tid).expect("present");
    if trusted.is_none() {
        if let Some(f) = a.of_enter(P::Filename).and_then(|v| v.as_bytes()) {
            let mut out = std::mem::take(&mut insp.path_buf);
            paths::resolve_into(&mut out, insp.cwd(t), f);
            let t = insp.threads.get_mut(tid).expect("present");
            super::set_exepath(t, &out, insp.cfg.exepath_keeps_deleted);
            insp.path_buf = out;
        }
    }
    let t = insp.threads.get_mut(tid).expect("present");
    if was_invalid && !insp.cfg.placeholder_vtid_unknown {
        t.vtid = tid;
        t.vpid = t.pid;
    }
    let pid = t.pid;
    // The new program may be one of its container's probes.
    identify_category(insp, tid);
    if insp.cfg.execve_keeps_state {
        return;
    }
    if let Some(fds) = insp.fds_mut(tid) {
        fds.retain(|f| f.open_flags & O_CLOEXEC == 0);
    }
    if insp.threads.threads_of(pid) > 2 {
        let others: Vec<i64> = insp
            .threads
            .iter()
            .filter(|o| o.pid == pid && o.tid != tid && o.tid != pid)
            .map(|o| o.tid)
            .collect();
        for o in others {
            insp.threads.remove(o);
        }
    }
}

pub(super) fn procexit(insp: &mut Inspector, tid: i64, _a: &Args<'_, '_>) {
    if let Some(t) = insp.threads.get_mut(tid) {
        t.flags |= flags::CLOSED;
        insp.schedule_thread_removal(tid);
    }
}

pub(super) fn switch(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    let Some(t) = insp.threads.get_mut(tid) else {
        return;
    };
    // Every figure read in one walk of the parameters; one that is not the usual 8 or 4
    // bytes is decoded as any other parameter is.
    let [maj, min, size, rss, swap] =
        a.own_raws([P::PgftMaj, P::PgftMin, P::VmSize, P::VmRss, P::VmSwap]);
    if let Some(v) = a.u64_of(maj).or_else(|| a.u64(P::PgftMaj)) {
        t.pfmajor = v;
    }
    if let Some(v) = a.u64_of(min).or_else(|| a.u64(P::PgftMin)) {
        t.pfminor = v;
    }
    // The memory figures are the process's: libsinsp sets them on the main thread.
    let pid = t.pid;
    let main = if t.is_main_thread() {
        Some(t)
    } else {
        insp.threads.get_mut(pid)
    };
    if let Some(m) = main {
        set_memory_from(m, a, [size, rss, swap]);
    }
}

/// brk, mmap, mmap2 and munmap exits: the thread's memory figures after the call.
pub(super) fn memory(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    if let Some(t) = insp.threads.get_mut(tid) {
        set_memory(t, a);
    }
}

fn set_memory(t: &mut ThreadInfo, a: &Args<'_, '_>) {
    set_memory_from(t, a, a.own_raws([P::VmSize, P::VmRss, P::VmSwap]));
}

/// [`set_memory`] from the bytes of the event's own size, rss and swap parameters.
fn set_memory_from(t: &mut ThreadInfo, a: &Args<'_, '_>, [size, rss, swap]: [Option<&[u8]>; 3]) {
    // The exits that carry them do so on the event itself; else from the enter.
    if let Some(v) = a.u32_of(size).or_else(|| a.u32(P::VmSize)) {
        t.vmsize_kb = v;
    }
    if let Some(v) = a.u32_of(rss).or_else(|| a.u32(P::VmRss)) {
        t.vmrss_kb = v;
    }
    if let Some(v) = a.u32_of(swap).or_else(|| a.u32(P::VmSwap)) {
        t.vmswap_kb = v;
    }
}

fn ok(a: &Args<'_, '_>) -> bool {
    a.res().is_some_and(|r| r >= 0)
}

pub(super) fn chdir(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    if !ok(a) {
        return;
    }
    let Some(p) = a.bytes(P::Path) else { return };
    set_cwd(insp, tid, p, false);
}

fn set_cwd(insp: &mut Inspector, tid: i64, p: &[u8], absolute: bool) {
    let Some(t) = insp.threads.get(tid) else {
        return;
    };
    let owner = if t.is_main_thread() || !insp.threads.contains(t.pid) {
        tid
    } else {
        t.pid
    };
    let mut out = std::mem::take(&mut insp.path_buf);
    let base = if absolute { &b"/"[..] } else { insp.cwd(t) };
    paths::cwd_into(&mut out, base, p);
    if let Some(o) = insp.threads.get_mut(owner) {
        o.cwd.clone_from(&out);
    }
    insp.path_buf = out;
}

pub(super) fn fchdir(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    if !ok(a) {
        return;
    }
    let Some(t) = insp.threads.get(tid) else {
        return;
    };
    let fd = t.lastevent_fd;
    let Some(name) = insp
        .fds_of(tid)
        .and_then(|f| f.get(fd))
        .map(|f| f.name.clone())
    else {
        return;
    };
    set_cwd(insp, tid, &name, true);
}

pub(super) fn chroot(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    if a.res() != Some(0) {
        return;
    }
    let Some(p) = a.bytes(P::Path) else { return };
    let Some(t) = insp.threads.get(tid) else {
        return;
    };
    let mut out = std::mem::take(&mut insp.path_buf);
    paths::resolve_into(&mut out, insp.cwd(t), p);
    if let Some(t) = insp.threads.get_mut(tid) {
        t.root.clone_from(&out);
    }
    insp.path_buf = out;
}

pub(super) fn set_id(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>, p: P, user: bool) {
    if a.res() != Some(0) {
        return;
    }
    let Some(v) = a.u32(p) else { return };
    if v == u32::MAX && matches!(p, P::Euid | P::Egid) && insp.cfg.setres_keeps_unchanged_id {
        return;
    }
    if let Some(t) = insp.threads.get_mut(tid) {
        if user {
            t.uid = v;
        } else {
            t.gid = v;
        }
    }
}

pub(super) fn setsid(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    let Some(r) = a.res().filter(|&r| r >= 0) else {
        return;
    };
    if let Some(t) = insp.threads.get_mut(tid) {
        t.sid = r;
    }
}

pub(super) fn setpgid(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    if a.res() != Some(0) {
        return;
    }
    let target = a.i64(P::Pid).filter(|&p| p != 0).unwrap_or(tid);
    let Some(pgid) = a.i64(P::Pgid) else { return };
    if let Some(t) = insp.threads.get_mut(target) {
        t.pgid = if pgid == 0 { t.pid } else { pgid };
    }
}

/// `PR_SET_NAME`.
const PR_SET_NAME: u64 = 15;

pub(super) fn prctl(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    if !ok(a) || a.u64(P::Option) != Some(PR_SET_NAME) {
        return;
    }
    if let (Some(t), Some(name)) = (insp.threads.get_mut(tid), a.bytes(P::Arg2Str)) {
        set_bytes(&mut t.comm, Some(name));
    }
}

pub(super) fn capset(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    if a.res() != Some(0) {
        return;
    }
    if let Some(t) = insp.threads.get_mut(tid) {
        t.cap_inheritable = a.u64(P::CapInh).unwrap_or(t.cap_inheritable);
        t.cap_permitted = a.u64(P::CapPerm).unwrap_or(t.cap_permitted);
        t.cap_effective = a.u64(P::CapEff).unwrap_or(t.cap_effective);
    }
}

/// All 41 capabilities Linux defines (`CAP_CHOWN` to `CAP_CHECKPOINT_RESTORE`).
pub(crate) const MAX_CAPS: u64 = (1 << 41) - 1;

/// unshare and setns: entering a new user namespace gives the thread every capability (in
/// it), as libsinsp records it.
pub(super) fn unshare_setns(insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
    if a.res().is_none_or(|r| r < 0) {
        return;
    }
    let p = if a.ev.name() == "setns" {
        P::Nstype
    } else {
        P::Flags
    };
    if a.u32(p).unwrap_or(0) & flags::CLONE_NEWUSER == 0 {
        return;
    }
    if let Some(t) = insp.threads.get_mut(tid) {
        t.cap_inheritable = MAX_CAPS;
        t.cap_permitted = MAX_CAPS;
        t.cap_effective = MAX_CAPS;
    }
}

fn str_param<'e>(a: &Args<'_, 'e>, p: P) -> &'e [u8] {
    match a.own(p) {
        Some(ParamValue::Str(s)) => s,
        Some(v) => v.as_bytes().unwrap_or_default(),
        None => b"",
    }
}

pub(super) fn user_added(insp: &mut Inspector, a: &Args<'_, '_>, add: bool) {
    let Some(uid) = a.u32(P::Uid) else { return };
    let container = str_param(a, P::ContainerId);
    if add {
        let u = UserInfo {
            uid,
            gid: a.u32(P::Gid).unwrap_or(u32::MAX),
            name: str_param(a, P::Name).to_vec(),
            homedir: str_param(a, P::Home).to_vec(),
            shell: str_param(a, P::Shell).to_vec(),
        };
        insp.users.add_user(container, u);
    } else {
        insp.users.remove_user(container, uid);
    }
}

pub(super) fn group_added(insp: &mut Inspector, a: &Args<'_, '_>, add: bool) {
    let Some(gid) = a.u32(P::Gid) else { return };
    let container = str_param(a, P::ContainerId);
    if add {
        let g = GroupInfo {
            gid,
            name: str_param(a, P::Name).to_vec(),
        };
        insp.users.add_group(container, g);
    } else {
        insp.users.remove_group(container, gid);
    }
}

#[cfg(test)]
mod tests {
    use strata_scap::event::encode_event;
    use strata_scap::{Endian, Event};

    use super::{identify_category, insert_with_parent};
    use crate::Inspector;
    use crate::threads::{ThreadInfo, flags};

    /// A CLONE_20_X event of `tid` returning `res`, whose params describe `tid`.
    fn clone_x(buf: &mut Vec<u8>, ts: u64, tid: i64, pid: i64, res: i64, cflags: u32) {
        let i = |v: i64| v.to_le_bytes().to_vec();
        let u = |v: u32| v.to_le_bytes().to_vec();
        let p: Vec<Vec<u8>> = vec![
            i(res),
            b"/bin/sh\0".to_vec(),
            b"-c\0x\0".to_vec(),
            i(tid),
            i(pid),
            i(1),
            b"/tmp\0".to_vec(),
            i(1024),
            i(0),
            i(0),
            u(0),
            u(0),
            u(0),
            b"sh\0".to_vec(),
            Vec::new(),
            u(cflags),
            u(1000),
            u(1000),
            i(tid),
            i(pid),
            i(0),
        ];
        let refs: Vec<&[u8]> = p.iter().map(Vec::as_slice).collect();
        buf.clear();
        buf.extend_from_slice(&0u16.to_le_bytes());
        encode_event(buf, Endian::Little, ts, tid as u64, 223, &refs).unwrap();
    }

    fn run(insp: &mut Inspector, buf: &[u8]) {
        let ev = Event::parse(strata_scap::block::types::EV_V2, buf, Endian::Little).unwrap();
        let _ = insp.process(&ev);
    }

    #[test]
    fn caller_side_creates_a_process_child() {
        let mut insp = Inspector::new();
        let mut b = Vec::new();
        clone_x(&mut b, 10, 100, 100, 200, 0);
        run(&mut insp, &b);
        let c = insp.thread(200).expect("child");
        assert_eq!((c.pid, c.ptid, c.uid), (200, 100, 1000));
        assert_eq!(c.comm, b"sh");
        assert_eq!(c.args().collect::<Vec<_>>(), [&b"-c"[..], b"x"]);
        // The child's own exit, less than 2 s later, does not re-create it.
        clone_x(&mut b, 20, 200, 200, 0, 0);
        run(&mut insp, &b);
        assert_eq!(insp.thread(200).unwrap().clone_ts, 10);
    }

    #[test]
    fn thread_clone_shares_the_process() {
        let mut insp = Inspector::new();
        let mut b = Vec::new();
        clone_x(&mut b, 10, 100, 100, 101, flags::CLONE_THREAD);
        run(&mut insp, &b);
        let t = insp.thread(101).expect("thread");
        assert_eq!(t.pid, 100);
        assert!(t.shares_fds() && !t.is_main_thread());
    }

    #[test]
    fn vfork_and_pidns_children_wait_for_their_own_exit() {
        let mut insp = Inspector::new();
        let mut b = Vec::new();
        clone_x(&mut b, 10, 100, 100, 300, flags::CLONE_VFORK);
        run(&mut insp, &b);
        assert!(insp.thread(300).is_none());
        clone_x(&mut b, 11, 300, 300, 0, flags::CLONE_VFORK);
        run(&mut insp, &b);
        let c = insp.thread(300).expect("child side creates it");
        assert!(c.flags & flags::CLONE_INVERTED != 0);
        assert_eq!(c.ptid, 0, "unknown parent 1 becomes 0");
    }

    #[test]
    fn sysdig_029_names_an_unknown_creator_after_the_child() {
        use crate::Config;
        let mut b = Vec::new();
        // The child's clone exit comes first (its caller's was not captured); its creator,
        // thread 1, was never described.
        clone_x(&mut b, 10, 300, 300, 0, 0);
        let mut old = Inspector::with_config(Config::sysdig_029());
        run(&mut old, &b);
        assert_eq!(old.thread(1).expect("creator").comm, b"sh");
        assert_eq!(old.thread(300).expect("child").ptid, 1);
        let mut today = Inspector::new();
        run(&mut today, &b);
        assert!(today.thread(1).is_none_or(|t| t.comm != b"sh"));
    }

    #[test]
    fn sysdig_029_adds_vfork_and_clone_parent_children_from_the_caller() {
        use crate::Config;
        for cflags in [flags::CLONE_VFORK, flags::CLONE_PARENT] {
            let mut b = Vec::new();
            clone_x(&mut b, 10, 100, 100, 300, cflags);
            let mut old = Inspector::with_config(Config::sysdig_029());
            run(&mut old, &b);
            assert_eq!(old.thread(300).expect("caller adds it").ptid, 100);
            let mut today = Inspector::new();
            run(&mut today, &b);
            assert!(today.thread(300).is_none());
        }
    }

    #[test]
    fn sysdig_029_gives_a_thread_its_main_thread_as_parent_on_the_childs_side() {
        use crate::Config;
        let mut b = Vec::new();
        // Thread 301 of process 300, seen first at its own clone exit (ptid param 1).
        clone_x(&mut b, 10, 301, 300, 0, flags::CLONE_THREAD);
        let mut old = Inspector::with_config(Config::sysdig_029());
        run(&mut old, &b);
        assert_eq!(old.thread(301).unwrap().ptid, 300);
        let mut today = Inspector::new();
        run(&mut today, &b);
        // libsinsp 0.25 takes the event's ptid (1), and an unknown parent becomes 0.
        assert_eq!(today.thread(301).unwrap().ptid, 0);
    }

    #[test]
    fn skipping_an_event_moves_the_state_on_as_processing_it() {
        use crate::Config;
        let mut procinfo = vec![0u8, 0];
        let z = 0u64.to_le_bytes();
        encode_event(&mut procinfo, Endian::Little, 15, 200, 234, &[&z, &z]).unwrap();
        for cfg in [Config::default(), Config::sysdig_029()] {
            let (mut a, mut b) = (
                Inspector::with_config(cfg.clone()),
                Inspector::with_config(cfg),
            );
            let mut buf = Vec::new();
            clone_x(&mut buf, 10, 100, 100, 200, 0);
            run(&mut a, &buf);
            run(&mut b, &buf);
            let ev =
                Event::parse(strata_scap::block::types::EV_V2, &procinfo, Endian::Little).unwrap();
            let _ = a.process(&ev);
            b.skip(&ev);
            clone_x(&mut buf, 20, 200, 200, 300, 0);
            run(&mut a, &buf);
            run(&mut b, &buf);
            assert_eq!(a.events_seen(), 3);
            assert_eq!(a.events_seen(), b.events_seen());
            assert_eq!(a.threads().len(), b.threads().len());
            assert_eq!(a.thread(300).map(|t| t.ptid), b.thread(300).map(|t| t.ptid));
        }
    }

    #[test]
    fn health_checks_are_told_from_the_container_init_s_children() {
        use crate::containers::ContainerInfo;
        use crate::threads::category as cat;
        let json = br#"{"container":{"id":"abc123abc123","type":0,"Healthcheck":{"exe":"curl","args":["-f","http://localhost/"]}}}"#;
        let mut insp = Inspector::new();
        insp.containers
            .insert(ContainerInfo::from_json(json).unwrap());
        let thread = |tid: i64, ptid: i64, vpid: i64, exe: &[u8], args: &[u8]| {
            let mut t = ThreadInfo::blank(tid);
            t.pid = tid;
            t.ptid = ptid;
            t.vpid = vpid;
            t.exe = exe.to_vec();
            t.args_raw = args.to_vec();
            t.container_id = b"abc123abc123".to_vec();
            t
        };
        // The container's init, and a host process (dockerd's shim) outside it.
        insert_with_parent(&mut insp, thread(100, 1, 1, b"nginx", b""));
        let mut shim = thread(50, 1, 50, b"containerd-shim", b"");
        shim.container_id.clear();
        insert_with_parent(&mut insp, shim);
        // The probe, started from outside the container: a health check.
        insert_with_parent(
            &mut insp,
            thread(200, 50, 7, b"curl", b"-f\0http://localhost/\0"),
        );
        // The same command started by the container's init: an ordinary process.
        insert_with_parent(
            &mut insp,
            thread(300, 100, 8, b"curl", b"-f\0http://localhost/\0"),
        );
        // Other arguments: not the probe.
        insp.threads.insert(thread(400, 50, 9, b"curl", b"-v\0"));
        identify_category(&mut insp, 400);
        // A child of the probe inherits its category.
        insert_with_parent(&mut insp, thread(500, 200, 10, b"sh", b""));
        let c = |tid| insp.thread(tid).unwrap().category;
        assert_eq!(c(100), cat::CONTAINER);
        assert_eq!(c(50), cat::NONE);
        assert_eq!(c(200), cat::HEALTHCHECK);
        assert_eq!(c(300), cat::CONTAINER);
        assert_eq!(c(400), cat::NONE);
        assert_eq!(c(500), cat::HEALTHCHECK);
    }
}
