//! Event handlers: one per system call (not per event version), chosen once per event type.

mod fd;
pub(crate) mod proc;

use strata_scap::table;

use crate::inspector::Inspector;
use crate::params::Args;
use crate::threads::ThreadInfo;

/// Sets `t`'s executable path; without `keep_deleted`, a trailing ` (deleted)` is cut off.
pub(crate) fn set_exepath(t: &mut ThreadInfo, path: &[u8], keep_deleted: bool) {
    t.exepath.clear();
    t.exepath.extend_from_slice(path);
    if !keep_deleted {
        cut_deleted(&mut t.exepath);
    }
}

/// Cuts the kernel's ` (deleted)` mark off the end of an executable path (not off a path
/// that is nothing else).
pub(crate) fn cut_deleted(path: &mut Vec<u8>) {
    const DELETED: &[u8] = b" (deleted)";
    if path.len() > DELETED.len() && path.ends_with(DELETED) {
        path.truncate(path.len() - DELETED.len());
    }
}

/// What an event type does to the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Handler {
    None,
    Clone,
    Execve,
    ProcExit,
    Switch,
    Open,
    Socket,
    Socketpair,
    Connect,
    Accept,
    Bind,
    Pipe,
    /// A syscall creating an fd of one type with no name.
    Anon(crate::fds::FdType),
    Memfd,
    PidfdOpen,
    PidfdGetfd,
    Dup,
    Fcntl,
    Close,
    CloseRange,
    Chdir,
    Fchdir,
    Chroot,
    SetUid,
    SetGid,
    SetResUid,
    SetResGid,
    Setsid,
    Setpgid,
    Prctl,
    Capset,
    /// unshare, setns: a new user namespace.
    UnshareSetns,
    Send,
    Recv,
    /// getsockopt exits (`SO_ERROR` tells whether a socket connected).
    Getsockopt,
    /// brk, mmap, mmap2, munmap exits: the memory figures.
    Memory,
    UserAdded,
    UserDeleted,
    GroupAdded,
    GroupDeleted,
    /// Events without a thread or state effect (procinfo, ...).
    Meta,
}

impl Handler {
    /// The handler of every event code, by the event's (syscall) name.
    pub(crate) fn table() -> Vec<Handler> {
        use crate::fds::FdType as T;
        table::events()
            .iter()
            .map(|info| {
                let exit = info.direction() == table::Direction::Exit;
                match (info.name, exit) {
                    ("clone" | "fork" | "vfork" | "clone3", true) => Handler::Clone,
                    ("execve" | "execveat", true) => Handler::Execve,
                    ("procexit", false) => Handler::ProcExit,
                    ("switch", _) => Handler::Switch,
                    ("brk" | "mmap" | "mmap2" | "munmap", true) => Handler::Memory,
                    (
                        "procinfo" | "container" | "asyncevent" | "notification" | "drop" | "k8s"
                        | "mesos",
                        _,
                    ) => Handler::Meta,
                    ("useradded", _) => Handler::UserAdded,
                    ("userdeleted", _) => Handler::UserDeleted,
                    ("groupadded", _) => Handler::GroupAdded,
                    ("groupdeleted", _) => Handler::GroupDeleted,
                    ("open" | "openat" | "openat2" | "creat" | "open_by_handle_at", true) => {
                        Handler::Open
                    }
                    ("socket", true) => Handler::Socket,
                    ("socketpair", true) => Handler::Socketpair,
                    ("connect", true) => Handler::Connect,
                    ("getsockopt", true) => Handler::Getsockopt,
                    ("accept" | "accept4", true) => Handler::Accept,
                    ("bind", true) => Handler::Bind,
                    ("pipe" | "pipe2", true) => Handler::Pipe,
                    ("eventfd" | "eventfd2", true) => Handler::Anon(T::Event),
                    ("signalfd" | "signalfd4", true) => Handler::Anon(T::Signalfd),
                    ("timerfd_create", true) => Handler::Anon(T::Timerfd),
                    ("inotify_init" | "inotify_init1", true) => Handler::Anon(T::Inotify),
                    ("epoll_create" | "epoll_create1", true) => Handler::Anon(T::Eventpoll),
                    ("bpf", true) => Handler::Anon(T::Bpf),
                    ("userfaultfd", true) => Handler::Anon(T::Userfaultfd),
                    ("io_uring_setup", true) => Handler::Anon(T::IoUring),
                    ("memfd_create", true) => Handler::Memfd,
                    ("pidfd_open", true) => Handler::PidfdOpen,
                    ("pidfd_getfd", true) => Handler::PidfdGetfd,
                    ("dup" | "dup2" | "dup3", true) => Handler::Dup,
                    ("fcntl", true) => Handler::Fcntl,
                    ("close", true) => Handler::Close,
                    ("close_range", true) => Handler::CloseRange,
                    ("chdir", true) => Handler::Chdir,
                    ("fchdir", true) => Handler::Fchdir,
                    ("chroot", true) => Handler::Chroot,
                    ("setuid", true) => Handler::SetUid,
                    ("setgid", true) => Handler::SetGid,
                    ("setresuid" | "setreuid", true) => Handler::SetResUid,
                    ("setresgid" | "setregid", true) => Handler::SetResGid,
                    ("setsid", true) => Handler::Setsid,
                    ("setpgid", true) => Handler::Setpgid,
                    ("prctl", true) => Handler::Prctl,
                    ("capset", true) => Handler::Capset,
                    ("unshare" | "setns", true) => Handler::UnshareSetns,
                    (
                        "sendto" | "sendmsg" | "send" | "write" | "writev" | "pwrite" | "pwritev",
                        true,
                    ) => Handler::Send,
                    (
                        "recvfrom" | "recvmsg" | "recv" | "read" | "readv" | "pread" | "preadv",
                        true,
                    ) => Handler::Recv,
                    _ => Handler::None,
                }
            })
            .collect()
    }

