//! The field list (`sdump -l`), as text like `sysdig -l` prints it and as JSON for programs:
//! each class with a line on what it holds, then its fields with their type, the argument
//! they take and what they hold.

use std::fmt::{self, Write as _};

use serde::Serialize;

use crate::registry::{ArgKind, FieldInfo, Registry};

/// What the fields of a class hold, in a line.
pub fn class_doc(class: &str) -> &'static str {
    match class {
        "evt" => "The event itself: its number, time, type, direction, parameters and result.",
        "process" => "The process and thread that caused the event, and their ancestors.",
        "user" => "The user the thread runs as, and its login user.",
        "group" => "The group the thread runs as.",
        "container" => {
            "The container the thread runs in, as the capture's container events describe it."
        }
        "fd" => "The file descriptor the event uses: files, sockets, pipes and the rest.",
        "fdlist" => "The file descriptors of poll and ppoll events.",
        "syslog" => "Messages the event writes to /dev/log.",
        "k8s" => "Kubernetes objects, from the orchestrator events of older captures.",
        "mesos" => "Mesos and Marathon objects, from the orchestrator events of older captures.",
        "span" => "Tracer spans written to /dev/null by instrumented programs.",
        "evtin" => "The tracer spans an event happens inside.",
        "fs.path" => "The path a file-system call acts on.",
        "util" => "Helpers for output formats.",
        _ => "Fields registered by the application.",
    }
}

/// How the argument of a field is written, for the list.
fn arg_text(kind: ArgKind, required: bool) -> Option<String> {
    let syntax = match kind {
        ArgKind::None => return None,
        ArgKind::Index => "[N]",
        ArgKind::Name => ".NAME or [NAME]",
        ArgKind::IndexOrName => ".NAME or [N]",
        ArgKind::IndexOrKey => "[N] or [PATTERN]",
    };
    Some(format!(
        "{} argument {syntax}",
        if required {
            "requires an"
        } else {
            "takes an optional"
        }
    ))
}

/// One field in the JSON list.
#[derive(Debug, Serialize)]
struct FieldEntry<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    ty: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    argument: Option<String>,
    desc: &'a str,
}

/// One class in the JSON list.
#[derive(Debug, Serialize)]
struct ClassEntry<'a> {
    name: &'a str,
    desc: &'static str,
    fields: Vec<FieldEntry<'a>>,
}

/// The fields of `reg` by class, classes in the order of their first field.
fn classes(reg: &Registry) -> Vec<(&str, Vec<&FieldInfo>)> {
    let mut out: Vec<(&str, Vec<&FieldInfo>)> = Vec::new();
    for (_, info) in reg.iter() {
        match out.iter_mut().find(|(c, _)| *c == info.class) {
            Some((_, fields)) => fields.push(info),
            None => out.push((&info.class, vec![info])),
        }
    }
    out
}

/// Writes the list as `sysdig -l` lays it out: a rule, the class and its description, then a
/// line per field (name, `[TYPE]`, the argument it takes, what it holds).
pub fn write_text(reg: &Registry, out: &mut impl fmt::Write) -> fmt::Result {
    for (class, fields) in classes(reg) {
        writeln!(out, "-------------------------------")?;
        writeln!(out, "{:<30}{class}", "Field Class:")?;
        writeln!(out, "{:<30}{}", "Description:", class_doc(class))?;
        writeln!(out)?;
        for f in fields {
            let mut line = String::new();
            write!(line, "{:<30}[{}] ", f.name, f.ty.name())?;
            if let Some(a) = arg_text(f.arg, f.arg_required) {
                write!(line, "({a}) ")?;
            }
            line.push_str(&f.doc);
            writeln!(out, "{line}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// The list as JSON: an array of classes, each `{"name", "desc", "fields": [{"name",
/// "type", "argument"?, "desc"}]}`.
///
/// ```
/// let json = strata_dissect::list::to_json(strata_dissect::Registry::builtin());
/// let v: serde_json::Value = serde_json::from_str(&json).unwrap();
/// assert_eq!(v[0]["name"], "evt");
/// assert_eq!(v[0]["fields"][0]["name"], "evt.num");
/// ```
pub fn to_json(reg: &Registry) -> String {
    let list: Vec<ClassEntry<'_>> = classes(reg)
        .into_iter()
        .map(|(class, fields)| ClassEntry {
            name: class,
            desc: class_doc(class),
            fields: fields
                .into_iter()
                .map(|f| FieldEntry {
                    name: &f.name,
                    ty: f.ty.name(),
                    argument: arg_text(f.arg, f.arg_required),
                    desc: &f.doc,
                })
                .collect(),
        })
        .collect();
    serde_json::to_string_pretty(&list).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_listed_once() {
        let reg = Registry::builtin();
        let mut text = String::new();
        write_text(reg, &mut text).unwrap();
        for (_, f) in reg.iter() {
            let start = format!("\n{:<30}[", f.name);
            assert_eq!(text.matches(&start).count(), 1, "{}", f.name);
        }
        assert!(text.contains("Field Class:                  fd\n"));
        assert!(text.contains("(requires an argument .NAME or [N])"));
        let v: serde_json::Value = serde_json::from_str(&to_json(reg)).unwrap();
        let n: usize = v
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["fields"].as_array().unwrap().len())
            .sum();
        assert_eq!(n, reg.len());
    }
}
