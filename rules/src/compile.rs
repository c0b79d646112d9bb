//! From collected lists, macros and rules to compiled rules, as Falco's compiler goes: lists
//! expanded into each other and, as text, into conditions; exceptions appended to the
//! condition as text; macros substituted into the parsed tree; the tree checked and compiled
//! by `strata-filter` against the schema of the event source.

use std::collections::BTreeSet;

use strata_filter::ast::{Expr, Span};
use strata_filter::{ParseOptions, Program, Schema};

use crate::collect::{Collector, Entry, ExceptionInfo, takes_list};
use crate::diag::{Code, Diagnostic, Location};
use crate::yaml::Pos;
use crate::{Priority, Rule};

/// Most nodes a condition may have once its macros are substituted (a macro used twice by a
/// macro used twice ... doubles at every level).
pub const MAX_EXPANDED_NODES: usize = 200_000;
/// Deepest a condition may nest once its macros are substituted.
pub const MAX_EXPANDED_DEPTH: usize = 400;

/// Falco's quoting of a list item or exception value: in double quotes when it holds a space
/// and is not quoted already. (Other characters are left as they are, as in Falco.)
pub(crate) fn quote_item(e: &str) -> String {
    if e.contains(' ') && !e.starts_with('"') && !e.starts_with('\'') {
        format!("\"{e}\"")
    } else {
        e.to_string()
    }
}

fn paren_item(e: &str) -> String {
    if e.starts_with('(') {
        e.to_string()
    } else {
        format!("({e})")
    }
}

/// Each list name in `cond`, between delimiters (blanks, brackets, commas, `=`) or at the ends,
/// replaced by its items, as Falco does it: text for text, every list in definition order.
/// Returns whether the list was found.
pub(crate) fn resolve_list(cond: &mut String, name: &str, items: &[String]) -> bool {
    const BLANKS: &[u8] = b" \t\n\r";
    const DELIMS: &[u8] = b" \t\n\r(),=";
    if name.is_empty() {
        return false;
    }
    let mut used = false;
    let mut from = 0;
    while let Some(found) = cond.get(from..).and_then(|s| s.find(name)) {
        let mut start = from + found;
        let mut end = start + name.len();
        let b = cond.as_bytes();
        let before_ok = start == 0 || DELIMS.contains(&b[start - 1]);
        let after_ok = end >= b.len() || DELIMS.contains(&b[end]);
        if before_ok && after_ok {
            while start > 0 && BLANKS.contains(&b[start - 1]) {
                start -= 1;
            }
            while end < b.len() && BLANKS.contains(&b[end]) {
                end += 1;
            }
            let sub = items
                .iter()
                .map(|i| quote_item(i))
                .collect::<Vec<_>>()
                .join(", ");
            if sub.is_empty() {
                if start > 0 && b[start - 1] == b',' {
                    start -= 1;
                } else if end < b.len() && b[end] == b',' {
                    end += 1;
                }
            }
            let mut new = String::with_capacity(cond.len() + sub.len() + 2);
            if start > 0 {
                new.push_str(&cond[..start]);
                new.push(' ');
            }
            new.push_str(&sub);
            new.push(' ');
            new.push_str(&cond[end..]);
            *cond = new;
            // Falco goes on one byte past the substitution's start.
            from = start + sub.len() + 1 + 1;
            used = true;
        } else {
            from = start + 1;
        }
        if from > cond.len() {
            break;
        }
        // Stay on a character boundary.
        while from < cond.len() && !cond.is_char_boundary(from) {
            from += 1;
        }
    }
    used
}

/// The words of `text` between the delimiters [`resolve_list`] requires around a list name.
fn delimited_tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split([' ', '\t', '\n', '\r', '(', ')', ',', '='])
        .filter(|t| !t.is_empty())
}

