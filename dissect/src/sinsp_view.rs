//! [`StateView`] for `strata-sinsp`'s [`EventCtx`]: the `proc.*`, `thread.*`, `user.*`,
//! `group.*`, `fd.*` and `container.*` fields, read from the state engine's tables the way
//! libsinsp's filter checks read them.
//!
//! Nothing here allocates: composed text (`proc.cmdline`, `fd.directory`, ...) goes into the
//! caller's scratch buffer.

use strata_scap::table::Direction;
use strata_scap::{Event, ParamValue};
use strata_sinsp::fds::{
    FLAG_OVERLAY_LOWER, FLAG_ROLE_CLIENT, FLAG_ROLE_SERVER, FLAG_SOCKET_CONNECTED, FdInfo, FdType,
    SockInfo, l4,
};
use strata_sinsp::threads::flags::CHILD_IN_PIDNS;
use strata_sinsp::{EventCtx, InterfaceAddr, ThreadInfo};

use crate::fields::Builtin as B;
use crate::registry::{Arg, FieldId, FieldInfo};
use crate::render::{Flavor, RenderOptions};
use crate::state::{FdEnds, FdView, StateView};
use crate::value::{Value, is_printable, write_lossy};

impl StateView for EventCtx<'_> {
    fn event(&self) -> &Event<'_> {
        EventCtx::event(self)
    }

    fn num(&self) -> u64 {
        EventCtx::num(self)
    }

    fn first_ts(&self) -> u64 {
        EventCtx::first_ts(self)
    }

    fn prev_ts(&self) -> Option<u64> {
        (self.num() > 1).then(|| EventCtx::prev_ts(self))
    }

    fn enter_event(&self) -> Option<Event<'_>> {
        self.enter()
    }

    fn latency(&self) -> Option<u64> {
        Some(self.thread_latency())
    }

    fn has_thread(&self) -> bool {
        self.thread().is_some()
    }

    fn fd(&self, fd: i64) -> Option<FdView<'_>> {
        // The context looked the thread's fd table up once already.
        let f = self.fd_table()?.get(fd)?;
        Some(fd_view(f))
    }

    fn comm(&self, tid: i64) -> Option<&[u8]> {
        self.inspector().thread(tid).map(|t| t.comm.as_slice())
    }

    fn user_name(&self, uid: u32) -> Option<&[u8]> {
        let c = self.thread().map_or(&b""[..], |t| &t.container_id);
        let u = self.inspector().users().user(c, uid)?;
        Some(&u.name)
    }

    fn group_name(&self, gid: u32) -> Option<&[u8]> {
        let c = self.thread().map_or(&b""[..], |t| &t.container_id);
        let g = self.inspector().users().group(c, gid)?;
        Some(&g.name)
    }

    fn cwd(&self) -> Option<&[u8]> {
        EventCtx::cwd(self)
    }

    fn event_fd(&self) -> Option<i64> {
        self.thread()?;
        self.fd_num()
    }

    fn event_fd_info(&self) -> Option<FdView<'_>> {
        self.thread()?;
        self.event_fd_found().map(fd_view)
    }

    fn num_cpus(&self) -> Option<u32> {
        Some(self.inspector().machine().num_cpus)
    }

    fn hostname(&self) -> Option<&[u8]> {
        Some(&self.inspector().machine().hostname)
    }

    fn is_main_thread(&self) -> bool {
        self.thread().is_some_and(ThreadInfo::is_main_thread)
    }

    fn had_thread(&self) -> bool {
        self.thread().is_some() && !self.thread_made_by_event()
    }

    fn stream_before(&self) -> &[u8] {
        EventCtx::stream_before(self)
    }

    fn fd_ends(&self) -> Option<FdEnds> {
        use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
        self.fd_num()?;
        let f = self.fd()?;
        let role = f.flags & (FLAG_ROLE_CLIENT | FLAG_ROLE_SERVER) != 0;
        let conn = |a: IpAddr, ap, b: IpAddr, bp| FdEnds {
            ips: [Some(a), Some(b)],
            ports: [Some(ap), Some(bp)],
            role,
        };
        let server = |a: IpAddr, p| FdEnds {
            ips: [Some(a), None],
            ports: [Some(p), None],
            role,
        };
        Some(match (f.ty, f.sock) {
            (
                FdType::Ipv4Sock,
                SockInfo::V4 {
                    sip,
                    sport,
                    dip,
                    dport,
                },
            ) => conn(sip.into(), sport, dip.into(), dport),
            (
                FdType::Ipv6Sock,
                SockInfo::V6 {
                    sip,
                    sport,
                    dip,
                    dport,
                },
            ) => conn(sip.into(), sport, dip.into(), dport),
            // libsinsp compares the zeroed tuple of a socket it knows nothing of yet.
            (FdType::Ipv4Sock, _) => conn(
                Ipv4Addr::UNSPECIFIED.into(),
                0,
                Ipv4Addr::UNSPECIFIED.into(),
                0,
            ),
            (FdType::Ipv6Sock, _) => conn(
                Ipv6Addr::UNSPECIFIED.into(),
                0,
                Ipv6Addr::UNSPECIFIED.into(),
                0,
            ),
            (FdType::Ipv4ServSock, SockInfo::V4Server { ip, port }) => server(ip.into(), port),
            (FdType::Ipv6ServSock, SockInfo::V6Server { ip, port }) => server(ip.into(), port),
            (FdType::Ipv4ServSock, _) => server(Ipv4Addr::UNSPECIFIED.into(), 0),
            (FdType::Ipv6ServSock, _) => server(Ipv6Addr::UNSPECIFIED.into(), 0),
            _ => return None,
        })
    }

    fn field<'s>(
        &'s self,
        id: FieldId,
        info: &FieldInfo,
        arg: Option<&Arg>,
        opts: &RenderOptions,
        scratch: &'s mut String,
    ) -> Option<Value<'s>> {
        let _ = id;
        let b = info.builtin?;
        // `fd.name`, the fd field filters ask most, first: the fd's name, unless sysdig 0.29
        // named a failed connect by its tuple.
        if b == B::FdName {
            self.fd_num()?;
            return match self.fd() {
                Some(f) if !failed_connect(EventCtx::event(self), opts.flavor) => {
                    Some(fd_name_value(&f.name, opts.flavor))
                }
                _ => self.fd_field(b, opts, scratch),
            };
        }
        // The fields of the event's fd: none for an event about no fd (most events a format
        // with an fd field skips), else straight to them (an event with an fd number has its
        // thread).
        if b.of_event_fd() {
            self.fd_num()?;
            return self.fd_field(b, opts, scratch);
        }
        if b == B::FdTypes {
            return fd_types(self, arg, scratch);
        }
        if (B::K8sPodName as usize..=B::K8sDeploymentLabels as usize).contains(&(b as usize)) {
            return k8s_field(self, b, arg, scratch);
        }
        if (B::MesosTaskName as usize..=B::MarathonGroupId as usize).contains(&(b as usize)) {
            return mesos_field(self, b, arg, scratch);
        }
        if matches!(
            b,
            B::FsPathName
                | B::FsPathNameraw
                | B::FsPathSource
                | B::FsPathSourceraw
                | B::FsPathTarget
                | B::FsPathTargetraw
        ) {
            return fs_path(self, b, opts, scratch);
        }
        let t = self.thread()?;
        let insp = self.inspector();
        // Looked up only by the fields that read it (most events are about non-main threads).
        let main = || self.main_thread();
        let users = insp.users();
        let v = match b {
            B::ProcPid => Value::I64(t.pid),
            B::ProcExe => Value::Bytes(&t.exe),
            B::ProcName => Value::Bytes(&t.comm),
            B::ProcExepath => Value::Bytes(&t.exepath),
            B::ProcArgs => {
                join_args(scratch, None, t);
                Value::Str(scratch.as_str())
            }
            B::ProcCmdline => {
                join_args(scratch, Some(&t.comm), t);
                Value::Str(scratch.as_str())
            }
            B::ProcExeline => {
                // libsinsp writes the space after exe even without arguments.
                let _ = write_lossy(scratch, &t.exe);
                scratch.push(' ');
                join_args(scratch, None, t);
                Value::Str(scratch.as_str())
            }
            // libsinsp 0.25 answers `./` for a thread without a main thread.
            B::ProcCwd if opts.flavor == Flavor::Libsinsp025 && main().is_none() => {
                Value::Str("./")
            }
            B::ProcCwd => Value::Bytes(EventCtx::cwd(self)?),
            // libsinsp 0.25: the parent process's pid, when the parent is known.
            B::ProcPpid if opts.flavor == Flavor::Libsinsp025 => {
                Value::I64(self.ancestor(t, 1)?.pid)
            }
            B::ProcPpid => Value::I64(main()?.ptid),
            B::ProcPname => Value::Bytes(&self.parent(t)?.comm),
            B::ProcPcmdline => {
                let p = self.parent(t)?;
                join_args(scratch, Some(&p.comm), p);
                Value::Str(scratch.as_str())
            }
            // libsinsp 0.25: without an index, every ancestor's name, nearest first.
            B::ProcAname if arg.is_none() && opts.flavor == Flavor::Libsinsp025 => {
                let m = main()?;
                self.each_ancestor(m, |a| {
                    if !scratch.is_empty() {
                        scratch.push(' ');
                    }
                    let _ = write_lossy(scratch, &a.comm);
                    true
                });
                if scratch.is_empty() {
                    return None;
                }
                Value::Str(scratch.as_str())
            }
            B::ProcApid | B::ProcAname => {
                let mut a = main()?;
                let n = match arg {
                    Some(Arg::Index(n)) => *n,
                    _ => 0,
                };
                for _ in 0..n {
                    a = self.parent(a)?;
                }
                match b {
                    B::ProcApid => Value::I64(a.pid),
                    _ => Value::Bytes(&a.comm),
                }
            }
            B::ProcLoginshellid => {
                let mut found = None;
                let mut a = main();
                let mut steps = 0;
                while let Some(p) = a {
                    if p.comm.ends_with(b"sh") {
                        found = Some(p.pid);
                    }
                    a = self.parent(p);
                    steps += 1;
                    if steps > MAX_ANCESTORS {
                        break;
                    }
                }
                Value::I64(found?)
            }
            B::ProcTty => Value::U64(t.tty as u64),
            B::ProcVpid if t.vpid != -1 => Value::I64(t.vpid),
            B::ProcVpgid => Value::I64(t.vpgid),
            B::ProcSid => Value::I64(t.sid),
            // libsinsp 0.25 looks the session leader up as it does the group leader's
            // (empty when there is none).
            B::ProcSname if opts.flavor == Flavor::Libsinsp025 => {
                match self.leader_by(t, t.sid, true, |a| a.sid) {
                    Some(l) => Value::Bytes(&l.comm),
                    None => Value::Str(""),
                }
            }
            B::ProcSname => Value::Bytes(&self.session_leader(t)?.comm),
            B::ThreadIsmain => Value::Bool(t.is_main_thread()),
            // sysdig 0.29's placeholder threads had no vtid (its container-event thread, tid
            // −1, had −2).
            // libsinsp 0.25 has no vtid for a thread it made up.
            B::ThreadVtid if opts.flavor == Flavor::Libsinsp025 && t.is_invalid() => return None,
            B::ThreadVtid
                if t.vtid != -1
                    && !(opts.flavor == Flavor::Sysdig029 && t.is_invalid() && t.tid >= 0) =>
            {
                Value::I64(t.vtid)
            }
            B::UserUid => Value::U64(t.uid as u64),
            B::UserName | B::UserHomedir | B::UserShell => {
                let Some(u) = users.user(&t.container_id, t.uid) else {
                    // libsinsp 0.25 names an unknown user: root for uid 0, else `<NA>`.
                    if opts.flavor != Flavor::Libsinsp025 {
                        return None;
                    }
                    return Some(Value::Str(match (b, t.uid) {
                        (B::UserName, 0) => "root",
                        (B::UserHomedir, 0) => "/root",
                        _ => "<NA>",
                    }));
                };
                Value::Bytes(match b {
                    B::UserName => &u.name,
                    B::UserHomedir => &u.homedir,
                    _ => &u.shell,
                })
            }
            B::UserLoginuid => Value::I64(t.loginuid as i32 as i64),
            B::UserLoginname => match users.user(&t.container_id, t.loginuid) {
                Some(u) => Value::Bytes(&u.name),
                None if opts.flavor == Flavor::Libsinsp025 => {
                    Value::Str(if t.loginuid == 0 { "root" } else { "<NA>" })
                }
                None => return None,
            },
            // sysdig 0.29 typed group.gid as 64 bits and read the thread's 32-bit gid with
            // the 4 bytes after it: the low half of its count of live child threads.
            B::GroupGid if opts.flavor == Flavor::Sysdig029 => {
                let children = other_threads(self, t);
                Value::U64(t.gid as u64 | (children & 0xffff_ffff) << 32)
            }
            B::GroupGid => Value::U64(t.gid as u64),
            B::GroupName => match users.group(&t.container_id, t.gid) {
                Some(g) => Value::Bytes(&g.name),
                None if opts.flavor == Flavor::Libsinsp025 => {
                    Value::Str(if t.gid == 0 { "root" } else { "<NA>" })
                }
                None => return None,
            },
            B::ProcPexe => Value::Bytes(&self.ancestor(t, 1)?.exe),
            B::ProcPexepath => Value::Bytes(&self.ancestor(t, 1)?.exepath),
            B::ProcAexe | B::ProcAexepath => {
                let exe = b == B::ProcAexe;
                let pick = |a: &'s ThreadInfo| if exe { &a.exe } else { &a.exepath };
                match arg {
                    Some(&Arg::Index(n)) if n >= 0 => Value::Bytes(pick(self.ancestor(t, n)?)),
                    // No index (or −1): every ancestor's, space-separated.
                    None | Some(Arg::Index(-1)) => {
                        let main = self.inspector().main_thread(t)?;
                        self.each_ancestor(main, |a| {
                            if !scratch.is_empty() {
                                scratch.push(' ');
                            }
                            let _ = write_lossy(scratch, pick(a));
                            true
                        });
                        if scratch.is_empty() {
                            return None;
                        }
                        Value::Str(scratch.as_str())
                    }
                    _ => return None,
                }
            }
            B::ProcVpgidName | B::ProcVpgidExe | B::ProcVpgidExepath => {
                // libsinsp answers an empty name when there is no leader.
                let Some(l) = self.group_leader(t) else {
                    return Some(Value::Str(""));
                };
                Value::Bytes(match b {
                    B::ProcVpgidName => &l.comm,
                    B::ProcVpgidExe => &l.exe,
                    _ => &l.exepath,
                })
            }
            B::ProcIsVpgidLeader => Value::Bool(t.vpgid == t.vpid),
            B::ProcIsContainerHealthcheck => {
                Value::Bool(t.category == strata_sinsp::threads::category::HEALTHCHECK)
            }
            B::ProcIsExeWritable => Value::Bool(t.exe_writable),
            B::ProcIsExeUpperLayer => Value::Bool(t.exe_upper_layer),
            B::ProcIsExeLowerLayer => Value::Bool(t.exe_lower_layer),
            B::ProcIsExeFromMemfd => Value::Bool(t.exe_from_memfd),
            // 0 is libsinsp's "unknown" for the inode and its times.
            B::ProcExeIno if t.exe_ino != 0 => Value::I64(t.exe_ino as i64),
            B::ProcExeInoCtime if t.exe_ino_ctime != 0 => Value::AbsTime(t.exe_ino_ctime),
            B::ProcExeInoMtime if t.exe_ino_mtime != 0 => Value::AbsTime(t.exe_ino_mtime),
            B::ProcExeInoCtimeDurationProcStart if t.exe_ino_ctime_duration_clone_ts != 0 => {
                Value::AbsTime(t.exe_ino_ctime_duration_clone_ts)
            }
            B::ThreadCapPermitted | B::ThreadCapInheritable | B::ThreadCapEffective => {
                let caps = match b {
                    B::ThreadCapPermitted => t.cap_permitted,
                    B::ThreadCapInheritable => t.cap_inheritable,
                    _ => t.cap_effective,
                };
                write_caps(scratch, caps);
                Value::Str(scratch.as_str())
            }
            B::ProcExeIno
            | B::ProcExeInoCtime
            | B::ProcExeInoMtime
            | B::ProcExeInoCtimeDurationProcStart => return None,
            // 0 is libsinsp's "not read".
            B::ContainerStartTs if t.pidns_init_start_ts != 0 && !t.container_id.is_empty() => {
                Value::AbsTime(t.pidns_init_start_ts)
            }
            B::ContainerStartTs => return None,
            B::ProcEnv => {
                // The process's environment is its main thread's.
                let m = if t.is_main_thread() {
                    t
                } else {
                    main().unwrap_or(t)
                };
                join_env(scratch, &m.env_raw);
                Value::Str(scratch.as_str())
            }
            // libsinsp counts a process's other threads on its main thread only.
            // libsinsp 0.25 counts the live threads of the thread group: all of them, or
            // those other than a live leader.
            B::ProcNthreads | B::ProcNchilds if opts.flavor == Flavor::Libsinsp025 => {
                // A thread made up for an unknown tid belongs to no group.
                if t.pid < 0 {
                    return Some(Value::U64(0));
                }
                let all = self.inspector().threads().threads_of(t.pid) as u64;
                let leader_alive = main().is_some_and(|m| m.tid == t.pid && !m.is_dead());
                let dead_leader = main().is_some_and(|m| m.tid == t.pid && m.is_dead());
                // A thread is dead from its procexit on, though it leaves the table only at
                // the next event; only the event's own thread can be such a one.
                let dead_self = t.tid != t.pid && t.is_dead();
                let alive = all.saturating_sub(u64::from(dead_leader) + u64::from(dead_self));
                Value::U64(if b == B::ProcNchilds && leader_alive {
                    alive.saturating_sub(1)
                } else {
                    alive
                })
            }
            B::ProcNchilds => Value::U64(other_threads(self, t)),
            B::ProcNthreads => Value::U64(other_threads(self, main()?) + 1),
            B::ProcDuration if t.clone_ts != 0 => {
                Value::RelTime(self.event().ts.wrapping_sub(t.clone_ts))
            }
            B::ProcDuration => return None,
            // libsinsp 0.25 counts 0 fds and a limit of 0 without a main thread.
            B::ProcFdopencount | B::ProcFdlimit | B::ProcFdusage
                if opts.flavor == Flavor::Libsinsp025 && main().is_none() =>
            {
                match b {
                    B::ProcFdopencount => Value::U64(0),
                    B::ProcFdlimit => Value::I64(0),
                    _ => Value::Double(0.0),
                }
            }
            B::ProcFdopencount => Value::U64(open_fds(self, t)),
            B::ProcFdlimit => Value::I64(main().map_or(t.fdlimit, |m| m.fdlimit)),
            B::ProcFdusage => {
                let limit = main().map_or(t.fdlimit, |m| m.fdlimit);
                let open = open_fds(self, t);
                Value::Double(match limit {
                    ..=0 => 0.0,
                    l if open > l as u64 => 100.0,
                    l => open as f64 * 100.0 / l as f64,
                })
            }
            B::ProcVmsize => Value::U64(t.vmsize_kb as u64),
            B::ProcVmrss => Value::U64(t.vmrss_kb as u64),
            B::ProcVmswap => Value::U64(t.vmswap_kb as u64),
            B::ThreadVmsize => Value::U64(if t.is_main_thread() {
                t.vmsize_kb as u64
            } else {
                0
            }),
            B::ThreadVmrss => Value::U64(if t.is_main_thread() {
                t.vmrss_kb as u64
            } else {
                0
            }),
            B::ThreadPfmajor => Value::U64(t.pfmajor),
            B::ThreadPfminor => Value::U64(t.pfminor),
            B::ThreadCgroups => {
                for ([a, b], path) in cgroups(&t.cgroups_raw) {
                    if !scratch.is_empty() {
                        scratch.push(' ');
                    }
                    let _ = write_lossy(scratch, a);
                    let _ = write_lossy(scratch, b);
                    scratch.push('=');
                    let _ = write_lossy(scratch, path);
                }
                if scratch.is_empty() {
                    return None;
                }
                Value::Str(scratch.as_str())
            }
            B::ThreadCgroup => {
                let want = arg.and_then(Arg::name)?.as_bytes();
                let (_, path) = cgroups(&t.cgroups_raw).find(|([a, b], _)| {
                    want.len() == a.len() + b.len() && want.starts_with(a) && want.ends_with(b)
                })?;
                Value::Bytes(path)
            }
            B::ProcPidTs if t.clone_ts != 0 => Value::RelTime(t.clone_ts),
            B::ProcPidTs => return None,
            B::ProcPidnsInitStartTs if t.pidns_init_start_ts != 0 => {
                Value::U64(t.pidns_init_start_ts)
            }
            B::ProcPidnsInitStartTs => return None,
            B::ProcPpidTs => Value::RelTime(self.parent(t)?.clone_ts),
            B::ProcPpidDuration => {
                let p = self.ancestor(t, 1)?;
                if p.clone_ts != 0 {
                    Value::RelTime(self.event().ts.wrapping_sub(p.clone_ts))
                } else {
                    // libsinsp 0.25 falls through to proc.fdopencount here.
                    Value::U64(if main().is_none() {
                        0
                    } else {
                        open_fds(self, t)
                    })
                }
            }
            B::ProcIsSidLeader => Value::Bool(t.sid == t.vpid),
            B::ProcIsPgidLeader => Value::Bool(t.pgid == t.pid),
            B::ProcPgid => Value::I64(t.pgid),
            B::ProcPgidName
            | B::ProcPgidExe
            | B::ProcPgidExepath
            | B::ProcSidExe
            | B::ProcSidExepath => {
                let leader = match b {
                    B::ProcSidExe | B::ProcSidExepath => self.leader_by(t, t.sid, true, |a| a.sid),
                    _ => self.leader_by(t, t.pgid, false, |a| a.pgid),
                };
                let Some(l) = leader else {
                    return Some(Value::Str(""));
                };
                Value::Bytes(match b {
                    B::ProcPgidName => &l.comm,
                    B::ProcPgidExe | B::ProcSidExe => &l.exe,
                    _ => &l.exepath,
                })
            }
            B::ThreadNametid => {
                use std::fmt::Write as _;
                let _ = write_lossy(scratch, &t.comm);
                let _ = write!(scratch, "{}", self.event().tid as i64);
                Value::Str(scratch.as_str())
            }
            B::ProcCmdnargs => Value::U64(t.args().count() as u64),
            B::ProcCmdlenargs => Value::U64(t.args().map(|a| a.len() as u64).sum()),
            B::ProcPvpid => Value::I64(self.parent(t)?.vpid),
            // proc.aenv: without index (or [0]) the process's own environment; [N] the
            // environment of the thread N parents up.
            B::ProcAenv => {
                let n = match arg {
                    Some(&Arg::Index(n)) if n > 0 => n,
                    _ => 0,
                };
                let mut a = if t.is_main_thread() {
                    t
                } else {
                    main().unwrap_or(t)
                };
                for _ in 0..n {
                    a = self.parent(a)?;
                }
                let a = if a.is_main_thread() {
                    a
                } else {
                    self.inspector().main_thread(a).unwrap_or(a)
                };
                join_env(scratch, &a.env_raw);
                Value::Str(scratch.as_str())
            }
            B::ProcAargs | B::ProcAcmdline => {
                let write = |out: &mut String, a: &ThreadInfo| match b {
                    B::ProcAargs => join_args(out, None, a),
                    _ => join_args(out, Some(&a.comm), a),
                };
                match arg {
                    Some(&Arg::Index(n)) if n >= 0 => write(scratch, self.ancestor(t, n)?),
                    None | Some(Arg::Index(-1)) => {
                        let m = main()?;
                        self.each_ancestor(m, |a| {
                            if !scratch.is_empty() {
                                scratch.push(' ');
                            }
                            write(scratch, a);
                            true
                        });
                        if scratch.is_empty() {
                            return None;
                        }
                    }
                    _ => return None,
                }
                Value::Str(scratch.as_str())
            }
            B::ThreadVmsizeB | B::ThreadVmrssB => {
                let kb = if b == B::ThreadVmsizeB {
                    t.vmsize_kb
                } else {
                    t.vmrss_kb
                };
                Value::U64(if t.is_main_thread() {
                    kb as u64 * 1024
                } else {
                    0
                })
            }
            B::ProcStdinType
            | B::ProcStdoutType
            | B::ProcStderrType
            | B::ProcStdinName
            | B::ProcStdoutName
            | B::ProcStderrName => {
                let fd = match b {
                    B::ProcStdinType | B::ProcStdinName => 0,
                    B::ProcStdoutType | B::ProcStdoutName => 1,
                    _ => 2,
                };
                let f = self.fd_table()?.get(fd)?;
                match b {
                    B::ProcStdinType | B::ProcStdoutType | B::ProcStderrType => {
                        Value::Str(f.ty.name())
                    }
                    _ => Value::Bytes(&f.name),
                }
            }
            B::FdlistNums
            | B::FdlistNames
            | B::FdlistCips
            | B::FdlistSips
            | B::FdlistCports
            | B::FdlistSports => return fdlist(self, b, scratch),
            B::ContainerName | B::ContainerType if t.container_id.is_empty() => Value::Str("host"),
            b @ (B::ContainerName
            | B::ContainerType
            | B::ContainerImage
            | B::ContainerImageId
            | B::ContainerImageRepository
            | B::ContainerImageTag
            | B::ContainerImageDigest
            | B::ContainerPrivileged
            | B::ContainerMounts
            | B::ContainerMount
            | B::ContainerMountSource
            | B::ContainerMountDest
            | B::ContainerMountMode
            | B::ContainerMountRdwr
            | B::ContainerMountPropagation
            | B::ContainerHealthcheck
            | B::ContainerLivenessProbe
            | B::ContainerReadinessProbe) => {
                if t.container_id.is_empty() {
                    return None;
                }
                return container_field(b, arg, t, insp.containers(), scratch);
            }
            B::ContainerId => match t.container_id.as_slice() {
                b"" => Value::Str("host"),
                id => Value::Bytes(id),
            },
            _ => return self.fd_field(b, opts, scratch),
        };
        Some(v)
    }
}

