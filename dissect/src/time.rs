//! Wall-clock rendering of timestamps in a fixed-offset time zone.
//!
//! sysdig prints `evt.time` and `evt.datetime` in the local zone (`localtime_r`). We do not read
//! the system zone database: [`TimeZone::from_env`] understands `TZ` when it is unset or empty,
//! `UTC`/`GMT`/`Etc/UTC` (with an optional leading `:`), and POSIX fixed offsets such as
//! `EST5`, `UTC-2` or `<+0530>-5:30`. A daylight-saving rule (`EST5EDT,M3.2.0,...`) keeps only
//! its standard offset, and a zone name (`Europe/Paris`) falls back to UTC: use
//! [`TimeZone::fixed`] when the offset is known some other way.

use crate::text::{Text, nine_digits, pair};

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
}

/// The text of one second, `YYYY-MM-DD HH:MM:SS`, kept while timestamps stay in that second
/// (and its date while they stay in that day), so that a line's time costs a compare and a
/// copy. It is keyed by the second in the zone's own count (seconds since the epoch plus the
/// zone's offset), which is all the text depends on: any zone, and time going backwards,
/// simply miss.
#[derive(Debug, Clone, Default)]
pub(crate) struct StampCache {
    /// The local second `text` shows, and its day; `None` before the first use.
    second: Option<i64>,
    day: i64,
    text: [u8; 19],
}

impl StampCache {
    /// `YYYY-MM-DD HH:MM:SS` of the local second `secs`.
    #[inline]
    fn text(&mut self, secs: i64) -> &[u8; 19] {
        if self.second != Some(secs) {
            self.fill(secs);
        }
        &self.text
    }