/// `(cond) and not (...)` for each exception with values, as Falco writes it; also returns
/// the fields the exceptions use.
pub(crate) fn with_exceptions(
    cond: &str,
    exceptions: &[ExceptionInfo],
) -> (String, BTreeSet<String>) {
    let mut out = format!("({cond})");
    let mut fields = BTreeSet::new();
    for ex in exceptions {
        let mut icond = String::new();
        match &ex.fields {
            Some(Entry::Item(field)) => {
                let comp = match &ex.comps {
                    Some(Entry::Item(c)) => c.trim().to_string(),
                    _ => "in".to_string(),
                };
                for v in &ex.values {
                    let Entry::Item(v) = v else { continue };
                    if icond.is_empty() {
                        icond = format!("({field} {comp} (");
                    } else {
                        icond.push_str(", ");
                    }
                    fields.insert(field.clone());
                    icond.push_str(&quote_item(v));
                }
                if !icond.is_empty() {
                    icond.push_str("))");
                }
            }
            Some(Entry::List(fs)) => {
                let comps: Vec<String> = match &ex.comps {
                    Some(Entry::List(cs)) => cs
                        .iter()
                        .map(|c| crate::collect::entry_text(c).trim().to_string())
                        .collect(),
                    _ => fs.iter().map(|_| "=".to_string()).collect(),
                };
                icond.push('(');
                for values in &ex.values {
                    let Entry::List(vals) = values else { continue };
                    if vals.len() != fs.len() {
                        continue;
                    }
                    if icond != "(" {
                        icond.push_str(" or ");
                    }
                    icond.push('(');
                    for (k, f) in fs.iter().enumerate() {
                        let f = crate::collect::entry_text(f);
                        let comp = comps.get(k).map_or("=", String::as_str);
                        if k > 0 {
                            icond.push_str(" and ");
                        }
                        let value = match &vals[k] {
                            Entry::List(items) => {
                                let inner = items
                                    .iter()
                                    .map(|i| quote_item(&crate::collect::entry_text(i)))
                                    .collect::<Vec<_>>()
                                    .join(", ");
                                format!("({inner})")
                            }
                            Entry::Item(v) if takes_list(comp) => paren_item(v),
                            Entry::Item(v) => quote_item(v),
                        };
                        icond.push_str(&format!(" {f} {comp} {value}"));
                        fields.insert(f);
                    }
                    icond.push(')');
                }
                icond.push(')');
                if icond == "()" {
                    icond.clear();
                }
            }
            None => {}
        }
        if !icond.is_empty() {
            out.push_str(" and not ");
            out.push_str(&icond);
        }
    }
    (out, fields)
}

/// The texts trees were parsed from, each at its own offset, so a span says which text.
#[derive(Default)]
pub(crate) struct Texts {
    texts: Vec<(usize, String)>,
    end: usize,
}

impl Texts {
    fn add(&mut self, text: &str) -> usize {
        let base = self.end;
        self.texts.push((base, text.to_string()));
        self.end = base + text.len() + 1;
        base
    }

    /// The text a span falls in, and the span within it.
    fn locate(&self, span: &Span) -> Option<(&str, Span)> {
        let i = self.texts.partition_point(|(b, _)| *b <= span.start);
        let (base, text) = self.texts.get(i.checked_sub(1)?)?;
        Some((
            text,
            span.start - base..span.end.saturating_sub(*base).max(span.start - base),
        ))
    }
}

/// A compile-time failure: code, message, and the span in [`Texts`] where it is known.
struct Fault {
    code: Code,
    message: String,
    span: Option<Span>,
}

fn count(e: &Expr, depth: usize, nodes: &mut usize, deepest: &mut usize) {
    *nodes += 1;
    *deepest = (*deepest).max(depth);
    if *nodes > MAX_EXPANDED_NODES || *deepest > MAX_EXPANDED_DEPTH {
        return;
    }
    match e {
        Expr::And(c, _) | Expr::Or(c, _) => {
            c.iter().for_each(|x| count(x, depth + 1, nodes, deepest))
        }
        Expr::Not(x, _) => count(x, depth + 1, nodes, deepest),
        _ => {}
    }
}

