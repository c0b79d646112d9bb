//! libsinsp 0.25 fields that sysdig 0.29.3's list (`defs.rs`) lacks, which Falco's rules use.
//! Written by hand; names, types and argument syntax as libsinsp 0.25 declares them, docs
//! ours.
//!
//! They are registered in every flavor: sysdig 0.29 refused them, but nothing it accepted
//! changes meaning, and a user of today's libsinsp gets libsinsp 0.25's answer on any capture
//! (on old captures, whose events lack the parameters behind them, that is its answer there:
//! `<NA>` for the inode fields, no capabilities, `false` for the executable's flags).

use super::defs::{Builtin, Def};
use crate::registry::{ArgKind, Class, FieldType};

/// A process field without argument.
const fn proc(name: &'static str, ty: FieldType, doc: &'static str, id: Builtin) -> Def {
    Def {
        name,
        class: Class::Process,
        ty,
        arg: ArgKind::None,
        arg_required: false,
        doc,
        id,
    }
}

/// An fd field without argument.
const fn fd(name: &'static str, ty: FieldType, doc: &'static str, id: Builtin) -> Def {
    Def {
        name,
        class: Class::Fd,
        ty,
        arg: ArgKind::None,
        arg_required: false,
        doc,
        id,
    }
}

/// An `fs.path` field.
const fn fspath(name: &'static str, doc: &'static str, id: Builtin) -> Def {
    Def {
        name,
        class: Class::FsPath,
        ty: FieldType::Charbuf,
        arg: ArgKind::None,
        arg_required: false,
        doc,
        id,
    }
}

/// An event field without argument.
const fn evt(name: &'static str, ty: FieldType, doc: &'static str, id: Builtin) -> Def {
    Def {
        name,
        class: Class::Evt,
        ty,
        arg: ArgKind::None,
        arg_required: false,
        doc,
        id,
    }
}

/// An ancestor field: `[N]` picks one, none lists them all (any of them, in filters).
const fn ancestor(name: &'static str, doc: &'static str, id: Builtin) -> Def {
    Def {
        arg: ArgKind::Index,
        ..proc(name, FieldType::Charbuf, doc, id)
    }
}

use Builtin as B;
use FieldType as T;

