//! sysdig 0.29's syslog decoder: a successful write to an fd whose name contains `/dev/log`
//! carries `<PRI>message`; `evt.info` then reads `syslog sev=SEVERITY msg=MESSAGE` and the
//! `syslog.*` fields answer. libsinsp 0.25 has no such decoder: there, `evt.info` is the
//! arguments and `syslog.*` has no value.
//!
//! sysdig attached the decoder to an fd when it was opened, connected, read from the
//! capture's tables or renamed by a tuple, if its name then contained `/dev/log`; that is
//! the fd's name at the write, which is what is checked here.

use std::sync::OnceLock;

use strata_scap::ParamValue;
use strata_scap::table::{Direction, EventFlags};

use crate::render::Flavor;
use crate::state::StateView;

const SEVERITIES: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warn", "notice", "info", "debug",
];

const FACILITIES: [&str; 24] = [
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "clock", "authpriv",
    "ftp", "ntp", "logaudit", "logalert", "cron", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7",
];

/// The longest priority text the decoder reads between `<` and `>`.
const MAX_PRI: usize = 15;

/// A decoded syslog message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Syslog<'a> {
    priority: i32,
    /// The text after `<PRI>`, as far as the capture kept it.
    pub(crate) message: &'a [u8],
}

impl Syslog<'_> {
    /// The severity (the priority's low three bits).
    pub(crate) fn severity(&self) -> u32 {
        (self.priority & 7) as u32
    }

    /// The facility (the priority without its severity).
    pub(crate) fn facility(&self) -> u32 {
        (self.priority >> 3) as u32
    }

    /// The severity's name; `<NA>` past the table, as sysdig printed it.
    pub(crate) fn severity_str(&self) -> &'static str {
        SEVERITIES
            .get(self.severity() as usize)
            .copied()
            .unwrap_or("<NA>")
    }

    /// The facility's name; `<NA>` past the table.
    pub(crate) fn facility_str(&self) -> &'static str {
        FACILITIES
            .get(self.facility() as usize)
            .copied()
            .unwrap_or("<NA>")
    }
}

/// Decodes `data` as sysdig did: the priority is the digits after the first byte up to `>`
/// (at most 15 of them); the message starts after the `>`.
pub(crate) fn parse(data: &[u8]) -> Option<Syslog<'_>> {
    let rest = data.get(1..)?;
    let end = rest
        .iter()
        .take(MAX_PRI)
        .position(|&c| c == b'>' || c == 0)
        .unwrap_or(rest.len().min(MAX_PRI));
    let pri = &rest[..end];
    if pri.is_empty() || data.len() < pri.len() + 2 {
        return None;
    }
    let (neg, digits) = match pri.split_first() {
        Some((b'-', d)) => (true, d),
        _ => (false, pri),
    };
    let mut value: i32 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        value = value.wrapping_mul(10).wrapping_add(i32::from(c - b'0'));
    }
    Some(Syslog {
        priority: if neg { value.wrapping_neg() } else { value },
        message: &data[pri.len() + 2..],
    })
}

/// Whether the event writes to an fd whose name contains `/dev/log` (`evt.is_syslog`).
pub(crate) fn is_syslog_write<S: StateView + ?Sized>(view: &S) -> bool {
    let ev = view.event();
    ev.info()
        .is_some_and(|i| i.flags.contains(EventFlags::WRITES_TO_FD))
        && view
            .event_fd_info()
            .is_some_and(|f| contains(f.name, b"/dev/log"))
}

/// The message a write exit carried to `/dev/log`, in the sysdig 0.29 flavor.
pub(crate) fn of_event<S: StateView + ?Sized>(view: &S, flavor: Flavor) -> Option<Syslog<'_>> {
    if flavor != Flavor::Sysdig029 {
        return None;
    }
    let ev = view.event();
    if ev.direction() != Direction::Exit || !is_write_call(ev.event_type) {
        return None;
    }
    let res = ev.param(0)?.ok()?.as_i64()?;
    let fd = view.event_fd_info()?;
    if res < 0 || !contains(fd.name, b"/dev/log") {
        return None;
    }
    match ev.param(1)?.ok()? {
        ParamValue::Bytes(data) => parse(data),
        _ => None,
    }
}

/// Whether events of type `code` are those of the calls sysdig decoded syslog from: `write`,
/// `send`, `sendto`, `sendmsg`, `writev`, `pwrite` and `pwritev` (by name, in the table;
/// looked up once).
fn is_write_call(code: u16) -> bool {
    static WRITES: OnceLock<Vec<bool>> = OnceLock::new();
    let writes = WRITES.get_or_init(|| {
        strata_scap::table::events()
            .iter()
            .map(|e| {
                matches!(
                    e.name,
                    "write" | "send" | "sendto" | "sendmsg" | "writev" | "pwrite" | "pwritev"
                )
            })
            .collect()
    });
    writes.get(code as usize).copied().unwrap_or(false)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_and_message() {
        let s = parse(b"<85>Apr  5 19:47:04 sudo: hello").unwrap();
        assert_eq!((s.severity(), s.facility()), (5, 10));
        assert_eq!((s.severity_str(), s.facility_str()), ("notice", "authpriv"));
        assert_eq!(s.message, b"Apr  5 19:47:04 sudo: hello");
    }

    #[test]
    fn only_successful_writes_to_dev_log_in_sysdig_0_29() {
        use crate::state::FdView;
        use crate::test_support::{View, body, event};
        // write exit (code 9): res, data.
        let b = body(9, &[&12i64.to_le_bytes(), b"<85>Apr  5 x"]);
        let mut view = View::new(event(&b));
        view.fd = Some(3);
        view.fds = vec![(3, FdView::new(b'u', "unix", b"/dev/log"))];
        let s = of_event(&view, Flavor::Sysdig029).unwrap();
        assert_eq!((s.severity_str(), s.message), ("notice", &b"Apr  5 x"[..]));
        assert_eq!(of_event(&view, Flavor::Libsinsp025), None);
        view.fds = vec![(3, FdView::new(b'u', "unix", b"/run/other"))];
        assert_eq!(of_event(&view, Flavor::Sysdig029), None);
        let b = body(9, &[&(-9i64).to_le_bytes(), b"<85>Apr  5 x"]);
        let mut view = View::new(event(&b));
        view.fd = Some(3);
        view.fds = vec![(3, FdView::new(b'u', "unix", b"/dev/log"))];
        assert_eq!(of_event(&view, Flavor::Sysdig029), None);
    }

    #[test]
    fn not_syslog() {
        assert_eq!(parse(b""), None);
        assert_eq!(parse(b"<>x"), None);
        assert_eq!(parse(b"<a1>x"), None);
        assert_eq!(parse(b"<1"), None);
        // A facility past the table is named `<NA>`.
        assert_eq!(parse(b"<999>m").unwrap().facility_str(), "<NA>");
    }
}
