//! `displace bench`: its trajectory hash is the run's, does not depend on threads, and is
//! checked against the committed one; the model state stays within 100 bytes per household.

mod common;

use common::{displace, root, stderr, stdout};

fn bench_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["bench", "--json", "--quiet"];
    all.extend(args);
    let output = displace(&all, &root());
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap()
}

const SMALL: [&str; 4] = ["--households", "4000", "--ticks", "12"];

#[test]
fn the_benchmark_reports_its_figures_and_the_same_trajectory_as_a_run() {
    let report = bench_json(&[&SMALL[..], &["--threads", "1"]].concat());
    assert_eq!(report["households"], 4000);
    assert_eq!(report["ticks"], 12);
    assert!(report["household_ticks_per_second"].as_f64().unwrap() > 0.0);
    let state = report["state_bytes_per_household"].as_f64().unwrap();
    assert!(
        (32.0..=100.0).contains(&state),
        "model state per household: {state} bytes"
    );
    if cfg!(target_os = "linux") {
        assert!(report["peak_memory_bytes"].as_u64().unwrap() > 0);
    }
    let phases = report["phases"].as_array().unwrap();
    assert_eq!(phases.len(), 8);
    // Households meet events (the benchmark's groups extort, threaten and kill), but far from
    // every household every tick.
    let events = report["events_per_household_tick"].as_f64().unwrap();
    assert!(
        events > 0.001 && events < 0.5,
        "events per household-tick: {events}"
    );

    // The same scenario through `displace run` follows the same trajectory.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = displace(
        &[
            "run",
            "scenarios/bench/national.toml",
            "--set",
            "population.households=4000",
            "--ticks",
            "12",
            "--no-plots",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ],
        &root(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["trajectory_hash"], report["trajectory_hash"]);
    assert_eq!(summary["displaced_persons"], report["displaced_persons"]);
}

#[test]
fn the_trajectory_does_not_depend_on_threads() {
    let one = bench_json(&[&SMALL[..], &["--threads", "1"]].concat());
    let two = bench_json(&[&SMALL[..], &["--threads", "2"]].concat());
    let four = bench_json(&[&SMALL[..], &["--threads", "4"]].concat());
    assert_eq!(one["trajectory_hash"], two["trajectory_hash"]);
    assert_eq!(one["trajectory_hash"], four["trajectory_hash"]);
    let other_seed = bench_json(&[&SMALL[..], &["--seed", "5"]].concat());
    assert_ne!(one["trajectory_hash"], other_seed["trajectory_hash"]);
}

#[test]
fn check_passes_on_the_blessed_hash_and_fails_on_another() {
    let dir = tempfile::tempdir().unwrap();
    let expected = dir.path().join("expected.csv");
    let expected_arg = expected.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["bench", "--quiet", "--expected", expected_arg];
        args.extend(SMALL);
        args.extend(extra);
        displace(&args, &root())
    };
    // No entry yet: an error that says how to record one.
    let missing = std::fs::write(&expected, "households,ticks,seed,trajectory_hash\n");
    missing.unwrap();
    let output = run(&["--check"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("--bless"), "{}", stderr(&output));

    assert!(run(&["--bless"]).status.success());
    let output = run(&["--check"]);
    assert!(output.status.success(), "{}", stderr(&output));

    // A different committed hash is a changed trajectory.
    let text = std::fs::read_to_string(&expected).unwrap();
    let hash = text.lines().nth(1).unwrap().rsplit(',').next().unwrap();
    std::fs::write(&expected, text.replace(hash, &"0".repeat(64))).unwrap();
    let output = run(&["--check"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("the trajectory changed") && stderr(&output).contains(hash),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_committed_benchmark_hash_is_for_the_shipped_scenario() {
    // Every committed entry must be reproducible; the smallest is cheap enough to run here.
    let expected = displace::bench::read_expected(&root().join(displace::bench::EXPECTED)).unwrap();
    let smallest = expected
        .iter()
        .min_by_key(|e| e.households * u64::from(e.ticks))
        .unwrap();
    let report = bench_json(&[
        "--households",
        &smallest.households.to_string(),
        "--ticks",
        &smallest.ticks.to_string(),
        "--seed",
        &smallest.seed.to_string(),
    ]);
    assert_eq!(report["trajectory_hash"], smallest.trajectory_hash.as_str());
}
