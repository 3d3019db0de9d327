//! Issue 16: `[simulation] burn_in = W` runs the world W weeks before tick 0 under the base
//! `[state]` with no events, and outputs start at tick 0; `displace compare` runs the burn-in
//! once per replicate and forks every arm from it.

mod common;

use displace::checkpoint;

const SAME_WORLD: checkpoint::Continuing = checkpoint::Continuing::SameWorld;
use displace::compare::{Arm, compare_with};
use displace::metrics::{Episode, TickMetrics};
use displace::scenario::Scenario;
use displace::sim::{NoObserver, Observer, RunControl, simulate, simulate_from, with_threads};
use displace::step::{Model, PhaseTimes};

/// The national benchmark (every mechanism on) at a small size, with `overrides`.
fn national(overrides: &[&str]) -> Scenario {
    let mut all = vec!["population.households=20000".to_string()];
    all.extend(overrides.iter().map(|s| s.to_string()));
    Scenario::load(&common::root().join("scenarios/bench/national.toml"), &all).unwrap()
}

/// Every tick's metrics and every episode of a run.
#[derive(Default)]
struct Record {
    ticks: Vec<TickMetrics>,
    episodes: Vec<Episode>,
}

impl Observer for Record {
    fn episode(&mut self, episode: &Episode) -> std::io::Result<()> {
        self.episodes.push(episode.clone());
        Ok(())
    }
    fn tick(&mut self, metrics: &TickMetrics, _: &Model) -> std::io::Result<()> {
        self.ticks.push(metrics.clone());
        Ok(())
    }
}

fn record(scenario: &Scenario) -> Record {
    let mut record = Record::default();
    simulate(scenario, &mut record).unwrap();
    record
}

/// Without events, a burn-in of W weeks followed by T ticks is the last T ticks of a run of
/// W + T ticks: the world keeps running (no random stream is keyed by a tick twice) and only
/// the numbering of ticks and episodes starts again at 0.
#[test]
fn a_burn_in_is_the_start_of_a_longer_run_left_out_of_the_outputs() {
    let (w, t) = (10, 8);
    let long = record(&national(&[
        "events=[]",
        &format!("simulation.ticks={}", w + t),
    ]));
    let burnt = record(&national(&[
        "events=[]",
        &format!("simulation.ticks={t}"),
        &format!("simulation.burn_in={w}"),
    ]));
    assert_eq!(burnt.ticks.len(), t as usize);
    for (i, m) in burnt.ticks.iter().enumerate() {
        assert_eq!(m.tick, i as u32);
        let mut shifted = long.ticks[w as usize + i].clone();
        shifted.tick = m.tick;
        assert_eq!(*m, shifted, "tick {i}");
    }
    let later: Vec<&Episode> = long.episodes.iter().filter(|e| e.tick >= w).collect();
    assert_eq!(burnt.episodes.len(), later.len());
    assert!(!later.is_empty());
    let first_id = later[0].id;
    for (e, l) in burnt.episodes.iter().zip(later) {
        let mut shifted = l.clone();
        shifted.tick -= w;
        shifted.id -= first_id;
        assert_eq!(*e, shifted);
    }
}

/// The world at tick 0 of `scenario`, as saved in a state file (the scenario's text aside).
fn world_at_tick_0(scenario: &Scenario) -> Vec<u8> {
    let world = displace::sim::burn_in(
        scenario,
        Model::build(scenario),
        &mut NoObserver,
        &mut PhaseTimes::default(),
    )
    .unwrap();
    assert_eq!(world.output_tick(), 0);
    assert!(!world.burning_in());
    postcard::to_allocvec(&world).unwrap()
}

/// The burn-in runs under the base `[state]`: events, whatever their tick, apply from tick 0.
#[test]
fn events_do_not_apply_in_the_burn_in_and_do_from_tick_0() {
    let crackdown_now = [
        "simulation.burn_in=12",
        "simulation.ticks=4",
        "events.0.tick=0",
        "events.1.tick=0",
        "events.2.tick=0",
    ];
    // The same events from tick 2 instead: nothing differs until then.
    let later = crackdown_now.map(|k| k.replace("tick=0", "tick=2"));
    let later: Vec<&str> = later.iter().map(String::as_str).collect();
    assert!(world_at_tick_0(&national(&crackdown_now)) == world_at_tick_0(&national(&later)));
    let now = record(&national(&crackdown_now));
    let not_yet = record(&national(&later));
    assert!(now.ticks[0].units_deployed > 0);
    assert_eq!(not_yet.ticks[0].units_deployed, 0);
    assert!(not_yet.ticks[2].units_deployed > 0);
}

/// Arms of a comparison.
fn arms(scenarios: Vec<(&str, Scenario)>) -> Vec<Arm> {
    scenarios
        .into_iter()
        .map(|(name, scenario)| Arm {
            name: name.into(),
            scenario,
        })
        .collect()
}