/// The macros one condition can see: those defined before `limit` (a macro's visibility;
/// every macro for a rule), with their trees as resolved so far.
#[derive(Clone, Copy)]
struct Visible<'m> {
    col: &'m Collector,
    trees: &'m [Expr],
    limit: u32,
}

impl<'m> Visible<'m> {
    fn get(&self, name: &str) -> Option<&'m Expr> {
        let i = self.col.macros.position(name)?;
        (self.col.macros.items[i].meta.index < self.limit).then(|| &self.trees[i])
    }
}

/// Falco's macro resolver: every identifier that names a visible macro is replaced by a copy
/// of its tree; a macro found again on the way down is a reference loop.
struct MacroResolver<'m> {
    macros: Visible<'m>,
    path: Vec<String>,
    resolved: Vec<String>,
    unknown: Vec<(String, Span)>,
    errors: Vec<(String, Span)>,
    nodes: usize,
}

impl MacroResolver<'_> {
    fn run(&mut self, e: &mut Expr) {
        if self.nodes > MAX_EXPANDED_NODES {
            return;
        }
        self.nodes += 1;
        match e {
            Expr::And(c, _) | Expr::Or(c, _) => c.iter_mut().for_each(|x| self.run(x)),
            Expr::Not(x, _) => self.run(x),
            Expr::Ident(name, span) => {
                let Some(m) = self.macros.get(name) else {
                    self.unknown.push((name.clone(), span.clone()));
                    return;
                };
                if self.path.iter().any(|p| p == name) {
                    self.errors
                        .push((format!("reference loop in macro '{name}'"), span.clone()));
                    self.unknown.push((name.clone(), span.clone()));
                    return;
                }
                self.path.push(name.clone());
                let mut copy = m.clone();
                self.run(&mut copy);
                self.resolved.push(name.clone());
                self.path.pop();
                *e = copy;
            }
            _ => {}
        }
    }
}

/// One rule as compiled for a schema.
pub(crate) struct Compiled<F> {
    pub(crate) rules: Vec<Rule<F>>,
    pub(crate) warnings: Vec<Diagnostic>,
    /// How many distinct checks the rules have (their shared answers' size).
    pub(crate) checks: usize,
}

/// Checks an output format (the event source's formatter); `Err` with the reason.
pub type OutputCheck<'a> = &'a dyn Fn(&str) -> Result<(), String>;

