//! The DNS and HTTP dissectors against Wireshark's: every DNS message and HTTP head the
//! dissectors find in the shared captures that carry them is wrapped, byte for byte, in a
//! packet of its own (Ethernet, IPv4, then UDP or TCP to the protocol's port) in a pcap file
//! this test writes; tshark dissects the file, and every field the two have in common must
//! have the same value, or be absent in both. tshark runs with TCP reassembly off, so a head
//! the capture cut is read as far as it goes, as the dissector reads it; the one difference
//! allowed is a header line the capture cut, whose kept part tshark gives and the dissector
//! (which answers only whole values) does not.
//!
//! Also counts, per capture, the messages each dissector recognized (the README's table).
//!
//! Needs the shared captures and tshark on PATH (`../shared/tools/install-oracle`): with
//! `CI=true` their absence fails, elsewhere the test is skipped (with the reason on stderr).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use strata::dissect::payload::{Payload, Transport};
use strata::dissect::{FieldRef, FieldType, Registry, Value};

/// The captures that carry DNS or HTTP.
const CAPTURES: &[(&str, &str)] = &[
    ("corpus", "curl_google"),
    ("corpus-wild", "apache_event"),
    ("corpus-wild", "nginx_container"),
    ("corpus-wild", "php_app"),
    ("corpus-wild", "objectstore_upload"),
    ("corpus-wild", "curl_2025_a"),
    ("corpus-wild", "curl_2025_b"),
    ("corpus-wild", "curl_2025_c"),
];

const DNS_FIELDS: &[&str] = &[
    "dns.id",
    "dns.flags.response",
    "dns.flags.opcode",
    "dns.flags.authoritative",
    "dns.flags.truncated",
    "dns.flags.recdesired",
    "dns.flags.recavail",
    "dns.flags.z",
    "dns.flags.authenticated",
    "dns.flags.checkdisable",
    "dns.flags.rcode",
    "dns.count.queries",
    "dns.count.answers",
    "dns.count.auth_rr",
    "dns.count.add_rr",
    "dns.qry.name",
    "dns.qry.type",
    "dns.qry.class",
    "dns.resp.name",
    "dns.resp.type",
    "dns.resp.ttl",
    "dns.a",
    "dns.aaaa",
    "dns.cname",
    "dns.ns",
    "dns.ptr.domain_name",
];

const HTTP_FIELDS: &[&str] = &[
    "http.request",
    "http.response",
    "http.request.method",
    "http.request.uri",
    "http.request.version",
    "http.response.version",
    "http.response.code",
    "http.response.phrase",
    "http.host",
    "http.user_agent",
    "http.content_type",
    "http.content_length_header",
    "http.content_length",
    "http.server",
    "http.location",
    "http.connection",
    "http.accept",
    "http.accept_encoding",
    "http.accept_language",
    "http.referer",
    "http.cookie",
    "http.set_cookie",
    "http.authorization",
    "http.transfer_encoding",
    "http.content_encoding",
    "http.cache_control",
    "http.date",
    "http.last_modified",
    "http.x_forwarded_for",
    "http.upgrade",
];

/// One message the dissectors found: where, its bytes and transport, and the values.
struct Found {
    capture: String,
    num: u64,
    transport: Transport,
    data: Vec<u8>,
    values: Vec<Option<String>>,
}

/// Our value of a field as text: lists joined by commas, booleans as tshark's 1 and 0.
fn text(v: Value<'_>) -> String {
    match v {
        Value::Strs(_) => v.strs().collect::<Vec<_>>().join(","),
        Value::Bool(b) => (b as u8).to_string(),
        v => v.to_string(),
    }
}

/// The messages of `proto` (its fields, and the field that says one was recognized) in
/// every capture.
fn find(reg: &Registry, fields: &[&str], marker: &[&str]) -> Option<Vec<Found>> {
    let refs: Vec<FieldRef> = fields
        .iter()
        .map(|f| FieldRef::parse(reg, f).unwrap())
        .collect();
    let markers: Vec<FieldRef> = marker
        .iter()
        .map(|f| FieldRef::parse(reg, f).unwrap())
        .collect();
    let mut out = Vec::new();
    for (dir, name) in CAPTURES {
        let path = common::shared(dir)?.join(format!("{name}.scap"));
        let mut events = strata::Events::open(&path).unwrap();
        while let Some(ev) = events.next() {
            let ev = ev.unwrap();
            let ctx = ev.ctx();
            let mut scratch = String::new();
            if !markers
                .iter()
                .any(|m| m.extract(&ctx, ev.options(), &mut scratch).is_some())
            {
                continue;
            }
            let p = Payload::of(&ctx).expect("a recognized message has a payload");
            let values = refs
                .iter()
                .map(|r| r.extract(&ctx, ev.options(), &mut scratch).map(text))
                .collect();
            out.push(Found {
                capture: name.to_string(),
                num: ev.num(),
                transport: p.fd.transport(),
                data: p.data.to_vec(),
                values,
            });
        }
    }
    Some(out)
}