fn summaries(arms: &[Arm], own_burn_in: bool, threads: usize) -> Vec<String> {
    let stop = std::sync::atomic::AtomicBool::new(false);
    let comparison = with_threads(threads, || {
        compare_with(arms, 3, 11, None, own_burn_in, &|| {}, &stop).unwrap()
    })
    .unwrap();
    let burn_in = comparison.burn_in.as_ref().unwrap();
    assert_eq!(burn_in.forked, !own_burn_in);
    comparison
        .runs
        .iter()
        .flatten()
        .map(|s| serde_json::to_string(s).unwrap())
        .collect()
}

const BURN_IN: &str = "simulation.burn_in=16";
const TICKS: &str = "simulation.ticks=10";

/// Every arm of a comparison continues one burn-in per replicate, under the first arm's
/// scenario: the same runs as `displace run ARM --from-state` of the first arm's burn-in
/// (`--save-burn-in`), for any thread count. Arms that differ in events alone burn in alike, so
/// forking changes nothing for them; an arm with a crackdown in its `[state]` would have burnt in
/// otherwise on its own.
#[test]
fn compare_forks_every_arm_from_one_burn_in_per_replicate() {
    let base = national(&[BURN_IN, TICKS]);
    let events_only = national(&[BURN_IN, TICKS, "events.0.tick=0"]);
    let crackdown = national(&[
        BURN_IN,
        TICKS,
        "state.crackdown.posture=\"militarised\"",
        "state.crackdown.units=30",
    ]);
    let both = arms(vec![
        ("base", base.clone()),
        ("events", events_only.clone()),
        ("crackdown", crackdown.clone()),
    ]);
    let forked = summaries(&both, false, 2);
    assert!(forked == summaries(&both, false, 1), "thread count");
    let own = summaries(&both, true, 2);
    // Runs are arm-major: 3 replicates per arm.
    assert!(forked[..6] == own[..6], "base and events-only arms");
    assert!(
        forked[6..] != own[6..],
        "the crackdown arm burns in otherwise"
    );

    // Replicate 0 of the crackdown arm, continued from the base's burn-in state on file.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("burn_in.state");
    let mut seeded = base.clone();
    seeded.spec.simulation.seed = 11;
    let control = RunControl {
        save_burn_in: Some(&state),
        ..RunControl::default()
    };
    simulate_from(
        &seeded,
        None,
        control,
        &mut NoObserver,
        &mut PhaseTimes::default(),
    )
    .unwrap();
    let mut arm = crackdown.clone();
    arm.spec.simulation.seed = 11;
    let start =
        checkpoint::resume(&state, checkpoint::read(&state).unwrap(), &arm, SAME_WORLD).unwrap();
    let outcome = simulate_from(
        &arm,
        Some(start),
        RunControl::default(),
        &mut NoObserver,
        &mut PhaseTimes::default(),
    )
    .unwrap();
    assert!(serde_json::to_string(&outcome.summary).unwrap() == forked[6]);
}

/// A burn-in state continues under other policies and events, never under another world.
#[test]
fn a_burn_in_state_is_refused_under_another_world_naming_the_keys() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("burn_in.state");
    let base = national(&[BURN_IN, TICKS]);
    let control = RunControl {
        save_burn_in: Some(&state),
        ..RunControl::default()
    };
    simulate_from(
        &base,
        None,
        control,
        &mut NoObserver,
        &mut PhaseTimes::default(),
    )
    .unwrap();
    let resume = |overrides: &[&str]| {
        let mut all = vec![BURN_IN, TICKS];
        all.extend_from_slice(overrides);
        checkpoint::resume(
            &state,
            checkpoint::read(&state).unwrap(),
            &national(&all),
            SAME_WORLD,
        )
    };
    assert!(
        resume(&[
            "state.crackdown.units=50",
            "events=[]",
            "description=\"arm\""
        ])
        .is_ok()
    );
    assert!(resume(&["simulation.ticks=30", "outputs.cells=false"]).is_ok());
    let err = resume(&["simulation.burn_in=20", "world.housing_slack=0.2"])
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("simulation.burn_in") && err.contains("world.housing_slack"),
        "{err}"
    );
    assert!(!err.contains("state."), "{err}");
}

/// `cells.csv` counts from tick 0: its departures add up to the run's episodes, which a burn-in
/// full of departures would break if the counters were not taken from tick 0.
#[test]
fn displace_run_with_a_burn_in_counts_outputs_from_tick_0() {
    let dir = tempfile::tempdir().unwrap();
    let national = common::root().join("scenarios/bench/national.toml");
    let run = |extra: &[&str], out: &str| {
        let mut args = vec![
            "run",
            national.to_str().unwrap(),
            "--set",
            "population.households=20000",
            "--ticks",
            "10",
            "--no-plots",
            "-q",
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        common::displace(&args, dir.path())
    };
    let o = run(&["--set", BURN_IN, "--save-burn-in", "b.state"], "burnt");
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(dir.path().join("b.state").is_file());
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("burnt/summary.json")).unwrap(),
    )
    .unwrap();
    let cells = std::fs::read_to_string(dir.path().join("burnt/cells.csv")).unwrap();
    let mut lines = cells.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == "displaced_out").unwrap();
    let departures: u64 = lines
        .map(|l| l.split(',').nth(at).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(departures, summary["displacements"].as_u64().unwrap());
    let timeseries = std::fs::read_to_string(dir.path().join("burnt/timeseries.csv")).unwrap();
    assert_eq!(timeseries.lines().count(), 11);
    assert!(timeseries.lines().nth(1).unwrap().starts_with("0,7,"));

    // An arm continues the burn-in with other policies; --save-burn-in needs a burn-in.
    let o = run(
        &[
            "--set",
            BURN_IN,
            "--set",
            "state.crackdown.units=50",
            "--from-state",
            "b.state",
        ],
        "arm",
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let o = run(&["--save-burn-in", "none.state"], "refused");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("simulation.burn_in"),
        "{}",
        common::stderr(&o)
    );
    assert!(!dir.path().join("refused").exists());
}