/// Parent chains longer than this are taken as loops.
const MAX_ANCESTORS: usize = 1024;

/// Linux's capabilities by bit, as `thread.cap_*` name them.
const CAPABILITIES: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// The names of the capabilities set in `caps`, space-separated, lowest bit first (bits
/// past the last known capability are not named).
fn write_caps(out: &mut String, caps: u64) {
    for (bit, name) in CAPABILITIES.iter().enumerate() {
        if caps & 1 << bit != 0 {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(name);
        }
    }
}

/// `s` with each run of `/` made one (libsinsp's light clean-up of raw paths).
fn squeeze_slashes(s: &mut String) {
    let mut prev_slash = false;
    s.retain(|c| {
        let keep = !(prev_slash && c == '/');
        prev_slash = c == '/';
        keep
    });
}

/// The `fdlist.*` fields of poll and ppoll: one entry per fd of the call's list, from the
/// thread's fd table, comma-separated (entries an fd cannot give are left out, except names,
/// `<NA>` when unknown). As in libsinsp, an IPv6 server socket's address is printed from its
/// first four bytes as if it were IPv4.
fn fdlist<'s>(ctx: &'s EventCtx<'_>, b: B, out: &'s mut String) -> Option<Value<'s>> {
    use std::fmt::Write as _;
    let ev = *EventCtx::event(ctx);
    if !matches!(ev.name(), "poll" | "ppoll") {
        return None;
    }
    let i = match ev.direction() {
        Direction::Enter => 0,
        Direction::Exit => 1,
    };
    let Some(Ok(ParamValue::FdList(list))) = ev.param(i) else {
        return None;
    };
    let table = ctx.fd_table();
    for (fd, _) in list.iter() {
        let f = table.and_then(|t| t.get(fd));
        match b {
            B::FdlistNums => {
                let _ = write!(out, "{fd}");
            }
            B::FdlistNames => match f {
                Some(f) if !f.name.is_empty() => {
                    let _ = write_lossy(out, &f.name);
                }
                _ => out.push_str("<NA>"),
            },
            _ => {
                let Some(f) = f else { continue };
                let _ = match (b, f.ty, f.sock) {
                    (B::FdlistCips, FdType::Ipv4Sock, SockInfo::V4 { sip, .. }) => {
                        write!(out, "{sip}")
                    }
                    (B::FdlistCips, FdType::Ipv6Sock, SockInfo::V6 { sip, .. }) => {
                        write!(out, "{}", strata_scap::param::Ipv6Text(sip))
                    }
                    (B::FdlistSips, FdType::Ipv4Sock, SockInfo::V4 { dip, .. }) => {
                        write!(out, "{dip}")
                    }
                    (B::FdlistSips, FdType::Ipv6Sock, SockInfo::V6 { dip, .. }) => {
                        write!(out, "{}", strata_scap::param::Ipv6Text(dip))
                    }
                    (B::FdlistSips, FdType::Ipv4ServSock, SockInfo::V4Server { ip, .. }) => {
                        write!(out, "{ip}")
                    }
                    (B::FdlistSips, FdType::Ipv6ServSock, SockInfo::V6Server { ip, .. }) => {
                        let o = ip.octets();
                        write!(out, "{}", std::net::Ipv4Addr::new(o[0], o[1], o[2], o[3]))
                    }
                    (
                        B::FdlistCports,
                        FdType::Ipv4Sock | FdType::Ipv6Sock,
                        SockInfo::V4 { sport, .. } | SockInfo::V6 { sport, .. },
                    ) => write!(out, "{sport}"),
                    (
                        B::FdlistSports,
                        FdType::Ipv4Sock | FdType::Ipv6Sock,
                        SockInfo::V4 { dport, .. } | SockInfo::V6 { dport, .. },
                    ) => write!(out, "{dport}"),
                    // A socket libsinsp knows nothing of has a zeroed tuple.
                    (B::FdlistCips | B::FdlistSips, FdType::Ipv4Sock | FdType::Ipv4ServSock, _)
                    | (B::FdlistSips, FdType::Ipv6ServSock, _) => write!(out, "0.0.0.0"),
                    (B::FdlistCips | B::FdlistSips, FdType::Ipv6Sock, _) => write!(out, "::"),
                    (B::FdlistCports | B::FdlistSports, FdType::Ipv4Sock | FdType::Ipv6Sock, _) => {
                        write!(out, "0")
                    }
                    _ => continue,
                };
            }
        }
        out.push(',');
    }
    if out.ends_with(',') {
        out.pop();
    }
    if out.is_empty() {
        return None;
    }
    Some(Value::Str(out.as_str()))
}

