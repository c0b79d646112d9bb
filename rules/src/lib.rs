//! `strata-rules`: Falco's rules files (lists, macros, rules, exceptions, `append` and
//! `override`), compiled with `strata-filter` against any [`Schema`], and run through an index
//! by event type.
//!
//! Layers, each usable alone:
//! 1. [`Loader::load`] reads one file after the others (each sees the lists and macros of the
//!    files before it), checks it as Falco does, and says what Falco would say of it
//!    ([`FileResult`]: `FILE: Ok`, or the errors, each placed by file, item, line and column).
//! 2. [`Loader::compile`] compiles every rule for a schema into a [`RuleSet`]: lists expanded
//!    as text, exceptions appended as text, macros substituted in the tree, as Falco does.
//! 3. [`RuleSet::matching`] gives the rules an event matches, trying only those whose
//!    condition can match the event's type ([`strata_filter::Program::event_types`]; for a
//!    generic syscall, its name), and answering a check the rules share once per event.
//!
//! Rules of event sources other than `syscall` (Falco's plugins) are read, checked and listed
//! by [`Loader::not_runnable`], not compiled. Rendering alerts needs the fields of events;
//! the `strata` crate does it.
//!
//! ```
//! use strata_filter::{FieldError, FieldSpec, Record, Schema, Type, Value};
//! use strata_rules::{Loader, Priority};
//!
//! struct Fields;
//! impl Schema for Fields {
//!     type Field = ();
//!     fn resolve(&self, name: &str, _: Option<&str>) -> Result<FieldSpec<()>, FieldError> {
//!         if name == "proc.name" { Ok(FieldSpec::new((), Type::Charbuf)) } else { Err(FieldError::Unknown) }
//!     }
//!     fn names(&self) -> Vec<String> { vec!["proc.name".into()] }
//! }
//! struct Proc(&'static str);
//! impl Record for Proc {
//!     type Field = ();
//!     fn extract(&mut self, _: &(), each: &mut dyn FnMut(Value<'_>) -> bool) -> bool {
//!         each(Value::Bytes(self.0.as_bytes()));
//!         true
//!     }
//! }
//!
//! let text = r#"
//! - list: shells
//!   items: [bash, zsh]
//! - macro: shell
//!   condition: proc.name in (shells)
//! - rule: Shell seen
//!   desc: a shell ran
//!   condition: shell
//!   output: shell %proc.name
//!   priority: WARNING
//!   exceptions:
//!     - name: trusted
//!       fields: proc.name
//!       values: [zsh]
//! "#;
//! let mut loader = Loader::new();
//! let no_output_check = |_: &str| Ok(());
//! let result = loader.load("my_rules.yaml", text, &Fields, &no_output_check);
//! assert_eq!(result.summary(), "my_rules.yaml: Ok");
//! let mut rules = loader.compile(&Fields, &no_output_check).unwrap();
//! let mut hits = Vec::new();
//! rules.matching(0, 0, &mut Proc("bash"), &mut hits);
//! assert_eq!(hits.len(), 1);
//! assert_eq!(rules.rules()[hits[0]].priority, Priority::Warning);
//! rules.matching(0, 0, &mut Proc("zsh"), &mut hits);
//! assert!(hits.is_empty());
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod collect;
mod compile;
mod diag;
mod priority;
pub mod yaml;

use std::collections::HashMap;
use std::fmt::Write as _;

use strata_filter::ast::Expr;
use strata_filter::{Answers, ParseOptions, Program, Record, Schema};

pub use collect::{ENGINE_VERSION, SYSCALL_SOURCE};
pub use compile::{CONTAINER_INFO, MAX_EXPANDED_DEPTH, MAX_EXPANDED_NODES, OutputCheck};
pub use diag::{Code, Diagnostic, Location};
pub use priority::{Priority, UnknownPriority};

/// The crate's error: a rules collection that does not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Error(pub Box<Diagnostic>);

/// A compiled rule.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Rule<F> {
    /// Its name.
    pub name: String,
    /// `desc`.
    pub desc: String,
    /// `output`, `%container.info` expanded ([`CONTAINER_INFO`]).
    pub output: String,
    /// `priority`.
    pub priority: Priority,
    /// `tags`, sorted (Falco keeps them as a set).
    pub tags: Vec<String>,
    /// `source` (always `syscall` here).
    pub source: String,
    /// Whether the files leave it enabled.
    pub enabled: bool,
    /// The condition as compiled: lists, exceptions and macros in place. Its `Display`
    /// prints it as one filter.
    pub condition: Expr,
    /// The fields its exceptions compare.
    pub exception_fields: Vec<String>,
    /// `capture`.
    pub capture: bool,
    /// `capture_duration`, in milliseconds.
    pub capture_duration: u64,
    /// The compiled condition.
    pub program: Program<F>,
}

