//! The context of one processed event: read-only views of its thread, fd, user and enter event.

use strata_scap::Event;

use crate::fds::{FdInfo, FdTable};
use crate::inspector::{Applied, Inspector};
use crate::threads::ThreadInfo;
use crate::users::{GroupInfo, UserInfo};

/// What [`Inspector::process`] returns: the event with views of the state it touched.
///
/// Views borrow the inspector; nothing is copied or allocated. The event's thread is looked
/// up once, when the context is made, and so are its main thread and the fd table they use
/// for an event about an fd; for other events (most of them, which most readers never ask
/// about either) those two are looked up when asked for.
#[derive(Debug, Clone, Copy)]
pub struct EventCtx<'a> {
    insp: &'a Inspector,
    event: Event<'a>,
    thread: Option<&'a ThreadInfo>,
    /// The main thread and the fd table, when `resolved`.
    main: Option<&'a ThreadInfo>,
    fds: Option<&'a FdTable>,
    resolved: bool,
    num: u64,
    tid: i64,
    fd_num: Option<i64>,
    /// The event found no fd of its own (sysdig 0.29's unpaired exits).
    fd_unresolved: bool,
    enter_valid: bool,
    prev_ts: u64,
    first_ts: u64,
    initial_state: bool,
    /// Counted and parsed, but filtered out by libsinsp 0.25.
    hidden: bool,
    /// Removed by libsinsp 0.25's capture reader: not counted, not parsed.
    dropped: bool,
    /// The event made its thread (see [`thread_made_by_event`](Self::thread_made_by_event)).
    thread_new: bool,
}

/// The thread of an applied event, and, when the event is about an fd, its main thread, its
/// fd table and the fd's number: what a context resolves.
#[inline(always)]
#[allow(clippy::type_complexity)]
pub(crate) fn resolve<'a>(
    insp: &'a Inspector,
    a: &Applied,
) -> (
    Option<&'a ThreadInfo>,
    Option<&'a ThreadInfo>,
    Option<&'a FdTable>,
    Option<i64>,
) {
    let thread = insp.thread(a.tid);
    let fd_num = if a.uses_fd {
        thread.map(|t| t.lastevent_fd)
    } else {
        None
    };
    match thread {
        Some(t) if fd_num.is_some() => {
            let main = insp.main_thread(t);
            // The table `Inspector::fd_table` picks, without looking the main thread up
            // again.
            let fds = match main {
                Some(m) if t.shares_fds() => &m.fds,
                _ => &t.fds,
            };
            (thread, main, Some(fds), fd_num)
        }
        _ => (thread, None, None, fd_num),
    }
}

impl<'a> EventCtx<'a> {
    /// The context of `event`, number `num`, from what applying it found.
    #[inline]
    pub(crate) fn new(insp: &'a Inspector, event: Event<'a>, num: u64, a: &Applied) -> Self {
        let (thread, main, fds, fd_num) = resolve(insp, a);
        let resolved = fd_num.is_some();
        EventCtx {
            insp,
            event,
            thread,
            main,
            fds,
            resolved,
            num,
            tid: a.tid,
            fd_num,
            fd_unresolved: a.unpaired,
            enter_valid: a.enter_valid,
            prev_ts: a.prev_ts,
            first_ts: a.first_ts,
            initial_state: a.initial_state,
            hidden: false,
            dropped: false,
            thread_new: a.thread_new,
        }
    }

    /// A context whose thread is not in the table (the thread sysdig 0.29 made up for a
    /// container event): no fd, no enter event.
    pub(crate) fn with_thread(
        insp: &'a Inspector,
        event: Event<'a>,
        num: u64,
        thread: Option<&'a ThreadInfo>,
        prev_ts: u64,
        first_ts: u64,
        initial_state: bool,
    ) -> Self {
        EventCtx {
            insp,
            event,
            thread,
            main: thread,
            fds: thread.map(|t| &t.fds),
            resolved: true,
            num,
            tid: thread.map_or(-1, |t| t.tid),
            fd_num: None,
            fd_unresolved: false,
            enter_valid: false,
            prev_ts,
            first_ts,
            initial_state,
            hidden: false,
            dropped: false,
            thread_new: false,
        }
    }

    /// The same context, for an event libsinsp 0.25 parses and then filters out.
    pub(crate) fn hidden(mut self) -> Self {
        self.hidden = true;
        self
    }

    /// The same context, for an event libsinsp 0.25's capture reader removes.
    pub(crate) fn dropped(mut self) -> Self {
        self.dropped = true;
        self
    }

