//! Test helpers shared by the block modules: the corpus, decompressed and framed.

use crate::bytes::Endian;

/// Every capture of both corpora, decompressed: (`dir/file` name, bytes); `None` if the shared
/// directory is absent, the test then skipped (failed with `CI=true`: see `strata_testkit`).
pub(crate) fn corpus_files() -> Option<Vec<(String, Vec<u8>)>> {
    let shared = strata_testkit::shared_dir();
    let files = strata_testkit::all_captures()?.into_iter().map(|p| {
        let name = p.strip_prefix(&shared).unwrap_or(&p).display().to_string();
        (name, strata_testkit::decompressed(&p))
    });
    Some(files.collect())
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
