//! Wall-clock rendering of timestamps in a fixed-offset time zone.
//!
//! sysdig prints `evt.time` and `evt.datetime` in the local zone (`localtime_r`). We do not read
//! the system zone database: [`TimeZone::from_env`] understands `TZ` when it is unset or empty,
//! `UTC`/`GMT`/`Etc/UTC` (with an optional leading `:`), and POSIX fixed offsets such as
//! `EST5`, `UTC-2` or `<+0530>-5:30`. A daylight-saving rule (`EST5EDT,M3.2.0,...`) keeps only
//! its standard offset, and a zone name (`Europe/Paris`) falls back to UTC: use
//! [`TimeZone::fixed`] when the offset is known some other way.

use std::fmt;

/// A fixed offset east of UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeZone {
    offset_secs: i32,
}

impl TimeZone {
    /// UTC.
    pub const UTC: TimeZone = TimeZone { offset_secs: 0 };

    /// A zone `offset_secs` east of UTC (negative west of it).
    pub const fn fixed(offset_secs: i32) -> Self {
        TimeZone { offset_secs }
    }

    /// The offset east of UTC in seconds.
    pub const fn offset_secs(self) -> i32 {
        self.offset_secs
    }

    /// The zone the `TZ` environment variable names, within the limits in the module docs.
    pub fn from_env() -> Self {
        std::env::var("TZ").map_or(Self::UTC, |tz| Self::parse_posix(&tz).unwrap_or(Self::UTC))
    }

    /// Parses a POSIX `TZ` value with a fixed standard offset (`UTC`, `EST5`, `<+03>-3`,
    /// `UTC+05:30`); `None` for zone names and other forms. POSIX offsets count west of UTC,
    /// so `EST5` is five hours behind.
    pub fn parse_posix(tz: &str) -> Option<Self> {
        let tz = tz.strip_prefix(':').unwrap_or(tz);
        if tz.is_empty() || matches!(tz, "UTC" | "GMT" | "UCT" | "Etc/UTC" | "Etc/GMT" | "Zulu") {
            return Some(Self::UTC);
        }
        let rest = if let Some(r) = tz.strip_prefix('<') {
            &r[r.find('>')? + 1..]
        } else {
            let n = tz.bytes().take_while(u8::is_ascii_alphabetic).count();
            if n < 3 {
                return None;
            }
            &tz[n..]
        };
        let (sign, rest) = match rest.as_bytes().first()? {
            b'-' => (1, &rest[1..]),
            b'+' => (-1, &rest[1..]),
            _ => (-1, rest),
        };
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == ':'))
            .unwrap_or(rest.len());
        let mut secs = 0i32;
        let mut mult = 3600;
        for part in rest[..end].split(':') {
            if mult == 0 || part.is_empty() || part.len() > 2 {
                return None;
            }
            secs += part.parse::<i32>().ok()? * mult;
            mult /= 60;
        }
        if secs > 25 * 3600 {
            return None;
        }
        Some(Self::fixed(sign * secs))
    }

    fn local(self, ns: u64) -> (Civil, u32) {
        let secs = (ns / 1_000_000_000) as i64 + self.offset_secs as i64;
        (Civil::from_unix(secs), (ns % 1_000_000_000) as u32)
    }
}

/// A broken-down date and time.
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    min: u32,
    sec: u32,
}

impl Civil {
    fn from_unix(secs: i64) -> Self {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400) as u32;
        let (year, month, day) = strata_scap::param::civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: rem / 3600,
            min: rem / 60 % 60,
            sec: rem % 60,
        }
    }
}

/// Which parts of a timestamp to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stamp {
    /// `HH:MM:SS.nnnnnnnnn` (`evt.time`) or `HH:MM:SS` (`evt.time.s`).
    Time { nanos: bool },
    /// `YYYY-MM-DD HH:MM:SS.nnnnnnnnn` (`evt.datetime`) or without nanoseconds.
    DateTime { nanos: bool },
    /// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+0000`, always in UTC (`evt.time.iso8601`).
    Iso8601,
}

