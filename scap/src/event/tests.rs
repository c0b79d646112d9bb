use super::*;
use crate::param::ParamValue;

fn block_body(cpu: u16, ev: &[u8]) -> Vec<u8> {
    let mut b = cpu.to_le_bytes().to_vec();
    b.extend_from_slice(ev);
    b
}

fn v2(event_type: u16, params: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_event(&mut out, Endian::Little, 1_000, 42, event_type, params).unwrap();
    out
}

/// A version 1 event: 22-byte header, u16 lengths, no nparams.
fn v1(event_type: u16, params: &[&[u8]]) -> Vec<u8> {
    let data: usize = params.iter().map(|p| p.len()).sum();
    let len = (HEADER_V1_LEN + params.len() * 2 + data) as u32;
    let mut out = Vec::new();
    out.extend_from_slice(&7u64.to_le_bytes());
    out.extend_from_slice(&9u64.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&event_type.to_le_bytes());
    for p in params {
        out.extend_from_slice(&(p.len() as u16).to_le_bytes());
    }
    for p in params {
        out.extend_from_slice(p);
    }
    out
}

#[test]
fn v2_event_params() {
    // close exit (code 55): res, fd in today's table.
    let ev = v2(55, &[&0i64.to_le_bytes(), &3i64.to_le_bytes()]);
    let body = block_body(1, &ev);
    let e = Event::parse(types::EV_V2, &body, Endian::Little).unwrap();
    assert_eq!((e.cpu, e.ts, e.tid, e.event_type), (1, 1_000, 42, 55));
    assert_eq!(e.nparams(), 2);
    assert_eq!(e.param_raw(1), Some(&3i64.to_le_bytes()[..]));
    assert_eq!(e.param_raw(2), None);
    assert_eq!(e.params_raw().count(), 2);
    assert_eq!(e.raw(), &ev[..]);
    assert!(e.tail().is_empty());
    assert!(!e.is_v1());
}

#[test]
fn v1_event_infers_fewer_params() {
    // open exit (code 3) today has more params than old drivers wrote; give it three.
    let info = table::event_info(3).unwrap();
    assert!(info.params.len() > 3);
    let ev = v1(
        3,
        &[&3i64.to_le_bytes(), b"/etc/hosts\0", &1u32.to_le_bytes()],
    );
    let body = block_body(0, &ev);
    let e = Event::parse(types::EV, &body, Endian::Little).unwrap();
    assert!(e.is_v1());
    assert_eq!(e.nparams(), 3);
    assert_eq!(e.param_raw(1), Some(&b"/etc/hosts\0"[..]));
}

#[test]
fn v1_event_that_fits_no_count_is_an_error() {
    let mut ev = v1(3, &[&3i64.to_le_bytes()]);
    ev.extend_from_slice(&[0xAB]); // one stray byte the lengths do not account for
    let len = ev.len() as u32;
    ev[16..20].copy_from_slice(&len.to_le_bytes());
    let body = block_body(0, &ev);
    assert!(matches!(
        Event::parse(types::EV, &body, Endian::Little),
        Err(ErrorKind::Malformed(_))
    ));
}

#[test]
fn evf_preamble_and_flags() {
    let ev = v2(55, &[&0i64.to_le_bytes(), &3i64.to_le_bytes()]);
    let mut body = 2u16.to_le_bytes().to_vec();
    body.extend_from_slice(&DF_STATE_ONLY.to_le_bytes());
    body.extend_from_slice(&ev);
    body.extend_from_slice(&[0, 0]); // padding
    let e = Event::parse(types::EVF_V2, &body, Endian::Little).unwrap();
    assert_eq!(e.cpu, 2);
    assert!(e.is_state_only());
    assert_eq!(e.tail(), &[0, 0]);
}