/// A `container.*` field of a thread in a container. A container the capture never
/// described is one libsinsp made from the thread's cgroups: an id and a type, no metadata.
fn container_field<'s>(
    b: B,
    arg: Option<&Arg>,
    t: &ThreadInfo,
    table: &'s strata_sinsp::containers::ContainerTable,
    scratch: &'s mut String,
) -> Option<Value<'s>> {
    use std::fmt::Write as _;
    use strata_sinsp::containers::{ContainerInfo, ProbeKind};
    let implicit;
    let c: &ContainerInfo = match table.get(&t.container_id) {
        Some(c) => c,
        None => {
            let mut c = ContainerInfo::default();
            c.kind = strata_sinsp::threads::container_kind_of_cgroups(&t.cgroups_raw).unwrap_or(0);
            implicit = c;
            &implicit
        }
    };
    let text = |s: &str| -> Option<()> { (!s.is_empty()).then_some(()) };
    // Borrowing from `implicit` would not outlive the call, so text goes to scratch.
    let v = match b {
        B::ContainerName => {
            text(&c.name)?;
            scratch.push_str(&c.name);
            Value::Str(scratch.as_str())
        }
        B::ContainerImage
        | B::ContainerImageId
        | B::ContainerImageRepository
        | B::ContainerImageTag
        | B::ContainerImageDigest => {
            let s = match b {
                B::ContainerImage => &c.image,
                B::ContainerImageId => &c.image_id,
                B::ContainerImageRepository => &c.image_repo,
                B::ContainerImageTag => &c.image_tag,
                _ => &c.image_digest,
            };
            text(s)?;
            scratch.push_str(s);
            Value::Str(scratch.as_str())
        }
        B::ContainerType => Value::Str(match c.kind {
            0 => "docker",
            1 => "lxc",
            2 => "libvirt-lxc",
            3 => "mesos",
            4 => "rkt",
            6 => "cri",
            7 => "containerd",
            8 => "cri-o",
            9 => "bpm",
            // libsinsp names no other type (custom, static, podman).
            _ => return None,
        }),
        // Known only for the runtimes that report it (docker and the CRI ones, podman).
        B::ContainerPrivileged if matches!(c.kind, 0 | 6 | 7 | 8 | 11) => Value::Bool(c.privileged),
        B::ContainerPrivileged => return None,
        B::ContainerMounts => {
            for (i, m) in c.mounts.iter().enumerate() {
                if i > 0 {
                    scratch.push(',');
                }
                let _ = write!(scratch, "{m}");
            }
            Value::Str(scratch.as_str())
        }
        B::ContainerMount
        | B::ContainerMountSource
        | B::ContainerMountDest
        | B::ContainerMountMode
        | B::ContainerMountRdwr
        | B::ContainerMountPropagation => {
            // By index, or the first mount whose source (for `.source`, destination)
            // matches the glob.
            let m = match arg? {
                Arg::Index(i) => c.mounts.get(usize::try_from(*i).ok()?)?,
                Arg::Name(glob) => c.mounts.iter().find(|m| {
                    let path = if b == B::ContainerMountSource {
                        &m.dest
                    } else {
                        &m.source
                    };
                    strata_filter::glob_match(glob.as_bytes(), path.as_bytes())
                })?,
            };
            match b {
                B::ContainerMount => {
                    let _ = write!(scratch, "{m}");
                }
                B::ContainerMountSource => scratch.push_str(&m.source),
                B::ContainerMountDest => scratch.push_str(&m.dest),
                B::ContainerMountMode => scratch.push_str(&m.mode),
                B::ContainerMountRdwr => scratch.push_str(if m.rdwr { "true" } else { "false" }),
                _ => scratch.push_str(&m.propagation),
            }
            Value::Str(scratch.as_str())
        }
        _ => {
            let kind = match b {
                B::ContainerHealthcheck => ProbeKind::Healthcheck,
                B::ContainerLivenessProbe => ProbeKind::Liveness,
                _ => ProbeKind::Readiness,
            };
            match c.probe(kind) {
                Some(p) => {
                    scratch.push_str(&p.exe);
                    for a in &p.args {
                        scratch.push(' ');
                        scratch.push_str(a);
                    }
                }
                None => scratch.push_str("NONE"),
            }
            Value::Str(scratch.as_str())
        }
    };
    Some(v)
}