    /// Whether an unknown thread gets a placeholder before the handler runs (clone, procexit
    /// and context switches look threads up without creating them).
    pub(crate) fn creates_thread_on_lookup(self) -> bool {
        !matches!(
            self,
            Handler::Clone
                | Handler::ProcExit
                | Handler::Switch
                | Handler::Meta
                | Handler::UserAdded
                | Handler::UserDeleted
                | Handler::GroupAdded
                | Handler::GroupDeleted
        )
    }

    /// Whether sysdig 0.29 applied this exit when it did not follow its enter event. It then
    /// had no fd for the event, so parsers of changes to the event's fd (I/O, bind, connect,
    /// close, dup, fchdir) did nothing, and neither did those that read their enter's
    /// parameters (socket, fcntl, set*id).
    pub(crate) fn runs_unpaired_in_sysdig_029(self) -> bool {
        !matches!(
            self,
            Handler::Socket
                | Handler::Connect
                | Handler::Bind
                | Handler::Dup
                | Handler::Fcntl
                | Handler::Close
                | Handler::Fchdir
                | Handler::SetUid
                | Handler::SetGid
                | Handler::SetResUid
                | Handler::SetResGid
                | Handler::Send
                | Handler::Recv
                | Handler::Getsockopt
        )
    }

    /// Applies the event to the state.
    pub(crate) fn run(self, insp: &mut Inspector, tid: i64, a: &Args<'_, '_>) {
        match self {
            Handler::None | Handler::Meta => {}
            Handler::Clone => proc::clone_exit(insp, tid, a),
            Handler::Execve => proc::execve_exit(insp, tid, a),
            Handler::ProcExit => proc::procexit(insp, tid, a),
            Handler::Switch => proc::switch(insp, tid, a),
            Handler::Memory => proc::memory(insp, tid, a),
            Handler::Getsockopt => fd::getsockopt(insp, tid, a),
            Handler::Chdir => proc::chdir(insp, tid, a),
            Handler::Fchdir => proc::fchdir(insp, tid, a),
            Handler::Chroot => proc::chroot(insp, tid, a),
            Handler::SetUid => proc::set_id(insp, tid, a, crate::params::P::Uid, true),
            Handler::SetGid => proc::set_id(insp, tid, a, crate::params::P::Gid, false),
            Handler::SetResUid => proc::set_id(insp, tid, a, crate::params::P::Euid, true),
            Handler::SetResGid => proc::set_id(insp, tid, a, crate::params::P::Egid, false),
            Handler::Setsid => proc::setsid(insp, tid, a),
            Handler::Setpgid => proc::setpgid(insp, tid, a),
            Handler::Prctl => proc::prctl(insp, tid, a),
            Handler::Capset => proc::capset(insp, tid, a),
            Handler::UnshareSetns => proc::unshare_setns(insp, tid, a),
            Handler::UserAdded => proc::user_added(insp, a, true),
            Handler::UserDeleted => proc::user_added(insp, a, false),
            Handler::GroupAdded => proc::group_added(insp, a, true),
            Handler::GroupDeleted => proc::group_added(insp, a, false),
            Handler::Open => fd::open(insp, tid, a),
            Handler::Socket => fd::socket(insp, tid, a),
            Handler::Socketpair => fd::socketpair(insp, tid, a),
            Handler::Connect => fd::connect(insp, tid, a),
            Handler::Accept => fd::accept(insp, tid, a),
            Handler::Bind => fd::bind(insp, tid, a),
            Handler::Pipe => fd::pipe(insp, tid, a),
            Handler::Anon(ty) => fd::anon(insp, tid, a, ty),
            Handler::Memfd => fd::memfd(insp, tid, a),
            Handler::PidfdOpen => fd::pidfd_open(insp, tid, a),
            Handler::PidfdGetfd => fd::pidfd_getfd(insp, tid, a),
            Handler::Dup => fd::dup(insp, tid, a),
            Handler::Fcntl => fd::fcntl(insp, tid, a),
            Handler::Close => fd::close(insp, tid, a),
            Handler::CloseRange => fd::close_range(insp, tid, a),
            Handler::Send => fd::io(insp, tid, a, true),
            Handler::Recv => fd::io(insp, tid, a, false),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn deleted_mark_is_cut_off_executable_paths() {
        let cut = |p: &[u8]| {
            let mut v = p.to_vec();
            super::cut_deleted(&mut v);
            v
        };
        assert_eq!(cut(b"/bin/bash (deleted)"), b"/bin/bash");
        assert_eq!(cut(b"/bin/bash"), b"/bin/bash");
        assert_eq!(cut(b" (deleted)"), b" (deleted)");
    }
}
