//! Issue 12: a mutation fuzzer over scenario and sweep files. Every shipped scenario and sweep
//! file, and every file of `tests/data/fuzz_corpus/` (the inputs that once crashed the tool or
//! misled its users), is mutated many times (numbers replaced by extremes, lines deleted,
//! duplicated or swapped, keys misspelt, values of the wrong type, bytes that are not UTF-8,
//! truncation) and loaded as `check` and `sweep` load them. No mutant may panic, abort or
//! allocate without bound; a rejected one must get a located message in plain words; an accepted
//! scenario must print as TOML that loads back to the same scenario.
//!
//! CI runs a bounded number of mutants; `DISPLACE_FUZZ_CASES=200000 cargo test --release --test
//! fuzz_inputs` runs a long campaign (`DISPLACE_FUZZ_SEED` picks another sequence).

mod common;

use std::path::{Path, PathBuf};

use displace::scenario::Scenario;
use displace::sweep::Sweep;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Mutants per run unless `DISPLACE_FUZZ_CASES` says otherwise.
const DEFAULT_CASES: usize = 3000;

/// Text that must never reach a user: Rust type names and debug formatting.
const INTERNALS: [&str; 9] = [
    "i128", "u32", "u64", "f64", "struct ", "Custom {", "Error(", "Some(", "kind: ",
];

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A copy of `scenarios/` in a temporary folder, so that mutants sit where their `base` and
/// `extends` paths resolve.
fn workspace() -> (tempfile::TempDir, Vec<(PathBuf, String)>) {
    let dir = tempfile::tempdir().unwrap();
    let root = common::root();
    let mut seeds = Vec::new();
    for sub in ["scenarios", "scenarios/sweeps", "scenarios/bench"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        for entry in std::fs::read_dir(root.join(sub)).unwrap().flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).unwrap();
                let copy = dir.path().join(sub).join(entry.file_name());
                std::fs::write(&copy, &text).unwrap();
                seeds.push((copy, text));
            }
        }
    }
    // The corpus files sit beside the shipped sweeps so that their `base` resolves.
    for entry in std::fs::read_dir(root.join("tests/data/fuzz_corpus"))
        .unwrap()
        .flatten()
    {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let text = text.replace("../../../scenarios/", "../");
        let copy = dir.path().join("scenarios/sweeps").join(entry.file_name());
        std::fs::write(&copy, &text).unwrap();
        seeds.push((copy, text));
    }
    (dir, seeds)
}

fn is_sweep(text: &str) -> bool {
    text.lines().any(|l| l.trim_start().starts_with("base ="))
}

/// One random edit of `text`.
fn mutate(text: &str, rng: &mut ChaCha8Rng) -> Vec<u8> {
    const EXTREMES: [&str; 16] = [
        "0",
        "-1",
        "1e308",
        "-1e308",
        "4294967296",
        "99999999999999999999",
        "65537",
        "nan",
        "inf",
        "0.5",
        "1e-320",
        "18446744073709551615",
        "-0.0",
        "4000000000",
        "50000001",
        "5201",
    ];
    const VALUES: [&str; 8] = [
        "true",
        "\"text\"",
        "[1, 2]",
        "{ a = 1 }",
        "[]",
        "{}",
        "\"\"",
        "[[1]]",
    ];
    const LINES: [&str; 10] = [
        "[[groups]]",
        "[[events]]",
        "[world]",
        "[state.crackdown]",
        "extends = \"baseline.toml\"",
        "extends = \".\"",
        "extends = \"/dev/zero\"",
        "tick = 99999",
        "regions = [\"R9\"]",
        "base = \"../baseline.toml\"",
    ];
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let n = lines.len();
    let line = rng.random_range(0..n);
    match rng.random_range(0..10) {
        0 | 1 => {
            // A number replaced by an extreme.
            let numbers: Vec<(usize, usize)> = number_spans(&lines[line]);
            if let Some(&(a, b)) = numbers.get(rng.random_range(0..numbers.len().max(1))) {
                let extreme = EXTREMES[rng.random_range(0..EXTREMES.len())];
                lines[line].replace_range(a..b, extreme);
            }
        }
        2 => {
            lines.remove(line);
        }
        3 => {
            let copy = lines[line].clone();
            lines.insert(line, copy);
        }
        4 if n > 1 => lines.swap(line, (line + 1) % n),
        5 => {
            // A key misspelt.
            if let Some(eq) = lines[line].find('=')
                && eq > 1
            {
                let at = rng.random_range(0..eq - 1);
                if lines[line].is_char_boundary(at) && lines[line].is_char_boundary(at + 1) {
                    lines[line].remove(at);
                }
            }
        }
        6 => {
            // A value of the wrong type.
            if let Some(eq) = lines[line].find('=') {
                let value = VALUES[rng.random_range(0..VALUES.len())];
                lines[line].replace_range(eq + 1.., &format!(" {value}"));
            }
        }
        7 => {
            let new = LINES[rng.random_range(0..LINES.len())];
            lines.insert(line, new.to_string());
        }
        8 => {
            // Truncated, or a byte that is not UTF-8.
            let mut bytes = lines.join("\n").into_bytes();
            let at = rng.random_range(0..bytes.len().max(1));
            if rng.random_bool(0.5) {
                bytes.truncate(at);
            } else {
                bytes.insert(at.min(bytes.len()), rng.random_range(0x80..=0xff));
            }
            return bytes;
        }
        _ => {
            // Several edits at once.
            let once = String::from_utf8_lossy(&mutate(text, rng)).into_owned();
            return mutate(&once, rng);
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out.into_bytes()
}

/// Byte ranges of the number literals of a line (outside comments and strings, roughly).
fn number_spans(line: &str) -> Vec<(usize, usize)> {
    let code = line.split('#').next().unwrap_or("");
    let Some(eq) = code.find('=') else {
        return Vec::new();
    };
    let bytes = code.as_bytes();
    let mut spans = Vec::new();
    let mut i = eq + 1;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit()
            || (bytes[i] == b'-' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            let start = i;
            i += 1;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || b"._+-".contains(&bytes[i]))
            {
                i += 1;
            }
            spans.push((start, i));
        } else if bytes[i] == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += 1;
            }
            i += 1;
        } else {
            i += 1;
        }
    }
    spans
}

