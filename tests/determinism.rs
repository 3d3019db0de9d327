//! Same scenario, same seed, same bytes, whatever the thread count; different seeds differ.
//! The golden digest pins the tiny scenario's results across commits and machines.
//!
//! Re-bless the golden digest after an intended model change:
//! `DISPLACE_BLESS=1 cargo test --test determinism golden` (then commit `tests/golden/tiny.digest`
//! and say in the commit why results changed).

mod common;

use std::path::Path;

use common::{RESULT_FILES, displace, stderr, tiny_path};
use sha2::{Digest, Sha256};

fn run(dir: &Path, name: &str, extra: &[&str]) -> std::path::PathBuf {
    let tiny = tiny_path();
    let mut args = vec!["run", tiny.to_str().unwrap(), "--out", name, "--quiet"];
    args.extend_from_slice(extra);
    let out = displace(&args, dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    dir.join(name)
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()))
}

#[test]
fn outputs_are_byte_identical_for_1_2_and_8_threads() {
    let dir = tempfile::tempdir().unwrap();
    // Enough households for many parallel chunks.
    let size = ["--set", "population.households=12000"];
    let one = run(dir.path(), "t1", &[&size[..], &["--threads", "1"]].concat());
    for threads in ["2", "8"] {
        let other = run(
            dir.path(),
            &format!("t{threads}"),
            &[&size[..], &["--threads", threads]].concat(),
        );
        for file in RESULT_FILES {
            assert!(
                read(&one, file) == read(&other, file),
                "{file} differs between 1 and {threads} threads"
            );
        }
    }
    // The manifest differs only where it records the run's environment.
    let manifest = |d: &Path| -> serde_json::Value {
        let mut v: serde_json::Value = serde_json::from_slice(&read(d, "manifest.json")).unwrap();
        for volatile in ["threads", "wall_seconds", "started_unix"] {
            v.as_object_mut().unwrap().remove(volatile);
        }
        v
    };
    assert_eq!(manifest(&one), manifest(&dir.path().join("t8")));
}

#[test]
fn same_seed_repeats_and_different_seeds_differ() {
    let dir = tempfile::tempdir().unwrap();
    let a = run(dir.path(), "a", &[]);
    let b = run(dir.path(), "b", &[]);
    let c = run(dir.path(), "c", &["--seed", "8"]);
    for file in RESULT_FILES {
        assert!(
            read(&a, file) == read(&b, file),
            "{file} differs between two runs with one seed"
        );
    }
    assert!(read(&a, "episodes.csv") != read(&c, "episodes.csv"));
    assert!(read(&a, "summary.json") != read(&c, "summary.json"));
    let manifest: serde_json::Value = serde_json::from_slice(&read(&c, "manifest.json")).unwrap();
    assert_eq!(manifest["seed"], 8, "the seed actually used is recorded");
    assert_eq!(manifest["scenario"]["simulation"]["seed"], 8);
}

/// `<file> <bytes> <sha256>` per result file of the tiny scenario.
fn digest(run_dir: &Path) -> String {
    RESULT_FILES
        .iter()
        .map(|file| {
            let bytes = read(run_dir, file);
            let hash: String = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("{file} {} {hash}\n", bytes.len())
        })
        .collect()
}

#[test]
fn golden_digest_of_the_tiny_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let got = digest(&run(dir.path(), "golden", &[]));
    let golden = common::root().join("tests/golden/tiny.digest");
    if std::env::var_os("DISPLACE_BLESS").is_some() {
        std::fs::write(&golden, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&golden).expect("tests/golden/tiny.digest is committed");
    assert_eq!(
        got, want,
        "results of tests/data/tiny.toml changed; if intended, re-bless with \
         `DISPLACE_BLESS=1 cargo test --test determinism golden` and say why in the commit"
    );
}

#[test]
fn every_displacement_has_exactly_one_episode_row() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = run(dir.path(), "rows", &[]);
    let mut episodes = csv::Reader::from_path(run_dir.join("episodes.csv")).unwrap();
    let ids: Vec<u64> = episodes
        .records()
        .map(|r| r.unwrap()[0].parse().unwrap())
        .collect();
    assert!(!ids.is_empty());
    assert!(
        ids.iter().enumerate().all(|(i, &id)| id == i as u64),
        "episode ids are 0, 1, 2, ..."
    );

    let mut timeseries = csv::Reader::from_path(run_dir.join("timeseries.csv")).unwrap();
    let column = timeseries
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "displacements")
        .unwrap();
    let per_tick: u64 = timeseries
        .records()
        .map(|r| r.unwrap()[column].parse::<u64>().unwrap())
        .sum();
    let summary: serde_json::Value =
        serde_json::from_slice(&read(&run_dir, "summary.json")).unwrap();
    assert_eq!(per_tick, ids.len() as u64);
    assert_eq!(summary["displacements"], ids.len() as u64);
}

/// Every mechanism switched on hard: dynamics, pursuit, exits, screening, returns, a crackdown
/// in one region with mass detention, protection under a displacement law, relocation.
const STRESS: [&str; 24] = [
    "--set",
    "population.households=12000",
    "--set",
    "groups.cartels.split_rate=10",
    "--set",
    "groups.gangs.expansion_rate=10",
    "--set",
    "state.border_openness=1",
    "--set",
    "state.screening_rate=0.5",
    "--set",
    "returns.rate=5",
    "--set",
    "groups.gangs.reach=40",
    "--set",
    "violence.contest_multiplier=10",
    "--set",
    "events=[{tick=3, until=20, regions=[\"R1\"], state={crackdown={posture=\"emergency\", units=20}}}]",
    "--set",
    "state.protection={regime=\"displacement_law\", budget=2000, relocation_capacity=200}",
    "--set",
    "state.youth_prevention=0.3",
    "--set",
    "state.truce.groups=[\"traffickers\"]",
];

#[test]
fn every_mechanism_on_is_still_thread_independent() {
    let dir = tempfile::tempdir().unwrap();
    let one = run(
        dir.path(),
        "s1",
        &[&STRESS[..], &["--threads", "1"]].concat(),
    );
    let two = run(
        dir.path(),
        "s2",
        &[&STRESS[..], &["--threads", "2"]].concat(),
    );
    for file in RESULT_FILES {
        assert!(
            read(&one, file) == read(&two, file),
            "{file} differs between 1 and 2 threads"
        );
    }
}

#[test]
fn drawing_every_household_is_thread_independent_and_differs_from_sampling_by_events() {
    // `simulation.sampling = "every_household"`, the reference the default sampling by events
    // is tested against (tests/sampling.rs), keeps its results whatever the thread count too.
    let dir = tempfile::tempdir().unwrap();
    let every = [
        &STRESS[..],
        &["--set", "simulation.sampling=every_household"],
    ]
    .concat();
    let one = run(
        dir.path(),
        "e1",
        &[&every[..], &["--threads", "1"]].concat(),
    );
    for threads in ["2", "8"] {
        let other = run(
            dir.path(),
            &format!("e{threads}"),
            &[&every[..], &["--threads", threads]].concat(),
        );
        for file in RESULT_FILES {
            assert!(
                read(&one, file) == read(&other, file),
                "{file} differs between 1 and {threads} threads"
            );
        }
    }
    // They are two samplings of the same model, with other draws: the trajectories differ.
    let events = run(
        dir.path(),
        "events",
        &[&STRESS[..], &["--threads", "2"]].concat(),
    );
    assert_ne!(
        read(&one, "timeseries.csv"),
        read(&events, "timeseries.csv")
    );
}