/// The environment entries of a raw `NAME=value\0...` block, space-separated. Like
/// libsinsp, the trailing NUL padding ends the list.
fn join_env(out: &mut String, raw: &[u8]) {
    let end = raw.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    for (i, e) in raw[..end].split(|&b| b == 0).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write_lossy(out, e);
    }
}

/// A thread's cgroups as libsinsp keeps them: each `subsys=path` split at its last `=`, the
/// first `_cgroup` in the subsystem's name erased and the kernel's short names (`perf`,
/// `mem`, `io`) given their usual ones. The subsystem comes in two parts (what was before and
/// after the erased text).
fn cgroups(raw: &[u8]) -> impl Iterator<Item = ([&[u8]; 2], &[u8])> {
    strata_sinsp::threads::NulList::new(raw).map_while(|e| {
        let eq = e.iter().rposition(|&b| b == b'=')?;
        let (subsys, path) = (&e[..eq], &e[eq + 1..]);
        let parts: [&[u8]; 2] = match subsys.windows(7).position(|w| w == b"_cgroup") {
            Some(at) => [&subsys[..at], &subsys[at + 7..]],
            None => [subsys, b""],
        };
        let parts: [&[u8]; 2] = match parts {
            [b"perf", b""] => [b"perf_event", b""],
            [b"mem", b""] => [b"memory", b""],
            [b"io", b""] => [b"blkio", b""],
            p => p,
        };
        Some((parts, path))
    })
}

/// libsinsp's `m_nchilds`: the other threads of `t`'s process, counted on its main thread
/// (the thread whose tid is the pid) and 0 on the others.
fn other_threads(ctx: &EventCtx<'_>, t: &ThreadInfo) -> u64 {
    if t.tid != t.pid {
        return 0;
    }
    ctx.inspector()
        .threads()
        .threads_of(t.pid)
        .saturating_sub(1) as u64
}

/// The fds open in `t`'s process (its main thread's table).
fn open_fds(ctx: &EventCtx<'_>, t: &ThreadInfo) -> u64 {
    let insp = ctx.inspector();
    let m = insp.main_thread(t).unwrap_or(t);
    insp.fd_table(m).len() as u64
}

/// `prefix arg1 arg2 ...` (or the arguments alone), space-separated: the arguments' raw
/// list with its separators as spaces, checked as UTF-8 once rather than argument by argument.
fn join_args(out: &mut String, prefix: Option<&[u8]>, t: &ThreadInfo) {
    if let Some(p) = prefix {
        let _ = write_lossy(out, p);
    }
    let raw = &t.args_raw[..];
    if raw.is_empty() {
        return;
    }
    if prefix.is_some() {
        out.push(' ');
    }
    // The final NUL ends the last argument; any other separates two (`a\0\0` is `a` and an
    // empty one), as `ThreadInfo::args` lists them.
    let raw = raw.strip_suffix(b"\0").unwrap_or(raw);
    // Copied whole, each NUL made a space, then checked once: a space for a NUL changes
    // nothing of whether the bytes are UTF-8.
    let start = out.len();
    let mut bytes = std::mem::take(out).into_bytes();
    bytes.extend_from_slice(raw);
    for b in &mut bytes[start..] {
        if *b == 0 {
            *b = b' ';
        }
    }
    match String::from_utf8(bytes) {
        Ok(text) => *out = text,
        Err(e) => {
            // Not UTF-8: argument by argument, each made valid, after what was there before.
            let mut before = e.into_bytes();
            before.truncate(start);
            *out = String::from_utf8(before)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
            for (i, a) in raw.split(|&b| b == 0).enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                let _ = write_lossy(out, a);
            }
        }
    }
}

fn fd_view(f: &FdInfo) -> FdView<'_> {
    let v = FdView::new(f.typechar() as u8, f.ty.name(), &f.name);
    let ip = matches!(
        f.ty,
        FdType::Ipv4Sock | FdType::Ipv6Sock | FdType::Ipv4ServSock | FdType::Ipv6ServSock
    );
    // libsinsp's get_l4proto: a connection socket with no role yet (neither client nor
    // server) has no layer-4 protocol, unless it is raw.
    let no_role = matches!(f.ty, FdType::Ipv4Sock | FdType::Ipv6Sock)
        && !f.is_client()
        && !f.is_server()
        && f.l4proto != l4::RAW;
    if no_role {
        return v;
    }
    match f.l4proto {
        l4::TCP if ip => v.with_l4(b't'),
        l4::UDP if ip => v.with_l4(b'u'),
        l4::ICMP if ip => v.with_l4(b'i'),
        l4::RAW if ip => v.with_l4(b'r'),
        _ => v,
    }
}

