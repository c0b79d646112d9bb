//! An event as a tree, the way `tshark -V` shows a packet: the event's header, its
//! parameters, its process, its fd, then a subtree for each payload dissector that
//! recognized its bytes. The tree is data first ([`Node`], serializable), text second
//! ([`Node::write_text`]); each leaf names the field it shows, so what one reads in the tree
//! can be filtered on.
//!
//! ```
//! use strata_dissect::{Registry, RenderOptions, Stateless};
//! let demo = strata_scap::demo::capture();
//! let ev = strata_scap::SliceReader::new(&demo)
//!     .find_map(|b| match b {
//!         Ok(strata_scap::Block::Event(e)) => Some(e),
//!         _ => None,
//!     })
//!     .unwrap();
//! let tree = strata_dissect::tree::event_tree(Registry::builtin(), &Stateless::new(ev, 1), &RenderOptions::default());
//! let mut text = String::new();
//! tree.write_text(&mut text);
//! assert!(text.starts_with("Event 1: "));
//! assert!(text.contains("\n    Event\n        evt.num: 1\n"));
//! ```

use serde::Serialize;

use crate::fields::FieldRef;
use crate::registry::{Arg, Registry};
use crate::render::RenderOptions;
use crate::state::StateView;
use crate::value::Value;

/// One node: a section (with children) or a field and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Node {
    /// What the node shows: a section's title, or a field's name.
    pub label: String,
    /// The field's value as text (lists joined by commas); none for a section.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The nodes under it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Node>,
}

impl Node {
    fn section(label: impl Into<String>, children: Vec<Node>) -> Self {
        Node {
            label: label.into(),
            value: None,
            children,
        }
    }

    /// Writes the tree as indented text, four spaces a level, `label: value` for fields.
    pub fn write_text(&self, out: &mut String) {
        self.write_at(out, 0);
    }

    fn write_at(&self, out: &mut String, depth: usize) {
        for _ in 0..depth {
            out.push_str("    ");
        }
        out.push_str(&self.label);
        if let Some(v) = &self.value {
            out.push_str(": ");
            out.push_str(v);
        }
        out.push('\n');
        for c in &self.children {
            c.write_at(out, depth + 1);
        }
    }
}

/// The fields of each fixed section.
const SECTIONS: &[(&str, &[&str])] = &[
    (
        "Event",
        &[
            "evt.num",
            "evt.datetime",
            "evt.cpu",
            "evt.type",
            "evt.dir",
            "evt.category",
            "evt.latency",
            "evt.res",
            "evt.failed",
        ],
    ),
    (
        "Process",
        &[
            "proc.name",
            "proc.pid",
            "thread.tid",
            "proc.exepath",
            "proc.cmdline",
            "proc.cwd",
            "proc.ppid",
            "proc.pname",
            "user.name",
            "user.uid",
            "group.gid",
            "container.id",
            "container.name",
        ],
    ),
    (
        "File descriptor",
        &[
            "fd.num",
            "fd.type",
            "fd.name",
            "fd.l4proto",
            "fd.cip",
            "fd.cport",
            "fd.sip",
            "fd.sport",
            "fd.directory",
        ],
    ),
];

/// The text of field `r` for `view`, if it has one.
fn text<S: StateView + ?Sized>(
    r: &FieldRef,
    view: &S,
    opts: &RenderOptions,
    scratch: &mut String,
) -> Option<String> {
    let v = r.extract(view, opts, scratch)?;
    Some(match v {
        Value::Strs(_) => v.strs().collect::<Vec<_>>().join(","),
        v => v.to_string(),
    })
}

/// The tree of `view`'s event: the fixed sections (fields without a value left out), its
/// parameters as `evt.arg.NAME`, and a subtree for each dissector class of `reg` whose
/// fields answer for the event.
pub fn event_tree<S: StateView + ?Sized>(reg: &Registry, view: &S, opts: &RenderOptions) -> Node {
    let mut scratch = String::new();
    let ev = *view.event();
    let mut field = |name: &str| -> Option<Node> {
        let r = FieldRef::parse(reg, name).ok()?;
        Some(Node {
            label: name.to_string(),
            value: Some(text(&r, view, opts, &mut scratch)?),
            children: Vec::new(),
        })
    };
    let mut root = Node::section(
        format!(
            "Event {}: {} ({})",
            view.num(),
            ev.name(),
            match ev.direction() {
                strata_scap::table::Direction::Enter => ">",
                strata_scap::table::Direction::Exit => "<",
            }
        ),
        Vec::new(),
    );
    let sections: Vec<Node> = SECTIONS
        .iter()
        .map(|(title, names)| {
            Node::section(*title, names.iter().filter_map(|n| field(n)).collect())
        })
        .collect();
    let mut sections = sections.into_iter();
    root.children.extend(sections.next());
    // The parameters, by name, between the event and the process.
    let params: Vec<Node> = ev
        .info()
        .map(|i| i.params)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| {
            let mut n = field(&format!("evt.arg.{}", p.name))?;
            n.label = p.name.to_string();
            Some(n)
        })
        .collect();
    if !params.is_empty() {
        root.children.push(Node::section("Parameters", params));
    }
    root.children
        .extend(sections.filter(|s| !s.children.is_empty()));
    // A subtree per dissector class with a value for this event.
    if ev.param_by_name("data").is_some() {
        let mut classes: Vec<(String, Vec<Node>)> = Vec::new();
        for (id, info) in reg.iter() {
            if !reg.is_dissector_field(id) || info.arg_required {
                continue;
            }
            let r = FieldRef::new(reg, id, None::<Arg>);
            let mut s = String::new();
            let Some(value) = text(&r, view, opts, &mut s) else {
                continue;
            };
            let leaf = Node {
                label: info.name.to_string(),
                value: Some(value),
                children: Vec::new(),
            };
            match classes.iter_mut().find(|(c, _)| *c == info.class) {
                Some((_, v)) => v.push(leaf),
                None => classes.push((info.class.to_string(), vec![leaf])),
            }
        }
        for (class, leaves) in classes {
            root.children.push(Node::section(class, leaves));
        }
    }
    root
}
