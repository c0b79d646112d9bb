//! Unit tests of the event table: spot checks against libs' `event_table.c`, and invariants the
//! reader relies on.

use super::*;

/// Parsed `data/*.json`, to check the hand-written enums of `mod.rs` against the data.
fn data(file: &str) -> serde_json::Value {
    let text = match file {
        "event-table.json" => include_str!("../../data/event-table.json"),
        "param-types.json" => include_str!("../../data/param-types.json"),
        _ => unreachable!("{file}"),
    };
    serde_json::from_str(text).unwrap()
}

/// `name -> value` of one `[{name, value}]` list of `param-types.json`.
fn data_values(key: &str) -> std::collections::HashMap<String, u64> {
    data("param-types.json")[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_owned(),
                e["value"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn names(params: &[ParamInfo]) -> Vec<&'static str> {
    params.iter().map(|p| p.name).collect()
}

#[test]
fn table_is_dense_and_indexed_by_code() {
    assert_eq!(PPM_EVENT_MAX, 454);
    assert_eq!(events().len(), usize::from(PPM_EVENT_MAX));
    for (i, e) in events().iter().enumerate() {
        assert_eq!(usize::from(e.code), i, "{}", e.enum_name);
        assert!(std::ptr::eq(event_info(e.code).unwrap(), e));
        let suffix = match e.direction() {
            Direction::Enter => "_E",
            Direction::Exit => "_X",
        };
        assert!(
            e.enum_name.ends_with(suffix),
            "{} vs its code {}",
            e.enum_name,
            e.code
        );
        assert!(e.params.len() <= 32, "{}", e.enum_name);
    }
    assert_eq!(events()[0].enum_name, "PPME_GENERIC_E");
    assert_eq!(events()[453].enum_name, "PPME_SYSCALL_KEYCTL_X");
}

#[test]
fn unknown_event_codes_are_none() {
    assert!(event_info(PPM_EVENT_MAX).is_none());
    assert!(event_info(PPM_EVENT_MAX + 1).is_none());
    assert!(event_info(u16::MAX).is_none());
}

#[test]
fn open_exit() {
    let open = event_info(3).unwrap();
    assert_eq!(open.enum_name, "PPME_SYSCALL_OPEN_X");
    assert_eq!(open.name, "open");
    assert_eq!(open.direction(), Direction::Exit);
    assert_eq!(open.direction().as_char(), '<');
    assert_eq!(
        names(open.params),
        ["fd", "name", "flags", "mode", "dev", "ino"]
    );
    assert_eq!(open.params[0].ty, ParamType::Fd);
    assert_eq!(open.params[1].ty, ParamType::Fspath);
    let flags = open.params[2];
    assert_eq!(
        (flags.ty, flags.fmt),
        (ParamType::Flags32, PrintFormat::Hex)
    );
    assert_eq!(
        flags.aux,
        ParamAux::Flags(flag_table("file_flags").unwrap())
    );
    assert_eq!(open.params[3].fmt, PrintFormat::Oct);
    assert!(
        open.flags
            .contains(EventFlags::CREATES_FD | EventFlags::MODIFIES_STATE)
    );
    assert_eq!(open.category.kind(), 2);
    assert_eq!(open.category.source(), Category::SYSCALL);
    assert_eq!(open.category.name(), "file");
    assert_eq!(open.param_index("ino"), Some(5));
    assert_eq!(open.param_index("nope"), None);

    let enter = event_info(2).unwrap();
    assert_eq!((enter.name, enter.direction()), ("open", Direction::Enter));
    assert_eq!(names(enter.params), ["name", "flags", "mode"]);
}

#[test]
fn read_exit_params() {
    let read = event_info(7).unwrap();
    assert_eq!(read.enum_name, "PPME_SYSCALL_READ_X");
    assert_eq!(read.name, "read");
    let got: Vec<_> = read
        .params
        .iter()
        .map(|p| (p.name, p.ty, p.fmt, p.aux))
        .collect();
    assert_eq!(
        got,
        [
            ("res", ParamType::Errno, PrintFormat::Dec, ParamAux::None),
            ("data", ParamType::Bytebuf, PrintFormat::Na, ParamAux::None),
            ("fd", ParamType::Fd, PrintFormat::Dec, ParamAux::None),
            ("size", ParamType::Uint32, PrintFormat::Dec, ParamAux::None),
        ]
    );
    assert_eq!(
        read.flags,
        EventFlags(EventFlags::USES_FD | EventFlags::READS_FROM_FD | EventFlags::CONVERTER_MANAGED)
    );
    assert_eq!(read.category.name(), "io-read");
    assert!(!read.large_payload());
}

#[test]
fn large_payload_events() {
    let plugin = event_info(322).unwrap();
    assert_eq!(plugin.enum_name, "PPME_PLUGINEVENT_E");
    assert_eq!(plugin.name, "pluginevent");
    assert!(plugin.large_payload());
    assert_eq!(names(plugin.params), ["plugin_id", "event_data"]);
    assert_eq!(plugin.params[1].ty, ParamType::Bytebuf);
    assert_eq!(plugin.category.source(), Category::PLUGIN);

    let large: Vec<u16> = events()
        .iter()
        .filter(|e| e.large_payload())
        .map(|e| e.code)
        .collect();
    assert_eq!(large, [322, 324, 402]);
}

#[test]
fn fsrelpath_params_point_at_their_dirfd() {
    let openat2 = event_info(327).unwrap();
    assert_eq!(openat2.enum_name, "PPME_SYSCALL_OPENAT2_X");
    let name = openat2.params[openat2.param_index("name").unwrap()];
    assert_eq!(name.ty, ParamType::Fsrelpath);
    assert_eq!(name.aux, ParamAux::DirFd(1));
    assert_eq!(openat2.params[1].name, "dirfd");

    let mut count = 0;
    for e in events() {
        for (i, p) in e.params.iter().enumerate() {
            let is_dirfd = matches!(p.aux, ParamAux::DirFd(_));
            assert_eq!(
                p.ty == ParamType::Fsrelpath,
                is_dirfd,
                "{} {}",
                e.enum_name,
                p.name
            );
            if let ParamAux::DirFd(d) = p.aux {
                let d = usize::from(d);
                assert!(d < i, "{} {}", e.enum_name, p.name);
                assert!(matches!(e.params[d].ty, ParamType::Fd | ParamType::Fd32));
                count += 1;
            }
        }
    }
    assert_eq!(count, 18);
}

#[test]
fn dyn_params_have_their_type_table() {
    let setsockopt = event_info(45).unwrap();
    assert_eq!(setsockopt.enum_name, "PPME_SOCKET_SETSOCKOPT_X");
    let val = setsockopt.params[4];
    assert_eq!((val.name, val.ty), ("val", ParamType::Dyn));
    let ParamAux::Dyn(sockopt) = val.aux else {
        panic!("{:?}", val.aux)
    };
    let types: Vec<_> = sockopt.iter().map(|d| (d.ty, d.fmt)).collect();
    assert_eq!(
        types,
        [
            (ParamType::Bytebuf, PrintFormat::Hex),
            (ParamType::Errno, PrintFormat::Dec),
            (ParamType::Uint32, PrintFormat::Dec),
            (ParamType::Uint64, PrintFormat::Dec),
            (ParamType::Reltime, PrintFormat::Dec),
        ]
    );
    // getsockopt shares the very same table.
    let getsockopt = event_info(47).unwrap();
    let ParamAux::Dyn(shared) = getsockopt.params[4].aux else {
        panic!()
    };
    assert!(std::ptr::eq(sockopt, shared));

    let ptrace = event_info(169).unwrap();
    let ParamAux::Dyn(ptrace_types) = ptrace.params[1].aux else {
        panic!()
    };
    assert_eq!(ptrace_types[1].ty, ParamType::Sigtype);

    let keyctl = event_info(453).unwrap();
    let ParamAux::Dyn(keyctl_types) = keyctl.params[2].aux else {
        panic!()
    };
    assert_eq!(keyctl_types[1].ty, ParamType::Charbuf);

    for e in events() {
        for p in e.params {
            let is_dyn = matches!(p.aux, ParamAux::Dyn(_));
            assert_eq!(p.ty == ParamType::Dyn, is_dyn, "{} {}", e.enum_name, p.name);
        }
    }
}

#[test]
fn flag_params_reference_the_named_tables() {
    for e in events() {
        for p in e.params {
            let flaggy = matches!(
                p.ty,
                ParamType::Flags8
                    | ParamType::Flags16
                    | ParamType::Flags32
                    | ParamType::Enumflags8
                    | ParamType::Enumflags16
                    | ParamType::Enumflags32
                    | ParamType::Mode
            );
            match p.aux {
                ParamAux::Flags(t) => {
                    assert!(flaggy, "{} {}", e.enum_name, p.name);
                    assert!(std::ptr::eq(flag_table(t.name).unwrap(), t));
                }
                _ => assert!(!flaggy, "{} {} has no flag table", e.enum_name, p.name),
            }
        }
    }
}

#[test]
fn flag_tables() {
    let file_flags = flag_table("file_flags").unwrap();
    assert_eq!(file_flags.name, "file_flags");
    assert_eq!(file_flags.entries[0], ("O_LARGEFILE", 2048));
    assert_eq!(file_flags.entries[1], ("O_DIRECTORY", 1024));
    // PPM-normalized values, not Linux's (O_CLOEXEC is 02000000 there).
    assert!(file_flags.entries.contains(&("O_CLOEXEC", 4096)));

    let families = flag_table("socket_families").unwrap();
    assert!(families.entries.contains(&("AF_INET", 2)));
    assert!(families.entries.contains(&("AF_INET6", 10)));

    // The largest value of all tables needs the full u32 range.
    let max = generated::FLAG_TABLES
        .iter()
        .flat_map(|t| t.entries)
        .map(|&(_, v)| v)
        .max();
    assert_eq!(max, Some(2_147_483_648));

    assert_eq!(generated::FLAG_TABLES.len(), 55);
    for pair in generated::FLAG_TABLES.windows(2) {
        assert!(pair[0].name < pair[1].name);
    }
    for t in generated::FLAG_TABLES {
        assert!(!t.entries.is_empty(), "{}", t.name);
        assert!(std::ptr::eq(flag_table(t.name).unwrap(), t));
    }
    assert!(flag_table("no_such_table").is_none());
    assert!(flag_table("").is_none());
}

#[test]
fn errno_names() {
    assert_eq!(errno_name(1), Some("EPERM"));
    assert_eq!(errno_name(2), Some("ENOENT"));
    assert_eq!(errno_name(13), Some("EACCES"));
    assert_eq!(errno_name(11), Some("EAGAIN"));
    assert_eq!(errno_name(0), None);
    assert_eq!(errno_name(41), None);
    assert_eq!(errno_name(100_000), None);
    assert_eq!(errno_name(u64::MAX), None);
    for pair in generated::ERRNO_NAMES.windows(2) {
        assert!(pair[0].0 < pair[1].0, "binary search needs sorted values");
    }
}

#[test]
fn signal_names() {
    assert_eq!(signal_name(1), Some("SIGHUP"));
    assert_eq!(signal_name(9), Some("SIGKILL"));
    assert_eq!(signal_name(15), Some("SIGTERM"));
    assert_eq!(signal_name(0), None);
    assert_eq!(signal_name(64), None);
    assert_eq!(signal_name(u64::MAX), None);
    for pair in generated::SIGNAL_NAMES.windows(2) {
        assert!(pair[0].0 < pair[1].0, "binary search needs sorted values");
    }
}

#[test]
fn syscall_names() {
    assert_eq!(syscall_name(1), Some("restart_syscall"));
    assert_eq!(syscall_name(3), Some("read"));
    assert_eq!(syscall_name(4), Some("write"));
    assert_eq!(syscall_name(453), Some("rseq_slice_yield"));
    // 382 is a hole in the ppm_sc numbering.
    assert_eq!(syscall_name(382), None);
    assert_eq!(syscall_name(454), None);
    assert_eq!(syscall_name(u16::MAX), None);
    let assigned = generated::SYSCALL_NAMES
        .iter()
        .filter(|n| !n.is_empty())
        .count();
    assert_eq!(assigned, 453);
}

#[test]
fn unused_slots_are_placeholders() {
    let unused: Vec<_> = events()
        .iter()
        .filter(|e| e.flags.contains(EventFlags::UNUSED))
        .collect();
    assert_eq!(unused.len(), 35);
    for e in unused {
        assert_eq!((e.name, e.category), ("NA", Category(0)), "{}", e.enum_name);
    }
}

/// The hand-written `ParamType`, `PrintFormat`, `EventFlags` and `Category` of `mod.rs` agree
/// with the values in `data/param-types.json`.
#[test]
fn enums_match_the_data() {
    let types = data_values("param_types");
    let formats = data_values("print_formats");
    let events_json = data("event-table.json");
    let mut checked = 0;
    for (e, ej) in events()
        .iter()
        .zip(events_json["events"].as_array().unwrap())
    {
        for (p, pj) in e.params.iter().zip(ej["params"].as_array().unwrap()) {
            let ty = types[pj["type"].as_str().unwrap()];
            let fmt = formats[pj["fmt"].as_str().unwrap()];
            assert_eq!(u64::from(p.ty as u8), ty, "{} {}", e.enum_name, p.name);
            assert_eq!(u64::from(p.fmt as u8), fmt, "{} {}", e.enum_name, p.name);
            checked += 1;
        }
    }
    assert_eq!(checked, 1345);
    assert_eq!(
        types["PT_MAX"],
        ParamType::Pid32 as u64 + 1,
        "a parameter type was added: extend ParamType"
    );

    let flags = data_values("event_flags");
    for (name, value) in [
        ("EF_CREATES_FD", EventFlags::CREATES_FD),
        ("EF_DESTROYS_FD", EventFlags::DESTROYS_FD),
        ("EF_USES_FD", EventFlags::USES_FD),
        ("EF_READS_FROM_FD", EventFlags::READS_FROM_FD),
        ("EF_WRITES_TO_FD", EventFlags::WRITES_TO_FD),
        ("EF_MODIFIES_STATE", EventFlags::MODIFIES_STATE),
        ("EF_UNUSED", EventFlags::UNUSED),
        ("EF_WAITS", EventFlags::WAITS),
        ("EF_SKIPPARSERESET", EventFlags::SKIP_PARSE_RESET),
        ("EF_OLD_VERSION", EventFlags::OLD_VERSION),
        ("EF_LARGE_PAYLOAD", EventFlags::LARGE_PAYLOAD),
        ("EF_CONVERTER_MANAGED", EventFlags::CONVERTER_MANAGED),
    ] {
        assert_eq!(flags[name], u64::from(value), "{name}");
    }

    let categories = data_values("event_categories");
    for (name, value) in [
        ("EC_SYSCALL", Category::SYSCALL),
        ("EC_TRACEPOINT", Category::TRACEPOINT),
        ("EC_PLUGIN", Category::PLUGIN),
        ("EC_METAEVENT", Category::METAEVENT),
        ("EC_ITER", Category::ITER),
    ] {
        assert_eq!(categories[name], u64::from(value), "{name}");
    }
    for (name, printed) in [
        ("EC_UNKNOWN", "unknown"),
        ("EC_FILE", "file"),
        ("EC_NET", "net"),
        ("EC_IO_READ", "io-read"),
        ("EC_WAIT", "wait"),
        ("EC_INTERNAL", "internal"),
    ] {
        assert_eq!(Category(categories[name] as u32).name(), printed, "{name}");
    }
}
