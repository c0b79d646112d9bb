//! Field extraction: built-in fields computed here, everything else asked of the
//! [`StateView`].

pub(crate) mod defs;
mod evt;

pub use defs::Builtin;

use crate::registry::{Arg, FieldId, FieldInfo, Registry};
use crate::render::RenderOptions;
use crate::state::StateView;
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
        view.field(self.id, &self.info, self.arg.as_ref(), opts, scratch)
    }
}
