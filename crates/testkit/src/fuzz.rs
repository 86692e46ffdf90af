//! A small deterministic mutation fuzzer for stable Rust, run by plain `cargo test`: seed inputs
//! from a corpus directory are mutated (bit flips, byte inserts and deletes, truncation, splicing,
//! duplicated regions, deep nesting, invalid UTF-8, huge numbers, hostile markup) and fed to a
//! target for a time budget. A panic or a very slow input fails the test; the input is saved under
//! `target/fuzz-failures/` and printed as base64 so it can be added to the corpus as a regression.
//!
//! `NEWSFLOW_FUZZ_SECS` sets the budget (default 3 s per target), `NEWSFLOW_FUZZ_SEED` the seed.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine as _;

/// Largest input the mutator builds; bigger inputs test the size caps, not the parsers.
const MAX_INPUT: usize = 128 * 1024;

/// A single input taking longer than this (debug build) is reported like a panic: a quadratic
/// blow-up or a hang in the making.
const SLOW_INPUT: Duration = Duration::from_secs(10);

/// What a fuzz run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuzzReport {
    /// Target name (the corpus directory's name).
    pub target: String,
    /// Seed files read from the corpus.
    pub corpus_files: usize,
    /// Inputs run, corpus files included.
    pub iterations: u64,
    /// Seed of the mutation sequence.
    pub seed: u64,
    /// Time spent.
    pub elapsed: Duration,
}

/// The budget per target: `NEWSFLOW_FUZZ_SECS`, else `default`.
pub fn budget(default: Duration) -> Duration {
    std::env::var("NEWSFLOW_FUZZ_SECS")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(default)
}

/// The corpus directory of `target` in the repository: `fuzz/corpus/<target>`.
pub fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}

/// Run every corpus file of `corpus` through `target`, then mutated inputs until `budget` is spent.
/// Panics (failing the test) when `target` panics or takes longer than 10 s on one input, after
/// saving that input.
pub fn fuzz(corpus: &Path, budget: Duration, target: impl Fn(&[u8])) -> FuzzReport {
    let name = corpus
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "fuzz".into());
    let seeds = read_corpus(corpus);
    assert!(
        !seeds.is_empty(),
        "fuzz corpus {} is empty or missing",
        corpus.display()
    );
    let seed = std::env::var("NEWSFLOW_FUZZ_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0x6e65_7773_666c_6f77); // "newsflow"
    let mut rng = Rng::new(seed);
    let started = Instant::now();
    let mut iterations = 0u64;
    let mut run = |input: &[u8], origin: &str| {
        iterations += 1;
        let t = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| target(input)));
        let took = t.elapsed();
        let problem = match outcome {
            Err(p) => Some(format!("panicked: {}", panic_message(&*p))),
            Ok(()) if took > SLOW_INPUT => Some(format!("took {took:?}")),
            Ok(()) => None,
        };
        if let Some(problem) = problem {
            let saved = save_failure(&name, input);
            let shown = &input[..input.len().min(512)];
            panic!(
                "fuzz target {name} {problem} on an input from {origin} ({} bytes) saved at {}; \
                 base64 of its first {} bytes: {}",
                input.len(),
                saved,
                shown.len(),
                base64::engine::general_purpose::STANDARD.encode(shown)
            );
        }
    };
    for (path, bytes) in &seeds {
        run(bytes, &path.display().to_string());
    }
    while started.elapsed() < budget {
        let input = mutate(&seeds, &mut rng);
        run(&input, "the mutator");
    }
    FuzzReport {
        target: name,
        corpus_files: seeds.len(),
        iterations,
        seed,
        elapsed: started.elapsed(),
    }
}

fn read_corpus(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b)))
        .collect()
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".into()
    }
}

/// Save a failing input as `<target dir>/fuzz-failures/<target>-<hash>.bin`; the path, or why not.
fn save_failure(target: &str, input: &[u8]) -> String {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("fuzz-failures");
    // FNV-1a: a stable file name for the same input.
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    });
    let path = dir.join(format!("{target}-{hash:016x}.bin"));
    match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, input)) {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("(not saved: {e})"),
    }
}

