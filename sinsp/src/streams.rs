//! The bytes earlier I/O events carried on each stream, for readers of messages that span
//! several events (a DNS length written before its message, an HTTP head written in parts).
//!
//! A stream is a process's fd in one direction. Each read or write event's kept bytes are
//! added to its stream's tail, which holds at most a configured number of the newest bytes;
//! a buffer the capture cut (the call moved more than was kept) leaves a gap, so the tail
//! starts again after it; opening or closing an fd of that number forgets both directions.
//! Off unless [`Config::stream_bytes`](crate::Config::stream_bytes) asks for it: nothing is
//! copied then.

use std::collections::{HashMap, VecDeque};

/// Which stream: the process, the fd, and whether written (`true`) or read.
pub(crate) type Key = (i64, i64, bool);

/// Stream tails, bounded in number and size.
#[derive(Debug, Clone, Default)]
pub(crate) struct Streams {
    tails: HashMap<Key, Vec<u8>>,
    /// Keys in the order they were made, for evicting the oldest.
    order: VecDeque<Key>,
    /// The tail before the last event recorded: what that event's readers see.
    before: Vec<u8>,
}

/// At most this many streams keep a tail; the oldest one goes first.
const MAX_STREAMS: usize = 4096;

impl Streams {
    /// The bytes the stream carried before the event last recorded.
    pub fn before(&self) -> &[u8] {
        &self.before
    }

    /// Records an event's bytes on stream `key`: its tail before them becomes
    /// [`before`](Self::before); `cut` (the capture kept only part) empties the tail.
    pub fn record(&mut self, key: Key, data: &[u8], cut: bool, max: usize) {
        self.before.clear();
        let tail = match self.tails.get_mut(&key) {
            Some(t) => t,
            None => {
                if self.order.len() >= MAX_STREAMS {
                    if let Some(old) = self.order.pop_front() {
                        self.tails.remove(&old);
                    }
                }
                self.order.push_back(key);
                self.tails.entry(key).or_default()
            }
        };
        self.before.extend_from_slice(tail);
        if cut {
            tail.clear();
            return;
        }
        tail.extend_from_slice(data);
        if tail.len() > max {
            let extra = tail.len() - max;
            tail.drain(..extra);
        }
    }

    /// An event that carried no bytes: nothing before it.
    pub fn clear_before(&mut self) {
        self.before.clear();
    }

    /// Forgets both directions of fd `fd` of process `pid` (opened anew, or closed).
    pub fn forget(&mut self, pid: i64, fd: i64) {
        for out in [false, true] {
            if self.tails.remove(&(pid, fd, out)).is_some() {
                self.order.retain(|k| *k != (pid, fd, out));
            }
        }
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.tails.clear();
        self.order.clear();
        self.before.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tails_follow_each_stream_until_a_gap() {
        let mut s = Streams::default();
        s.record((1, 3, true), b"\x00\x20", false, 16);
        assert_eq!(s.before(), b"");
        s.record((1, 3, true), b"message", false, 16);
        assert_eq!(s.before(), b"\x00\x20");
        // The other direction is another stream.
        s.record((1, 3, false), b"reply", false, 16);
        assert_eq!(s.before(), b"");
        // A cut buffer: what follows starts afresh.
        s.record((1, 3, true), b"long...", true, 16);
        assert_eq!(s.before(), b"\x00\x20message");
        s.record((1, 3, true), b"next", false, 16);
        assert_eq!(s.before(), b"");
        // Bounded: the newest bytes stay.
        s.record((1, 3, true), b"0123456789abcdef", false, 16);
        s.record((1, 3, true), b"x", false, 16);
        assert_eq!(s.before(), b"0123456789abcdef");
        s.forget(1, 3);
        s.record((1, 3, true), b"y", false, 16);
        assert_eq!(s.before(), b"");
    }
}
