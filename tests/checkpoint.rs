//! Issue 16: a run saves its complete state (`--save-state`) and another continues from it
//! (`--from-state`): the continued run is byte for byte the run that never stopped, for any
//! split point and thread count, with every mechanism on.

mod common;

use displace::checkpoint;

const SAME_WORLD: checkpoint::Continuing = checkpoint::Continuing::SameWorld;
use displace::scenario::Scenario;
use displace::sim::{NoObserver, RunControl, simulate_from, with_threads};
use displace::step::PhaseTimes;

/// The national benchmark (every mechanism: crackdowns from week 8 and 16, a truce from 20) at
/// a small size.
fn national(ticks: u32) -> Scenario {
    let path = common::root().join("scenarios/bench/national.toml");
    Scenario::load(
        &path,
        &[
            "population.households=20000".into(),
            format!("simulation.ticks={ticks}"),
        ],
    )
    .unwrap()
}

const TICKS: u32 = 26;

/// Runs `ticks` weeks from scratch or from `from`, saving the state at the end to `save`;
/// returns the summary as JSON.
fn run(
    ticks: u32,
    from: Option<&std::path::Path>,
    save: &std::path::Path,
    threads: usize,
) -> String {
    let scenario = national(ticks);
    with_threads(threads, || {
        let start = from.map(|f| {
            checkpoint::resume(f, checkpoint::read(f).unwrap(), &scenario, SAME_WORLD).unwrap()
        });
        let control = RunControl {
            save: Some(save),
            ..RunControl::default()
        };
        let outcome = simulate_from(
            &scenario,
            start,
            control,
            &mut NoObserver,
            &mut PhaseTimes::default(),
        )
        .unwrap();
        serde_json::to_string(&outcome.summary).unwrap()
    })
    .unwrap()
}

#[test]
fn a_run_continued_from_its_state_is_the_run_that_never_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole.state");
    let reference = run(TICKS, None, &whole, 2);
    let reference_state = std::fs::read(&whole).unwrap();
    for (split, threads) in [(1, 1), (8, 2), (17, 1), (25, 2)] {
        let first = dir.path().join(format!("first_{split}.state"));
        let end = dir.path().join(format!("end_{split}.state"));
        run(split, None, &first, threads);
        let continued = run(TICKS, Some(&first), &end, 3 - threads);
        assert_eq!(
            continued, reference,
            "split at {split}: the summary differs"
        );
        assert!(
            std::fs::read(&end).unwrap() == reference_state,
            "split at {split}: the end state differs"
        );
    }
}

#[test]
fn a_state_is_refused_under_another_scenario_or_with_nothing_left_to_run() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("saved.state");
    run(4, None, &saved, 2);
    let other = Scenario::load(
        &common::root().join("scenarios/bench/national.toml"),
        &[
            "population.households=20000".into(),
            "simulation.seed=7".into(),
            "state.crackdown.units=5".into(),
        ],
    )
    .unwrap();
    let err = checkpoint::resume(
        &saved,
        checkpoint::read(&saved).unwrap(),
        &other,
        SAME_WORLD,
    )
    .err()
    .unwrap()
    .to_string();
    // Another seed is another world; other policies are an arm forked from this one.
    assert!(
        err.contains("simulation.seed") && !err.contains("state.crackdown.units"),
        "{err}"
    );
    // A checkpointed run resumes only itself: other policies are refused too.
    let err = checkpoint::resume(
        &saved,
        checkpoint::read(&saved).unwrap(),
        &other,
        checkpoint::Continuing::SameRun,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.contains("simulation.seed") && err.contains("state.crackdown.units"),
        "{err}"
    );
    let err = checkpoint::resume(
        &saved,
        checkpoint::read(&saved).unwrap(),
        &national(4),
        SAME_WORLD,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(err.contains("nothing is left to run"), "{err}");

    // Not a state file, and a damaged one.
    let text = common::write(dir.path(), "not.state", "hello");
    assert!(matches!(
        checkpoint::read(&text),
        Err(checkpoint::CheckpointError::NotAState { .. })
    ));
    let mut bytes = std::fs::read(&saved).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&saved, &bytes).unwrap();
    assert!(matches!(
        checkpoint::read(&saved),
        Err(checkpoint::CheckpointError::Damaged { .. })
    ));
}

