//! `custom_field [CAPTURE] [FILTER]`: adds fields of its own to the registry, then filters and
//! prints with them as with any built-in field.
//!
//! - `fd.ext` (one field, a closure): the extension of the file an event's fd names
//!   (`conf` for `/etc/resolv.conf`), none for sockets and names without one.
//! - `shell.*` (a class of two fields sharing one lookup): `shell.is_shell`, whether the
//!   process is a shell, and `shell.parent`, the name of its parent when that is a shell.
//!
//! Without arguments it reads the built-in demo capture with the filter
//! `fd.ext in (so, conf, cache) or shell.is_shell = true`.

use std::io::Write as _;
use std::sync::Arc;

use strata::dissect::{
    Arg, FieldClass, FieldInfo, FieldRef, FieldType, Format, Registry, RenderOptions, StateView,
    Value,
};

/// Names of shells.
const SHELLS: &[&[u8]] = &[b"sh", b"bash", b"dash", b"zsh", b"ksh", b"fish"];

/// The `shell.*` fields: both read the process's and its parent's names.
struct Shell {
    /// `proc.pname`, resolved once.
    pname: FieldRef,
}

impl FieldClass for Shell {
    fn name(&self) -> &str {
        "shell"
    }

    fn fields(&self) -> Vec<FieldInfo> {
        vec![
            FieldInfo::new(
                "shell.is_shell",
                "shell",
                FieldType::Bool,
                "Whether the process is a shell.",
            ),
            FieldInfo::new(
                "shell.parent",
                "shell",
                FieldType::Charbuf,
                "The parent's name, when the parent is a shell.",
            ),
        ]
    }

    fn extract<'s>(
        &self,
        field: usize,
        view: &dyn StateView,
        _arg: Option<&Arg>,
        opts: &RenderOptions,
        scratch: &'s mut String,
    ) -> Option<Value<'s>> {
        match field {
            0 => {
                let name = view.comm(view.event().tid as i64)?;
                Some(Value::Bool(SHELLS.contains(&name)))
            }
            _ => {
                let mut tmp = String::new();
                let parent = self.pname.extract(view, opts, &mut tmp)?.to_string();
                if !SHELLS.contains(&parent.as_bytes()) {
                    return None;
                }
                scratch.push_str(&parent);
                Some(Value::Str(scratch.as_str()))
            }
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filter = args
        .get(1)
        .map(String::as_str)
        .unwrap_or("fd.ext in (so, conf, cache) or shell.is_shell = true");

    let mut reg = Registry::new();
    // Built on two built-in fields, resolved once.
    let name = FieldRef::parse(&reg, "fd.name")?;
    let typechar = FieldRef::parse(&reg, "fd.typechar")?;
    reg.register_fn(
        FieldInfo::new(
            "fd.ext",
            "fd",
            FieldType::Charbuf,
            "The extension of the file the event's fd names.",
        ),
        move |view, _arg, opts, scratch| {
            let mut tmp = String::new();
            if typechar.extract(view, opts, &mut tmp)?.to_string() != "f" {
                return None;
            }
            let name = name.extract(view, opts, &mut tmp)?.to_string();
            let (_, ext) = name.rsplit('/').next()?.rsplit_once('.')?;
            if ext.is_empty() {
                return None;
            }
            scratch.push_str(ext);
            Some(Value::Str(scratch.as_str()))
        },
    )?;
    let pname = FieldRef::parse(&reg, "proc.pname")?;
    reg.register_class(Shell { pname })?;
    let reg = Arc::new(reg);

    let events = match args.first() {
        Some(path) => strata::Events::open(path)?,
        None => strata::Events::demo(),
    };
    let mut events = events.with_registry(reg.clone()).filter(filter)?;
    let mut format: Option<Format> = None;
    let mut line = String::new();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    while let Some(ev) = events.next() {
        let ev = ev?;
        let f = match &mut format {
            Some(f) => f,
            None => format.insert(Format::compile(
                &reg,
                "*%evt.num %proc.name %fd.name %fd.ext %shell.is_shell %shell.parent",
                *ev.options(),
            )?),
        };
        line.clear();
        f.render(&ev.ctx(), &mut line);
        // A closed pipe (`| head`) ends the listing quietly.
        if writeln!(out, "{line}").is_err() {
            return Ok(());
        }
    }
    let _ = out.flush();
    Ok(())
}
