//! Decoding all of an event's parameters at once, into a buffer reused from event to event.
//!
//! [`Event::params`] yields one [`ParamValue`] at a time, so every value goes through one
//! dispatch on its type and one merge of all the types' layouts into the item. Here the event
//! type's signature (its list of parameter types and the width of its lengths) picks a function
//! (generated, one per distinct signature) that calls each type's decoder directly, and each
//! decoder writes its value straight into its slot.

use super::{Event, ParamValue, param_len};
use crate::bytes::Endian;
use crate::error::ErrorKind;
use crate::table::{self, ParamAux, ParamInfo, TypedParams};

/// The most parameters an event type has (`PPM_MAX_EVENT_PARAMS`).
const MAX_PARAMS: usize = 32;

/// Space for the decoded parameters of one event, reused from event to event; see
/// [`Event::decode_params`].
#[derive(Debug, Clone)]
pub struct ParamBuf<'a> {
    slots: [ParamValue<'a>; MAX_PARAMS],
}

impl Default for ParamBuf<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl ParamBuf<'_> {
    /// An empty buffer (1.5 KB; make one and reuse it).
    pub fn new() -> Self {
        ParamBuf {
            slots: [ParamValue::Empty; MAX_PARAMS],
        }
    }
}

impl<'a> Event<'a> {
    /// Every parameter decoded, as a slice; or the error of the first one that does not decode.
    ///
    /// On success, the slice holds what [`params`](Self::params) yields. For a little-endian
    /// event that has all of its type's parameters, with lengths as wide as its type's, each
    /// is decoded by code compiled for its type, with no dispatch on the type, straight into
    /// `buf`; other events are decoded as `params` decodes them. On captures of many event
    /// types this is the faster way to decode every value (1.4x to 2.2x `params` on
    /// `curl_google`); where a few types repeat, the dispatch of `params` is well predicted and
    /// the two are level (see the README's figures).
    ///
    /// ```
    /// use strata_scap::{Block, ParamBuf, SliceReader};
    /// let bytes = strata_scap::demo::capture();
    /// let mut buf = ParamBuf::new();
    /// for block in SliceReader::new(&bytes) {
    ///     let Ok(Block::Event(ev)) = block else { continue };
    ///     let all = ev.decode_params(&mut buf).unwrap();
    ///     assert!(all.iter().copied().map(Ok).eq(ev.params()));
    /// }
    /// ```
    // Inlined, it shares registers with the caller's `Event::parse`: 12% fewer instructions per
    // event on curl_google, and faster most of all in this machine's slow spells. `always`,
    // because with a second call site (as in the bench) LLVM kept it out of line; it is small,
    // since `table::visit`, with its arm per signature, is not inlined.
    #[inline(always)]
    pub fn decode_params<'b>(
        &self,
        buf: &'b mut ParamBuf<'a>,
    ) -> Result<&'b [ParamValue<'a>], ErrorKind> {
        let n = match self.info() {
            Some(info)
                if self.nparams() == info.params.len()
                    && self.large == info.large_payload()
                    && self.endian == Endian::Little =>
            {
                let mut fill = Fill {
                    slots: &mut buf.slots,
                    infos: info.params,
                    lens: self.lens(),
                    data: self.data(),
                };
                match table::visit(info.signature, &mut fill) {
                    Ok(()) => info.params.len(),
                    Err(Stop::Short(n)) => n,
                    Err(Stop::Bad(e)) => return Err(e),
                }
            }
            _ => self.decode_params_by_one(buf)?,
        };
        Ok(buf.slots.get(..n).unwrap_or_default())
    }

    /// The other events of [`decode_params`](Self::decode_params), through [`Event::params`];
    /// returns how many slots it filled.
    #[inline(never)]
    fn decode_params_by_one(&self, buf: &mut ParamBuf<'a>) -> Result<usize, ErrorKind> {
        let mut n = 0;
        for (slot, value) in buf.slots.iter_mut().zip(self.params()) {
            *slot = value?;
            n += 1;
        }
        Ok(n)
    }
}

/// What [`Event::decode_params`] threads through the generated [`table::visit`].
struct Fill<'a, 'b> {
    slots: &'b mut [ParamValue<'a>; MAX_PARAMS],
    infos: &'static [ParamInfo],
    /// The lengths, and the data not yet decoded.
    lens: &'a [u8],
    data: &'a [u8],
}

/// Why [`Fill`] stopped before the last parameter.
enum Stop {
    /// The data ended before parameter `n`. `Event::parse` checks that the lengths fit the
    /// data, so this does not happen; if it did, `Params::next` would stop there too.
    Short(usize),
    /// The parameter did not decode.
    Bad(ErrorKind),
}

impl TypedParams for Fill<'_, '_> {
    type Stop = Stop;

    #[inline(always)]
    fn param<const TY: u8, const LARGE: bool>(&mut self, index: usize) -> Result<(), Stop> {
        let len = param_len(self.lens, index, LARGE, Endian::Little);
        let (Some((raw, data)), Some(slot)) =
            (self.data.split_at_checked(len), self.slots.get_mut(index))
        else {
            return Err(Stop::Short(index));
        };
        self.data = data;
        let aux = self.infos.get(index).map_or(ParamAux::None, |i| i.aux);
        // A `match`, not `map_err(Stop::Bad)?`: through `?` every value took a stack copy of a
        // whole `ParamValue`, whose loads stalled on the stores before them (40% slower).
        match ParamValue::decode_typed::<TY>(aux, raw) {
            Ok(value) => {
                *slot = value;
                Ok(())
            }
            Err(e) => Err(Stop::Bad(e)),
        }
    }
}