/// `displace compare` says whether the arms were forked from one burn-in, and why not.
#[test]
fn displace_compare_reports_the_fork_and_what_prevents_it() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = common::tiny_path();
    let arm = |name: &str, extra: &str| {
        common::write(
            dir.path(),
            name,
            &format!(
                "extends = \"{}\"\n{extra}\n[simulation]\nburn_in = 8\nticks = 6\n",
                tiny.display()
            ),
        )
    };
    let base = arm("base.toml", "");
    let crackdown = arm(
        "crackdown.toml",
        "[state.crackdown]\nposture = \"militarised\"\nunits = 10\n",
    );
    let slack = arm("slack.toml", "[world]\nhousing_slack = 0.3\n");
    let compare = |b: &std::path::Path, out: &str| {
        common::displace(
            &[
                "compare",
                base.to_str().unwrap(),
                b.to_str().unwrap(),
                "-n",
                "3",
                "--no-plots",
                "--out",
                out,
            ],
            dir.path(),
        )
    };
    let o = compare(&crackdown, "forked");
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("every arm forked from it"),
        "{}",
        common::stderr(&o)
    );
    let json = |p: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(p)).unwrap()).unwrap()
    };
    assert_eq!(json("forked/compare.json")["burn_in"]["forked"], true);
    assert_eq!(json("forked/compare.json")["burn_in"]["weeks"], 8);
    assert!(
        json("forked/manifest.json")["burn_in"]["seconds_saved"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    let report = |p: &str| std::fs::read_to_string(dir.path().join(p)).unwrap();
    assert!(report("forked/report.html").contains("every arm was forked from it"));

    let o = compare(&slack, "own");
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("world.housing_slack"),
        "{}",
        common::stderr(&o)
    );
    let burn_in = &json("own/compare.json")["burn_in"];
    assert_eq!(burn_in["forked"], false);
    assert_eq!(burn_in["own_burn_in_keys"][0], "world.housing_slack");
    assert_eq!(json("own/manifest.json")["burn_in"]["seconds_saved"], 0.0);
    assert!(report("own/report.html").contains("as the arms differ in world.housing_slack"));
}

/// Without a burn-in, arms that differ only in their policies and events share each
/// replicate's built world (the first arm's build, restored under each arm): the runs are those
/// of worlds built apart (`own_burn_in` builds every run's own), even when an arm's base
/// `[state]` gives another state presence at the build, for any thread count. Shared builds are
/// no steps of the progress bar.
#[test]
fn compare_without_a_burn_in_shares_each_replicates_build_and_changes_nothing() {
    let base = national(&[TICKS]);
    let events_only = national(&[TICKS, "events.0.tick=0"]);
    let crackdown = national(&[
        TICKS,
        "state.crackdown.posture=\"militarised\"",
        "state.crackdown.units=30",
        "state.deprivation_neglect=0.2",
    ]);
    let all = arms(vec![
        ("base", base),
        ("events", events_only),
        ("crackdown", crackdown),
    ]);
    let runs = |own_build: bool, threads: usize| -> (Vec<String>, usize) {
        let stop = std::sync::atomic::AtomicBool::new(false);
        let steps = std::sync::atomic::AtomicUsize::new(0);
        let progress = || {
            steps.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        };
        let comparison = with_threads(threads, || {
            compare_with(&all, 3, 11, None, own_build, &progress, &stop).unwrap()
        })
        .unwrap();
        assert!(comparison.burn_in.is_none());
        let runs = comparison
            .runs
            .iter()
            .flatten()
            .map(|s| serde_json::to_string(s).unwrap())
            .collect();
        (runs, steps.into_inner())
    };
    let (shared, steps) = runs(false, 2);
    assert_eq!(steps, 9, "one step a run");
    let (own, _) = runs(true, 2);
    assert!(shared[..6] == own[..6], "base and events-only arms");
    assert!(
        shared[6..] == own[6..],
        "the crackdown arm, built under its own state"
    );
    assert!(shared == runs(false, 1).0, "thread count");
    assert!(shared[..3] != shared[6..], "the crackdown changes the runs");
}