    #[inline(never)]
    fn fill(&mut self, secs: i64) {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400) as u32;
        let t = &mut self.text;
        if self.second.is_none() || self.day != days {
            // Years stay within 1969..=2554 for u64 nanoseconds and offsets within a day.
            let (year, month, day) = strata_scap::param::civil_from_days(days);
            let year = year.clamp(0, 9999) as u32;
            t[..2].copy_from_slice(&pair(year / 100));
            t[2..4].copy_from_slice(&pair(year % 100));
            t[4] = b'-';
            t[5..7].copy_from_slice(&pair(month));
            t[7] = b'-';
            t[8..10].copy_from_slice(&pair(day));
            t[10] = b' ';
            self.day = days;
        }
        t[11..13].copy_from_slice(&pair(rem / 3600));
        t[13] = b':';
        t[14..16].copy_from_slice(&pair(rem / 60 % 60));
        t[16] = b':';
        t[17..19].copy_from_slice(&pair(rem % 60));
        self.second = Some(secs);
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

/// Writes the timestamp `ns` in zone `tz` (UTC for ISO 8601), the second's text taken from
/// `cache` when it holds it.
#[inline]
pub(crate) fn write_stamp<O: Text + ?Sized>(
    out: &mut O,
    ns: u64,
    tz: TimeZone,
    what: Stamp,
    cache: &mut StampCache,
) {
    let offset = if what == Stamp::Iso8601 {
        0
    } else {
        tz.offset_secs
    };
    let secs = (ns / 1_000_000_000) as i64 + offset as i64;
    let frac = (ns % 1_000_000_000) as u32;
    let text = cache.text(secs);
    // The whole stamp is assembled here, then appended at once.
    let mut buf = [0u8; 35];
    let (mut n, nanos) = match what {
        Stamp::Time { nanos } => {
            buf[..8].copy_from_slice(&text[11..]);
            (8, nanos)
        }
        Stamp::DateTime { nanos } => {
            buf[..19].copy_from_slice(text);
            (19, nanos)
        }
        Stamp::Iso8601 => {
            buf[..19].copy_from_slice(text);
            buf[10] = b'T';
            (19, true)
        }
    };
    if nanos {
        buf[n] = b'.';
        buf[n + 1..n + 10].copy_from_slice(&nine_digits(frac));
        n += 10;
    }
    if what == Stamp::Iso8601 {
        buf[n..n + 5].copy_from_slice(b"+0000");
        n += 5;
    }
    out.push_ascii(&buf[..n]);
}

/// A duration the way sysdig's `*.human` fields print it: `653ns`, `3.12us`, `1.50ms`, `2.00s`
/// (two decimals, truncated).
pub(crate) fn write_human_duration<O: Text>(w: &mut O, ns: u64) {
    // libsinsp's `format_time`: whole units from the millisecond up to ten of them, two
    // decimals below that, h:m:s past the hour.
    const S: u64 = 1_000_000_000;
    let num = |w: &mut O, v: u64| w.push_u64(v as u32 as u64);
    if ns >= 3600 * S {
        let two = |w: &mut O, v: u64| {
            let v = v as u32;
            if v < 10 {
                w.push_byte(b'0');
            }
            w.push_u64(v as u64);
        };
        two(w, ns / (3600 * S));
        w.push_byte(b':');
        two(w, ns / (60 * S) % 60);
        w.push_byte(b':');
        two(w, ns / S % 60);
    } else if ns >= 60 * S {
        num(w, ns / (60 * S));
        w.push_byte(b':');
        num(w, ns / S % 60);
    } else {
        // Under a minute: seconds, milliseconds or microseconds with two decimals, or whole
        // ones from ten of them on (seconds always have decimals).
        for (unit, name) in [(S, "s"), (1_000_000, "ms"), (1000, "us")] {
            if ns >= unit {
                num(w, ns / unit);
                if unit == S || ns < 10 * unit {
                    w.push_byte(b'.');
                    w.push_ascii(&pair((ns % unit / (unit / 100)) as u32));
                }
                return w.push_str(name);
            }
        }
        num(w, ns);
        w.push_str("ns");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(ns: u64, tz: TimeZone, what: Stamp) -> String {
        let mut out = String::new();
        write_stamp(&mut out, ns, tz, what, &mut StampCache::default());
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

    /// The stamp as `core::fmt` writes it, computed afresh.
    fn reference(ns: u64, tz: TimeZone, what: Stamp) -> String {
        let offset = if what == Stamp::Iso8601 {
            0
        } else {
            tz.offset_secs()
        };
        let secs = (ns / 1_000_000_000) as i64 + offset as i64;
        let (y, mo, d) = strata_scap::param::civil_from_days(secs.div_euclid(86_400));
        let r = secs.rem_euclid(86_400);
        let hms = format!("{:02}:{:02}:{:02}", r / 3600, r / 60 % 60, r % 60);
        let frac = format!(".{:09}", ns % 1_000_000_000);
        match what {
            Stamp::Time { nanos } => format!("{hms}{}", if nanos { &frac[..] } else { "" }),
            Stamp::DateTime { nanos } => {
                format!(
                    "{y:04}-{mo:02}-{d:02} {hms}{}",
                    if nanos { &frac[..] } else { "" }
                )
            }
            Stamp::Iso8601 => format!("{y:04}-{mo:02}-{d:02}T{hms}{frac}+0000"),
        }
    }

    #[test]
    fn the_cache_follows_zones_days_and_time_going_back() {
        let t = 1_470_327_477_881_730_713u64;
        let day = 86_400_000_000_000u64;
        let times = [
            t,
            t + 1,
            t + 118_269_287, // the next second
            t - 1_000_000_000,
            t,
            t + day,
            t - 400 * day,
            t - 400 * day + 7,
            0,
            999_999_999,
            u64::MAX,
            t,
        ];
        let zones = [
            TimeZone::UTC,
            TimeZone::fixed(-18_000),
            TimeZone::fixed(19_800),
            TimeZone::fixed(-25 * 3600),
            TimeZone::UTC,
        ];
        let kinds = [
            Stamp::Time { nanos: true },
            Stamp::Time { nanos: false },
            Stamp::DateTime { nanos: true },
            Stamp::DateTime { nanos: false },
            Stamp::Iso8601,
        ];
        // One cache through every combination, in an order that moves back and forth.
        let mut cache = StampCache::default();
        for tz in zones {
            for ns in times {
                for what in kinds {
                    let mut out = Vec::new();
                    write_stamp(&mut out, ns, tz, what, &mut cache);
                    let got = String::from_utf8(out).unwrap();
                    assert_eq!(got, reference(ns, tz, what), "{ns} {tz:?} {what:?}");
                }
            }
        }
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
            write_human_duration(&mut o, ns);
            o
        };
        assert_eq!(h(0), "0ns");
        assert_eq!(h(653), "653ns");
        assert_eq!(h(3120), "3.12us");
        assert_eq!(h(1329), "1.32us");
        assert_eq!(h(18_920), "18us");
        assert_eq!(h(1_500_000), "1.50ms");
        assert_eq!(h(12_345_678), "12ms");
        assert_eq!(h(2_500_000_000), "2.50s");
        assert_eq!(h(125_000_000_000), "2:5");
        assert_eq!(h(3_725_000_000_000), "01:02:05");
    }
}