/// What loading one file gave, as Falco reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileResult {
    /// The file's name as given.
    pub name: String,
    /// Its errors (Falco stops at the first).
    pub errors: Vec<Diagnostic>,
    /// Its warnings, and those of compiling everything loaded so far.
    pub warnings: Vec<Diagnostic>,
}

impl FileResult {
    /// Whether it loaded without error.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// Falco's first line for the file: `NAME: Ok`, `NAME: Ok, with warnings` or
    /// `NAME: Invalid`.
    pub fn summary(&self) -> String {
        let state = match (self.is_ok(), self.warnings.is_empty()) {
            (true, true) => "Ok",
            (true, false) => "Ok, with warnings",
            (false, _) => "Invalid",
        };
        format!("{}: {state}", self.name)
    }

    /// The summary line, then each error and (with `warnings`) each warning in full.
    pub fn render(&self, warnings: bool) -> String {
        let mut out = self.summary();
        out.push('\n');
        if !self.errors.is_empty() {
            let _ = writeln!(out, "{} Errors:", self.errors.len());
            for e in &self.errors {
                let _ = writeln!(out, "{e}");
            }
        }
        if warnings && !self.warnings.is_empty() {
            let _ = writeln!(out, "{} Warnings:", self.warnings.len());
            for w in &self.warnings {
                let _ = writeln!(out, "{w}");
            }
        }
        out
    }
}

/// Rules files read one after another.
#[derive(Debug, Clone, Default)]
pub struct Loader {
    col: collect::Collector,
}

impl Loader {
    /// No files yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads file `name` holding `text`, after the files loaded before, then compiles all of
    /// it against `schema` (outputs checked by `check_output`) to report what Falco reports
    /// when it loads the file. A file with an error keeps what it defined before the error.
    pub fn load<S: Schema>(
        &mut self,
        name: &str,
        text: &str,
        schema: &S,
        check_output: OutputCheck<'_>,
    ) -> FileResult {
        let mut diags = Vec::new();
        let opts = ParseOptions::default().with_dialect(schema.dialect());
        let is_field = |f: &str| {
            strata_filter::parse_with(&format!("{f} exists"), opts)
                .ok()
                .is_some_and(|e| strata_filter::compile(schema, &e).is_ok())
        };
        let read = collect::Reader {
            file: name,
            col: &mut self.col,
            diags: &mut diags,
            is_field: &is_field,
        }
        .read(text);
        let mut errors = Vec::new();
        match read {
            Err(e) => errors.push(*e),
            Ok(()) => match compile::compile(&self.col, schema, check_output) {
                Err(e) => errors.push(*e),
                Ok(c) => diags.extend(c.warnings),
            },
        }
        FileResult {
            name: name.to_string(),
            errors,
            warnings: diags,
        }
    }

    /// Compiles every rule of the files loaded, for `schema`.
    pub fn compile<S: Schema>(
        &self,
        schema: &S,
        check_output: OutputCheck<'_>,
    ) -> Result<RuleSet<S::Field>, Error> {
        let c = compile::compile(&self.col, schema, check_output).map_err(Error)?;
        Ok(RuleSet::new(
            c.rules,
            schema.event_code_count(),
            &schema.uncertain_event_codes(),
            c.checks,
        ))
    }

    /// Rules of other event sources than `syscall`: their names and sources, in file order.
    pub fn not_runnable(&self) -> impl Iterator<Item = (&str, &str)> {
        self.col
            .rules
            .items
            .iter()
            .filter(|r| r.unknown_source)
            .map(|r| (r.name.as_str(), r.source.as_str()))
    }

    /// The plugins the files require (`required_plugin_versions`): for each requirement, the
    /// (name, version) alternatives.
    pub fn required_plugins(&self) -> &[Vec<(String, String)>] {
        &self.col.required_plugins
    }

    /// The highest `required_engine_version` of the files.
    pub fn required_engine_version(&self) -> (u64, u64, u64) {
        self.col.required_engine_version
    }
}

/// Compiled rules, indexed by the event types each can match.
#[derive(Debug, Clone)]
pub struct RuleSet<F> {
    rules: Vec<Rule<F>>,
    /// For each event code, the rules that can match it, in file order.
    by_code: Vec<Vec<u32>>,
    /// Rules that can match codes outside the index (a schema without event codes).
    unindexed: Vec<u32>,
    active: Vec<bool>,
    min: Priority,
    /// Codes whose events' type names are not known from the code (generic syscalls).
    uncertain: Vec<u16>,
    /// For (uncertain code, subtype): the indexed rules that may match by type.
    by_subtype: HashMap<(u16, u64), Vec<u32>>,
    /// The current event's answers to the checks the rules share.
    answers: Answers,
}