/// Helpers over the context's thread and fd.
trait CtxExt<'a> {
    fn parent(&self, t: &ThreadInfo) -> Option<&'a ThreadInfo>;
    /// The `n`th ancestor process of `t` (0: its own process), hopping from main thread to
    /// main thread, as libsinsp's `get_ancestor_process` does.
    fn ancestor(&self, t: &'a ThreadInfo, n: i64) -> Option<&'a ThreadInfo>;
    /// Calls `visit` on each ancestor of `t` by parent thread id, nearest first, until it
    /// returns false, the chain ends, or it loops (libsinsp's `traverse_parent_state`).
    fn each_ancestor(&self, t: &ThreadInfo, visit: impl FnMut(&'a ThreadInfo) -> bool);
    /// The leader of `t`'s process group in its pid namespace (`proc.vpgid.*`).
    fn group_leader(&self, t: &'a ThreadInfo) -> Option<&'a ThreadInfo>;
    /// libsinsp 0.25's leader of the set of threads sharing `key` = `id` (a process group,
    /// a session): the thread `id` unless in a pid namespace, else the farthest ancestor
    /// still in the set.
    fn leader_by(
        &self,
        t: &'a ThreadInfo,
        id: i64,
        virtual_id: bool,
        key: impl Fn(&ThreadInfo) -> i64,
    ) -> Option<&'a ThreadInfo>;
    fn session_leader(&self, t: &'a ThreadInfo) -> Option<&'a ThreadInfo>;
    /// Whether an IPv4 address is this machine's (see the implementation).
    fn is_local_v4(&self, addr: std::net::Ipv4Addr, opts: &RenderOptions) -> bool;
    /// Whether an IPv6 address is this machine's.
    fn is_local_v6(&self, addr: std::net::Ipv6Addr) -> bool;

    fn fd_field<'s>(
        &'s self,
        b: B,
        opts: &RenderOptions,
        scratch: &'s mut String,
    ) -> Option<Value<'s>>;
}

impl<'a> CtxExt<'a> for EventCtx<'a> {
    /// The parent thread (by `ptid`), as libsinsp looks it up: without creating one.
    fn parent(&self, t: &ThreadInfo) -> Option<&'a ThreadInfo> {
        self.inspector().thread(t.ptid)
    }

    fn ancestor(&self, t: &'a ThreadInfo, n: i64) -> Option<&'a ThreadInfo> {
        let insp = self.inspector();
        let mut a = insp.main_thread(t)?;
        // A longer chain is a loop; libsinsp would walk it round and round.
        if n > MAX_ANCESTORS as i64 {
            return None;
        }
        for _ in 0..n {
            a = insp.main_thread(insp.thread(a.ptid)?)?;
        }
        Some(a)
    }

    fn each_ancestor(&self, t: &ThreadInfo, mut visit: impl FnMut(&'a ThreadInfo) -> bool) {
        let insp = self.inspector();
        let up = |x: Option<&'a ThreadInfo>| x.and_then(|x| insp.thread(x.ptid));
        // Floyd's two pointers: `fast` meeting `slow` (or a thread its own parent) is a loop.
        let mut slow = insp.thread(t.ptid);
        let mut fast = up(slow);
        while let Some(s) = slow.filter(|s| s.tid != -1) {
            if !visit(s) {
                return;
            }
            slow = up(slow);
            for _ in 0..2 {
                fast = up(fast);
                if let Some(s) = slow {
                    if fast.is_some_and(|f| f.tid == s.tid) || s.tid == s.ptid {
                        return;
                    }
                }
            }
        }
    }

    /// The thread whose tid is the vpgid (when `t` is not in a pid namespace, where tids are
    /// vpgids), else the eldest of the unbroken line of ancestors with `t`'s vpgid.
    fn group_leader(&self, t: &'a ThreadInfo) -> Option<&'a ThreadInfo> {
        self.leader_by(t, t.vpgid, true, |a| a.vpgid)
    }

    fn leader_by(
        &self,
        t: &'a ThreadInfo,
        id: i64,
        virtual_id: bool,
        key: impl Fn(&ThreadInfo) -> i64,
    ) -> Option<&'a ThreadInfo> {
        if id == -1 {
            return None;
        }
        let in_pidns = t.flags & CHILD_IN_PIDNS != 0 || (t.tid != t.vtid && t.vtid >= 0);
        if !virtual_id || !in_pidns {
            if let Some(l) = self.inspector().thread(id) {
                return Some(l);
            }
        }
        let mut leader = None;
        self.each_ancestor(t, |a| {
            if key(a) != id {
                return false;
            }
            leader = Some(a);
            true
        });
        leader
    }

    /// The session leader: the thread whose tid is the session id, else the oldest ancestor
    /// still in the session.
    fn session_leader(&self, t: &'a ThreadInfo) -> Option<&'a ThreadInfo> {
        if let Some(l) = self.inspector().thread(t.sid) {
            return Some(l);
        }
        let mut leader = self.inspector().main_thread(t)?;
        let sid = leader.sid;
        let mut steps = 0;
        while let Some(p) = self.parent(leader) {
            if p.sid != sid || steps > MAX_ANCESTORS {
                break;
            }
            leader = p;
            steps += 1;
        }
        Some(leader)
    }

    /// Whether an IPv4 address is this machine's: an interface's, or for sysdig 0.29 also
    /// the address of the thread's container (or of any container when it has none).
    fn is_local_v4(&self, addr: std::net::Ipv4Addr, opts: &RenderOptions) -> bool {
        let in_container = opts.flavor == Flavor::Sysdig029
            && self.thread().is_some_and(|t| {
                !t.container_id.is_empty()
                    && self
                        .inspector()
                        .containers()
                        .is_local_ipv4(&t.container_id, addr)
            });
        in_container
            || self
                .inspector()
                .interfaces()
                .iter()
                .any(|i| matches!(i.addr, InterfaceAddr::V4 { addr: a, .. } if a == addr))
    }

    /// Whether an IPv6 address is in the /64 of one of this machine's (never inside a
    /// container).
    fn is_local_v6(&self, addr: std::net::Ipv6Addr) -> bool {
        self.thread().is_some_and(|t| t.container_id.is_empty())
            && self.inspector().interfaces().iter().any(|i| {
                matches!(i.addr, InterfaceAddr::V6 { addr: a, .. }
                    if a.octets()[..8] == addr.octets()[..8])
            })
    }

    fn fd_field<'s>(
        &'s self,
        b: B,
        opts: &RenderOptions,
        scratch: &'s mut String,
    ) -> Option<Value<'s>> {
        let ev = EventCtx::event(self);
        let n = self.fd_num()?;
        match b {
            B::FdNum => return Some(Value::I64(n)),
            // The thread id and the fd number, as one text; none for the JSON container
            // events.
            B::FdUid => {
                if ev.name() == "container" && ev.nparams() == 1 {
                    return None;
                }
                use std::fmt::Write as _;
                let _ = write!(scratch, "{}{n}", self.thread()?.tid);
                return Some(Value::Str(scratch.as_str()));
            }
            // `fd.name` and `fd.directory` after the thread's container id and a colon.
            B::FdContainername | B::FdContainerdirectory => {
                let inner = if b == B::FdContainername {
                    B::FdName
                } else {
                    B::FdDirectory
                };
                let mut tmp = String::new();
                let v = self.fd_field(inner, opts, &mut tmp)?;
                // libsinsp 0.25 keeps container ids in a plugin, not on threads: empty.
                if opts.flavor != Flavor::Libsinsp025 {
                    let _ = write_lossy(scratch, &self.thread()?.container_id);
                }
                scratch.push(':');
                use std::fmt::Write as _;
                let _ = write!(scratch, "{v}");
                return Some(Value::Str(scratch.as_str()));
            }
            _ => {}
        }
        let flavor = opts.flavor;
        let Some(f) = self.fd() else {
            return match b {
                B::FdName => null_name(self, opts, scratch),
                // libsinsp cuts the name the event gives to its directory ("/" when none),
                // sysdig 0.29 after leaving out what is not printable.
                B::FdDirectory => {
                    null_name(self, opts, &mut *scratch)?;
                    if flavor == Flavor::Sysdig029 {
                        scratch.retain(|c| c.is_ascii() && is_printable(c as u8));
                    }
                    match scratch.rfind('/') {
                        Some(pos) if pos != 0 => {
                            if pos < scratch.len() - 1 {
                                scratch.truncate(pos);
                            }
                        }
                        _ => {
                            scratch.clear();
                            scratch.push('/');
                        }
                    }
                    Some(Value::Str(scratch.as_str()))
                }
                B::FdTypechar => {
                    scratch.push(null_fd_typechar(ev, flavor));
                    Some(Value::Str(scratch.as_str()))
                }
                B::FdNameraw => {
                    null_name_raw(self, opts, &mut *scratch)?;
                    squeeze_slashes(scratch);
                    Some(Value::Str(scratch.as_str()))
                }
                _ => None,
            };
        };
        let text = |name: &'s [u8]| fd_name_value(name, flavor);
        let sanitized = flavor == Flavor::Sysdig029;
        let is_file = matches!(f.ty, FdType::File | FdType::FileV2);
        let v = match b {
            B::FdName => {
                if failed_connect(ev, flavor) {
                    return null_name(self, opts, scratch);
                }
                text(&f.name)
            }
            B::FdTypechar => {
                scratch.push(f.typechar());
                Value::Str(scratch.as_str())
            }
            B::FdType => Value::Str(f.ty.name()),
            B::FdNameraw => {
                let raw = f.raw_name();
                if !raw.windows(2).any(|w| w == b"//") {
                    return Some(Value::Bytes(raw));
                }
                let _ = write_lossy(scratch, raw);
                squeeze_slashes(scratch);
                Value::Str(scratch.as_str())
            }
            B::FdConnected => Value::Bool(f.flags & FLAG_SOCKET_CONNECTED != 0),
            B::FdIno => Value::I64(f.ino as i64),
            B::FdNameChanged => Value::Bool(self.fd_name_changed()),
            // The device of a file opened in the capture (0 when not known).
            // Printed in hexadecimal, as libsinsp's print format for it says.
            B::FdDev => {
                use std::fmt::Write as _;
                let _ = write!(scratch, "{:X}", f.dev);
                Value::Str(scratch.as_str())
            }
            // glibc's major() and minor() of the 32-bit device number.
            B::FdDevMajor => Value::I64(((f.dev >> 8) & 0xfff) as i64),
            B::FdDevMinor => Value::I64(((f.dev & 0xff) | ((f.dev >> 12) & 0xfff00)) as i64),
            // The ports as text (libsinsp names no service unless asked to resolve them).
            B::FdCproto if f.flags & (FLAG_ROLE_CLIENT | FLAG_ROLE_SERVER) == 0 => return None,
            B::FdCproto => {
                if let SockInfo::V4 { sport, .. } | SockInfo::V6 { sport, .. } = f.sock {
                    push_u16(scratch, sport);
                }
                Value::Str(scratch.as_str())
            }
            B::FdSproto => {
                let port = match (f.ty, f.sock) {
                    (FdType::Ipv4Sock | FdType::Ipv6Sock, _)
                        if f.flags & (FLAG_ROLE_CLIENT | FLAG_ROLE_SERVER) == 0 =>
                    {
                        return None;
                    }
                    (_, SockInfo::V4 { dport, .. } | SockInfo::V6 { dport, .. }) => Some(dport),
                    (FdType::Ipv4Sock | FdType::Ipv6Sock, _) => Some(0),
                    // A server socket's port is not printed: libsinsp gives an empty text.
                    (FdType::Ipv4ServSock | FdType::Ipv6ServSock, _) => None,
                    _ => return None,
                };
                if let Some(port) = port {
                    push_u16(scratch, port);
                }
                Value::Str(scratch.as_str())
            }
            B::FdLproto | B::FdRproto => {
                let wanted = if b == B::FdLproto {
                    B::FdLport
                } else {
                    B::FdRport
                };
                let Value::Port(p) = self.fd_field(wanted, opts, &mut *scratch)? else {
                    return None;
                };
                push_u16(scratch, p);
                Value::Str(scratch.as_str())
            }
            B::FdIsUpperLayer => Value::Bool(f.is_overlay_upper()),
            B::FdIsLowerLayer => Value::Bool(f.flags & FLAG_OVERLAY_LOWER != 0),
            // A directory's own name is its directory.
            B::FdDirectory if f.ty == FdType::Directory => text(&f.name),
            B::FdDirectory if is_file => text(file_directory(&f.name, sanitized)),
            B::FdFilename if is_file => text(file_filename(&f.name, sanitized)),
            // The networks compare the address (a filter gives them a network).
            B::FdCip | B::FdCnet => match f.sock {
                SockInfo::V4 { sip, .. } => Value::Ipv4(sip),
                SockInfo::V6 { sip, .. } => Value::Ipv6(sip),
                _ => return None,
            },
            B::FdSip | B::FdSnet => match f.sock {
                SockInfo::V4 { dip, .. } => Value::Ipv4(dip),
                SockInfo::V6 { dip, .. } => Value::Ipv6(dip),
                SockInfo::V4Server { ip, .. } => Value::Ipv4(ip),
                SockInfo::V6Server { ip, .. } => Value::Ipv6(ip),
                _ => return None,
            },
            B::FdCport => match f.sock {
                SockInfo::V4 { sport, .. } | SockInfo::V6 { sport, .. } => Value::Port(sport),
                // sysdig 0.29 fell through from the client port into the client protocol
                // for an fd with a role that is not a connected IP socket (a bound one, a
                // unix one): an empty string read as a port, printed 0.
                _ if flavor == Flavor::Sysdig029
                    && f.flags & (FLAG_ROLE_CLIENT | FLAG_ROLE_SERVER) != 0 =>
                {
                    Value::Port(0)
                }
                _ => return None,
            },
            B::FdSport => match f.sock {
                SockInfo::V4 { dport, .. } | SockInfo::V6 { dport, .. } => Value::Port(dport),
                SockInfo::V4Server { port, .. } | SockInfo::V6Server { port, .. } => {
                    Value::Port(port)
                }
                _ => return None,
            },
            B::FdL4proto => Value::Str(match fd_view(f).l4char {
                b't' => "tcp",
                b'u' => "udp",
                b'i' => "icmp",
                b'r' => "raw",
                _ => "<NA>",
            }),
            B::FdSockfamily => match f.ty {
                FdType::Ipv4Sock
                | FdType::Ipv6Sock
                | FdType::Ipv4ServSock
                | FdType::Ipv6ServSock => Value::Str("ip"),
                FdType::UnixSock => Value::Str("unix"),
                _ => return None,
            },
            // libsinsp: a server socket, or a connection whose destination is an address of
            // this machine: an IPv4 interface address, or in the /64 subnet of an IPv6 one
            // (`::` and `::1` included through `::1`; never inside a container).
            B::FdIsServer => Value::Bool(match (f.ty, f.sock) {
                (FdType::Ipv4ServSock | FdType::Ipv6ServSock, _) => true,
                // Nothing known yet reads as the unspecified address (libsinsp's zeroed
                // tuple).
                (FdType::Ipv4Sock, sock) => {
                    let dip = match sock {
                        SockInfo::V4 { dip, .. } => dip,
                        _ => std::net::Ipv4Addr::UNSPECIFIED,
                    };
                    self.is_local_v4(dip, opts)
                }
                (FdType::Ipv6Sock, sock) => {
                    let dip = match sock {
                        SockInfo::V6 { dip, .. } => dip,
                        _ => std::net::Ipv6Addr::UNSPECIFIED,
                    };
                    self.is_local_v6(dip)
                }
                _ => false,
            }),
            // Local and remote ends of a connection with a role: the client's address is
            // this machine's (as `fd.is_server` tells it) or not.
            B::FdLip | B::FdRip | B::FdLnet | B::FdRnet | B::FdLport | B::FdRport
                if matches!(f.ty, FdType::Ipv4Sock | FdType::Ipv6Sock)
                    && f.flags & (FLAG_ROLE_CLIENT | FLAG_ROLE_SERVER) != 0 =>
            {
                let ends = StateView::fd_ends(self)?;
                let client_local = match ends.ips[0]? {
                    std::net::IpAddr::V4(a) => self.is_local_v4(a, opts),
                    std::net::IpAddr::V6(a) => self.is_local_v6(a),
                };
                let local_wanted = matches!(b, B::FdLip | B::FdLnet | B::FdLport);
                // End 0 is the client, end 1 the server.
                let end = usize::from(local_wanted != client_local);
                if matches!(b, B::FdLport | B::FdRport) {
                    Value::Port(ends.ports[end]?)
                } else {
                    match ends.ips[end]? {
                        std::net::IpAddr::V4(a) => Value::Ipv4(a),
                        std::net::IpAddr::V6(a) => Value::Ipv6(a),
                    }
                }
            }
            _ => return None,
        };
        Some(v)
    }
}

/// The `k8s.*` fields, as sysdig 0.29 answers them: the pod's name, namespace and uid from the
/// labels of the thread's container (`io.kubernetes.pod.*`) and the pod's labels from those
/// of its sandbox container when the container events give them; otherwise from the
/// Kubernetes objects of the capture's `k8s` events ([`strata_sinsp::k8s`]). Labels print
/// as `key:value` pairs (a bare key for an empty value) joined by `, `.
fn k8s_field<'s>(
    ctx: &EventCtx<'_>,
    b: B,
    arg: Option<&Arg>,
    scratch: &'s mut String,
) -> Option<Value<'s>> {
    use std::collections::BTreeMap;
    use strata_sinsp::k8s::{K8sObject, PodLink};
    let t = ctx.thread()?;
    let insp = ctx.inspector();
    let key = arg.and_then(Arg::name).unwrap_or_default();
    let join = |out: &mut String, labels: &BTreeMap<String, String>, skip_internal: bool| {
        let shown = labels.iter().filter(|(k, _)| {
            !(skip_internal && (k.starts_with("annotation.") || k.starts_with("io.kubernetes.")))
        });
        push_labels(out, shown);
    };
    let containers = insp.containers();
    if let Some(c) = containers
        .get(&t.container_id)
        .filter(|c| !c.labels.is_empty())
    {
        let label = |k: &str| c.labels.get(k);
        let found = match b {
            B::K8sPodName => label("io.kubernetes.pod.name").cloned(),
            B::K8sNsName => label("io.kubernetes.pod.namespace").cloned(),
            B::K8sPodId => label("io.kubernetes.pod.uid").cloned(),
            B::K8sPodLabel | B::K8sPodLabels => label("io.kubernetes.sandbox.id")
                .and_then(|id| {
                    let id = id.as_bytes();
                    containers.get(&id[..id.len().min(12)])
                })
                .filter(|sb| !sb.labels.is_empty())
                .and_then(|sb| {
                    if b == B::K8sPodLabel {
                        sb.labels.get(key).cloned()
                    } else {
                        let mut out = String::new();
                        join(&mut out, &sb.labels, true);
                        Some(out)
                    }
                }),
            _ => None,
        };
        if let Some(v) = found {
            scratch.push_str(&v);
            return Some(Value::Str(scratch.as_str()));
        }
    }
    let k8s = insp.k8s()?;
    if t.container_id.is_empty() {
        return None;
    }
    let pod = k8s.pod_of_container(&t.container_id)?;
    let link = |l: PodLink| k8s.linked(pod, l);
    let one = |o: Option<&K8sObject>, out: &mut String, what: u8| -> Option<()> {
        let o = o?;
        match what {
            b'n' => out.push_str(&o.name),
            b'i' => out.push_str(&o.uid),
            b'l' => out.push_str(o.labels.get(key)?),
            _ => join(out, &o.labels, false),
        }
        Some(())
    };
    let (target, what) = match b {
        B::K8sPodName => (Some(pod), b'n'),
        B::K8sPodId => (Some(pod), b'i'),
        B::K8sPodLabel => (Some(pod), b'l'),
        B::K8sPodLabels => (Some(pod), b's'),
        B::K8sNsName => {
            scratch.push_str(&pod.namespace);
            return Some(Value::Str(scratch.as_str()));
        }
        B::K8sNsId => (link(PodLink::Namespace), b'i'),
        B::K8sNsLabel => (link(PodLink::Namespace), b'l'),
        B::K8sNsLabels => (link(PodLink::Namespace), b's'),
        B::K8sRcName => (link(PodLink::ReplicationController), b'n'),
        B::K8sRcId => (link(PodLink::ReplicationController), b'i'),
        B::K8sRcLabel => (link(PodLink::ReplicationController), b'l'),
        B::K8sRcLabels => (link(PodLink::ReplicationController), b's'),
        B::K8sRsName => (link(PodLink::ReplicaSet), b'n'),
        B::K8sRsId => (link(PodLink::ReplicaSet), b'i'),
        B::K8sRsLabel => (link(PodLink::ReplicaSet), b'l'),
        B::K8sRsLabels => (link(PodLink::ReplicaSet), b's'),
        B::K8sDeploymentName => (link(PodLink::Deployment), b'n'),
        B::K8sDeploymentId => (link(PodLink::Deployment), b'i'),
        B::K8sDeploymentLabel => (link(PodLink::Deployment), b'l'),
        B::K8sDeploymentLabels => (link(PodLink::Deployment), b's'),
        B::K8sSvcName | B::K8sSvcId | B::K8sSvcLabel | B::K8sSvcLabels => {
            // Every service that selects the pod, joined; none when no service does (and,
            // for one label, when no service has it).
            let mut any = false;
            for s in k8s.services(pod) {
                any = true;
                let piece = match b {
                    B::K8sSvcName => Some(s.name.as_str()),
                    B::K8sSvcId => Some(s.uid.as_str()),
                    B::K8sSvcLabel => s.labels.get(key).map(String::as_str),
                    _ => {
                        join(scratch, &s.labels, false);
                        None
                    }
                };
                if let Some(p) = piece {
                    if !scratch.is_empty() {
                        scratch.push_str(", ");
                    }
                    scratch.push_str(p);
                }
            }
            if !any || (b == B::K8sSvcLabel && scratch.is_empty()) {
                return None;
            }
            return Some(Value::Str(scratch.as_str()));
        }
        _ => return None,
    };
    one(target, scratch, what)?;
    Some(Value::Str(scratch.as_str()))
}

