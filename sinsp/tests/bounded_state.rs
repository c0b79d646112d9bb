//! An endless stream keeps the state at its bounds: ten million synthetic events of threads
//! cloned and never exited (half of them seen by the child before the parent's clone exit),
//! fds opened and never closed, users added in ever more containers, containers described and
//! never removed, enters that never see their exit. The tables stay at their configured caps,
//! resident memory stays flat once they are full, and the counters account for every entry the
//! bounds turned away.
//!
//! `STRATA_BOUNDED_EVENTS=N` changes the length (default 10,000,000).

use strata_scap::table::{self, Direction};
use strata_scap::{Endian, SectionHeader, SliceReader, Writer};
use strata_sinsp::{Config, Inspector, TableStats};

const MAX_THREADS: usize = 4096;
const MAX_FDS: usize = 256;
const MAX_USERS: usize = 1024;
const MAX_CONTAINERS: usize = 64;
/// The long-lived process that opens an fd every round.
const OPENER: i64 = 2000;
/// The process that clones a child every round.
const PARENT: i64 = 1000;
/// Events per round (see `Stream::round`).
const PER_ROUND: u64 = 9;

fn code(name: &str, dir: Direction, nparams: usize) -> u16 {
    table::events()
        .iter()
        .filter(|i| i.name == name && i.direction() == dir && i.params.len() == nparams)
        .map(|i| i.code)
        .max()
        .unwrap_or_else(|| panic!("no {name} with {nparams} parameters"))
}

/// What the stream has put in, to hold the counters to.
#[derive(Default, Debug)]
struct Sent {
    threads: u64,
    fds: u64,
    users: u64,
    containers: u64,
    enters: u64,
}

struct Stream {
    w: Writer<Vec<u8>>,
    clone_x: u16,
    connect_e: u16,
    openat_x: u16,
    user_e: u16,
    container_e: u16,
    sent: Sent,
}

impl Stream {
    fn new() -> Self {
        Stream {
            w: Writer::new(Vec::new()),
            clone_x: code("clone", Direction::Exit, 21),
            connect_e: code("connect", Direction::Enter, 2),
            openat_x: code("openat", Direction::Exit, 7),
            user_e: code("useradded", Direction::Enter, 6),
            container_e: code("container", Direction::Enter, 4),
            sent: Sent::default(),
        }
    }

    fn clone_exit(&mut self, ts: u64, tid: i64, res: i64, child: i64) {
        let (z4, z8) = (0u32.to_le_bytes(), 0u64.to_le_bytes());
        let (child_b, parent_b) = (child.to_le_bytes(), PARENT.to_le_bytes());
        let params: [&[u8]; 21] = [
            &res.to_le_bytes(),
            b"/bin/worker\0",
            b"work\0",
            &child_b,
            &child_b,
            &parent_b,
            b"/\0",
            &1024i64.to_le_bytes(),
            &z8,
            &z8,
            &z4,
            &z4,
            &z4,
            b"worker\0",
            b"",
            &z4,
            &z4,
            &z4,
            &child_b,
            &child_b,
            &z8,
        ];
        self.w
            .write_event(0, 0, ts, tid as u64, self.clone_x, &params)
            .unwrap();
    }

    fn open_exit(&mut self, ts: u64, tid: i64, fd: i64) {
        let params: [&[u8]; 7] = [
            &fd.to_le_bytes(),
            &(-100i64).to_le_bytes(),
            b"/var/log/worker.log\0",
            &1u32.to_le_bytes(),
            &0u32.to_le_bytes(),
            &0u32.to_le_bytes(),
            &(fd as u64).to_le_bytes(),
        ];
        self.w
            .write_event(0, 0, ts, tid as u64, self.openat_x, &params)
            .unwrap();
        self.sent.fds += 1;
    }