/// A pcap file with one Ethernet/IPv4/UDP-or-TCP packet per message, each TCP one in a
/// connection of its own, to or from `port`.
fn pcap(found: &[Found], port: u16) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&262_144u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for (i, f) in found.iter().enumerate() {
        let client = 20_000 + (i % 40_000) as u16;
        let mut l4 = Vec::new();
        let proto = match f.transport {
            Transport::Udp => {
                l4.extend_from_slice(&client.to_be_bytes());
                l4.extend_from_slice(&port.to_be_bytes());
                l4.extend_from_slice(&(8 + f.data.len() as u16).to_be_bytes());
                l4.extend_from_slice(&[0, 0]);
                17
            }
            _ => {
                l4.extend_from_slice(&client.to_be_bytes());
                l4.extend_from_slice(&port.to_be_bytes());
                l4.extend_from_slice(&1000u32.to_be_bytes());
                l4.extend_from_slice(&0u32.to_be_bytes());
                l4.extend_from_slice(&[5 << 4, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
                6
            }
        };
        l4.extend_from_slice(&f.data);
        let mut pkt = vec![0u8; 12];
        pkt.extend_from_slice(&[0x08, 0x00]);
        let total = (20 + l4.len()) as u16;
        pkt.extend_from_slice(&[0x45, 0]);
        pkt.extend_from_slice(&total.to_be_bytes());
        pkt.extend_from_slice(&[0, 0, 0, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
        pkt.extend_from_slice(&l4);
        out.extend_from_slice(&(i as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(pkt.len() as u32).to_le_bytes());
        out.extend_from_slice(&(pkt.len() as u32).to_le_bytes());
        out.extend_from_slice(&pkt);
    }
    out
}

/// tshark's values of `fields` for each packet of `file`, as lists joined by commas.
fn tshark(tshark: &Path, file: &Path, fields: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new(tshark);
    cmd.arg("-r")
        .arg(file)
        .args(["-o", "tcp.desegment_tcp_streams:FALSE", "-T", "fields"])
        .args([
            "-E",
            "separator=/t",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=,",
        ]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    assert!(
        out.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// tshark's text of a value in our form: numbers it prints in hexadecimal in decimal.
fn normalize(v: &str, ty: FieldType) -> String {
    match ty {
        FieldType::Uint64 => v
            .split(',')
            .map(|x| match x.strip_prefix("0x") {
                Some(h) => u64::from_str_radix(h, 16).map_or(x.to_string(), |n| n.to_string()),
                None => x.to_string(),
            })
            .collect::<Vec<_>>()
            .join(","),
        _ => v.to_string(),
    }
}

fn compare(fields: &[&str], marker: &[&str], port: u16, tag: &str) {
    let Some(tshark_bin) = common::tool("tshark") else {
        return;
    };
    let reg = Registry::builtin();
    let Some(found) = find(reg, fields, marker) else {
        return;
    };
    assert!(!found.is_empty(), "no {tag} message found");
    let file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("dissect-{tag}.pcap"));
    std::fs::write(&file, pcap(&found, port)).unwrap();
    let theirs = tshark(&tshark_bin, &file, fields);
    assert_eq!(theirs.len(), found.len(), "one line per packet");
    let mut per_capture = std::collections::BTreeMap::<&str, usize>::new();
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut cut_lines = 0;
    for (f, t) in found.iter().zip(&theirs) {
        *per_capture.entry(&f.capture).or_default() += 1;
        for (i, name) in fields.iter().enumerate() {
            let ty = reg.info(reg.id(name).unwrap()).ty;
            let want = t.get(i).map(|v| normalize(v, ty)).filter(|v| !v.is_empty());
            let got = f.values[i].clone();
            compared += 1;
            // A header line the capture cut: tshark (not reassembling) gives its kept part,
            // the dissector only whole values.
            if got.is_none()
                && want
                    .as_ref()
                    .is_some_and(|w| f.data.ends_with(w.as_bytes()) && tag == "http")
            {
                cut_lines += 1;
                continue;
            }
            if want != got {
                failures.push(format!(
                    "{} #{} {name}: tshark {want:?}, strata {got:?}",
                    f.capture, f.num
                ));
            }
        }
    }
    eprintln!(
        "{tag}: {} messages ({per_capture:?}), {compared} values compared, {cut_lines} cut header lines only tshark reads",
        found.len()
    );
    let shown: Vec<_> = failures.iter().take(40).cloned().collect();
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        shown.join("\n")
    );
}

#[test]
fn dns_agrees_with_tshark() {
    compare(DNS_FIELDS, &["dns.id"], 53, "dns");
}

#[test]
fn http_agrees_with_tshark() {
    compare(
        HTTP_FIELDS,
        &["http.method", "http.response.version"],
        80,
        "http",
    );
}
