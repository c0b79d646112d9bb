//! The order in which libsinsp walks an fd table.
//!
//! libsinsp keeps a thread's fds in a `std::unordered_map<int64_t, …>` and lists them (the
//! `fd.types` field, the copy a forked child gets) in that map's iteration order. With
//! libstdc++, the library libsinsp is built with on Linux, the order is a function of the
//! insertions, erasures and rehashes the map has seen, not of its contents. [`StdOrder`]
//! replays those operations on the keys alone, so an answer that depends on the order can
//! be given as libsinsp gives it.
//!
//! The model, as libstdc++'s `_Hashtable` with `_Prime_rehash_policy` behaves: one singly
//! linked list of nodes in which each bucket's nodes are contiguous; the hash of an integer
//! is the integer, its bucket the hash modulo the bucket count; a node for an empty bucket
//! goes to the front of the list, a node for a bucket already used goes before that
//! bucket's first node; a rehash inserts the old list's nodes, in order, into an empty list
//! the same way; and erasure keeps the order of the rest.

/// The iteration order of a libstdc++ `unordered_map` with integer keys, kept up to date
/// by replaying its insertions and erasures.
#[derive(Debug, Clone, Default)]
pub struct StdOrder {
    /// Keys with their bucket, in reverse iteration order: the list's front, where most
    /// insertions go, is the vector's end, and an fd closed soon after it was opened is
    /// found and removed there.
    nodes: Vec<(i64, u32)>,
    /// How many nodes each bucket holds: a node for an empty bucket is pushed without a
    /// search.
    counts: Vec<u32>,
    /// Bucket count; 0 stands for the single bucket of a map never inserted into.
    buckets: u32,
    /// The element count above which the next insertion rehashes (`_M_next_resize`).
    next_resize: u64,
}

/// libstdc++'s `__fast_bkt`: bucket counts for small requests.
const FAST_BUCKETS: [u8; 14] = [2, 2, 2, 3, 5, 5, 7, 7, 11, 11, 11, 11, 13, 13];

/// libstdc++'s `__prime_list` from its seventh entry (the ones `_M_next_bkt` searches) up to
/// 63,278,561, beyond any fd table's bound.
const PRIMES: [u32; 196] = [
    17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 103, 109, 113, 127,
    137, 139, 149, 157, 167, 179, 193, 199, 211, 227, 241, 257, 277, 293, 313, 337, 359, 383, 409,
    439, 467, 503, 541, 577, 619, 661, 709, 761, 823, 887, 953, 1031, 1109, 1193, 1289, 1381, 1493,
    1613, 1741, 1879, 2029, 2179, 2357, 2549, 2753, 2971, 3209, 3469, 3739, 4027, 4349, 4703, 5087,
    5503, 5953, 6427, 6949, 7517, 8123, 8783, 9497, 10273, 11113, 12011, 12983, 14033, 15173,
    16411, 17749, 19183, 20753, 22447, 24281, 26267, 28411, 30727, 33223, 35933, 38873, 42043,
    45481, 49201, 53201, 57557, 62233, 67307, 72817, 78779, 85229, 92203, 99733, 107897, 116731,
    126271, 136607, 147793, 159871, 172933, 187091, 202409, 218971, 236897, 256279, 277261, 299951,
    324503, 351061, 379787, 410857, 444487, 480881, 520241, 562841, 608903, 658753, 712697, 771049,
    834181, 902483, 976369, 1056323, 1142821, 1236397, 1337629, 1447153, 1565659, 1693859, 1832561,
    1982627, 2144977, 2320627, 2510653, 2716249, 2938679, 3179303, 3439651, 3721303, 4026031,
    4355707, 4712381, 5098259, 5515729, 5967347, 6456007, 6984629, 7556579, 8175383, 8844859,
    9569143, 10352717, 11200489, 12117689, 13109983, 14183539, 15345007, 16601593, 17961079,
    19431899, 21023161, 22744717, 24607243, 26622317, 28802401, 31160981, 33712729, 36473443,
    39460231, 42691603, 46187573, 49969847, 54061849, 58488943, 63278561,
];

