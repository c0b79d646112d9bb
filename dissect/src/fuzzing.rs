//! The bodies of the `inspect` and `filter` fuzz targets, here so `cargo test` can replay
//! them too.
//!
//! Bytes are read as a capture; every block goes through an [`Inspector`] and every event is
//! rendered with every built-in field, in both flavors. Whatever the input, this must return:
//! no panic, no hang, no allocation beyond what the input and the table bounds allow.

use std::sync::OnceLock;

use strata_scap::{Block, SliceReader};
use strata_sinsp::{Config, Inspector};

use crate::format::Format;
use crate::registry::{ArgKind, Registry};
use crate::render::{Flavor, RenderOptions};
use crate::time::TimeZone;

/// A `*` format naming every built-in field once, with an argument where one is taken.
fn every_field() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let mut s = String::from("*");
        for (_, f) in Registry::builtin().iter() {
            s.push('%');
            s.push_str(&f.name);
            match f.arg {
                ArgKind::None => {}
                ArgKind::Index | ArgKind::IndexOrKey => s.push_str("[1]"),
                ArgKind::Name => s.push_str(".fd"),
                ArgKind::IndexOrName => s.push_str("[0]"),
            }
            s.push(' ');
        }
        s
    })
}

/// Runs `data` through the state engine and every field, in both flavors.
pub fn inspect(data: &[u8]) {
    for flavor in [Flavor::Libsinsp025, Flavor::Sysdig029] {
        let opts = RenderOptions::default()
            .with_tz(TimeZone::UTC)
            .with_flavor(flavor);
        let reg = Registry::builtin();
        let mut all = Format::compile(reg, every_field(), opts).expect("every field compiles");
        let mut default = Format::sysdig_default(reg, opts);
        let mut cfg = match flavor {
            Flavor::Sysdig029 => Config::sysdig_029(),
            _ => Config::default(),
        };
        // Small bounds, so hostile inputs reach them quickly.
        cfg.max_threads = 64;
        cfg.max_fds_per_process = 64;
        cfg.max_users = 64;
        cfg.max_containers = 8;
        let mut insp = Inspector::with_config(cfg);
        let mut line = Vec::new();
        for block in SliceReader::new(data) {
            let Ok(block) = block else { break };
            let Block::Event(ev) = &block else {
                insp.process_block(&block);
                continue;
            };
            let ctx = insp.process(ev);
            line.clear();
            all.render_into(&ctx, &mut line);
            default.render_into(&ctx, &mut line);
            assert!(std::str::from_utf8(&line).is_ok(), "lines are UTF-8");
        }
        // Every table within its bound.
        let st = insp.table_stats();
        assert!(st.threads.len <= 64 && st.enters.len <= 64 && st.containers.len <= 8);
        assert!(st.users.len <= 64 * 9 && st.groups.len <= 64 * 9, "{st:?}");
        assert!(insp.threads().iter().all(|t| t.own_fds().len() <= 64));
    }
}

/// The body of the `filter` fuzz target: `data` as filter text, read in both eras' dialects,
/// compiled against the built-in fields of both flavors, and run on the demo capture's
/// events. Whatever the text: an error or a program, never a panic or a hang. A filter that
/// parses prints back (`Display`) as text that parses to the same tree.
pub fn filter(data: &[u8]) {
    use crate::filter::{FilterRecord, FilterSchema};
    use crate::state::Stateless;
    use strata_filter::{Dialect, ParseOptions, compile, parse_with};

    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    static DEMO: OnceLock<Vec<u8>> = OnceLock::new();
    let demo = DEMO.get_or_init(strata_scap::demo::capture);
    for (dialect, flavor) in [
        (Dialect::Libsinsp, Flavor::Libsinsp025),
        (Dialect::Sysdig029, Flavor::Sysdig029),
    ] {
        let Ok(expr) = parse_with(text, ParseOptions::default().with_dialect(dialect)) else {
            continue;
        };
        if dialect == Dialect::Libsinsp {
            let printed = expr.to_string();
            let again = strata_filter::parse(&printed).unwrap_or_else(|e| {
                panic!("{text:?} printed as {printed:?}: {}", e.render(&printed))
            });
            assert_eq!(again.to_string(), printed, "{text:?}");
        }
        let schema = FilterSchema::new(Registry::builtin(), flavor);
        let Ok(program) = compile(&schema, &expr) else {
            continue;
        };
        let opts = RenderOptions::default()
            .with_tz(TimeZone::UTC)
            .with_flavor(flavor);
        for (i, block) in SliceReader::new(demo).enumerate() {
            if let Ok(Block::Event(ev)) = block {
                let view = Stateless::new(ev, i as u64 + 1);
                let _ = program.matches(&mut FilterRecord::new(&view, &opts));
            }
        }
    }
}

/// The body of the `dissect_*` fuzz targets: `data` as the payload of every kind of fd and
/// direction, given to the dissector called `name` (`dns`, `http`, `elf`), which must
/// recognize it or not and answer every field without panicking.
pub fn payload(name: &str, data: &[u8]) {
    use crate::payload::{Direction, FdContext, Payload, Transport};
    use crate::registry::Arg;
    let Some(d) = crate::payload::builtin()
        .into_iter()
        .find(|d| d.name() == name)
    else {
        return;
    };
    let socket = |transport, port| FdContext::Socket {
        transport,
        ips: [None, None],
        ports: [Some(40000), Some(port)],
    };
    let contexts = [
        socket(Transport::Udp, 53),
        socket(Transport::Tcp, 53),
        socket(Transport::Tcp, 80),
        FdContext::File { path: b"/lib/x.so" },
        FdContext::Other,
    ];
    let fields = d.fields().len();
    let arg = Arg::Name("host".into());
    let mut scratch = String::new();
    // The bytes alone, and their second half after the first on the same stream.
    let (first, second) = data.split_at(data.len() / 2);
    let mut whole = Vec::new();
    for fd in contexts {
        for direction in [Direction::In, Direction::Out] {
            for p in [
                Payload::new(data, direction, fd),
                Payload::new(second, direction, fd).after(first),
            ] {
                whole.clear();
                let p = if d.recognizes(&p) {
                    p
                } else if d.reassemble(&p, &mut whole) {
                    Payload { data: &whole, ..p }
                } else {
                    continue;
                };
                for f in 0..fields {
                    scratch.clear();
                    let _ = d.field(f, &p, Some(&arg), &mut scratch);
                }
            }
        }
    }
}