/// SplitMix64: tiny, seedable, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Byte strings that break parsers more often than random bytes.
const INTERESTING: &[&[u8]] = &[
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"&#0;",
    b"&#x110000;",
    b"&#xFFFFFFFF;",
    b"&bogus;",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"<?xml version=\"1.0\" encoding=\"utf-16\"?>",
    b"<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>",
    b"xmlns:sy=\"http://purl.org/rss/1.0/modules/syndication/\"",
    b"<sy:updatePeriod>hourly</sy:updatePeriod>",
    b"<sy:updateFrequency>0</sy:updateFrequency>",
    b"<ttl>4294967295</ttl>",
    b"<link rel=\"alternate\" type=\"application/rss+xml\" href=\"",
    b"<meta charset=\"",
    b"\"",
    b"'",
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b",",
    b"null",
    b"\"schema\":\"newsflow.raw/1\"",
    b"\"schema\":\"newsflow.raw/4294967296\"",
    b"\"schema\":\"/\"",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\r\n",
    b"http://[::1]:99999/",
    b"javascript:alert(1)",
];

const INVALID_UTF8: &[&[u8]] = &[
    b"\xff",
    b"\xc3\x28",
    b"\xc0\x80",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xe2\x82",
    b"\x80\x80\x80",
];

const HUGE_NUMBERS: &[&[u8]] = &[
    b"1e999999",
    b"-1e-999999",
    b"18446744073709551616",
    b"-9223372036854775809",
    b"4294967296",
    b"99999999999999999999999999999999999999",
    b"1.7976931348623157e309",
    b"NaN",
    b"-0",
    b"0.000000000000000000000000000000000000000001",
];

/// Openers repeated to build deeply nested input.
const NESTERS: &[&[u8]] = &[
    b"<a>",
    b"<div>",
    b"<item>",
    b"<entry><content type=\"xhtml\">",
    b"[",
    b"{\"a\":",
    b"{\"source\":",
];

fn mutate(seeds: &[(PathBuf, Vec<u8>)], rng: &mut Rng) -> Vec<u8> {
    let mut data = rng.pick(seeds).1.clone();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        mutate_once(&mut data, seeds, rng);
        data.truncate(MAX_INPUT);
    }
    data
}

fn mutate_once(data: &mut Vec<u8>, seeds: &[(PathBuf, Vec<u8>)], rng: &mut Rng) {
    let len = data.len();
    match rng.below(13) {
        // Bit flip.
        0 if len > 0 => {
            let i = rng.below(len);
            data[i] ^= 1 << rng.below(8);
        }
        // Random byte overwritten.
        1 if len > 0 => {
            let i = rng.below(len);
            data[i] = rng.next() as u8;
        }
        // Byte inserted.
        2 => {
            let at = rng.below(len + 1);
            data.insert(at, rng.next() as u8);
        }
        // Range deleted.
        3 if len > 0 => {
            let at = rng.below(len);
            let n = 1 + rng.below((len - at).min(64));
            data.drain(at..at + n);
        }
        // Truncation.
        4 if len > 0 => data.truncate(rng.below(len)),
        // Splice: a prefix of this input and a suffix of another corpus file.
        5 => {
            let other = &rng.pick(seeds).1;
            let cut = rng.below(len + 1);
            let from = rng.below(other.len() + 1);
            data.truncate(cut);
            data.extend_from_slice(&other[from..]);
        }
        // Duplicate a tag (`<...>`) or a region, possibly many times.
        6 if len > 0 => {
            let (start, end) = tag_or_region(data, rng);
            let piece = data[start..end].to_vec();
            let times = if rng.below(8) == 0 {
                1 + rng.below(2000)
            } else {
                1
            };
            let at = rng.below(len + 1);
            let mut add = Vec::with_capacity(piece.len() * times);
            for _ in 0..times {
                add.extend_from_slice(&piece);
                if add.len() > MAX_INPUT {
                    break;
                }
            }
            data.splice(at..at, add);
        }
        // Deep nesting.
        7 => {
            let opener = *rng.pick(NESTERS);
            // Mostly shallow, so most inputs stay small and fast; now and then very deep.
            let depth = if rng.below(8) == 0 {
                1 + rng.below(20_000)
            } else {
                1 + rng.below(300)
            };
            let at = rng.below(len + 1);
            let add: Vec<u8> = opener
                .iter()
                .copied()
                .cycle()
                .take(opener.len() * depth)
                .collect();
            data.splice(at..at, add);
        }
        // Invalid UTF-8.
        8 => insert(data, rng, INVALID_UTF8),
        // Huge numbers, over a digit run when there is one.
        9 => {
            let num = *rng.pick(HUGE_NUMBERS);
            match digit_run(data, rng) {
                Some((s, e)) => {
                    data.splice(s..e, num.iter().copied());
                }
                None => insert(data, rng, HUGE_NUMBERS),
            }
        }
        // Hostile tokens.
        10 | 11 => insert(data, rng, INTERESTING),
        // Swap two bytes.
        _ if len > 1 => {
            let (a, b) = (rng.below(len), rng.below(len));
            data.swap(a, b);
        }
        _ => data.push(rng.next() as u8),
    }
}