impl StdOrder {
    /// The keys in iteration order.
    pub fn keys(&self) -> impl Iterator<Item = i64> + '_ {
        self.nodes.iter().rev().map(|&(k, _)| k)
    }

    /// An insertion of `key`, not present (`emplace` of a new key).
    pub fn insert(&mut self, key: i64) {
        let n = self.nodes.len() as u64;
        if n + 1 > self.next_resize {
            if let Some(b) = self.need_rehash(n + 1) {
                self.rehash(b);
            }
        }
        let b = self.bucket_of(key);
        self.place(key, b);
    }

    /// An erasure of `key` (nothing when absent).
    pub fn remove(&mut self, key: i64) {
        if let Some(i) = self.nodes.iter().rposition(|&(k, _)| k == key) {
            let (_, b) = self.nodes.remove(i);
            if let Some(c) = self.counts.get_mut(b as usize) {
                *c = c.saturating_sub(1);
            }
        }
    }

    fn bucket_count(&self) -> u64 {
        self.buckets.max(1) as u64
    }

    fn bucket_of(&self, key: i64) -> u32 {
        ((key as u64) % self.bucket_count()) as u32
    }

    /// Puts a node at the start of its bucket's run, or at the front of the list.
    fn place(&mut self, key: i64, b: u32) {
        // (A bucket past the counts, which a rehash sizes, is searched as if used.)
        let used = match self.counts.get_mut(b as usize) {
            Some(c) => {
                *c += 1;
                *c > 1
            }
            None => true,
        };
        // The run's start is its last node in the reversed vector: the new node goes after
        // it, or at the end for an empty bucket.
        let at = used
            .then(|| self.nodes.iter().rposition(|&(_, nb)| nb == b))
            .flatten();
        match at {
            Some(i) => self.nodes.insert(i + 1, (key, b)),
            None => self.nodes.push((key, b)),
        }
    }

    /// `_M_need_rehash` for `total` elements after the insertion: the new bucket count when
    /// one is needed (`_M_next_resize` updated either way).
    fn need_rehash(&mut self, total: u64) -> Option<u64> {
        let n_bkt = self.bucket_count();
        let min = total.max(if self.next_resize == 0 { 11 } else { 0 });
        if min >= n_bkt {
            Some(self.next_bucket((min + 1).max(n_bkt * 2)))
        } else {
            self.next_resize = n_bkt;
            None
        }
    }

    /// `_M_next_bkt`: the least listed bucket count at least `n` (load factor 1).
    fn next_bucket(&mut self, n: u64) -> u64 {
        if n < FAST_BUCKETS.len() as u64 {
            let b = FAST_BUCKETS[n as usize] as u64;
            self.next_resize = b;
            return b;
        }
        let b = PRIMES
            .iter()
            .map(|&p| p as u64)
            .find(|&p| p >= n)
            .unwrap_or(u32::MAX as u64);
        self.next_resize = b;
        b
    }

    fn rehash(&mut self, buckets: u64) {
        self.buckets = buckets as u32;
        self.counts.clear();
        self.counts.resize(self.bucket_count() as usize, 0);
        let old = std::mem::take(&mut self.nodes);
        self.nodes.reserve(old.len() + 1);
        for (k, _) in old.into_iter().rev() {
            let b = self.bucket_of(k);
            self.place(k, b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(ops: &[i64]) -> Vec<i64> {
        let mut o = StdOrder::default();
        for &k in ops {
            if k >= 0 {
                o.insert(k);
            } else {
                o.remove(!k);
            }
        }
        o.keys().collect()
    }

    /// The model as its doc states it, on a list in iteration order with a scan for each
    /// step: what the reversed list with bucket counts must agree with.
    fn order_by_scans(ops: &[i64]) -> Vec<i64> {
        let mut o = StdOrder::default();
        let mut list: Vec<(i64, u32)> = Vec::new();
        for &k in ops {
            if k >= 0 {
                let n = list.len() as u64;
                if n + 1 > o.next_resize {
                    if let Some(b) = o.need_rehash(n + 1) {
                        o.buckets = b as u32;
                        let old = std::mem::take(&mut list);
                        for (k, _) in old {
                            let b = o.bucket_of(k);
                            let at = list.iter().position(|&(_, nb)| nb == b).unwrap_or(0);
                            list.insert(at, (k, b));
                        }
                    }
                }
                let b = o.bucket_of(k);
                let at = list.iter().position(|&(_, nb)| nb == b).unwrap_or(0);
                list.insert(at, (k, b));
            } else if let Some(i) = list.iter().position(|&(x, _)| x == !k) {
                list.remove(i);
            }
        }
        list.into_iter().map(|(k, _)| k).collect()
    }

    /// Long random runs with many keys per bucket, erasures of present and absent keys, and
    /// rehashes: the same order as the scanning model.
    #[test]
    fn counts_agree_with_scans() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for run in 0..200 {
            let mut ops = Vec::new();
            for _ in 0..(run * 3) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let k = (x % (5 + run as u64)) as i64;
                ops.push(if x & 0x300 == 0 { !k } else { k });
            }
            assert_eq!(order(&ops), order_by_scans(&ops), "{ops:?}");
        }
    }

    /// Orders printed by a `std::unordered_map<int64_t, int>` built with g++ 12.2
    /// (libstdc++), for the same operations (a negative entry `!k` erases `k`).
    #[test]
    fn matches_libstdcxx() {
        // Distinct buckets: newest first.
        assert_eq!(order(&[0, 1, 2, 3]), [3, 2, 1, 0]);
        // 13 buckets; 13 shares bucket 0 with 0 and goes before it.
        assert_eq!(order(&[0, 1, 13]), [1, 13, 0]);
        // The 14th element rehashes to 29 buckets, reversing the list first.
        let ops: Vec<i64> = (0..14).collect();
        assert_eq!(order(&ops), [13, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        // Erasure keeps the others' order.
        assert_eq!(order(&[0, 1, 2, 3, !2, 5]), [5, 3, 1, 0]);
    }

    /// Two of 3,000 random runs (insertions, erasures, rehashes) checked against g++ 12.2.
    #[test]
    fn matches_libstdcxx_random_runs() {
        let ops = [
            992, 372, 2306, 1060, 1354, 2064, 1480, 303, 1259, 1792, 1910, 2282, 1371, 596, 1611,
            820, 257, 1242, 32, 805, 2017, 1135, 940, 1976, 91, 113, 7, 1122, 2170, 1336, 228,
        ];
        let want = [
            228, 820, 257, 1910, 1792, 1259, 940, 2064, 1354, 2282, 1122, 1060, 596, 2017, 1480,
            2306, 1611, 372, 1242, 2170, 303, 992, 1336, 805, 1371, 1135, 1976, 32, 91, 113, 7,
        ];
        assert_eq!(order(&ops), want);
        let ops = [
            12, 27, 26, 22, 21, 13, 10, 2, 3, 14, 23, -24, 20, -27, 18, 29, 0, 4, -19, -3, 18, -13,
            30, 16, 28, 11, 9, 25, 17, -18, -14, -21, 17, 23, -18, 2, 15, 1, -5,
        ];
        let want = [
            15, 2, 23, 25, 9, 11, 28, 16, 1, 30, 18, 27, 14, 22, 21, 10, 3, 0, 29,
        ];
        assert_eq!(order(&ops), want);
    }
}
