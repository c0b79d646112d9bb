//! Dissector fields through `sdump`, in formats and filters, on shared captures: what they
//! select and print is checked against the events' own bytes and fds (`evt.buffer`,
//! `fd.sport`, `fd.name`), fields computed without the dissectors.
//!
//! Needs the shared captures: with `CI=true` their absence fails, elsewhere the test is
//! skipped (with the reason on stderr).

mod common;

use std::path::Path;
use std::process::Command;

fn sdump(capture: &Path, format: &str, filter: &str) -> Vec<String> {
    sdump_args(capture, &["-p", format], filter)
}

#[test]
fn http_fields_in_formats_and_filters() {
    let Some(wild) = common::shared("corpus-wild") else {
        return;
    };
    let mut seen = 0;
    for name in ["nginx_container", "apache_event", "php_app"] {
        let cap = wild.join(format!("{name}.scap"));
        // Every request head: its buffer starts with the method and the target.
        let lines = sdump(
            &cap,
            "%evt.num\t%http.method\t%http.uri\t%evt.buffer",
            "http.method exists",
        );
        assert!(!lines.is_empty(), "{name}: no request");
        for l in &lines {
            let f: Vec<&str> = l.splitn(4, '\t').collect();
            assert!(
                f[3].starts_with(&format!("{} {} ", f[1], f[2])),
                "{name}: {l}"
            );
        }
        seen += lines.len();
        // A filter on a field of the head selects the same as on the bytes.
        let by_field = sdump(&cap, "%evt.num", "http.method = GET");
        let by_bytes = sdump(
            &cap,
            "%evt.num",
            "http.method exists and evt.buffer startswith 'GET '",
        );
        assert_eq!(by_field, by_bytes, "{name}");
    }
    assert!(seen > 50, "{seen} requests");
}

#[test]
fn dns_fields_in_formats_and_filters() {
    let Some(dir) = common::shared("corpus") else {
        return;
    };
    let cap = dir.join("curl_google.scap");
    let lines = sdump(
        &cap,
        "%evt.num %evt.type %fd.sport %dns.flags.response %dns.qry.name %dns.qry.type",
        "dns.qry.name = www.google.com",
    );
    assert_eq!(
        lines,
        [
            "1195 sendto 53 false (www.google.com) (28)",
            "1240 recvfrom 53 true (www.google.com) (28)"
        ]
    );
    // Answers' addresses, a list: `in` and `contains` see each.
    let answered = sdump(&cap, "%evt.num", "dns.aaaa in (2607:f8b0:4004:802::2004)");
    assert_eq!(answered, ["1240"]);
}

#[test]
fn elf_fields_in_formats_and_filters() {
    let Some(dir) = common::shared("corpus") else {
        return;
    };
    let cap = dir.join("curl_google.scap");
    let lines = sdump(
        &cap,
        "%evt.type %fd.name %elf.class %elf.machine %elf.type",
        "elf.machine = x86_64",
    );
    assert!(lines.len() > 10);
    for l in &lines {
        let f: Vec<&str> = l.split(' ').collect();
        assert_eq!(f[0], "read", "{l}");
        assert!(f[1].contains(".so") || f[1].starts_with("/usr/bin"), "{l}");
        assert_eq!(&f[2..], ["ELF64", "x86_64", "DYN"], "{l}");
    }
}

#[test]
fn tree_view() {
    let Some(dir) = common::shared("corpus") else {
        return;
    };
    let cap = dir.join("curl_google.scap");
    let text = sdump_args(&cap, &["-V"], "evt.num = 1312").join("\n");
    for want in [
        "Event 1312: sendto (<)",
        "\n    Event\n        evt.num: 1312\n",
        "\n    Parameters\n",
        "\n    Process\n        proc.name: curl\n",
        "\n    File descriptor\n",
        "\n    http\n        http.request: true\n        http.request.method: GET\n",
        "        http.host: www.google.com\n",
    ] {
        assert!(text.contains(want), "{want:?} not in\n{text}");
    }
    let json = sdump_args(&cap, &["-V", "-j"], "evt.num = 1240");
    let tree: serde_json::Value = serde_json::from_str(&json[0]).unwrap();
    let dns = tree["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["label"] == "dns")
        .expect("a dns subtree");
    assert!(
        dns["children"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["label"] == "dns.aaaa" && n["value"] == "2607:f8b0:4004:802::2004")
    );
}

fn sdump_args(capture: &Path, args: &[&str], filter: &str) -> Vec<String> {
    let out = Command::new(common::example("sdump"))
        .arg("-r")
        .arg(capture)
        .args(args)
        .arg(filter)
        .output()
        .expect("run sdump");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// curl_google's HTTP request (event 851 of the libsinsp-format copy, one `sendto`), written
/// instead as two `sendto`s, the head cut after `split` bytes.
fn split_request(split: usize) -> Option<std::path::PathBuf> {
    use strata::scap::{Block, SliceReader, Writer};
    let dir = common::shared("corpus-modern")?;
    let base = common::decompressed(&dir.join("curl_google.scap"));
    let mut w = Writer::new(Vec::new());
    let mut n = 0;
    for block in SliceReader::new(&base) {
        let block = block.unwrap();
        if let Block::Event(ev) = &block {
            n += 1;
            if n == 851 {
                let data = ev.param_raw(1).unwrap();
                let (fd, tuple) = (ev.param_raw(2).unwrap(), ev.param_raw(4).unwrap());
                for (i, part) in [&data[..split], &data[split..]].into_iter().enumerate() {
                    let len = part.len() as u64;
                    let params: [&[u8]; 5] = [
                        &len.to_le_bytes(),
                        part,
                        fd,
                        &(len as u32).to_le_bytes(),
                        tuple,
                    ];
                    w.write_event(ev.cpu, 0, ev.ts + i as u64, ev.tid, ev.event_type, &params)
                        .unwrap();
                }
                continue;
            }
        }
        w.write_block(&block).unwrap();
    }
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("split-request-{split}.scap"));
    std::fs::write(&path, w.into_inner().unwrap()).unwrap();
    Some(path)
}

#[test]
fn heads_written_in_parts_are_read_where_they_end() {
    let Some(cap) = split_request(30) else {
        return;
    };
    let lines = sdump(
        &cap,
        "*%evt.num %evt.buflen %http.method %http.host %http.user_agent %http.cut",
        "evt.num in (851, 852)",
    );
    assert_eq!(
        lines,
        [
            // The first part: the method, not the cut Host line.
            "851 30 GET <NA> <NA> false",
            // The second: the whole head, read from the stream's bytes.
            "852 48 GET www.google.com curl/7.47.0 false",
        ]
    );
}