    /// The event: as the capture has it, or, for an exit libsinsp 0.25's capture reader
    /// completes ([`Config::drop_enter_events`](crate::Config::drop_enter_events)), with the
    /// parameters it lacked filled in from its enter event.
    pub fn event(&self) -> &Event<'a> {
        &self.event
    }

    /// `evt.num`: the event's number, counted from 1 over every event of the capture (every
    /// event libsinsp 0.25's capture reader keeps, in its flavor). For a dropped event, the
    /// number of the last counted one.
    pub fn num(&self) -> u64 {
        self.num
    }

    /// The event's thread id as signed (−1 for events of no thread).
    pub fn tid(&self) -> i64 {
        self.tid
    }

    /// The event's thread, if known.
    #[inline]
    pub fn thread(&self) -> Option<&'a ThreadInfo> {
        self.thread
    }

    /// The main thread of the event's process.
    #[inline]
    pub fn main_thread(&self) -> Option<&'a ThreadInfo> {
        match self.resolved {
            true => self.main,
            false => self.insp.main_thread(self.thread?),
        }
    }

    /// The fd table the event's thread uses (its main thread's when it shares it).
    #[inline]
    pub fn fd_table(&self) -> Option<&'a FdTable> {
        match self.resolved {
            true => self.fds,
            false => Some(self.insp.fd_table(self.thread?)),
        }
    }

    /// `fd.num`: for events that create, use or destroy an fd, the fd libsinsp associates with
    /// the event (the enter event's fd parameter, else the exit's, or the new fd); `None` for
    /// other events or without a thread. May be −1 or a number not in the table.
    pub fn fd_num(&self) -> Option<i64> {
        self.fd_num
    }

    /// The fd the event is about, if it is in the process's table.
    pub fn fd(&self) -> Option<&'a FdInfo> {
        // (An fd number resolved the table when the context was made.)
        let n = self.fd_num?;
        self.fds?.get(n)
    }

    /// The fd as the event itself found it (libsinsp's event fd info, which `evt.category`
    /// reads): the same as [`fd`](Self::fd), except for an exit that did not follow its
    /// enter in sysdig 0.29's behaviour, which found none. Fd fields still resolve such an
    /// event's fd by the thread's last one, as sysdig 0.29's did.
    pub fn event_fd_found(&self) -> Option<&'a FdInfo> {
        if self.fd_unresolved {
            return None;
        }
        self.fd()
    }

    /// The bytes earlier read or write events carried on this event's stream (its process's
    /// fd, in its direction), when [`Config::stream_bytes`](crate::Config::stream_bytes)
    /// keeps them: contiguous, the newest ones, none after a buffer the capture cut.
    pub fn stream_before(&self) -> &'a [u8] {
        self.insp.streams.before()
    }

    /// Whether the event's thread was made by the event itself: a clone's child whose own
    /// exit came before its creator's. sysdig 0.29's event then had no thread of its own
    /// for the fields that read it directly (`evt.latency.human` repeated its last text).
    pub fn thread_made_by_event(&self) -> bool {
        self.thread_new
    }

    /// Whether parsing the event named its fd anew: a new fd with a name (an open, an
    /// accept; not a dup, which keeps its name), or a socket whose connect, bind or datagram
    /// changed its name (libsinsp's `fd.name_changed`). Meaningful for the context of the
    /// event just processed.
    pub fn fd_name_changed(&self) -> bool {
        self.insp.fd_renamed
    }

    /// The user of the event's thread (by its uid, in its container).
    pub fn user(&self) -> Option<&'a UserInfo> {
        let t = self.thread()?;
        self.insp.users.user(&t.container_id, t.uid)
    }

    /// The group of the event's thread.
    pub fn group(&self) -> Option<&'a GroupInfo> {
        let t = self.thread()?;
        self.insp.users.group(&t.container_id, t.gid)
    }

    /// The working directory of the event's process.
    pub fn cwd(&self) -> Option<&'a [u8]> {
        let t = self.thread?;
        Some(self.main_thread().map_or(&t.cwd, |m| &m.cwd))
    }

    /// For an exit event, the enter event it pairs with (same thread, type one less), parsed
    /// again from the thread's stored copy.
    pub fn enter(&self) -> Option<Event<'a>> {
        if !self.enter_valid {
            return None;
        }
        self.thread()?.enter.event()
    }

    /// Nanoseconds between the enter event and this exit, if they pair.
    pub fn latency(&self) -> Option<u64> {
        Some(self.event.ts.saturating_sub(self.enter()?.ts))
    }

    /// `evt.latency` as libsinsp prints it: the thread's latency, which each exit sets (0 when
    /// it does not pair), each enter clears, and events that skip the enter/exit bookkeeping
    /// (`switch`, ...) leave as it was. 0 without a thread.
    pub fn thread_latency(&self) -> u64 {
        self.thread().map_or(0, |t| t.latency)
    }

    /// Timestamp of the previous event (for `evt.deltatime`); 0 for the first event.
    pub fn prev_ts(&self) -> u64 {
        self.prev_ts
    }

    /// Timestamp of the first event (for `evt.reltime`).
    pub fn first_ts(&self) -> u64 {
        self.first_ts
    }

    /// Whether the event belongs to the leading run of user, group and container events that
    /// libsinsp consumes as initial state when it opens a capture: counted for `evt.num`, not
    /// shown by sysdig, and not the start of `evt.reltime`.
    pub fn is_initial_state(&self) -> bool {
        self.initial_state
    }

    /// Whether libsinsp 0.25's capture reader removes the event before its state engine (see
    /// [`Config::drop_enter_events`](crate::Config::drop_enter_events)): an enter event whose
    /// parameters go to its exit, or an exit it refuses. Not counted, no state changed.
    pub fn is_dropped(&self) -> bool {
        self.dropped
    }

    /// Whether the event is not one a reader returns to its user: [dropped](Self::is_dropped),
    /// part of the [initial state](Self::is_initial_state), or one of the enter events libsinsp
    /// 0.25 parses and then filters out (`open`, `openat`, `openat2`, `creat`, `connect`,
    /// `execve`, `execveat`, when [`Config::drop_enter_events`](crate::Config::drop_enter_events)).
    pub fn is_hidden(&self) -> bool {
        self.initial_state || self.hidden || self.dropped
    }

    /// Writes to `out` the absolute name libsinsp gives `path` opened at directory fd `dirfd`
    /// by the event's thread, as openat resolves it: against the working directory for
    /// `AT_FDCWD` (−100), against the directory's name for another fd, after `<UNKNOWN>` when
    /// that fd is not in the table.
    pub fn resolve_at(&self, dirfd: i64, path: &[u8], out: &mut Vec<u8>) {
        self.insp.resolve_at(self.tid, dirfd, path, out);
    }

    /// The inspector, for lookups: ancestors by tid, users by uid, interfaces.
    pub fn inspector(&self) -> &'a Inspector {
        self.insp
    }
}
