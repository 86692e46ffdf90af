//! MinHash signatures over word 3-shingles, for near-duplicate and rewrite detection. The hash is
//! fixed and seeded, so signatures agree across processes, restarts and versions.

use crate::text::Folded;

/// Number of hash functions in a signature.
pub const SIGNATURE_LEN: usize = 64;
/// LSH bands (of `SIGNATURE_LEN / BANDS` rows each) used to find candidates.
pub const BANDS: usize = 16;
const ROWS: usize = SIGNATURE_LEN / BANDS;
const SHINGLE: usize = 3;

/// A MinHash signature.
pub type Signature = [u32; SIGNATURE_LEN];

fn fnv1a(bytes: &[u8], mut h: u64) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The signature of `text`, or `None` when it has fewer words than a shingle.
#[cfg(test)]
pub fn signature(text: &str) -> Option<Signature> {
    sketch(&Folded::new(text)).map(|x| x.0)
}

/// One shingle in this many is kept in a [`Sample`].
const SAMPLE_EVERY: u64 = 4;

/// The shingles of a text whose hash is a multiple of [`SAMPLE_EVERY`], sorted: the same rule on
/// every text, so the share of one sample found in another estimates containment without the
/// variance MinHash has when the texts differ in length.
pub type Sample = Box<[u32]>;

/// The signature of a text (its words, folded) and its shingle sample, or `None` when it has
/// fewer words than a shingle.
pub fn sketch(words: &Folded<'_>) -> Option<(Signature, Sample)> {
    let ws: Vec<u64> = words
        .folded
        .iter()
        .map(|f| fnv1a(f.as_bytes(), 0xcbf2_9ce4_8422_2325))
        .collect();
    if ws.len() < SHINGLE {
        return None;
    }
    let mut sig = [u32::MAX; SIGNATURE_LEN];
    let mut bases: Vec<u64> = ws
        .windows(SHINGLE)
        .map(|win| win.iter().fold(0u64, |h, w| splitmix(h ^ w)))
        .collect();
    bases.sort_unstable();
    bases.dedup();
    let mut sample: Vec<u32> = bases
        .iter()
        .filter(|b| *b % SAMPLE_EVERY == 0)
        .map(|b| (b >> 32) as u32)
        .collect();
    sample.sort_unstable();
    sample.dedup();
    for &base in &bases {
        for (i, slot) in sig.iter_mut().enumerate() {
            let v = (splitmix(base ^ (i as u64).wrapping_mul(0x9e37_79b9)) >> 32) as u32;
            if v < *slot {
                *slot = v;
            }
        }
    }
    Some((sig, sample.into_boxed_slice()))
}

/// Estimated Jaccard similarity of the shingle sets.
#[cfg(test)]
pub fn similarity(a: &Signature, b: &Signature) -> f32 {
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f32 / SIGNATURE_LEN as f32
}

/// The share of the smaller sample found in the larger (containment of the shorter text in
/// the longer); 0 when either sample is empty.
pub fn containment(a: &[u32], b: &[u32]) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    both as f32 / a.len().min(b.len()) as f32
}

/// One key per band: signatures that share a band key are near-duplicate candidates.
pub fn band_keys(sig: &Signature) -> [u64; BANDS] {
    let mut out = [0u64; BANDS];
    for (b, key) in out.iter_mut().enumerate() {
        let rows = &sig[b * ROWS..(b + 1) * ROWS];
        *key = rows
            .iter()
            .fold(b as u64, |h, r| splitmix(h ^ u64::from(*r)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "The government of El Salvador confirmed on Friday a prisoner exchange \
        with Venezuela that returns two hundred and fifty detained Venezuelan nationals in \
        exchange for ten American citizens held in Caracas, officials said, adding that the \
        plane would land in Maiquetia later in the day after months of negotiations.";

    #[test]
    fn light_edit_is_similar_and_other_text_is_not() {
        let a = signature(BASE).expect("sig");
        let edited = BASE
            .replace("officials said", "a spokesman said")
            .replace("Friday", "Saturday");
        let b = signature(&edited).expect("sig");
        let s = similarity(&a, &b);
        assert!(s > 0.6, "edited copy similarity {s}");
        let other = signature(
            "Heavy rain flooded the valley overnight and roads to the northern \
            villages were closed while crews cleared mud and fallen trees from the highway.",
        )
        .expect("sig");
        assert!(similarity(&a, &other) < 0.1);
        assert_eq!(signature(BASE), Some(a), "signatures are deterministic");
    }

    #[test]
    fn near_copies_share_a_band() {
        let a = signature(BASE).expect("sig");
        let b = signature(&BASE.replace("Friday", "Saturday")).expect("sig");
        let (ka, kb) = (band_keys(&a), band_keys(&b));
        assert!(ka.iter().zip(kb.iter()).any(|(x, y)| x == y));
    }

    #[test]
    fn short_text_has_no_signature() {
        assert!(signature("two words").is_none());
    }
}