pub(crate) fn write_stamp(
    w: &mut impl fmt::Write,
    ns: u64,
    tz: TimeZone,
    what: Stamp,
) -> fmt::Result {
    let tz = if what == Stamp::Iso8601 {
        TimeZone::UTC
    } else {
        tz
    };
    let (c, frac) = tz.local(ns);
    let nanos = match what {
        Stamp::Time { nanos } => nanos,
        Stamp::DateTime { nanos } => {
            write!(w, "{:04}-{:02}-{:02} ", c.year, c.month, c.day)?;
            nanos
        }
        Stamp::Iso8601 => {
            write!(w, "{:04}-{:02}-{:02}T", c.year, c.month, c.day)?;
            true
        }
    };
    write!(w, "{:02}:{:02}:{:02}", c.hour, c.min, c.sec)?;
    if nanos {
        write!(w, ".{frac:09}")?;
    }
    if what == Stamp::Iso8601 {
        w.write_str("+0000")?;
    }
    Ok(())
}

/// A duration the way sysdig's `*.human` fields print it: `653ns`, `3.12us`, `1.50ms`, `2.00s`
/// (two decimals, truncated).
pub(crate) fn write_human_duration(w: &mut impl fmt::Write, ns: u64) -> fmt::Result {
    let (unit, div) = match ns {
        0..1_000 => return write!(w, "{ns}ns"),
        1_000..1_000_000 => ("us", 1_000),
        1_000_000..1_000_000_000 => ("ms", 1_000_000),
        _ => ("s", 1_000_000_000),
    };
    write!(w, "{}.{:02}{unit}", ns / div, ns % div * 100 / div)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(ns: u64, tz: TimeZone, what: Stamp) -> String {
        let mut out = String::new();
        write_stamp(&mut out, ns, tz, what).unwrap();
        out
    }

    #[test]
    fn stamps() {
        let ns = 1_470_327_477_881_730_713;
        assert_eq!(
            s(ns, TimeZone::UTC, Stamp::Time { nanos: true }),
            "16:17:57.881730713"
        );
        assert_eq!(
            s(ns, TimeZone::UTC, Stamp::Time { nanos: false }),
            "16:17:57"
        );
        assert_eq!(
            s(ns, TimeZone::UTC, Stamp::DateTime { nanos: true }),
            "2016-08-04 16:17:57.881730713"
        );
        let est = TimeZone::parse_posix("EST5").unwrap();
        assert_eq!(s(ns, est, Stamp::Time { nanos: false }), "11:17:57");
        assert_eq!(
            s(ns, est, Stamp::Iso8601),
            "2016-08-04T16:17:57.881730713+0000"
        );
        assert_eq!(
            s(0, TimeZone::fixed(-3600), Stamp::DateTime { nanos: false }),
            "1969-12-31 23:00:00"
        );
    }

    #[test]
    fn posix_tz() {
        assert_eq!(TimeZone::parse_posix("UTC"), Some(TimeZone::UTC));
        assert_eq!(TimeZone::parse_posix(":UTC"), Some(TimeZone::UTC));
        assert_eq!(TimeZone::parse_posix("UTC-2"), Some(TimeZone::fixed(7200)));
        assert_eq!(
            TimeZone::parse_posix("<+0530>-5:30"),
            Some(TimeZone::fixed(19800))
        );
        assert_eq!(
            TimeZone::parse_posix("EST5EDT,M3.2.0,M11.1.0"),
            Some(TimeZone::fixed(-18000))
        );
        assert_eq!(TimeZone::parse_posix("Europe/Paris"), None);
    }

    #[test]
    fn human() {
        let h = |ns| {
            let mut o = String::new();
            write_human_duration(&mut o, ns).unwrap();
            o
        };
        assert_eq!(h(0), "0ns");
        assert_eq!(h(653), "653ns");
        assert_eq!(h(3120), "3.12us");
        assert_eq!(h(1329), "1.32us");
        assert_eq!(h(2_500_000_000), "2.50s");
    }
}