/// The `mesos.*` and `marathon.*` fields, as sysdig 0.29 answers them from the capture's
/// `mesos` events ([`strata_sinsp::mesos`]): the running task the thread's container names
/// (its `mesos_task_id`), the task's framework, and the Marathon app the task was last linked
/// to with the group that app's id names. Labels print as `key:value` pairs (a bare
/// key for an empty value) joined by `, `, in the task's order or the app's key order.
fn mesos_field<'s>(
    ctx: &EventCtx<'_>,
    b: B,
    arg: Option<&Arg>,
    scratch: &'s mut String,
) -> Option<Value<'s>> {
    let t = ctx.thread()?;
    if t.container_id.is_empty() {
        return None;
    }
    let insp = ctx.inspector();
    let c = insp.containers().get(&t.container_id)?;
    if c.mesos_task_id.is_empty() {
        return None;
    }
    let mesos = insp.mesos()?;
    let task = mesos.task(&c.mesos_task_id)?;
    let key = arg.and_then(Arg::name).unwrap_or_default();
    fn label<'l>(labels: &'l [(String, String)], key: &str) -> Option<&'l str> {
        labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    let join = |out: &mut String, labels: &[(String, String)]| {
        push_labels(out, labels.iter().map(|(k, v)| (k, v)));
    };
    match b {
        B::MesosTaskName => scratch.push_str(&task.name),
        B::MesosTaskId => scratch.push_str(&task.id),
        B::MesosTaskLabel => scratch.push_str(label(&task.labels, key)?),
        B::MesosTaskLabels => join(scratch, &task.labels),
        B::MesosFrameworkName => scratch.push_str(&mesos.framework_of(task)?.name),
        B::MesosFrameworkId => scratch.push_str(&mesos.framework_of(task)?.id),
        _ => {
            let app = mesos.app_of(task)?;
            match b {
                B::MarathonAppName | B::MarathonAppId => scratch.push_str(&app.id),
                B::MarathonAppLabel => scratch.push_str(label(&app.labels, key)?),
                B::MarathonAppLabels => join(scratch, &app.labels),
                B::MarathonGroupName | B::MarathonGroupId => {
                    scratch.push_str(mesos.group_id_of(app))
                }
                _ => return None,
            }
        }
    }
    Some(Value::Str(scratch.as_str()))
}

/// Appends orchestrator labels as libsinsp writes them: `key:value` (a bare key for an empty
/// value), joined by `, ` (after what `out` holds already).
fn push_labels<'l>(out: &mut String, labels: impl Iterator<Item = (&'l String, &'l String)>) {
    for (k, v) in labels {
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(k);
        if !v.is_empty() {
            out.push(':');
            out.push_str(v);
        }
    }
}

/// `fd.types`: the types of the thread's open fds, each once, in libsinsp's table order; with
/// an index, the type of that fd. For events about an fd, as libsinsp's fd fields.
fn fd_types<'s>(
    ctx: &EventCtx<'_>,
    arg: Option<&Arg>,
    scratch: &'s mut String,
) -> Option<Value<'s>> {
    ctx.fd_num()?;
    let table = ctx.fd_table()?;
    match arg {
        Some(Arg::Index(i)) => {
            scratch.push_str(table.get(*i)?.ty.name());
            scratch.push('\0');
        }
        _ => {
            for t in table.iter_libsinsp_order().map(|f| f.ty.name()) {
                if !scratch.split_terminator('\0').any(|s| s == t) {
                    scratch.push_str(t);
                    scratch.push('\0');
                }
            }
        }
    }
    Some(Value::Strs(scratch.as_str()))
}

/// The `fs.path.*` fields (libsinsp 0.25): the path a file-system call acts on (`name`), or
/// the source and target of a rename, link, symlink or mount, when the call succeeded by
/// libsinsp's test (`res` = 0; for the opens, an fd other than −1, so an open failing with
/// another error still counts). The raw fields give the parameter as the call had it (fchmod
/// and fchown: their fd's name); the others resolve a relative path against the thread's
/// working directory, or for the `*at` calls their directory fd (`<UNKNOWN>` when it is not a
/// known directory; an openat gives its fd's name).
fn fs_path<'s>(
    ctx: &'s EventCtx<'_>,
    b: B,
    opts: &RenderOptions,
    scratch: &'s mut String,
) -> Option<Value<'s>> {
    use strata_sinsp::paths::{PathRules, concat_into};
    let ev = *EventCtx::event(ctx);
    if ev.direction() != Direction::Exit {
        return None;
    }
    let name = ev.name();
    let ok_param = if matches!(name, "open" | "openat" | "openat2") {
        "fd"
    } else {
        "res"
    };
    let (raw, which) = match b {
        B::FsPathName => (false, 0),
        B::FsPathNameraw => (true, 0),
        B::FsPathSource => (false, 1),
        B::FsPathSourceraw => (true, 1),
        B::FsPathTarget => (false, 2),
        _ => (true, 2),
    };
    let path_param = match (name, which) {
        ("open" | "openat" | "openat2" | "unlinkat" | "umount" | "umount2", 0) => "name",
        ("mkdir" | "mkdirat" | "rmdir" | "unlink" | "chown" | "lchown", 0) => "path",
        ("fchmodat" | "chmod", 0) => "filename",
        ("fchownat", 0) => "pathname",
        ("quotactl", 0) => "special",
        ("fchmod" | "fchown", 0) => "",
        ("rename" | "renameat" | "renameat2", 1) => "oldpath",
        ("rename" | "renameat" | "renameat2", 2) => "newpath",
        ("link" | "linkat", 1) => "newpath",
        ("link" | "linkat", 2) => "oldpath",
        ("symlink" | "symlinkat", 1) => "linkpath",
        ("symlink" | "symlinkat", 2) => "target",
        ("mount", 1) => "dev",
        ("mount", 2) => "dir",
        _ => return None,
    };
    let info = ev.info()?;
    let arg = |name: &'static str| ev.param(info.param_index(name)?)?.ok();
    let ok = arg(ok_param)?.as_i64()?;
    if (ok_param == "fd" && ok == -1) || (ok_param == "res" && ok != 0) {
        return None;
    }
    if path_param.is_empty() {
        return ctx.fd_field(B::FdName, opts, scratch);
    }
    let given = arg(path_param)?.as_bytes()?;
    // libsinsp reads the parameter as a C string.
    let given = &given[..given.iter().position(|&c| c == 0).unwrap_or(given.len())];
    if raw {
        return Some(Value::Bytes(given));
    }
    ctx.thread()?;
    let mut base: Vec<u8> = Vec::new();
    let mut path: &[u8] = given;
    let fd_name;
    if given.first() != Some(&b'/') {
        // A directory fd's name with a `/` after it, or `<UNKNOWN>`.
        let dir_of = |fd: Option<i64>, base: &mut Vec<u8>| match fd
            .and_then(|fd| ctx.fd_table()?.get(fd))
            .filter(|f| f.ty == FdType::Directory)
        {
            Some(f) => {
                base.extend_from_slice(&f.name);
                if !f.name.is_empty() && f.name.last() != Some(&b'/') {
                    base.push(b'/');
                }
            }
            None => base.extend_from_slice(b"<UNKNOWN>"),
        };
        let dirfd = |n: &'static str| arg(n).and_then(|v| v.as_i64());
        match name {
            "openat" | "openat2" => {
                fd_name = ctx.fd().map(|f| f.name.as_slice());
                path = fd_name.unwrap_or(b"<UNKNOWN>");
            }
            "fchownat" | "fchmodat" | "mkdirat" | "unlinkat" | "newfstatat" | "mknodat" => {
                dir_of(dirfd("dirfd"), &mut base)
            }
            "symlinkat" if which == 1 => dir_of(dirfd("linkdirfd"), &mut base),
            "symlinkat" => base.extend_from_slice(b"<UNKNOWN>"),
            "renameat2" if which != 0 => {
                let fd = dirfd(if which == 2 { "newdirfd" } else { "olddirfd" });
                match fd {
                    Some(strata_scap::param::PPM_AT_FDCWD) => {
                        base.extend_from_slice(EventCtx::cwd(ctx).unwrap_or(b"./"))
                    }
                    fd => dir_of(fd, &mut base),
                }
            }
            _ => match ctx.main_thread() {
                Some(_) => base.extend_from_slice(EventCtx::cwd(ctx).unwrap_or_default()),
                None => base.extend_from_slice(b"./"),
            },
        }
    }
    let mut out = Vec::new();
    concat_into(&mut out, &base, path, PathRules::Libsinsp025);
    let _ = write_lossy(scratch, &out);
    Some(Value::Str(scratch.as_str()))
}