fn insert(data: &mut Vec<u8>, rng: &mut Rng, from: &[&[u8]]) {
    let piece = *rng.pick(from);
    let at = rng.below(data.len() + 1);
    data.splice(at..at, piece.iter().copied());
}

/// A `<...>` tag starting at a random `<`, else a random range.
fn tag_or_region(data: &[u8], rng: &mut Rng) -> (usize, usize) {
    let len = data.len();
    let from = rng.below(len);
    if let Some(s) = data[from..]
        .iter()
        .position(|b| *b == b'<')
        .map(|p| p + from)
    {
        if let Some(e) = data[s..].iter().position(|b| *b == b'>').map(|p| p + s + 1) {
            // The element up to its closing tag when it is near, else the tag alone.
            let close = data[e..]
                .windows(2)
                .take(4096)
                .position(|w| w == b"</")
                .and_then(|p| {
                    data[e + p..]
                        .iter()
                        .position(|b| *b == b'>')
                        .map(|q| e + p + q + 1)
                });
            return (s, close.unwrap_or(e));
        }
    }
    let start = rng.below(len);
    (start, start + 1 + rng.below((len - start).min(256)))
}

/// A run of ASCII digits starting at or after a random position.
fn digit_run(data: &[u8], rng: &mut Rng) -> Option<(usize, usize)> {
    let from = rng.below(data.len());
    let s = data.get(from..)?.iter().position(u8::is_ascii_digit)? + from;
    let e = data[s..]
        .iter()
        .position(|b| !b.is_ascii_digit())
        .map_or(data.len(), |p| p + s);
    Some((s, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_are_deterministic_and_bounded() {
        let seeds = vec![
            (PathBuf::from("a"), b"<rss><item>1</item></rss>".to_vec()),
            (
                PathBuf::from("b"),
                br#"{"schema":"newsflow.raw/1","n":12}"#.to_vec(),
            ),
        ];
        let run = |seed| {
            let mut rng = Rng::new(seed);
            (0..500)
                .map(|_| mutate(&seeds, &mut rng))
                .collect::<Vec<_>>()
        };
        let a = run(7);
        assert_eq!(a, run(7));
        assert_ne!(a, run(8));
        assert!(a.iter().all(|i| i.len() <= MAX_INPUT));
        assert!(a.iter().any(|i| std::str::from_utf8(i).is_err()));
    }

    #[test]
    fn a_panicking_target_is_reported_with_its_input() {
        let dir = std::env::temp_dir().join(format!("nf-fuzz-self-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("seed"), b"hello").expect("seed");
        let r = fuzz(&dir, Duration::from_millis(50), |b| {
            let _ = b.len();
        });
        assert!(r.iterations > 1);
        let caught = catch_unwind(|| {
            fuzz(&dir, Duration::from_secs(5), |b| {
                assert!(!b.contains(&b'!'), "found a bang");
            })
        });
        let msg = caught.err().map(|p| panic_message(&*p)).unwrap_or_default();
        assert!(
            msg.contains("found a bang") && msg.contains("base64"),
            "{msg}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