/// Compiles everything collected. The first error ends it, as in Falco.
pub(crate) fn compile<S: Schema>(
    col: &Collector,
    schema: &S,
    check_output: OutputCheck<'_>,
) -> Result<Compiled<S::Field>, Box<Diagnostic>> {
    let mut warnings = Vec::new();
    let opts = ParseOptions::default().with_dialect(schema.dialect());
    let mut texts = Texts::default();

    // Lists: items naming a list defined before expand to its items (one level, as Falco).
    let mut list_used = vec![false; col.lists.items.len()];
    let mut lists: Vec<(String, Vec<String>)> = Vec::with_capacity(col.lists.items.len());
    for l in &col.lists.items {
        let mut items = Vec::new();
        for item in &l.items {
            match col.lists.position(item) {
                Some(r) if col.lists.items[r].meta.index < l.meta.visibility => {
                    list_used[r] = true;
                    items.extend(col.lists.items[r].items.iter().cloned());
                }
                _ => items.push(item.clone()),
            }
        }
        lists.push((l.name.clone(), items));
    }
    // A list name only ever matches a whole token between delimiters, so lists whose name is
    // not among the text's tokens are passed over. A substitution puts the items in between
    // blanks: the lists they name (later ones are still to come, as Falco's sequential passes
    // see them) join those to look for. (A name it took out stays marked: its list is then
    // looked for in the text and not found, as before.) The lists each list's items name are
    // found once, not per condition.
    let mut by_name: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    for (i, (name, _)) in lists.iter().enumerate() {
        by_name.entry(name.as_str()).or_default().push(i);
    }
    let named_by = |text: &str| -> Vec<usize> {
        delimited_tokens(text)
            .filter_map(|t| by_name.get(t))
            .flatten()
            .copied()
            .collect()
    };
    let names_in: Vec<Vec<usize>> = lists
        .iter()
        .map(|(_, items)| {
            items
                .iter()
                .flat_map(|i| named_by(&quote_item(i)))
                .collect()
        })
        .collect();
    let expand_lists = |cond: &str, used: &mut [bool]| {
        let mut c = cond.to_string();
        let mut wanted = vec![false; lists.len()];
        for j in named_by(cond) {
            wanted[j] = true;
        }
        for (i, (name, items)) in lists.iter().enumerate() {
            if wanted[i] && resolve_list(&mut c, name, items) {
                used[i] = true;
                for &j in &names_in[i] {
                    wanted[j] = true;
                }
            }
        }
        c
    };

    let fail = |m: &crate::collect::Meta, kind: &'static str, pos: Pos, texts: &Texts, f: Fault| {
        let mut path = m.path.clone();
        path.push(Location {
            kind,
            name: String::new(),
            pos,
        });
        let condition = f
            .span
            .as_ref()
            .and_then(|s| texts.locate(s))
            .map(|(text, local)| {
                let caret = strata_filter::Error {
                    message: f.message.clone(),
                    span: local,
                    stage: strata_filter::Stage::Check,
                }
                .render(text);
                (text.to_string(), caret)
            });
        Box::new(Diagnostic {
            code: f.code,
            message: f.message,
            file: m.file.clone(),
            path,
            condition,
        })
    };

    // Macros: parsed (lists expanded first), then resolved with the macros they can see.
    let mut macro_trees: Vec<Expr> = Vec::with_capacity(col.macros.items.len());
    for m in &col.macros.items {
        let text = expand_lists(&m.cond, &mut list_used);
        let base = texts.add(&text);
        let mut tree = strata_filter::parse_with(&text, opts).map_err(|e| {
            fail(
                &m.meta,
                "macro condition",
                m.cond_pos,
                &texts,
                Fault {
                    code: Code::ErrCompileCondition,
                    message: e.message.clone(),
                    span: Some(e.span.start + base..e.span.end + base),
                },
            )
        })?;
        tree.offset_spans(base);
        macro_trees.push(tree);
    }
    let mut macro_used = vec![false; col.macros.items.len()];
    for (i, m) in col.macros.items.iter().enumerate() {
        let visible = Visible {
            col,
            trees: &macro_trees,
            limit: m.meta.visibility,
        };
        let mut tree = macro_trees[i].clone();
        let resolved = resolve(visible, &mut tree)
            .map_err(|f| fail(&m.meta, "macro condition", m.cond_pos, &texts, f))?;
        for r in resolved {
            if let Some(p) = col.macros.position(&r) {
                macro_used[p] = true;
            }
        }
        macro_trees[i] = tree;
    }
    let all_macros = Visible {
        col,
        trees: &macro_trees,
        limit: u32::MAX,
    };

    let mut rules = Vec::new();
    let mut checks = strata_filter::CheckTable::new();
    for r in &col.rules.items {
        if r.unknown_source {
            continue;
        }
        let (cond, exception_fields) = if r.exceptions.is_empty() {
            (r.cond.clone(), BTreeSet::new())
        } else {
            with_exceptions(&r.cond, &r.exceptions)
        };
        let mut output = r.output.clone();
        if output.contains("%container.info") {
            warnings.push(Diagnostic {
                code: Code::WarnDeprecatedItem,
                message: "%container.info is deprecated and no more useful, and will be dropped by Falco 1.0.0. The container plugin will automatically add required fields to the output message.".into(),
                file: r.meta.file.clone(),
                path: r.meta.path.clone(),
                condition: None,
            });
            output = output.replace("%container.info", CONTAINER_INFO);
        }
        if let Err(e) = check_output(&output) {
            if r.skip_if_unknown_filter && is_unknown_field(&e) {
                warnings.push(Diagnostic {
                    code: Code::WarnUnknownFilter,
                    message: e,
                    file: r.meta.file.clone(),
                    path: r.meta.path.clone(),
                    condition: None,
                });
                continue;
            }
            let mut path = r.meta.path.clone();
            path.push(Location {
                kind: "rule output",
                name: String::new(),
                pos: r.output_pos,
            });
            return Err(Box::new(Diagnostic {
                code: Code::ErrCompileOutput,
                message: e,
                file: r.meta.file.clone(),
                path,
                condition: None,
            }));
        }
        let text = expand_lists(&cond, &mut list_used);
        let base = texts.add(&text);
        let rfail = |texts: &Texts, f: Fault| fail(&r.meta, "rule condition", r.cond_pos, texts, f);
        let mut tree = strata_filter::parse_with(&text, opts).map_err(|e| {
            rfail(
                &texts,
                Fault {
                    code: Code::ErrCompileCondition,
                    message: e.message.clone(),
                    span: Some(e.span.start + base..e.span.end + base),
                },
            )
        })?;
        tree.offset_spans(base);
        let resolved = resolve(all_macros, &mut tree).map_err(|f| rfail(&texts, f))?;
        for name in resolved {
            if let Some(p) = col.macros.position(&name) {
                macro_used[p] = true;
            }
        }
        let program = match strata_filter::compile_shared(schema, &tree, &mut checks) {
            Ok(p) => p,
            Err(e) if r.skip_if_unknown_filter && is_unknown_field(&e.message) => {
                let d = rfail(
                    &texts,
                    Fault {
                        code: Code::WarnUnknownFilter,
                        message: e.message,
                        span: Some(e.span),
                    },
                );
                warnings.push(*d);
                continue;
            }
            Err(e) => {
                return Err(rfail(
                    &texts,
                    Fault {
                        code: Code::ErrCompileCondition,
                        message: e.message,
                        span: Some(e.span),
                    },
                ));
            }
        };
        for w in program.warnings() {
            let d = rfail(
                &texts,
                Fault {
                    code: Code::WarnCompileCondition,
                    message: w.message.clone(),
                    span: Some(w.span.clone()),
                },
            );
            warnings.push(*d);
        }
        if r.warn_evttypes && program.event_types().len() > 100 {
            warnings.push(Diagnostic {
                code: Code::WarnNoEvttype,
                message: "Rule matches too many evt.type values. This has a significant performance penalty.".into(),
                file: r.meta.file.clone(),
                path: r.meta.path.clone(),
                condition: None,
            });
        }
        rules.push(Rule {
            name: r.name.clone(),
            desc: r.desc.clone(),
            output,
            priority: r.priority,
            tags: r.tags.iter().cloned().collect(),
            source: r.source.clone(),
            enabled: r.enabled,
            condition: tree,
            exception_fields: exception_fields.into_iter().collect(),
            capture: r.capture,
            capture_duration: r.capture_duration,
            program,
        });
    }
    for (i, m) in col.macros.items.iter().enumerate() {
        if !macro_used[i] {
            warnings.push(Diagnostic {
                code: Code::WarnUnusedMacro,
                message: "Macro not referred to by any other rule/macro".into(),
                file: m.meta.file.clone(),
                path: m.meta.path.clone(),
                condition: None,
            });
        }
    }
    for (i, l) in col.lists.items.iter().enumerate() {
        if !list_used[i] {
            warnings.push(Diagnostic {
                code: Code::WarnUnusedList,
                message: "List not referred to by any other rule/macro".into(),
                file: l.meta.file.clone(),
                path: l.meta.path.clone(),
                condition: None,
            });
        }
    }
    let _ = Priority::Debug;
    Ok(Compiled {
        rules,
        warnings,
        checks: checks.len(),
    })
}

