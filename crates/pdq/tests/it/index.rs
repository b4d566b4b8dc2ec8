//! The multi-index search finds exactly what brute force finds, on random sets with planted
//! near neighbours at every distance around the radius, and on the reference hash lists.

use std::path::PathBuf;

use lodge_pdq::Hash256;
use lodge_pdq::index::Index;
use proptest::prelude::*;

/// A small deterministic generator, so a failing case can be replayed from its seed.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn hash(&mut self) -> Hash256 {
        Hash256([self.next(), self.next(), self.next(), self.next()])
    }
    fn flip(&mut self, h: Hash256, bits: u32) -> Hash256 {
        let mut out = h;
        let mut flipped = std::collections::HashSet::new();
        while flipped.len() < bits as usize {
            let k = (self.next() % 256) as usize;
            if flipped.insert(k) {
                out.0[k / 64] ^= 1 << (k % 64);
            }
        }
        out
    }
}

fn data(seed: u64, stored: usize, queries: usize) -> (Vec<Hash256>, Vec<Hash256>) {
    let mut rng = SplitMix(seed);
    let queries: Vec<Hash256> = (0..queries).map(|_| rng.hash()).collect();
    let mut hashes: Vec<Hash256> = (0..stored).map(|_| rng.hash()).collect();
    for q in &queries {
        for d in [0, 1, 2, 15, 16, 17, 30, 31, 32, 33, 40, 47, 48, 64] {
            hashes.push(rng.flip(*q, d));
        }
    }
    (hashes, queries)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn multi_index_finds_exactly_what_brute_force_finds(seed in any::<u64>(), radius in 0u32..64) {
        let (hashes, queries) = data(seed, 3000, 20);
        let brute = Index::brute_force(hashes.clone());
        let mih = Index::multi_index(hashes).unwrap();
        prop_assert!(mih.uses_multi_index() && !brute.uses_multi_index());
        let expected = brute.search_batch(&queries, radius);
        let got = mih.search_batch(&queries, radius);
        for (e, g) in expected.iter().zip(&got) {
            let mut e = e.clone();
            e.sort_unstable();
            prop_assert_eq!(&e, g);
        }
        // Every planted neighbour within the radius is there.
        let planted = [0u32, 1, 2, 15, 16, 17, 30, 31, 32, 33, 40, 47, 48, 64].iter().filter(|&&d| d <= radius).count();
        prop_assert!(got.iter().all(|m| m.len() >= planted));
    }
}

fn vector_list(name: &str) -> Vec<Hash256> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/pdq").join(name);
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.parse().unwrap())
        .collect()
}

#[test]
fn needles_in_the_reference_haystack() {
    let haystack = vector_list("haystack.txt");
    let needles = vector_list("needles.txt");
    let brute = Index::brute_force(haystack.clone());
    let mih = Index::multi_index(haystack).unwrap();
    let mut total = 0;
    for needle in &needles {
        let mut e = brute.search(needle, 31);
        e.sort_unstable();
        let g = mih.search(needle, 31);
        assert_eq!(e, g);
        total += g.len();
    }
    assert!(total > 0, "the reference needles do find matches");
}

#[test]
fn save_and_load_round_trip_and_reject_damage() {
    let (hashes, queries) = data(7, 60_000, 3);
    let index = Index::new(hashes.clone()).unwrap();
    assert!(index.uses_multi_index(), "a large set chooses multi-index hashing");
    // 32 bytes of hash and 64 of positions a hash, plus fixed tables of 16 × 65,537 offsets:
    // under 100 bytes a hash once the set is large (the 10 M benchmark measures 96.4).
    let total = index.bytes_per_hash() * index.len() as f64;
    assert!(total <= 96.0 * index.len() as f64 + 16.0 * 65_537.0 * 4.0, "{} bytes a hash", index.bytes_per_hash());
    let mut file = Vec::new();
    index.save(&mut file).unwrap();
    assert!(Index::is_index_file(&file));
    let back = Index::load(file.as_slice()).unwrap();
    assert_eq!(back.hashes(), hashes.as_slice());
    assert_eq!(back.search_batch(&queries, 31), index.search_batch(&queries, 31));
    assert!(Index::load(&file[..file.len() - 5]).is_err(), "a truncated file is refused");
    let mut lying = file[..16].to_vec();
    lying[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(Index::load(lying.as_slice()).is_err());
    assert!(!Index::new(vec![Hash256::ZERO; 10]).unwrap().uses_multi_index(), "a small set uses brute force");
}
