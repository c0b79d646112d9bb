//! Field extraction: built-in fields computed here, everything else asked of the
//! [`StateView`].

pub(crate) mod defs;
mod evt;
pub(crate) mod modern;

pub use defs::Builtin;

/// The static description of built-in field `b`: sysdig's list, then the libsinsp 0.25
/// additions, in `Builtin` order.
pub(crate) fn def(b: Builtin) -> &'static defs::Def {
    let i = b as usize;
    defs::BUILTINS
        .get(i)
        .unwrap_or_else(|| &modern::MODERN[i - defs::BUILTINS.len()])
}

use crate::registry::{Arg, FieldId, FieldInfo, Registry};
use crate::render::RenderOptions;
use crate::state::StateView;
use crate::time::StampCache;
use crate::value::Value;

/// A resolved field reference: which field, and its argument. Built once (by
/// [`FieldRef::parse`] or a [`Format`](crate::Format)), used for every event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRef {
    /// The field.
    pub id: FieldId,
    /// Its argument, if it was given one.
    pub arg: Option<Arg>,
    info: FieldInfo,
    /// The built-in field computed here from the event (`evt.*`, `thread.tid`), decided once.
    local: Option<Builtin>,
    /// How [`write_into`](Self::write_into) writes the field.
    how: How,
}

/// How a field's text reaches an output line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum How {
    /// Composed into the line ([`evt::compose`]).
    Composed,
    /// A number or name written directly ([`evt::write_plain`]).
    Plain,
    /// Extracted as a [`Value`], then written.
    Value,
}

impl FieldRef {
    /// Resolves `name_with_arg` (`evt.arg.fd`, `proc.aname[1]`) in `reg`.
    pub fn parse(reg: &Registry, name_with_arg: &str) -> Result<Self, crate::Error> {
        let (id, arg) = reg.resolve(name_with_arg)?;
        Ok(Self::new(reg, id, arg))
    }

    /// A reference to field `id` of `reg` with `arg`.
    pub fn new(reg: &Registry, id: FieldId, arg: Option<Arg>) -> Self {
        let info = reg.info(id).clone();
        let local = info.builtin.filter(|&b| evt::computes(b));
        FieldRef {
            id,
            arg,
            info,
            local,
            how: match local {
                Some(b) if evt::composes(b) => How::Composed,
                Some(b) if evt::plain(b) => How::Plain,
                _ => How::Value,
            },
        }
    }

    /// What the registry says of the field.
    pub fn info(&self) -> &FieldInfo {
        &self.info
    }

    /// Extracts the field's value for the event of `view`; `None` when the event has none
    /// (sysdig's `<NA>`).
    ///
    /// Text that has to be composed (`evt.args`, `evt.time`, ...) is written into `scratch`
    /// (cleared first) and borrowed from it, so a caller that reuses one buffer allocates
    /// nothing per event.
    pub fn extract<'a, S: StateView + ?Sized>(
        &self,
        view: &'a S,
        opts: &RenderOptions,
        scratch: &'a mut String,
    ) -> Option<Value<'a>> {
        scratch.clear();
        if let Some(b) = self.local {
            return evt::extract(b, self.arg.as_ref(), view, opts, scratch).flatten();
        }
        if let Some(u) = &self.info.user {
            return u.extract(view, self.arg.as_ref(), opts, scratch);
        }
        view.field(self.id, &self.info, self.arg.as_ref(), opts, scratch)
    }

    /// Whether every event has a value for the field: the numbers and fixed names of the
    /// event itself (`evt.num`, `evt.rawtime`, `evt.type`, `evt.dir`, `evt.cpu`,
    /// `thread.tid`). A column of such a field needs no nulls.
    ///
    /// ```
    /// use strata_dissect::{FieldRef, Registry};
    /// let reg = Registry::builtin();
    /// assert!(FieldRef::parse(reg, "evt.type").unwrap().always_present());
    /// assert!(!FieldRef::parse(reg, "fd.name").unwrap().always_present());
    /// ```
    pub fn always_present(&self) -> bool {
        matches!((self.local, self.how), (Some(_), How::Plain))
    }

    /// Whether the field is one of the fields of the event's fd (`fd.name`, `fd.num`, ...,
    /// not `fd.types`): a view of the state engine's event about no fd (no
    /// [`fd_num`](strata_sinsp::EventCtx::fd_num)) has no value for it.
    ///
    /// ```
    /// use strata_dissect::{FieldRef, Registry};
    /// let reg = Registry::builtin();
    /// assert!(FieldRef::parse(reg, "fd.name").unwrap().is_fd_field());
    /// assert!(!FieldRef::parse(reg, "proc.name").unwrap().is_fd_field());
    /// ```
    pub fn is_fd_field(&self) -> bool {
        self.local.is_none()
            && self.info.user.is_none()
            && self.info.builtin.is_some_and(Builtin::of_event_fd)
    }

    /// For the fields that are a number or a fixed name of the event (`evt.num`, `evt.type`,
    /// `evt.dir`, `thread.tid`, ...), their value as [`extract`](Self::extract) gives it,
    /// without its dispatch; `None` for the others.
    #[inline]
    pub(crate) fn plain_value<S: StateView + ?Sized>(
        &self,
        view: &S,
        opts: &RenderOptions,
    ) -> Option<Value<'static>> {
        match (self.local, self.how) {
            (Some(b), How::Plain) => evt::plain_value(b, view, opts),
            _ => None,
        }
    }

    /// Appends the field's text to `out` (what [`extract`](Self::extract) then
    /// [`Value::write_to`] give) and returns `true`, or returns `false` with `out` as it was
    /// when the event has no value. Composed text (`evt.args`, `evt.time`, ...) is written
    /// straight into `out`, the second of a timestamp taken from `cache`.
    #[inline(always)]
    pub(crate) fn write_into<S: StateView + ?Sized>(
        &self,
        view: &S,
        opts: &RenderOptions,
        cache: &mut StampCache,
        scratch: &mut String,
        out: &mut Vec<u8>,
    ) -> bool {
        match (self.local, self.how) {
            (Some(b), How::Composed) => {
                let start = out.len();
                if evt::compose(b, self.arg.as_ref(), view, opts, cache, out) == Some(true) {
                    return true;
                }
                out.truncate(start);
                return false;
            }
            (Some(b), How::Plain) => {
                evt::write_plain(b, view, opts, out);
                return true;
            }
            _ => {}
        }
        match self.extract(view, opts, scratch) {
            Some(v) => {
                v.write_to(out);
                true
            }
            None => false,
        }
    }
}
