//! Fields users add: one field with its [`Extractor`] (or a closure), or a whole
//! [`FieldClass`] at once. Once registered in a [`Registry`](crate::Registry), they are named
//! in formats and filters exactly like the built-in fields.
//!
//! An extractor sees the event through a [`StateView`] and answers a [`Value`] that is a
//! number, a static text, or text it wrote into the scratch buffer it is handed, so a field
//! costs no allocation per event. It may read built-in fields itself, through a
//! [`FieldRef`](crate::FieldRef) resolved once and the [`RenderOptions`] it is given (the
//! era's answers differ).
//!
//! ```
//! use strata_dissect::{FieldInfo, FieldType, Format, Registry, RenderOptions, Stateless, Value};
//!
//! let mut reg = Registry::new();
//! // The event's name, upper-cased.
//! reg.register_fn(
//!     FieldInfo::new("my.loud_type", "my", FieldType::Charbuf, "evt.type in capitals."),
//!     |view, _arg, _opts, scratch| {
//!         scratch.push_str(&view.event().name().to_ascii_uppercase());
//!         Some(Value::Str(scratch.as_str()))
//!     },
//! )
//! .unwrap();
//! let demo = strata_scap::demo::capture();
//! let ev = strata_scap::SliceReader::new(&demo)
//!     .find_map(|b| match b {
//!         Ok(strata_scap::Block::Event(e)) => Some(e),
//!         _ => None,
//!     })
//!     .unwrap();
//! let mut f = Format::compile(&reg, "%evt.type %my.loud_type", RenderOptions::default()).unwrap();
//! let mut line = String::new();
//! f.render(&Stateless::new(ev, 1), &mut line);
//! let (a, b) = line.split_once(' ').unwrap();
//! assert_eq!(a.to_ascii_uppercase(), b);
//! ```

use std::fmt;
use std::sync::Arc;

use crate::registry::{Arg, FieldInfo};
use crate::render::RenderOptions;
use crate::state::{StateView, WithPrev};
use crate::value::Value;

/// Computes one user field for an event.
pub trait Extractor: Send + Sync {
    /// The field's value for `view`'s event, with the argument it was named with; `None`
    /// when it has none (`<NA>`, and false in every comparison). Text the value borrows is
    /// written into `scratch`, which comes empty.
    fn extract<'s>(
        &self,
        view: &dyn StateView,
        arg: Option<&Arg>,
        opts: &RenderOptions,
        scratch: &'s mut String,
    ) -> Option<Value<'s>>;
}

/// Several user fields registered together, which share their work (a protocol's fields,
/// computed from one parse of the same bytes).
pub trait FieldClass: Send + Sync {
    /// The class name `sdump -l` lists the fields under.
    fn name(&self) -> &str;

    /// The fields, each with its name, type, argument rules and doc line; their position is
    /// the `field` number [`extract`](Self::extract) is asked for.
    fn fields(&self) -> Vec<FieldInfo>;

    /// The value of field number `field` (see [`Extractor::extract`]).
    fn extract<'s>(
        &self,
        field: usize,
        view: &dyn StateView,
        arg: Option<&Arg>,
        opts: &RenderOptions,
        scratch: &'s mut String,
    ) -> Option<Value<'s>>;
}

/// A single extractor as a class of one field.
pub(crate) struct One<E> {
    pub info: FieldInfo,
    pub extractor: E,
}

impl<E: Extractor> FieldClass for One<E> {
    // The class a single field is listed under is the one its description names.
    #[allow(clippy::misnamed_getters)]
    fn name(&self) -> &str {
        &self.info.class
    }

    fn fields(&self) -> Vec<FieldInfo> {
        vec![self.info.clone()]
    }

    fn extract<'s>(
        &self,
        _field: usize,
        view: &dyn StateView,
        arg: Option<&Arg>,
        opts: &RenderOptions,
        scratch: &'s mut String,
    ) -> Option<Value<'s>> {
        self.extractor.extract(view, arg, opts, scratch)
    }
}

/// A closure as an [`Extractor`].
pub(crate) struct FnExtractor<F>(pub F);

impl<F> Extractor for FnExtractor<F>
where
    F: for<'s> Fn(
            &dyn StateView,
            Option<&Arg>,
            &RenderOptions,
            &'s mut String,
        ) -> Option<Value<'s>>
        + Send
        + Sync,
{
    fn extract<'s>(
        &self,
        view: &dyn StateView,
        arg: Option<&Arg>,
        opts: &RenderOptions,
        scratch: &'s mut String,
    ) -> Option<Value<'s>> {
        (self.0)(view, arg, opts, scratch)
    }
}

/// Where a user field's values come from: its class, and its number there.
#[derive(Clone)]
pub(crate) struct UserSource {
    pub class: Arc<dyn FieldClass>,
    pub index: usize,
    /// The class is a payload dissector's.
    pub dissector: bool,
}

impl UserSource {
    /// The field's value for `view`'s event.
    pub fn extract<'s, S: StateView + ?Sized>(
        &self,
        view: &S,
        arg: Option<&Arg>,
        opts: &RenderOptions,
        scratch: &'s mut String,
    ) -> Option<Value<'s>> {
        // A sized stand-in for the view, which may itself be unsized.
        let view = WithPrev {
            inner: view,
            prev_ts: view.prev_ts(),
        };
        self.class.extract(self.index, &view, arg, opts, scratch)
    }
}

impl fmt::Debug for UserSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserSource({}#{})", self.class.name(), self.index)
    }
}

impl PartialEq for UserSource {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.class, &other.class) && self.index == other.index
    }
}

impl Eq for UserSource {}