#[test]
fn hostile_headers_are_errors_not_panics() {
    let good = v2(55, &[&0i64.to_le_bytes(), &3i64.to_le_bytes()]);
    // len shorter than the header
    let mut ev = good.clone();
    ev[16..20].copy_from_slice(&10u32.to_le_bytes());
    assert!(Event::parse(types::EV_V2, &block_body(0, &ev), Endian::Little).is_err());
    // len past the block
    let mut ev = good.clone();
    ev[16..20].copy_from_slice(&1000u32.to_le_bytes());
    assert!(Event::parse(types::EV_V2, &block_body(0, &ev), Endian::Little).is_err());
    // nparams huge
    let mut ev = good.clone();
    ev[22..26].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(Event::parse(types::EV_V2, &block_body(0, &ev), Endian::Little).is_err());
    // a parameter length past the end
    let mut ev = good.clone();
    ev[26..28].copy_from_slice(&500u16.to_le_bytes());
    assert!(Event::parse(types::EV_V2, &block_body(0, &ev), Endian::Little).is_err());
    // too short for a header at all
    assert!(Event::parse(types::EV_V2, &[0u8; 10], Endian::Little).is_err());
}

#[test]
fn large_payload_events_use_u32_lengths() {
    // pluginevent (322) is large-payload.
    let payload = vec![7u8; 70_000];
    let ev = v2(322, &[&5u32.to_le_bytes(), &payload]);
    assert_eq!(ev.len(), HEADER_V2_LEN + 2 * 4 + 4 + payload.len());
    let body = block_body(0, &ev);
    let e = Event::parse(types::EV_V2_LARGE, &body, Endian::Little).unwrap();
    assert!(e.large_payload());
    assert_eq!(e.param_raw(1).map(<[u8]>::len), Some(70_000));
}

#[test]
fn oversized_param_for_small_event_is_a_write_error() {
    let big = vec![0u8; 70_000];
    let mut out = Vec::new();
    let r = encode_event(
        &mut out,
        Endian::Little,
        0,
        0,
        7,
        &[&0i64.to_le_bytes(), &big],
    );
    assert!(matches!(r, Err(ErrorKind::TooLargeToWrite { .. })));
}

#[test]
fn unknown_event_type_is_kept_opaque() {
    let ev = v2(9000, &[b"abc"]);
    let body = block_body(0, &ev);
    let e = Event::parse(types::EV_V2, &body, Endian::Little).unwrap();
    assert!(e.info().is_none());
    assert_eq!(e.name(), "unknown");
    assert_eq!(e.param_raw(0), Some(&b"abc"[..]));
    assert!(e.param(0).is_none());
}

#[test]
fn v1_large_payload_type_uses_u16_lengths() {
    // Found by fuzzing: a version 1 event of a large-payload type (pluginevent) used to be
    // sliced with 32-bit lengths after its count was inferred with 16-bit ones.
    let ev = v1(322, &[&5u32.to_le_bytes(), b"payload"]);
    let body = block_body(0, &ev);
    let e = Event::parse(types::EV, &body, Endian::Little).unwrap();
    assert!(!e.large_payload());
    assert_eq!(e.nparams(), 2);
    assert_eq!(e.param_raw(1), Some(&b"payload"[..]));
}

#[test]
fn header_alone_agrees_with_the_event() {
    let ev = v2(55, &[&0i64.to_le_bytes(), &3i64.to_le_bytes()]);
    let body = block_body(4, &ev);
    let h = EventHeader::parse(types::EV_V2, &body, Endian::Little).unwrap();
    let e = Event::parse(types::EV_V2, &body, Endian::Little).unwrap();
    assert_eq!(
        (h.cpu, h.ts, h.tid, h.len, h.event_type),
        (e.cpu, e.ts, e.tid, e.len, 55)
    );
    assert_eq!(
        (h.nparams, h.header_len(), h.preamble_len()),
        (Some(2), 26, 2)
    );
    let old = v1(3, &[&3i64.to_le_bytes()]);
    let h = EventHeader::parse(types::EV, &block_body(0, &old), Endian::Little).unwrap();
    assert_eq!((h.nparams, h.header_len()), (None, 22));
    // The same framing errors as the full parse.
    let mut bad = ev.clone();
    bad[16..20].copy_from_slice(&1000u32.to_le_bytes());
    let body = block_body(0, &bad);
    assert_eq!(
        EventHeader::parse(types::EV_V2, &body, Endian::Little).unwrap_err(),
        Event::parse(types::EV_V2, &body, Endian::Little).unwrap_err()
    );
}

