//! `cargo xtask fuzz [--seconds N] [TARGET]`: time-boxed mutation fuzzing on the stable toolchain.
//!
//! Each target takes bytes and must neither panic nor break its invariant. Inputs start from
//! seeds (real content, lines, exports, request bodies) and are mutated by a small seeded
//! generator; a failing input is saved under `xtask/fuzz/regressions/<target>/`, and a test
//! replays every saved input, so a crash once found stays a regression test.

use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::fuzz_targets::{self, Target};
use crate::root;

/// splitmix64: small, fast and good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

/// A new input: a seed (or random bytes) with 1–8 random edits.
fn mutate(rng: &mut Rng, seeds: &[Vec<u8>], dictionary: &[&str]) -> Vec<u8> {
    let mut data = if seeds.is_empty() || rng.below(20) == 0 {
        (0..rng.below(64)).map(|_| rng.next() as u8).collect()
    } else {
        seeds[rng.below(seeds.len())].clone()
    };
    for _ in 0..=rng.below(8) {
        let len = data.len();
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                data[i] = rng.next() as u8;
            }
            2 => {
                let i = rng.below(len + 1);
                data.insert(i, rng.next() as u8);
            }
            3 if len > 0 => {
                let from = rng.below(len);
                let to = (from + 1 + rng.below(16)).min(len);
                data.drain(from..to);
            }
            4 if len > 0 => {
                let from = rng.below(len);
                let to = (from + 1 + rng.below(32)).min(len);
                let piece = data[from..to].to_vec();
                let at = rng.below(len + 1);
                data.splice(at..at, piece);
            }
            5 if !dictionary.is_empty() => {
                let word = dictionary[rng.below(dictionary.len())].as_bytes();
                let at = rng.below(len + 1);
                data.splice(at..at, word.iter().copied());
            }
            6 if !seeds.is_empty() => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len());
                let to = (from + 1 + rng.below(64)).min(other.len());
                let at = rng.below(len + 1);
                data.splice(at..at, other[from..to].iter().copied());
            }
            7 if len > 0 => data.truncate(rng.below(len)),
            _ => {}
        }
    }
    data
}

/// Where the failing inputs of `target` are kept.
fn regressions(target: &str) -> PathBuf {
    root().join("xtask/fuzz/regressions").join(target)
}

/// Runs `input` through `target`; a panic becomes an error with its message.
pub(crate) fn check(target: &Target, input: &[u8]) -> Result<(), String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (target.run)(input))) {
        Ok(result) => result,
        Err(panic) => Err(format!(
            "panicked: {}",
            panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)")
        )),
    }
}

/// Fuzzes `target` for `budget`; returns the number of inputs tried, or the failing input.
fn fuzz_one(target: &Target, budget: Duration, seed: u64) -> Result<u64, (Vec<u8>, String)> {
    let seeds = (target.seeds)();
    let mut rng = Rng(seed);
    let started = Instant::now();
    let mut runs = 0u64;
    for input in &seeds {
        check(target, input).map_err(|why| (input.clone(), why))?;
    }
    while started.elapsed() < budget {
        let input = mutate(&mut rng, &seeds, target.dictionary);
        check(target, &input).map_err(|why| (input, why))?;
        runs += 1;
    }
    Ok(runs)
}

/// Saves a failing input as a regression file named by its hash; returns its path.
fn save(target: &str, input: &[u8]) -> anyhow::Result<PathBuf> {
    let dir = regressions(target);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut h = DefaultHasher::new();
    input.hash(&mut h);
    let path = dir.join(format!("{:016x}", h.finish()));
    std::fs::write(&path, input).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// `cargo xtask fuzz`: every target (or `only`) for `seconds` each.
pub(crate) fn run(seconds: u64, only: Option<&str>) -> anyhow::Result<ExitCode> {
    let targets: Vec<&Target> = fuzz_targets::TARGETS.iter().filter(|t| only.is_none_or(|o| o == t.name)).collect();
    if targets.is_empty() {
        let names: Vec<&str> = fuzz_targets::TARGETS.iter().map(|t| t.name).collect();
        eprintln!("error: no fuzz target `{}`; known: {}", only.unwrap_or(""), names.join(", "));
        return Ok(ExitCode::from(2));
    }
    // Panics are caught and reported once, with the input; the default hook would print each.
    std::panic::set_hook(Box::new(|_| {}));
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64);
    let mut failed = false;
    for target in targets {
        let t = Instant::now();
        match fuzz_one(target, Duration::from_secs(seconds), seed) {
            Ok(runs) => eprintln!("fuzz {:<8} {runs:>8} inputs in {:.1?}, no failure", target.name, t.elapsed()),
            Err((input, why)) => {
                failed = true;
                let path = save(target.name, &input)?;
                eprintln!(
                    "fuzz {:<8} FAILED after {:.1?}: {why}\n    input saved as {}",
                    target.name,
                    t.elapsed(),
                    path.display()
                );
            }
        }
    }
    let _ = std::panic::take_hook();
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// Every saved failing input of every target, for the regression test.
    fn saved(dir: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
        files.sort();
        files
    }

    #[test]
    fn every_saved_failure_now_passes_and_every_seed_passes() {
        for target in fuzz_targets::TARGETS {
            for input in (target.seeds)() {
                assert_eq!(check(target, &input), Ok(()), "a seed of {}", target.name);
            }
            for path in saved(&regressions(target.name)) {
                let input = std::fs::read(&path).expect("readable");
                assert_eq!(check(target, &input), Ok(()), "{}", path.display());
            }
        }
    }

    #[test]
    fn a_short_run_of_each_target_finds_nothing() {
        for target in fuzz_targets::TARGETS {
            let result = fuzz_one(target, Duration::from_millis(300), 7)
                .map_err(|(input, why)| format!("{}: {why} on {:?}", target.name, String::from_utf8_lossy(&input)));
            assert!(result.is_ok(), "{result:?}");
        }
    }

    #[test]
    fn mutation_is_deterministic_for_a_seed() {
        let seeds = vec![b"hello".to_vec()];
        let a: Vec<Vec<u8>> = (0..20).scan(Rng(3), |r, _| Some(mutate(r, &seeds, &["x"]))).collect();
        let b: Vec<Vec<u8>> = (0..20).scan(Rng(3), |r, _| Some(mutate(r, &seeds, &["x"]))).collect();
        assert_eq!(a, b);
    }
}