/// What was wrong with a mutant's handling, if anything.
fn judge(path: &Path, bytes: &[u8], as_sweep: bool) -> Result<(), String> {
    std::fs::write(path, bytes).unwrap();
    let outcome = std::panic::catch_unwind(|| {
        if as_sweep {
            Sweep::load(path).map(|_| None).map_err(|e| e.to_string())
        } else {
            Scenario::load(path, &[])
                .map(Some)
                .map_err(|e| e.to_string())
        }
    });
    match outcome {
        Err(_) => Err("panicked".into()),
        Ok(Err(message)) => {
            if message.trim().is_empty() {
                return Err("empty message".into());
            }
            if !message.contains(".toml") && !message.contains("--set") {
                return Err(format!("message names no file: {message}"));
            }
            if let Some(bad) = INTERNALS.iter().find(|i| message.contains(*i)) {
                return Err(format!("internal text {bad:?} in: {message}"));
            }
            if message.lines().count() > 30 || message.len() > 20_000 {
                return Err(format!("{} lines of message", message.lines().count()));
            }
            Ok(())
        }
        Ok(Ok(None)) => Ok(()),
        Ok(Ok(Some(scenario))) => {
            // The resolved scenario prints as TOML that loads back to itself.
            let printed = path.with_extension("resolved.toml");
            std::fs::write(&printed, scenario.to_toml()).unwrap();
            match Scenario::load(&printed, &[]) {
                Ok(again) if again.hash() == scenario.hash() => Ok(()),
                Ok(_) => Err("the printed scenario loads to a different one".into()),
                Err(e) => Err(format!("the printed scenario does not load: {e}")),
            }
        }
    }
}

#[test]
fn issue_12_the_corpus_of_past_crashes_gets_located_errors() {
    let (dir, seeds) = workspace();
    let corpus: Vec<_> = seeds
        .iter()
        .filter(|(p, _)| {
            std::fs::read_dir(common::root().join("tests/data/fuzz_corpus"))
                .unwrap()
                .flatten()
                .any(|e| e.file_name() == p.file_name().unwrap())
        })
        .collect();
    assert!(corpus.len() >= 12, "{} corpus files", corpus.len());
    for (path, text) in corpus {
        let name = path.file_name().unwrap().to_string_lossy();
        let as_sweep = name.starts_with("sweep_");
        let outcome = if as_sweep {
            Sweep::load(path).map(|_| ()).map_err(|e| e.to_string())
        } else {
            Scenario::load(path, &[])
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let message = outcome.expect_err(&format!("{name} must be refused"));
        assert!(message.contains(&*name), "{name}: {message}");
        assert!(
            !INTERNALS.iter().any(|i| message.contains(i)),
            "{name}: {message}"
        );
        judge(
            &dir.path().join("scenarios/sweeps/again.toml"),
            text.as_bytes(),
            as_sweep,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn issue_12_mutated_scenario_and_sweep_files_never_crash_and_are_reported_plainly() {
    let (dir, seeds) = workspace();
    let cases = env_number("DISPLACE_FUZZ_CASES", DEFAULT_CASES as u64) as usize;
    let mut rng = ChaCha8Rng::seed_from_u64(env_number("DISPLACE_FUZZ_SEED", 12));
    let mut failures = Vec::new();
    let (mut accepted, mut refused) = (0, 0);
    for case in 0..cases {
        let (seed_path, text) = &seeds[rng.random_range(0..seeds.len())];
        let bytes = mutate(text, &mut rng);
        let as_sweep = is_sweep(text);
        // Mutants sit beside their seed so that relative paths resolve.
        let path = seed_path.with_file_name("mutant.toml");
        match judge(&path, &bytes, as_sweep) {
            Ok(()) => {
                if String::from_utf8_lossy(&bytes).is_empty() {
                    continue;
                }
                match if as_sweep {
                    Sweep::load(&path).is_ok()
                } else {
                    Scenario::load(&path, &[]).is_ok()
                } {
                    true => accepted += 1,
                    false => refused += 1,
                }
            }
            Err(problem) => {
                let keep = dir.path().join(format!("failure_{case}.toml"));
                std::fs::write(&keep, &bytes).unwrap();
                failures.push(format!(
                    "case {case} (from {}): {problem}\n--- mutant:\n{}",
                    seed_path.file_name().unwrap().to_string_lossy(),
                    String::from_utf8_lossy(&bytes)
                ));
            }
        }
    }
    eprintln!("{cases} mutants: {accepted} accepted, {refused} refused with a located message");
    let heads: Vec<&str> = failures.iter().filter_map(|f| f.lines().next()).collect();
    assert!(
        failures.is_empty(),
        "{} of {cases} mutants mishandled:\n{}\nthe first in full:\n{}",
        failures.len(),
        heads.join("\n"),
        failures[0]
    );
    // The mutations reach both sides of the checker.
    assert!(
        accepted > cases / 20 && refused > cases / 5,
        "{accepted} / {refused}"
    );
}