/// What `params()` must yield: `param(i)` for `i = 0, 1, ...` up to the first `None`.
fn params_by_index<'a>(e: &Event<'a>) -> Vec<Result<ParamValue<'a>, ErrorKind>> {
    (0..).map_while(|i| e.param(i)).collect()
}

#[test]
fn params_walks_every_parameter_in_order() {
    // close exit (55): res, fd.
    let ev = v2(55, &[&(-9i64).to_le_bytes(), &3i64.to_le_bytes()]);
    let body = block_body(0, &ev);
    let e = Event::parse(types::EV_V2, &body, Endian::Little).unwrap();
    let got: Vec<_> = e.params().collect();
    assert_eq!(got, [Ok(ParamValue::Errno(-9)), Ok(ParamValue::Fd(3))]);
    assert_eq!(got, params_by_index(&e));
    assert_eq!(e.params().size_hint(), (0, Some(2)));
    let mut it = e.params();
    assert_eq!(it.by_ref().count(), 2);
    assert!(it.next().is_none());
}

#[test]
fn params_of_old_and_unknown_events() {
    // A version 1 open exit with three of today's parameters yields three.
    let ev = v1(
        3,
        &[&3i64.to_le_bytes(), b"/etc/hosts\0", &1u32.to_le_bytes()],
    );
    let body = block_body(0, &ev);
    let e = Event::parse(types::EV, &body, Endian::Little).unwrap();
    let got: Vec<_> = e.params().collect();
    assert_eq!(got.len(), 3);
    assert_eq!(got[1], Ok(ParamValue::Path(b"/etc/hosts")));
    assert_eq!(got, params_by_index(&e));
    // An unknown type has raw parameters but no typed ones.
    let ev = v2(9000, &[b"abc"]);
    let body = block_body(0, &ev);
    let e = Event::parse(types::EV_V2, &body, Endian::Little).unwrap();
    assert_eq!(e.params_raw().count(), 1);
    assert_eq!(e.params().count(), 0);
    // More parameters than the table knows: the extra ones are raw only.
    let known = table::event_info(55).unwrap().params.len();
    let eight = 0i64.to_le_bytes();
    let ev = v2(55, &vec![&eight[..]; known + 1]);
    let body = block_body(0, &ev);
    let e = Event::parse(types::EV_V2, &body, Endian::Little).unwrap();
    assert_eq!(e.params_raw().count(), known + 1);
    assert_eq!(e.params().count(), known);
}

#[test]
fn params_reports_a_bad_parameter_and_goes_on() {
    // close exit with a 3-byte res (an ERRNO is 8 bytes) and an empty fd.
    let ev = v2(55, &[&[1, 2, 3], &[]]);
    let body = block_body(0, &ev);
    let e = Event::parse(types::EV_V2, &body, Endian::Little).unwrap();
    let got: Vec<_> = e.params().collect();
    assert!(matches!(got[0], Err(ErrorKind::Overrun { .. })));
    assert_eq!(got[1], Ok(ParamValue::Empty));
    assert_eq!(got, params_by_index(&e));
}

#[test]
fn params_of_large_payload_events() {
    let payload = vec![7u8; 70_000];
    let ev = v2(322, &[&5u32.to_le_bytes(), &payload]);
    let body = block_body(0, &ev);
    let e = Event::parse(types::EV_V2_LARGE, &body, Endian::Little).unwrap();
    let got: Vec<_> = e.params().collect();
    assert_eq!(got.len(), 2);
    assert_eq!(got, params_by_index(&e));
    assert_eq!(
        got[1]
            .as_ref()
            .ok()
            .and_then(|v| v.as_bytes())
            .map(<[u8]>::len),
        Some(70_000)
    );
}

