//! Test helpers shared by the block modules: the corpus, decompressed and framed.
use std::io::Read;
use std::path::PathBuf;

use crate::bytes::Endian;

/// The shared data directory: `$STRATA_SHARED`, else `../shared` beside the workspace.
pub(crate) fn shared_dir() -> PathBuf {
    std::env::var_os("STRATA_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")))
}

/// Every corpus capture, decompressed: (file name, bytes). Panics if the corpus is absent, so no test passes vacuously.
pub(crate) fn corpus_files() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for dir in ["corpus", "corpus-modern"] {
        let d = shared_dir().join(dir);
        let rd = std::fs::read_dir(&d).unwrap_or_else(|e| {
            panic!("corpus {} unreadable (set STRATA_SHARED): {e}", d.display())
        });
        let mut paths: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "scap"))
            .collect();
        paths.sort();
        for p in paths {
            let raw = std::fs::read(&p).expect("read corpus file");
            let data = if raw.starts_with(&[0x1f, 0x8b]) {
                let mut d = Vec::new();
                flate2::read::GzDecoder::new(&raw[..])
                    .read_to_end(&mut d)
                    .expect("gunzip");
                d
            } else {
                raw
            };
            files.push((
                format!("{dir}/{}", p.file_name().unwrap().to_string_lossy()),
                data,
            ));
        }
    }
    files
}

/// The blocks of a capture: (type, body incl. padding, section byte order).
pub(crate) fn blocks(data: &[u8]) -> Vec<(u32, &[u8], Endian)> {
    let mut out = Vec::new();
    let (mut pos, mut endian) = (0usize, Endian::Little);
    while data.len() - pos >= 12 {
        let t = endian.u32(data, pos).unwrap();
        if t == 0x0A0D_0D0A {
            endian = match data.get(pos + 8..pos + 12) {
                Some([0x1A, 0x2B, 0x3C, 0x4D]) => Endian::Big,
                _ => Endian::Little,
            };
        }
        let len = endian.u32(data, pos + 4).unwrap() as usize;
        assert!(
            len >= 12 && pos + len <= data.len(),
            "bad block framing at {pos}"
        );
        out.push((t, &data[pos + 8..pos + len - 4], endian));
        pos += len;
    }
    assert_eq!(pos, data.len(), "trailing bytes after the last block");
    out
}

/// Pads to a multiple of 4 with zeros, as a writer does.
pub(crate) fn pad4(v: &mut Vec<u8>) {
    v.resize(v.len().next_multiple_of(4), 0);
}

/// A small deterministic generator for mutation tests.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}