fn push_u16(out: &mut String, v: u16) {
    use std::fmt::Write as _;
    let _ = write!(out, "{v}");
}

/// `fd.directory` of a file: its name up to the last `/`, the name itself when it ends with
/// one, `/` when the only `/` is the first character or there is none. With `sanitized`, as
/// if the name had its unprintable bytes removed first (sysdig 0.29).
fn file_directory(name: &[u8], sanitized: bool) -> &[u8] {
    match name.iter().rposition(|&c| c == b'/') {
        Some(pos) if has_text(&name[..pos], sanitized) => {
            if has_text(&name[pos + 1..], sanitized) {
                &name[..pos]
            } else {
                name
            }
        }
        _ => b"/",
    }
}

/// `fd.filename` of a file: its name after the last `/`, the name itself when it ends with
/// one, `/` when it has none (libsinsp's rule). `sanitized` as for [`file_directory`].
fn file_filename(name: &[u8], sanitized: bool) -> &[u8] {
    match name.iter().rposition(|&c| c == b'/') {
        Some(pos) if has_text(&name[pos + 1..], sanitized) => &name[pos + 1..],
        Some(_) => name,
        None => b"/",
    }
}

/// Whether `s` is not empty, or with `sanitized` has a printable byte.
fn has_text(s: &[u8], sanitized: bool) -> bool {
    if sanitized {
        s.iter().any(|&c| is_printable(c))
    } else {
        !s.is_empty()
    }
}

/// The exit of connect (its only version).
const CONNECT_X: u16 = 23;

/// An fd's name as `fd.name` gives it: sysdig 0.29 printed fd names with what is not
/// printable left out.
#[inline]
fn fd_name_value(name: &[u8], flavor: Flavor) -> Value<'_> {
    match flavor {
        Flavor::Sysdig029 => Value::Sanitized(name),
        _ => Value::Bytes(name),
    }
}

/// Whether the event is a failed connect, whose fd sysdig 0.29 named as if it were not in the
/// table (libsinsp 0.25 keeps the socket's name: its parser leaves a failed connect alone).
fn failed_connect(ev: &Event<'_>, flavor: Flavor) -> bool {
    flavor == Flavor::Sysdig029
        && ev.event_type == CONNECT_X
        && matches!(ev.param(0), Some(Ok(ParamValue::Errno(r))) if r < 0)
}

/// `fd.name` of an event whose fd is not in the table (see [`null_fd_name`]); libsinsp 0.25
/// names a failed openat or openat2 by its path resolved at its dirfd.
fn null_name<'s>(
    ctx: &EventCtx<'_>,
    opts: &RenderOptions,
    out: &'s mut String,
) -> Option<Value<'s>> {
    let ev = EventCtx::event(ctx);
    // (Enter events have none: answered before the name compare.)
    if ev.direction() == Direction::Enter {
        return None;
    }
    if opts.flavor == Flavor::Libsinsp025 && matches!(ev.name(), "openat" | "openat2") {
        return opened_at_name(ctx, ev, out);
    }
    null_fd_name(ctx, opts, out)
}

/// `fd.nameraw` of an event whose fd is not in the table: as `fd.name`, but an openat's or
/// openat2's path as the event gives it, unresolved (libsinsp 0.25's answer in both flavors:
/// sysdig 0.29 had no `fd.nameraw`).
fn null_name_raw<'s>(
    ctx: &EventCtx<'_>,
    opts: &RenderOptions,
    out: &'s mut String,
) -> Option<Value<'s>> {
    let ev = *EventCtx::event(ctx);
    if matches!(ev.name(), "openat" | "openat2") && ev.direction() == Direction::Exit {
        let path = ev.param(2)?.ok()?.as_bytes().filter(|p| !p.is_empty())?;
        let _ = write_lossy(out, path);
        return Some(Value::Str(out.as_str()));
    }
    null_fd_name(ctx, opts, out)
}

/// libsinsp 0.25's `fd.name` of a failed openat or openat2: the path (parameter 2) resolved
/// at the directory fd (parameter 1); nothing when either is empty.
fn opened_at_name<'s>(
    ctx: &EventCtx<'_>,
    ev: &Event<'_>,
    out: &'s mut String,
) -> Option<Value<'s>> {
    let path = ev.param(2)?.ok()?.as_bytes().filter(|p| !p.is_empty())?;
    let dirfd = ev.param(1)?.ok()?.as_i64()?;
    let mut name = Vec::new();
    ctx.resolve_at(dirfd, path, &mut name);
    let _ = write_lossy(out, &name);
    Some(Value::Str(out.as_str()))
}

/// `fd.name` of an event whose fd is not in the table: for exits of calls that create one,
/// the name they tried, as libsinsp's `get_param_as_str` renders parameter 1 (its resolved
/// form, else its raw one: an absolute path, a tuple, `NULL` for a missing tuple), else empty;
/// nothing for enter events.
fn null_fd_name<'s, S: StateView + ?Sized>(
    view: &S,
    opts: &RenderOptions,
    out: &'s mut String,
) -> Option<Value<'s>> {
    let ev = view.event();
    if ev.direction() == Direction::Enter {
        return None;
    }
    let lib = opts.flavor == Flavor::Libsinsp025;
    let (named, i) = match ev.name() {
        "open" | "creat" | "accept" | "accept4" => (true, 1),
        "connect" => (!lib, 1),
        // libsinsp 0.25 (`extract_fdname_from_event`): open_by_handle_at's path (openat's:
        // `null_name`).
        "open_by_handle_at" if lib => (true, 3),
        _ => (false, 1),
    };
    if named && ev.nparams() > i {
        if let Some(pinfo) = crate::old_table::param(ev, i, opts.flavor) {
            crate::render::write_param(out, view, ev, i, pinfo, false, opts);
        }
    }
    Some(Value::Str(out.as_str()))
}