#[test]
fn params_agree_with_param_on_the_demo_capture() {
    let bytes = crate::demo::capture();
    let mut n = 0;
    for b in crate::SliceReader::new(&bytes) {
        let Ok(crate::Block::Event(e)) = b else {
            continue;
        };
        assert_eq!(e.params().collect::<Vec<_>>(), params_by_index(&e));
        let raw: Vec<_> = e.params_raw().collect();
        assert_eq!(raw.len(), e.nparams());
        for (i, r) in raw.iter().enumerate() {
            assert_eq!(e.param_raw(i), Some(*r));
        }
        n += 1;
    }
    assert!(n > 0);
}

/// 64 bytes of event and 16 of its block, which makes writing it unchanged one copy (the
/// reading paths measured 0.6% more instructions for the extra 16 bytes).
#[test]
fn event_is_eighty_bytes() {
    assert_eq!(std::mem::size_of::<Event<'_>>(), 80);
}

proptest::proptest! {
    /// Any parameter bytes under any event type: `params()` agrees with `param(i)` and never
    /// panics.
    #[test]
    fn params_agree_with_param(
        event_type in 0u16..400,
        params in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 0..24), 0..8),
    ) {
        let slices: Vec<&[u8]> = params.iter().map(Vec::as_slice).collect();
        let ev = v2(event_type, &slices);
        let body = block_body(0, &ev);
        let t = if table::event_info(event_type).is_some_and(|i| i.large_payload()) {
            types::EV_V2_LARGE
        } else {
            types::EV_V2
        };
        let e = Event::parse(t, &body, Endian::Little).unwrap();
        proptest::prop_assert_eq!(e.params().collect::<Vec<_>>(), params_by_index(&e));
        proptest::prop_assert_eq!(e.params_raw().collect::<Vec<_>>(), slices);
    }
}

#[test]
fn decode_params_agrees_with_params() {
    use ParamValue as V;
    let mut buf = ParamBuf::new();
    let decode = |ev: &[u8], buf: &mut ParamBuf<'static>| {
        let body: &'static [u8] = Box::leak(block_body(1, ev).into_boxed_slice());
        let e = Event::parse(types::EV_V2, body, Endian::Little).unwrap();
        let each: Vec<_> = e.params().collect();
        (e.decode_params(buf).map(<[_]>::to_vec), each)
    };
    // close exit (res, fd), with all its parameters: the compiled path.
    let (all, _) = decode(
        &v2(55, &[&0i64.to_le_bytes(), &3i64.to_le_bytes()]),
        &mut buf,
    );
    assert_eq!(all, Ok(vec![V::Errno(0), V::Fd(3)]));
    // A 7-byte fd: the error `params` gives for it.
    let (all, each) = decode(&v2(55, &[&0i64.to_le_bytes(), &[0; 7]]), &mut buf);
    assert_eq!(all, Err(each[1].clone().unwrap_err()));
    // Fewer parameters than the table, as older drivers wrote: the values there are.
    let (all, _) = decode(&v2(55, &[&(-2i64).to_le_bytes()]), &mut buf);
    assert_eq!(all, Ok(vec![V::Errno(-2)]));
    // Plugin events have 32-bit lengths: the compiled path reads them so.
    let (all, each) = decode(&v2(322, &[&5u32.to_le_bytes(), b"payload"]), &mut buf);
    assert_eq!(all, Ok(vec![V::Uint(5), V::Bytes(b"payload")]));
    assert_eq!(
        all.unwrap(),
        each.into_iter().collect::<Result<Vec<_>, _>>().unwrap()
    );
    // A version 1 plugin event has 16-bit lengths, unlike its type's: decoded as `params` does.
    let body: &'static [u8] =
        Box::leak(block_body(0, &v1(322, &[&5u32.to_le_bytes(), b"payload"])).into_boxed_slice());
    let e = Event::parse(types::EV, body, Endian::Little).unwrap();
    assert_eq!(
        e.decode_params(&mut buf).map(<[_]>::to_vec),
        Ok(vec![V::Uint(5), V::Bytes(b"payload")])
    );
}