/// Most (code, subtype) pairs [`RuleSet::matching`] remembers (a generic event's
/// subtype is its syscall number, so real captures stay far below).
const SUBTYPES_KEPT: usize = 4096;

impl<F> RuleSet<F> {
    fn new(rules: Vec<Rule<F>>, universe: usize, uncertain: &[u16], checks: usize) -> Self {
        let mut by_code = vec![Vec::new(); universe];
        let mut unindexed = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            if universe == 0 {
                unindexed.push(i as u32);
                continue;
            }
            for code in compile::codes(&r.program) {
                if let Some(v) = by_code.get_mut(code as usize) {
                    v.push(i as u32);
                }
            }
        }
        let active = rules.iter().map(|r| r.enabled).collect();
        RuleSet {
            rules,
            by_code,
            unindexed,
            active,
            min: Priority::Debug,
            uncertain: uncertain.to_vec(),
            by_subtype: HashMap::new(),
            answers: Answers::new(checks),
        }
    }

    /// Every compiled rule, in file order (disabled ones too).
    pub fn rules(&self) -> &[Rule<F>] {
        &self.rules
    }

    /// Runs only rules at least as severe as `min` (Falco's `priority` setting).
    pub fn set_min_priority(&mut self, min: Priority) {
        self.min = min;
    }

    /// Enables or disables the rules named `name`; how many there were.
    pub fn enable(&mut self, name: &str, on: bool) -> usize {
        self.set_where(|r| r.name == name, on)
    }

    /// Enables or disables the rules tagged `tag`; how many there were.
    pub fn enable_tag(&mut self, tag: &str, on: bool) -> usize {
        self.set_where(|r| r.tags.iter().any(|t| t == tag), on)
    }

    fn set_where(&mut self, pred: impl Fn(&Rule<F>) -> bool, on: bool) -> usize {
        let mut n = 0;
        for (i, r) in self.rules.iter().enumerate() {
            if pred(r) {
                self.active[i] = on;
                n += 1;
            }
        }
        n
    }

    /// Whether rule `i` runs (enabled, and severe enough).
    pub fn is_active(&self, i: usize) -> bool {
        self.active[i] && self.rules[i].priority.at_least(self.min)
    }

    /// The rules an event of type `code` can match, in file order: those to try.
    pub fn candidates(&self, code: u16) -> impl Iterator<Item = usize> + '_ {
        self.by_code
            .get(code as usize)
            .unwrap_or(&self.unindexed)
            .iter()
            .map(|&i| i as usize)
            .filter(|&i| self.is_active(i))
    }

    /// Sets `out` to the rules (indices into [`rules`](Self::rules)) the event matches, in
    /// file order, trying only those that can match its type. `subtype` tells apart events of
    /// one code that stand for several types (a generic syscall's number; anything for other
    /// events): for those, rules whose `evt.type` checks cannot pass for the subtype
    /// ([`Program::may_match`]) are left out, as found once per (code, subtype). Checks that
    /// several rules share are answered once per call.
    pub fn matching<R: Record<Field = F> + ?Sized>(
        &mut self,
        code: u16,
        subtype: u64,
        rec: &mut R,
        out: &mut Vec<usize>,
    ) {
        out.clear();
        self.answers.next_event();
        let key = (code, subtype);
        let uncertain = self.uncertain.contains(&code);
        if uncertain && !self.by_subtype.contains_key(&key) && self.by_subtype.len() < SUBTYPES_KEPT
        {
            let all = self.by_code.get(code as usize).unwrap_or(&self.unindexed);
            let narrowed: Vec<u32> = all
                .iter()
                .copied()
                .filter(|&i| self.rules[i as usize].program.may_match(rec))
                .collect();
            self.by_subtype.insert(key, narrowed);
        }
        let RuleSet {
            rules,
            by_code,
            unindexed,
            by_subtype,
            answers,
            ..
        } = self;
        let narrowed = if uncertain {
            by_subtype.get(&key)
        } else {
            None
        };
        let tried = match narrowed {
            Some(n) => n,
            None => by_code.get(code as usize).unwrap_or(unindexed),
        };
        for &i in tried.iter() {
            let i = i as usize;
            let active = self.active[i] && rules[i].priority.at_least(self.min);
            if active && rules[i].program.matches_shared(rec, answers) {
                out.push(i);
            }
        }
    }

    /// [`matching`](Self::matching) without the index: every active rule is tried (for
    /// measuring what the index saves).
    pub fn matching_unindexed<R: Record<Field = F> + ?Sized>(
        &mut self,
        rec: &mut R,
        out: &mut Vec<usize>,
    ) {
        out.clear();
        for i in 0..self.rules.len() {
            if self.is_active(i) && self.rules[i].program.matches(rec) {
                out.push(i);
            }
        }
    }
}