pub(crate) static MODERN: [Def; 78] = [
    proc(
        "proc.pexe",
        T::Charbuf,
        "proc.exe (argv[0]) of the parent process.",
        B::ProcPexe,
    ),
    ancestor(
        "proc.aexe",
        "proc.exe of an ancestor: [1] the parent, [0] the process; without index every ancestor's, space-separated.",
        B::ProcAexe,
    ),
    proc(
        "proc.pexepath",
        T::Charbuf,
        "proc.exepath of the parent process.",
        B::ProcPexepath,
    ),
    ancestor(
        "proc.aexepath",
        "proc.exepath of an ancestor: [1] the parent, [0] the process; without index every ancestor's, space-separated.",
        B::ProcAexepath,
    ),
    proc(
        "proc.vpgid.name",
        T::Charbuf,
        "Name of the process group leader (in its pid namespace), else of the eldest ancestor in the group.",
        B::ProcVpgidName,
    ),
    proc(
        "proc.vpgid.exe",
        T::Charbuf,
        "proc.exe of the process group leader, found as for proc.vpgid.name.",
        B::ProcVpgidExe,
    ),
    proc(
        "proc.vpgid.exepath",
        T::Charbuf,
        "proc.exepath of the process group leader, found as for proc.vpgid.name.",
        B::ProcVpgidExepath,
    ),
    proc(
        "proc.is_exe_upper_layer",
        T::Bool,
        "True if the executable is in an overlayfs upper layer (written in the container).",
        B::ProcIsExeUpperLayer,
    ),
    proc(
        "proc.is_exe_lower_layer",
        T::Bool,
        "True if the executable is in an overlayfs lower layer (from the image).",
        B::ProcIsExeLowerLayer,
    ),
    proc(
        "proc.is_exe_from_memfd",
        T::Bool,
        "True if the executable is a memfd (exists only in memory), run through its fd.",
        B::ProcIsExeFromMemfd,
    ),
    proc(
        "proc.is_vpgid_leader",
        T::Bool,
        "True if the process leads its process group: proc.vpgid = proc.vpid.",
        B::ProcIsVpgidLeader,
    ),
    proc(
        "proc.exe_ino",
        T::Int64,
        "Inode number of the executable file.",
        B::ProcExeIno,
    ),
    proc(
        "proc.exe_ino.ctime",
        T::AbsTime,
        "Last status change (ctime) of the executable's inode, ns since the epoch.",
        B::ProcExeInoCtime,
    ),
    proc(
        "proc.exe_ino.mtime",
        T::AbsTime,
        "Last modification (mtime) of the executable's inode, ns since the epoch.",
        B::ProcExeInoMtime,
    ),
    proc(
        "proc.exe_ino.ctime_duration_proc_start",
        T::AbsTime,
        "Nanoseconds from the executable's ctime to the clone that started the process (a fresh binary run at once).",
        B::ProcExeInoCtimeDurationProcStart,
    ),
    proc(
        "thread.cap_permitted",
        T::Charbuf,
        "Permitted capabilities of the thread (CAP_* names, space-separated).",
        B::ThreadCapPermitted,
    ),
    proc(
        "thread.cap_inheritable",
        T::Charbuf,
        "Inheritable capabilities of the thread (CAP_* names, space-separated).",
        B::ThreadCapInheritable,
    ),
    proc(
        "thread.cap_effective",
        T::Charbuf,
        "Effective capabilities of the thread (CAP_* names, space-separated).",
        B::ThreadCapEffective,
    ),
    fd(
        "fd.nameraw",
        T::Charbuf,
        "The path the open call gave, unresolved (repeated slashes removed); empty for fds not opened by a path.",
        B::FdNameraw,
    ),
    fd(
        "fd.is_upper_layer",
        T::Bool,
        "True if the open said the file is in an overlayfs upper layer.",
        B::FdIsUpperLayer,
    ),
    fd(
        "fd.is_lower_layer",
        T::Bool,
        "True if the open said the file is in an overlayfs lower layer.",
        B::FdIsLowerLayer,
    ),
    Def {
        name: "fs.path.nameraw",
        class: Class::FsPath,
        ty: T::Charbuf,
        arg: ArgKind::None,
        arg_required: false,
        doc: "The path a file-system call (open, mkdir, unlink, chmod, chown, ...) was given, unresolved, when it succeeded.",
        id: B::FsPathNameraw,
    },
    // The container plugin's field (libsinsp 0.25 has none of container.*), as libsinsp gave
    // it before the plugin took it over. No oracle answers it for the shared captures; and
    // libsinsp 0.25 leaves proc.pidns_init_start_ts, its source, empty on all of them, for a
    // reason not yet found, so that field is not offered.
    Def {
        name: "container.start_ts",
        class: Class::Container,
        ty: T::AbsTime,
        arg: ArgKind::None,
        arg_required: false,
        doc: "Start of the thread's container (ns since the epoch): the start of its pid namespace's init process, for threads in a container.",
        id: B::ContainerStartTs,
    },
    proc(
        "proc.pid.ts",
        T::RelTime,
        "When the process's thread was created (ns since the epoch), when the capture says.",
        B::ProcPidTs,
    ),
    proc(
        "proc.ppid.ts",
        T::RelTime,
        "When the parent thread was created (ns since the epoch).",
        B::ProcPpidTs,
    ),
    proc(
        "proc.ppid.duration",
        T::RelTime,
        "Nanoseconds since the parent process was created.",
        B::ProcPpidDuration,
    ),
    proc(
        "proc.is_sid_leader",
        T::Bool,
        "True if the process leads its session (sid = vpid).",
        B::ProcIsSidLeader,
    ),
    proc(
        "proc.is_pgid_leader",
        T::Bool,
        "True if the process leads its process group (pgid = pid).",
        B::ProcIsPgidLeader,
    ),
    proc(
        "proc.pgid",
        T::Int64,
        "Process group id, as seen from the host.",
        B::ProcPgid,
    ),
    proc(
        "proc.pgid.name",
        T::Charbuf,
        "proc.name of the process group's leader (empty when not known).",
        B::ProcPgidName,
    ),
    proc(
        "proc.pgid.exe",
        T::Charbuf,
        "proc.exe of the process group's leader.",
        B::ProcPgidExe,
    ),
    proc(
        "proc.pgid.exepath",
        T::Charbuf,
        "proc.exepath of the process group's leader.",
        B::ProcPgidExepath,
    ),
    proc(
        "proc.sid.exe",
        T::Charbuf,
        "proc.exe of the session leader (empty when not known).",
        B::ProcSidExe,
    ),
    proc(
        "proc.sid.exepath",
        T::Charbuf,
        "proc.exepath of the session leader.",
        B::ProcSidExepath,
    ),
    proc(
        "thread.nametid",
        T::Charbuf,
        "The thread's name followed by its id (curl17497).",
        B::ThreadNametid,
    ),
    proc(
        "proc.cmdnargs",
        T::Uint64,
        "How many arguments the command line has (argv[0] not counted).",
        B::ProcCmdnargs,
    ),
    proc(
        "proc.cmdlenargs",
        T::Uint64,
        "Total length of the arguments (argv[0] and separators not counted).",
        B::ProcCmdlenargs,
    ),
    proc(
        "proc.pvpid",
        T::Int64,
        "The parent's pid as seen from its pid namespace.",
        B::ProcPvpid,
    ),
    ancestor(
        "proc.aargs",
        "proc.args of an ancestor: [1] the parent, [0] the process; without index every ancestor's, space-separated.",
        B::ProcAargs,
    ),
    ancestor(
        "proc.acmdline",
        "proc.cmdline of an ancestor; without index every ancestor's, space-separated.",
        B::ProcAcmdline,
    ),
    ancestor(
        "proc.aenv",
        "proc.env of an ancestor: [1] the parent; without index (or [0]) the process's own.",
        B::ProcAenv,
    ),
    proc(
        "thread.vmsize.b",
        T::Uint64,
        "Virtual memory of the process in bytes, for its main thread (0 for others).",
        B::ThreadVmsizeB,
    ),
    proc(
        "thread.vmrss.b",
        T::Uint64,
        "Resident memory of the process in bytes, for its main thread (0 for others).",
        B::ThreadVmrssB,
    ),
    proc(
        "proc.stdin.type",
        T::Charbuf,
        "fd.type of the process's fd 0.",
        B::ProcStdinType,
    ),
    proc(
        "proc.stdout.type",
        T::Charbuf,
        "fd.type of the process's fd 1.",
        B::ProcStdoutType,
    ),
    proc(
        "proc.stderr.type",
        T::Charbuf,
        "fd.type of the process's fd 2.",
        B::ProcStderrType,
    ),
    proc(
        "proc.stdin.name",
        T::Charbuf,
        "fd.name of the process's fd 0.",
        B::ProcStdinName,
    ),
    proc(
        "proc.stdout.name",
        T::Charbuf,
        "fd.name of the process's fd 1.",
        B::ProcStdoutName,
    ),
    proc(
        "proc.stderr.name",
        T::Charbuf,
        "fd.name of the process's fd 2.",
        B::ProcStderrName,
    ),
    evt(
        "evt.buflen.in",
        T::Uint64,
        "evt.buflen of input (read) events.",
        B::EvtBuflenIn,
    ),
    evt(
        "evt.buflen.out",
        T::Uint64,
        "evt.buflen of output (write) events.",
        B::EvtBuflenOut,
    ),
    evt(
        "evt.buflen.file",
        T::Uint64,
        "evt.buflen of I/O on files.",
        B::EvtBuflenFile,
    ),
    evt(
        "evt.buflen.file.in",
        T::Uint64,
        "evt.buflen of reads from files.",
        B::EvtBuflenFileIn,
    ),
    evt(
        "evt.buflen.file.out",
        T::Uint64,
        "evt.buflen of writes to files.",
        B::EvtBuflenFileOut,
    ),
    evt(
        "evt.buflen.net",
        T::Uint64,
        "evt.buflen of I/O on IP sockets.",
        B::EvtBuflenNet,
    ),
    evt(
        "evt.buflen.net.in",
        T::Uint64,
        "evt.buflen of reads from IP sockets.",
        B::EvtBuflenNetIn,
    ),
    evt(
        "evt.buflen.net.out",
        T::Uint64,
        "evt.buflen of writes to IP sockets.",
        B::EvtBuflenNetOut,
    ),
    evt(
        "evt.count.procinfo",
        T::Uint32,
        "1 for procinfo events of main threads, else 0.",
        B::EvtCountProcinfo,
    ),
    evt(
        "evt.count.threadinfo",
        T::Uint32,
        "1 for procinfo events, else 0.",
        B::EvtCountThreadinfo,
    ),
    evt(
        "evt.is_open_create",
        T::Bool,
        "True for opens that created the file (or an O_TMPFILE one that succeeded).",
        B::EvtIsOpenCreate,
    ),
    evt(
        "evt.source",
        T::Charbuf,
        "The source that produced the event (syscall for captures).",
        B::EvtSource,
    ),
    evt(
        "evt.is_async",
        T::Bool,
        "True for events the kernel did not produce (metaevents: container, user, procinfo, ...).",
        B::EvtIsAsync,
    ),
    evt(
        "evt.asynctype",
        T::Charbuf,
        "For an asynchronous event, its kind (container, useradded, ...).",
        B::EvtAsynctype,
    ),
    evt(
        "evt.hostname",
        T::Charbuf,
        "The name of the machine the capture was taken on.",
        B::EvtHostname,
    ),
    evt(
        "evt.latency.quantized",
        T::Uint64,
        "Deprecated: libsinsp 0.25 answers 0.",
        B::EvtLatencyQuantized,
    ),
    fd(
        "fd.ino",
        T::Int64,
        "Inode of the file the fd refers to (0 when not known).",
        B::FdIno,
    ),
    fspath(
        "fs.path.name",
        "The path a file-system call acts on, resolved against the working directory or its directory fd, when it succeeded.",
        B::FsPathName,
    ),
    fspath(
        "fs.path.source",
        "The source path of a rename, link, symlink or mount, resolved, when it succeeded.",
        B::FsPathSource,
    ),
    fspath(
        "fs.path.sourceraw",
        "The source path of a rename, link, symlink or mount, as given.",
        B::FsPathSourceraw,
    ),
    fspath(
        "fs.path.target",
        "The target path of a rename, link, symlink or mount, resolved, when it succeeded.",
        B::FsPathTarget,
    ),
    fspath(
        "fs.path.targetraw",
        "The target path of a rename, link, symlink or mount, as given.",
        B::FsPathTargetraw,
    ),
    evt(
        "evt.infra.docker.name",
        T::Charbuf,
        "For a Docker infrastructure event, the event's name.",
        B::EvtInfraDockerName,
    ),
    evt(
        "evt.infra.docker.container.id",
        T::Charbuf,
        "For a Docker infrastructure event, the container's id (12 characters).",
        B::EvtInfraDockerContainerId,
    ),
    evt(
        "evt.infra.docker.container.name",
        T::Charbuf,
        "For a Docker infrastructure event, the container's name.",
        B::EvtInfraDockerContainerName,
    ),
    evt(
        "evt.infra.docker.container.image",
        T::Charbuf,
        "For a Docker infrastructure event, the container's image.",
        B::EvtInfraDockerContainerImage,
    ),
    Def {
        name: "util.cnt",
        class: Class::Util,
        ty: T::Uint64,
        arg: ArgKind::None,
        arg_required: false,
        doc: "A counter: how many times this field of this format was read (once per line, twice per JSON object, as libsinsp reads JSON fields twice).",
        id: B::UtilCnt,
    },
    proc(
        "proc.pidns_init_start_ts",
        T::Uint64,
        "When the init of the thread's pid namespace started (ns since the epoch): the process list's figure, or the machine's boot time plus the clone's figure for a child in a new namespace.",
        B::ProcPidnsInitStartTs,
    ),
    Def {
        name: "fd.types",
        class: Class::Fd,
        ty: T::Charbuf,
        arg: ArgKind::Index,
        arg_required: false,
        doc: "The types of the fds the process has open, each once, in the order libsinsp's table lists them (a list); fd.types[N]: the type of fd N.",
        id: B::FdTypes,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    /// `fields::def` finds a definition by its `Builtin` number: both tables must list the
    /// fields in `Builtin` order.
    #[test]
    fn tables_follow_builtin_order() {
        let all = crate::fields::defs::BUILTINS.iter().chain(MODERN.iter());
        for (i, d) in all.enumerate() {
            assert_eq!(d.id as usize, i, "{} is out of Builtin order", d.name);
        }
    }
}