    /// One round: a child cloned (its own clone exit first every other round), opening two
    /// fds and leaving an open in flight; the opener's next fd; a user in one of a hundred
    /// containers; a new container.
    fn round(&mut self, r: u64) {
        let ts = 1_000_000_000 + r * 1000;
        let child = 100_000 + r as i64;
        if r % 2 == 0 {
            self.clone_exit(ts, child, 0, child);
            self.clone_exit(ts + 1, PARENT, child, child);
        } else {
            self.clone_exit(ts, PARENT, child, child);
            self.clone_exit(ts + 1, child, 0, child);
        }
        self.sent.threads += 1;
        self.open_exit(ts + 2, child, 3);
        self.open_exit(ts + 3, child, 4);
        // A connect whose exit never comes: its enter is kept aside for it.
        let enter: [&[u8]; 2] = [&5i64.to_le_bytes(), b"\x01/run/worker.sock\0"];
        self.w
            .write_event(0, 0, ts + 4, child as u64, self.connect_e, &enter)
            .unwrap();
        self.sent.enters += 1;
        self.open_exit(ts + 5, OPENER, 3 + r as i64);
        let uid = (r as u32).to_le_bytes();
        let scope = format!("{:012x}\0", r % 100);
        let name = format!("u{r}\0");
        let user: [&[u8]; 6] = [
            &uid,
            &uid,
            name.as_bytes(),
            b"/home\0",
            b"/bin/sh\0",
            scope.as_bytes(),
        ];
        self.w
            .write_event(0, 0, ts + 6, 0, self.user_e, &user)
            .unwrap();
        self.sent.users += 1;
        let id = format!("{:012x}\0", 1_000_000 + r);
        let container: [&[u8]; 4] = [id.as_bytes(), &0u32.to_le_bytes(), b"svc\0", b"img\0"];
        self.w
            .write_event(0, 0, ts + 7, child as u64, self.container_e, &container)
            .unwrap();
        self.sent.containers += 1;
        // The opener again: it stays the most recently active process.
        self.open_exit(ts + 8, OPENER, -2);
        self.sent.fds -= 1; // (a failed open: no fd)
    }

    /// The events written since the last call.
    fn take(&mut self) -> Vec<u8> {
        std::mem::replace(&mut self.w, Writer::new(Vec::new()))
            .into_inner()
            .unwrap()
    }
}

/// Resident set size in kB (Linux), else `None`.
fn rss_kb() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4)
}

fn check_bounds(s: &TableStats) {
    assert!(s.threads.len <= MAX_THREADS, "{s:?}");
    assert!(s.fds.len <= MAX_THREADS * MAX_FDS, "{s:?}");
    assert!(s.users.len <= MAX_USERS * (MAX_CONTAINERS + 1), "{s:?}");
    assert!(s.groups.len <= MAX_USERS * (MAX_CONTAINERS + 1), "{s:?}");
    assert!(s.containers.len <= MAX_CONTAINERS, "{s:?}");
    assert!(s.enters.len <= MAX_THREADS, "{s:?}");
}