/// What `%container.info` stood for in Falco's outputs before its container plugin.
pub const CONTAINER_INFO: &str = "container_id=%container.id container_name=%container.name";

fn is_unknown_field(message: &str) -> bool {
    message.contains("unknown field")
        || message.contains("nonexistent field")
        || message.contains("unknown event type")
        || message.contains("invalid formatting token")
}

/// Substitutes the macros of `macros` into `tree`; the names resolved, or the first fault.
fn resolve(macros: Visible<'_>, tree: &mut Expr) -> Result<Vec<String>, Fault> {
    let mut r = MacroResolver {
        macros,
        path: Vec::new(),
        resolved: Vec::new(),
        unknown: Vec::new(),
        errors: Vec::new(),
        nodes: 0,
    };
    r.run(tree);
    if let Some((msg, span)) = r.errors.first() {
        return Err(Fault {
            code: Code::ErrValidate,
            message: msg.clone(),
            span: Some(span.clone()),
        });
    }
    if let Some((name, span)) = r.unknown.first() {
        return Err(Fault {
            code: Code::ErrValidate,
            message: format!("Undefined macro '{name}' used in filter."),
            span: Some(span.clone()),
        });
    }
    let (mut nodes, mut deepest) = (0, 0);
    count(tree, 0, &mut nodes, &mut deepest);
    if r.nodes > MAX_EXPANDED_NODES || nodes > MAX_EXPANDED_NODES || deepest > MAX_EXPANDED_DEPTH {
        return Err(Fault {
            code: Code::ErrValidate,
            message: format!(
                "the condition grows beyond {MAX_EXPANDED_NODES} nodes or {MAX_EXPANDED_DEPTH} levels once its macros are substituted"
            ),
            span: Some(tree.span()),
        });
    }
    Ok(r.resolved)
}