/// The rows of a CSV file from tick `first` on (the tick is the column named `tick`).
fn rows_from(path: &std::path::Path, first: u32) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == "tick").unwrap();
    lines
        .filter(|l| l.split(',').nth(at).unwrap().parse::<u32>().unwrap() >= first)
        .map(str::to_string)
        .collect()
}

#[test]
fn displace_run_saves_and_continues_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let national = common::root().join("scenarios/bench/national.toml");
    let national = national.to_str().unwrap();
    let run = |extra: &[&str], out: &str| {
        let mut args = vec![
            "run",
            national,
            "--set",
            "population.households=20000",
            "--no-plots",
            "-q",
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        common::displace(&args, dir.path())
    };
    let o = run(&["--ticks", "10", "--save-state", "week10.state"], "first");
    assert!(o.status.success(), "{}", common::stderr(&o));
    let o = run(
        &["--ticks", "26", "--from-state", "week10.state"],
        "continued",
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let o = run(&["--ticks", "26"], "whole");
    assert!(o.status.success(), "{}", common::stderr(&o));

    let read = |p: &str| std::fs::read_to_string(dir.path().join(p)).unwrap();
    assert_eq!(read("continued/summary.json"), read("whole/summary.json"));
    for file in ["timeseries.csv", "episodes.csv"] {
        let continued = rows_from(&dir.path().join("continued").join(file), 0);
        assert_eq!(
            continued,
            rows_from(&dir.path().join("whole").join(file), 10),
            "{file}"
        );
        assert!(!continued.is_empty());
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&read("continued/manifest.json")).unwrap();
    assert_eq!(manifest["from_state"]["first_tick"], 10);
    assert_eq!(manifest["from_state"]["file"], "week10.state");

    // Another seed is refused before anything is written, naming the key.
    let o = run(
        &[
            "--ticks",
            "26",
            "--seed",
            "5",
            "--from-state",
            "week10.state",
        ],
        "refused",
    );
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("simulation.seed"),
        "{}",
        common::stderr(&o)
    );
    assert!(!dir.path().join("refused").exists());
}

#[test]
fn a_checkpointed_run_killed_mid_way_continues_to_the_same_folder() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let national = common::root().join("scenarios/bench/national.toml");
    let args = |out: &str| -> Vec<String> {
        [
            "run",
            national.to_str().unwrap(),
            "--set",
            "population.households=20000",
            "--ticks",
            "400",
            "--checkpoint-every",
            "25",
            "--no-plots",
            "-q",
            "--out",
            out,
        ]
        .map(String::from)
        .to_vec()
    };
    let mark = dir.path().join(".killed.resumable/checkpoint.json");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_displace"))
        .args(args("killed"))
        .current_dir(dir.path())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Killed as soon as its first checkpoint is complete.
    while !mark.exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before its first checkpoint"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "killed, not finished: {status:?}");
    assert!(!dir.path().join("killed").exists());

    // The same command again continues from the checkpoint.
    let o = common::displace(
        &args("killed")
            .iter()
            .map(String::as_str)
            .filter(|a| *a != "-q")
            .collect::<Vec<_>>(),
        dir.path(),
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("from its checkpoint after week"),
        "{}",
        common::stderr(&o)
    );
    let o = common::displace(
        &args("whole").iter().map(String::as_str).collect::<Vec<_>>(),
        dir.path(),
    );
    assert!(o.status.success(), "{}", common::stderr(&o));

    for file in [
        "summary.json",
        "timeseries.csv",
        "episodes.csv",
        "territory.csv",
        "cells.csv",
    ] {
        let read = |run: &str| std::fs::read(dir.path().join(run).join(file)).unwrap();
        assert!(read("killed") == read("whole"), "{file} differs");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let files: Vec<_> = std::fs::read_dir(dir.path().join("killed"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !files.iter().any(|f| f.starts_with("checkpoint")),
        "{files:?}"
    );
}
