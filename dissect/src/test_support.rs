//! Events and a small state view for the unit tests.

use strata_scap::block::types;
use strata_scap::event::encode_event;
use strata_scap::{Endian, Event};

use crate::state::{FdView, StateView};

/// The body of an event block (cpu 0, version 2 header) of type `code` with `params`.
pub(crate) fn body(code: u16, params: &[&[u8]]) -> Vec<u8> {
    let mut out = vec![0, 0];
    encode_event(&mut out, Endian::Little, 1_000, 42, code, params).unwrap();
    out
}

/// The event of a body made by [`body`].
pub(crate) fn event(body: &[u8]) -> Event<'_> {
    Event::parse(types::EV_V2, body, Endian::Little).unwrap()
}

/// A view of one event of a known thread with a few fds.
pub(crate) struct View<'a> {
    pub ev: Event<'a>,
    pub fds: Vec<(i64, FdView<'a>)>,
    /// The fd the event is about.
    pub fd: Option<i64>,
    pub cwd: &'a [u8],
}

impl<'a> View<'a> {
    pub(crate) fn new(ev: Event<'a>) -> Self {
        View {
            ev,
            fds: Vec::new(),
            fd: None,
            cwd: b"/",
        }
    }
}

impl StateView for View<'_> {
    fn event(&self) -> &Event<'_> {
        &self.ev
    }
    fn num(&self) -> u64 {
        1
    }
    fn has_thread(&self) -> bool {
        true
    }
    fn fd(&self, fd: i64) -> Option<FdView<'_>> {
        self.fds.iter().find(|(n, _)| *n == fd).map(|(_, f)| *f)
    }
    fn cwd(&self) -> Option<&[u8]> {
        Some(self.cwd)
    }
    fn event_fd(&self) -> Option<i64> {
        self.fd
    }
}