/// A program's event types as a list of codes (for the index).
pub(crate) fn codes<F>(p: &Program<F>) -> Vec<u16> {
    p.event_types().iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn lists_expand_as_text_between_delimiters() {
        let mut c = "proc.name in (shell_binaries) and not fd.name=shell_binaries_x".to_string();
        assert!(resolve_list(
            &mut c,
            "shell_binaries",
            &items(&["bash", "sh"])
        ));
        assert_eq!(
            c,
            "proc.name in ( bash, sh ) and not fd.name=shell_binaries_x"
        );
        let mut c = "proc.name in (a, empty, b)".to_string();
        assert!(resolve_list(&mut c, "empty", &[]));
        assert_eq!(c, "proc.name in (a  , b)");
        let mut c = "proc.name in (x)".to_string();
        assert!(resolve_list(&mut c, "x", &items(&["my app", "'q r'"])));
        assert_eq!(c, "proc.name in ( \"my app\", 'q r' )");
    }

    #[test]
    fn exceptions_as_falco_writes_them() {
        let ex = |fields: Entry, comps: Option<Entry>, values: Vec<Entry>| ExceptionInfo {
            name: "e".into(),
            fields: Some(fields),
            comps,
            values,
            path: Vec::new(),
        };
        let i = |s: &str| Entry::Item(s.into());
        let l = |v: Vec<Entry>| Entry::List(v);
        let (c, f) = with_exceptions(
            "evt.type = open",
            &[ex(i("proc.name"), None, vec![i("bash"), i("my app")])],
        );
        assert_eq!(
            c,
            "(evt.type = open) and not (proc.name in (bash, \"my app\"))"
        );
        assert_eq!(f.into_iter().collect::<Vec<_>>(), vec!["proc.name"]);
        let (c, _) = with_exceptions(
            "x",
            &[ex(
                l(vec![i("proc.name"), i("fd.name")]),
                Some(l(vec![i("="), i("in")])),
                vec![
                    l(vec![i("bash"), i("shell_files")]),
                    l(vec![i("sh"), l(vec![i("/a"), i("/b c")])]),
                ],
            )],
        );
        assert_eq!(
            c,
            "(x) and not (( proc.name = bash and  fd.name in (shell_files)) or ( proc.name = sh and  fd.name in (/a, \"/b c\")))"
        );
        let (c, _) = with_exceptions("x", &[ex(l(vec![i("proc.name")]), None, vec![])]);
        assert_eq!(c, "(x)");
    }
}