#[test]
fn ten_million_events_keep_the_state_at_its_caps() {
    let events: u64 = std::env::var("STRATA_BOUNDED_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let rounds = events.div_ceil(PER_ROUND);
    let mut cfg = Config::default();
    cfg.max_threads = MAX_THREADS;
    cfg.max_fds_per_process = MAX_FDS;
    cfg.max_users = MAX_USERS;
    cfg.max_containers = MAX_CONTAINERS;
    let mut insp = Inspector::with_config(cfg);

    // Each batch is read as a capture of its own: the section header, then its events; the
    // inspector takes only the first section header (another would reset it).
    let mut shb = Writer::new(Vec::new());
    shb.write_section(&SectionHeader {
        endian: Endian::Little,
        major: 1,
        minor: 2,
        section_length: u64::MAX,
        options: &[],
    })
    .unwrap();
    let shb = shb.into_inner().unwrap();
    let mut s = Stream::new();
    let mut first = true;
    // Batches of a thousand rounds; RSS and the tables' bytes are sampled after each tenth of
    // the stream.
    const BATCH: u64 = 1000;
    let mut samples = Vec::new();
    let mut r = 0;
    let mut next_sample = rounds / 10;
    while r < rounds {
        let end = (r + BATCH).min(rounds);
        for i in r..end {
            s.round(i);
        }
        r = end;
        let mut bytes = shb.clone();
        bytes.extend_from_slice(&s.take());
        for b in SliceReader::new(&bytes) {
            match b.expect("the synthetic stream reads") {
                strata_scap::Block::Event(ev) => {
                    insp.process(&ev);
                }
                other if first => insp.process_block(&other),
                _ => {}
            }
        }
        first = false;
        if r >= next_sample || r == rounds {
            let st = insp.table_stats();
            check_bounds(&st);
            samples.push((r * PER_ROUND, rss_kb(), st.bytes()));
            next_sample += rounds / 10;
        }
    }
    let st = insp.table_stats();
    eprintln!("after {} events: {st:#?}", rounds * PER_ROUND);
    for (n, rss, bytes) in &samples {
        eprintln!("{n:>10} events: RSS {rss:?} kB, tables {bytes} bytes");
    }

    // The caps hold, and each full table is at its cap.
    check_bounds(&st);
    if rounds > 20 * MAX_THREADS as u64 {
        assert!(st.threads.len > MAX_THREADS * 15 / 16, "{st:?}");
        assert_eq!(st.containers.len, MAX_CONTAINERS);
        assert!(st.threads.evicted > 0 && st.fds.dropped > 0 && st.users.dropped > 0);
    }

    // Every entry the stream put in is held, or counted as evicted or dropped. Threads: the
    // children and the two long-lived processes (made from their first events); a child seen
    // before its parent's clone exit is not made twice.
    let s_sent = &s.sent;
    assert_eq!(
        st.threads.len as u64 + st.threads.evicted,
        s_sent.threads + 2,
        "threads: {st:?} {s_sent:?}"
    );
    assert_eq!(
        st.fds.len as u64 + st.fds.evicted + st.fds.dropped,
        s_sent.fds,
        "fds: {st:?} {s_sent:?}"
    );
    assert_eq!(
        st.users.len as u64 + st.users.dropped,
        s_sent.users,
        "users: {st:?} {s_sent:?}"
    );
    assert_eq!(
        st.containers.len as u64 + st.containers.dropped,
        s_sent.containers,
        "containers: {st:?} {s_sent:?}"
    );
    // No exit comes for the connects: every enter is still kept aside or was let go (the
    // oldest first) to respect the bound.
    assert_eq!(
        st.enters.len as u64 + st.enters.dropped,
        s_sent.enters,
        "enters: {st:?} {s_sent:?}"
    );
    // The long-lived processes are the most recently active: never evicted.
    assert!(insp.thread(OPENER).is_some() && insp.thread(PARENT).is_some());
    // No orphan: every child held has its parent's pid as parent.
    assert!(
        insp.threads()
            .iter()
            .filter(|t| t.tid >= 100_000)
            .all(|t| t.ptid == PARENT),
    );

    // Flat: once the tables are full (the second sample on), the tables' bytes never exceed
    // those of the second sample by more than a tenth, and resident memory grows by at most
    // 16 MB over the rest of the stream.
    if samples.len() >= 4 && rounds > 20 * MAX_THREADS as u64 {
        let tail = &samples[1..];
        let full = tail[0].2;
        assert!(
            tail.iter().all(|s| s.2 * 10 <= full * 11),
            "table bytes not flat: {samples:?}"
        );
        if let (Some(first), Some(last)) = (tail[0].1, tail[tail.len() - 1].1) {
            assert!(
                last <= first + 16 * 1024,
                "resident memory grew from {first} kB to {last} kB: {samples:?}"
            );
        }
    }
}
