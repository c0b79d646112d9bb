//! User fields through the front door, on every shared capture: a field registered with a
//! closure (`fd.ext`, the extension of a file's name) and a class of two (`shell.*`) are
//! named in filters and formats like built-in fields, and select exactly what the built-in
//! filters that say the same thing select.
//!
//! Needs the shared captures: with `CI=true` their absence fails, elsewhere the test is
//! skipped (with the reason on stderr).

mod common;

use std::sync::Arc;

use strata::dissect::{
    Arg, FieldClass, FieldInfo, FieldRef, FieldType, Format, Registry, RenderOptions, StateView,
    Value,
};

/// `shell.is_shell` (the thread's name is a shell's) and `shell.name` (that name).
struct Shell;

const SHELLS: &[&[u8]] = &[b"sh", b"bash", b"dash", b"zsh"];

impl FieldClass for Shell {
    fn name(&self) -> &str {
        "shell"
    }
    fn fields(&self) -> Vec<FieldInfo> {
        vec![
            FieldInfo::new("shell.is_shell", "", FieldType::Bool, "A shell."),
            FieldInfo::new("shell.name", "", FieldType::Charbuf, "The shell's name."),
        ]
    }
    fn extract<'s>(
        &self,
        field: usize,
        view: &dyn StateView,
        _: Option<&Arg>,
        _: &RenderOptions,
        scratch: &'s mut String,
    ) -> Option<Value<'s>> {
        let comm = view.comm(view.event().tid as i64)?;
        let shell = SHELLS.contains(&comm);
        match field {
            0 => Some(Value::Bool(shell)),
            _ if shell => {
                scratch.push_str(std::str::from_utf8(comm).ok()?);
                Some(Value::Str(scratch.as_str()))
            }
            _ => None,
        }
    }
}

fn registry() -> Arc<Registry> {
    let mut reg = Registry::new();
    // Built on the built-in fields, read in the era's way.
    let name = FieldRef::parse(&reg, "fd.name").unwrap();
    let typechar = FieldRef::parse(&reg, "fd.typechar").unwrap();
    reg.register_fn(
        FieldInfo::new(
            "fd.ext",
            "fd",
            FieldType::Charbuf,
            "A file name's extension.",
        ),
        move |view, _, opts, scratch| {
            let mut tmp = String::new();
            if typechar.extract(view, opts, &mut tmp)?.to_string() != "f" {
                return None;
            }
            let name = name.extract(view, opts, &mut tmp)?.to_string();
            let (_, ext) = name.rsplit('/').next()?.rsplit_once('.')?;
            scratch.push_str(ext);
            Some(Value::Str(scratch.as_str()))
        },
    )
    .unwrap();
    reg.register_class(Shell).unwrap();
    Arc::new(reg)
}

/// The numbers of the events `filter` selects, and for each the text of `format`.
fn select(
    path: &std::path::Path,
    reg: Option<&Arc<Registry>>,
    filter: &str,
    format: &str,
) -> Vec<(u64, String)> {
    let mut events = strata::Events::open(path).unwrap();
    if let Some(reg) = reg {
        events = events.with_registry(reg.clone());
    }
    let mut events = events.filter(filter).unwrap();
    let mut out = Vec::new();
    let mut fmt: Option<Format> = None;
    while let Some(ev) = events.next() {
        let ev = ev.unwrap();
        let f = fmt.get_or_insert_with(|| {
            Format::compile(
                reg.map_or(Registry::builtin(), |r| &**r),
                format,
                *ev.options(),
            )
            .unwrap()
        });
        let mut line = String::new();
        f.render(&ev.ctx(), &mut line);
        out.push((ev.num(), line));
    }
    out
}

#[test]
fn user_fields_select_as_the_builtin_filters_they_restate() {
    let Some(captures) = common::all_captures() else {
        return;
    };
    let reg = registry();
    let (mut conf, mut shells) = (0, 0);
    for cap in &captures {
        let mine = select(cap, Some(&reg), "fd.ext = conf", "*%fd.ext|%fd.name");
        let theirs = select(
            cap,
            None,
            "fd.typechar = f and fd.name endswith .conf",
            "*%fd.name",
        );
        assert_eq!(
            mine.iter().map(|m| m.0).collect::<Vec<_>>(),
            theirs.iter().map(|t| t.0).collect::<Vec<_>>(),
            "{}",
            cap.display()
        );
        for ((_, m), (_, t)) in mine.iter().zip(&theirs) {
            assert_eq!(m, &format!("conf|{t}"), "{}", cap.display());
        }
        conf += mine.len();

        let mine = select(
            cap,
            Some(&reg),
            "shell.is_shell = true and evt.type = execve",
            "*%shell.name",
        );
        let theirs = select(
            cap,
            None,
            "proc.name in (sh, bash, dash, zsh) and evt.type = execve",
            "*%proc.name",
        );
        assert_eq!(mine, theirs, "{}", cap.display());
        shells += mine.len();
    }
    eprintln!(
        "{} captures: {conf} events on .conf files, {shells} shell execs",
        captures.len()
    );
    assert!(conf > 0 && shells > 0, "the captures exercise both fields");
}

#[test]
fn user_fields_in_json_are_typed() {
    let reg = registry();
    let mut events = strata::Events::demo()
        .with_registry(reg.clone())
        .filter("shell.is_shell exists")
        .unwrap();
    let ev = events.next().unwrap().unwrap();
    let mut f =
        Format::compile(&reg, "*%shell.is_shell %fd.ext", RenderOptions::default()).unwrap();
    let mut out = Vec::new();
    assert!(f.render_json(&ev.ctx(), &mut out));
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!(v["shell.is_shell"].is_boolean(), "{v}");
    assert!(v["fd.ext"].is_null(), "{v}");
}