/// `fd.typechar` of an event whose fd is not in the table, guessed from the event type (libsinsp
/// 0.25 no longer guesses `f` for open).
fn null_fd_typechar(ev: &Event<'_>, flavor: Flavor) -> char {
    match ev.name() {
        "open" if flavor == Flavor::Libsinsp025 => 'o',
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{View, body, event};

    /// The raw list joined at once is the arguments joined one by one, as `ThreadInfo::args`
    /// lists them, with a prefix or without, valid UTF-8 or not.
    #[test]
    fn arguments_join_as_listed() {
        let raws: [&[u8]; 9] = [
            b"",
            b"\0",
            b"a",
            b"a\0",
            b"a\0b",
            b"a\0b\0",
            b"a\0\0",
            b"\0\0x\0",
            b"caf\xc3\0\xff\0",
        ];
        for raw in raws {
            let mut t = ThreadInfo::default();
            t.args_raw = raw.to_vec();
            for prefix in [None, Some(&b"comm"[..])] {
                let mut want = String::new();
                let mut first = true;
                if let Some(p) = prefix {
                    let _ = write_lossy(&mut want, p);
                    first = false;
                }
                for a in t.args() {
                    if !first {
                        want.push(' ');
                    }
                    first = false;
                    let _ = write_lossy(&mut want, a);
                }
                let mut got = String::new();
                join_args(&mut got, prefix, &t);
                assert_eq!(got, want, "{raw:?} {prefix:?}");
            }
        }
    }

    #[test]
    fn directory_and_file_name_of_a_file() {
        let d = |n: &[u8], s| String::from_utf8(file_directory(n, s).to_vec()).unwrap();
        let f = |n: &[u8], s| String::from_utf8(file_filename(n, s).to_vec()).unwrap();
        assert_eq!(d(b"/etc/hosts", false), "/etc");
        assert_eq!(f(b"/etc/hosts", false), "hosts");
        assert_eq!(d(b"/hosts", false), "/");
        assert_eq!(d(b"/etc/", false), "/etc/");
        assert_eq!(f(b"/etc/", false), "/etc/");
        // No slash at all: `/` for both.
        assert_eq!(d(b"tested_file.txt", false), "/");
        assert_eq!(f(b"tested_file.txt", false), "/");
        // sysdig 0.29 cut the name with its unprintable bytes already left out.
        assert_eq!(d(b"/etc/\n", true), "/etc/\n");
        assert_eq!(f(b"/etc/\n", true), "/etc/\n");
        assert_eq!(d(b"/etc/\n", false), "/etc");
        assert_eq!(d(b"\x01/a", true), "/");
        assert_eq!(d(b"\x01/a", false), "\x01");
    }

    #[test]
    fn a_failed_accept_with_no_tuple_is_named_null() {
        // accept exit (code 27): fd, tuple (empty), queuepct.
        let b = body(27, &[&(-11i64).to_le_bytes(), b"", &[0]]);
        let view = View::new(event(&b));
        for flavor in [Flavor::Sysdig029, Flavor::Libsinsp025] {
            let mut s = String::new();
            let opts = RenderOptions::default().with_flavor(flavor);
            let v = null_fd_name(&view, &opts, &mut s).map(|v| v.to_string());
            assert_eq!(v.as_deref(), Some("NULL"));
        }
        // A failed open: its path, resolved against the cwd when relative.
        let b = body(3, &[&(-2i64).to_le_bytes(), b"a/b\0", &[0; 4], &[0; 4]]);
        let mut view = View::new(event(&b));
        view.cwd = b"/home/u/";
        let mut s = String::new();
        let opts = RenderOptions::default().with_flavor(Flavor::Sysdig029);
        let v = null_fd_name(&view, &opts, &mut s).map(|v| v.to_string());
        assert_eq!(v.as_deref(), Some("/home/u/a/b"));
    }
}

#[cfg(test)]
mod era_tests {
    use strata_scap::block::types::EV_V2;
    use strata_scap::event::encode_event;
    use strata_scap::{Endian, Event};
    use strata_sinsp::{Config, Inspector};

    use crate::{Flavor, Format, Registry, RenderOptions};

    const OPENAT_2_X: u16 = 307;
    const ACCEPT4_6_X: u16 = 389;
    const OPEN_X: u16 = 3;

    /// The lines `format` renders for `events` (code, timestamp, parameters) of thread 7, read
    /// in `flavor` (events the flavor hides give none).
    fn lines(flavor: Flavor, format: &str, events: &[(u16, u64, &[&[u8]])]) -> Vec<String> {
        let mut insp = Inspector::with_config(match flavor {
            Flavor::Sysdig029 => Config::sysdig_029(),
            _ => Config::default(),
        });
        let opts = RenderOptions::default().with_flavor(flavor);
        let mut f = Format::compile(Registry::builtin(), format, opts).unwrap();
        let mut out = Vec::new();
        for &(code, ts, params) in events {
            let mut b = 0u16.to_le_bytes().to_vec();
            encode_event(&mut b, Endian::Little, ts, 7, code, params).unwrap();
            let ev = Event::parse(EV_V2, &b, Endian::Little).unwrap();
            let ctx = insp.process(&ev);
            let mut line = String::new();
            if !ctx.is_hidden() && f.render(&ctx, &mut line) {
                out.push(line);
            }
        }
        out
    }

    /// `%fd.num %fd.typechar %fd.name` of one event of thread 7, read alone in `flavor`.
    fn fd_fields(flavor: Flavor, code: u16, params: &[&[u8]]) -> String {
        let format = "*%fd.num %fd.typechar %fd.name";
        lines(flavor, format, &[(code, 1, params)]).concat()
    }

    #[test]
    fn failed_calls_name_their_fd_from_the_event() {
        let lib = Flavor::Libsinsp025;
        let err = (-2i64).to_le_bytes();
        let (z4, z8) = ([0u8; 4], [0u8; 8]);
        // openat: the path resolved at its directory fd.
        let at = (-100i64).to_le_bytes();
        let openat = [&err[..], &at, b"/etc//x/../nope\0", &z4, &z4, &z4, &z8];
        assert_eq!(fd_fields(lib, OPENAT_2_X, &openat), "-1 f /etc/nope");
        // accept4: an IPv4 socket, named by its tuple; an empty one prints NULL.
        let eagain = (-11i64).to_le_bytes();
        let accept = [&eagain[..], &[], &[0u8], &z4, &z4, &z4];
        assert_eq!(fd_fields(lib, ACCEPT4_6_X, &accept), "-1 4 NULL");
        // open: libsinsp 0.25 no longer guesses a file.
        let open = [&err[..], b"/nope\0", &z4, &z4, &z4, &z8];
        assert_eq!(fd_fields(lib, OPEN_X, &open), "-1 o /nope");
        assert_eq!(fd_fields(Flavor::Sysdig029, OPEN_X, &open), "0 f /nope");
    }

    #[test]
    fn libsinsp_025_latency_is_always_0() {
        // openat's enter still reaches libsinsp 0.25's parser and pairs with its exit.
        const OPENAT_E: u16 = 306;
        let (at, z4, z8) = ((-100i64).to_le_bytes(), [0u8; 4], [0u8; 8]);
        let fd = 3i64.to_le_bytes();
        let open: [(u16, u64, &[&[u8]]); 2] = [
            (OPENAT_E, 100, &[&at, b"/etc/hosts\0", &z4, &z4]),
            (
                OPENAT_2_X,
                150,
                &[&fd, &at, b"/etc/hosts\0", &z4, &z4, &z4, &z8],
            ),
        ];
        let format = "*%evt.type %evt.latency %evt.wait_latency";
        let lib = lines(Flavor::Libsinsp025, format, &open);
        assert_eq!(lib, ["openat 0 0"], "the enter is hidden, the latency 0");
        let old = lines(Flavor::Sysdig029, format, &open);
        assert_eq!(old, ["openat 0 <NA>", "openat 50 <NA>"]);
    }
}

#[cfg(test)]
mod modern_field_tests {
    use strata_scap::block::types::EV_V2;
    use strata_scap::event::encode_event;
    use strata_scap::{Endian, Event};
    use strata_sinsp::Inspector;

    use super::{squeeze_slashes, write_caps};
    use crate::{Flavor, Format, Registry, RenderOptions};

    const CLONE_20_X: u16 = 223;
    const EXECVE_19_X: u16 = 293;
    const UNSHARE_X: u16 = 285;

    fn i(v: i64) -> Vec<u8> {
        v.to_le_bytes().to_vec()
    }
    fn u(v: u32) -> Vec<u8> {
        v.to_le_bytes().to_vec()
    }
    fn q(v: u64) -> Vec<u8> {
        v.to_le_bytes().to_vec()
    }

    /// The child's side of a clone of process 7 (res 0), its parent 1.
    fn clone_child() -> Vec<Vec<u8>> {
        let (sh, args, cwd) = (b"sh\0".to_vec(), b"\0".to_vec(), b"/\0".to_vec());
        vec![
            i(0),
            sh.clone(),
            args,
            i(7),
            i(7),
            i(1),
            cwd,
            i(1024),
            q(0),
            q(0),
            u(0),
            u(0),
            u(0),
            sh,
            Vec::new(),
            u(0),
            u(0),
            u(0),
            i(7),
            i(7),
            q(0),
        ]
    }

    /// execve's exit (today's version) of thread 7: `flags` (`PPM_EXE_*`), the three
    /// capability sets, and the executable's inode with its ctime and mtime.
    fn execve(flags: u32, caps: [u64; 3], ino: u64, ctime: u64, mtime: u64) -> Vec<Vec<u8>> {
        let exe = b"/usr/bin/curl\0".to_vec();
        vec![
            i(0),
            exe.clone(),
            b"x\0".to_vec(),
            i(7),
            i(7),
            i(1),
            b"/\0".to_vec(),
            q(1024),
            q(0),
            q(0),
            u(0),
            u(0),
            u(0),
            b"curl\0".to_vec(),
            Vec::new(),
            Vec::new(),
            u(0),
            i(7),
            u(1000),
            u(flags),
            q(caps[0]),
            q(caps[1]),
            q(caps[2]),
            q(ino),
            q(ctime),
            q(mtime),
            u(1000),
            exe.clone(),
            i(7),
            u(1000),
            exe,
        ]
    }

    /// The lines `format` renders for `events` (code, timestamp, parameters) of thread 7.
    fn lines(format: &str, events: &[(u16, u64, Vec<Vec<u8>>)]) -> Vec<String> {
        let mut insp = Inspector::new();
        let opts = RenderOptions::default().with_flavor(Flavor::Libsinsp025);
        let mut f = Format::compile(Registry::builtin(), format, opts).unwrap();
        let mut out = Vec::new();
        for (code, ts, params) in events {
            let refs: Vec<&[u8]> = params.iter().map(Vec::as_slice).collect();
            let mut b = 0u16.to_le_bytes().to_vec();
            encode_event(&mut b, Endian::Little, *ts, 7, *code, &refs).unwrap();
            let ev = Event::parse(EV_V2, &b, Endian::Little).unwrap();
            let ctx = insp.process(&ev);
            let mut line = String::new();
            if !ctx.is_hidden() && f.render(&ctx, &mut line) {
                out.push(line);
            }
        }
        out
    }

    #[test]
    fn ctime_duration_proc_start_is_measured_from_the_clone() {
        let fmt = "*%proc.exe_ino.ctime_duration_proc_start %proc.exe_ino %proc.exe_ino.ctime \
                   %proc.exe_ino.mtime";
        // Cloned at 5000, runs a file changed at 1200: 3800 ns between.
        let run = [
            (CLONE_20_X, 5_000, clone_child()),
            (EXECVE_19_X, 6_000, execve(0, [0; 3], 42, 1_200, 1_100)),
        ];
        let got = lines(fmt, &run);
        assert_eq!(got, ["<NA> <NA> <NA> <NA>", "3800 42 1200 1100"]);
        // A process the capture did not see start has no clone time: nothing to measure.
        let got = lines(fmt, &run[1..]);
        assert_eq!(got, ["<NA> 42 1200 1100"]);
        // A file changed after the clone: libsinsp's unsigned difference wraps.
        let late = [
            (CLONE_20_X, 5_000, clone_child()),
            (EXECVE_19_X, 6_000, execve(0, [0; 3], 42, 5_500, 5_500)),
        ];
        assert_eq!(
            lines(fmt, &late)[1],
            format!("{} 42 5500 5500", u64::MAX - 499)
        );
    }

    #[test]
    fn execve_gives_the_executable_flags_and_capabilities() {
        let fmt = "%proc.is_exe_writable %proc.is_exe_upper_layer %proc.is_exe_lower_layer \
                   %proc.is_exe_from_memfd|%thread.cap_inheritable|%thread.cap_permitted|\
                   %thread.cap_effective";
        let caps = [0, 1 << 21 | 1, 1 << 21];
        let got = lines(fmt, &[(EXECVE_19_X, 10, execve(0b0101, caps, 1, 1, 1))]);
        assert_eq!(
            got,
            ["true false false true||CAP_CHOWN CAP_SYS_ADMIN|CAP_SYS_ADMIN"]
        );
        let got = lines(fmt, &[(EXECVE_19_X, 10, execve(0b1010, caps, 1, 1, 1))]);
        assert!(got[0].starts_with("false true true false|"), "{got:?}");
        // unshare(CLONE_NEWUSER) gives every capability in the new namespace.
        let unshare = vec![i(0), u(1 << 20)];
        let got = lines(
            "%thread.cap_effective",
            &[
                (EXECVE_19_X, 10, execve(0, caps, 1, 1, 1)),
                (UNSHARE_X, 20, unshare),
            ],
        );
        assert_eq!(got[1].split(' ').count(), 41);
        assert!(
            got[1].ends_with("CAP_BPF CAP_CHECKPOINT_RESTORE"),
            "{got:?}"
        );
    }

    #[test]
    fn fs_path_nameraw_takes_opens_failing_with_another_fd_than_minus_1() {
        const OPENAT_2_X: u16 = 307;
        let openat = |fd: i64| {
            let at = (-100i64).to_le_bytes().to_vec();
            vec![i(fd), at, b"a//b\0".to_vec(), u(0), u(0), u(0), q(0)]
        };
        let fmt = "*%fs.path.nameraw %fd.nameraw";
        let got = lines(
            fmt,
            &[(OPENAT_2_X, 1, openat(3)), (OPENAT_2_X, 2, openat(-2))],
        );
        assert_eq!(got, ["a//b a/b", "a//b a/b"]);
        let got = lines(fmt, &[(OPENAT_2_X, 1, openat(-1))]);
        assert_eq!(got, ["<NA> a/b"]);
    }

    #[test]
    fn capability_names_and_raw_paths() {
        let caps = |c| {
            let mut s = String::new();
            write_caps(&mut s, c);
            s
        };
        assert_eq!(caps(0), "");
        assert_eq!(
            caps(1 | 1 << 40 | 1 << 63),
            "CAP_CHOWN CAP_CHECKPOINT_RESTORE"
        );
        let squeezed = |p: &str| {
            let mut s = p.to_string();
            squeeze_slashes(&mut s);
            s
        };
        assert_eq!(squeezed("//etc///hosts/"), "/etc/hosts/");
        assert_eq!(squeezed("a/../b"), "a/../b");
    }
}
