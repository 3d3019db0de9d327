//! `displace compare`: common random numbers, paired differences, and the files it writes.

mod common;

use common::{displace, stderr, stdout};
use displace::compare::{Arm, compare};

fn arm(name: &str, overrides: &[&str]) -> Arm {
    Arm {
        name: name.into(),
        scenario: common::tiny(overrides),
    }
}

#[test]
fn a_scenario_compared_with_itself_differs_by_exactly_zero() {
    let arms = [arm("a", &[]), arm("b", &[])];
    let c = compare(&arms, 3, 5, &|| {}).unwrap();
    for (metric, per_arm) in &c.metrics {
        let b = &per_arm["b"];
        assert_eq!(b.diff_mean, Some(0.0), "{metric}");
        assert_eq!(
            (b.diff_ci95_low, b.diff_ci95_high),
            (Some(0.0), Some(0.0)),
            "{metric}"
        );
        assert_eq!(per_arm["a"].mean, b.mean, "{metric}");
    }
    // Replicates differ from each other (they are not the same run three times).
    let displaced: Vec<u64> = c.runs[0].iter().map(|s| s.displaced_persons).collect();
    assert!(displaced.windows(2).any(|w| w[0] != w[1]), "{displaced:?}");
}

#[test]
fn paired_differences_are_sharper_than_unpaired_ones() {
    // Same change, paired seeds versus a second arm whose seeds are shifted (unpaired).
    let base = arm("base", &[]);
    let more = arm("more", &["groups.gangs.extortion_rate=12"]);
    let paired = compare(&[base.clone(), more.clone()], 6, 100, &|| {}).unwrap();
    let d = &paired.metrics["displaced_persons"]["more"];
    let paired_width = d.diff_ci95_high.unwrap() - d.diff_ci95_low.unwrap();
    // Unpaired: the second arm's replicates use other seeds.
    let a = compare(&[base.clone(), base.clone()], 6, 100, &|| {}).unwrap();
    let b = compare(&[more.clone(), more], 6, 500, &|| {}).unwrap();
    let diffs: Vec<f64> = a.runs[0]
        .iter()
        .zip(&b.runs[0])
        .map(|(x, y)| y.displaced_persons as f64 - x.displaced_persons as f64)
        .collect();
    let (_, lo, hi) = displace::compare::stats::mean_ci95(&diffs);
    assert!(
        paired_width < hi - lo,
        "paired CI width {paired_width} vs unpaired {}",
        hi - lo
    );
}

#[test]
fn compare_writes_tables_and_is_thread_independent() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = common::tiny_path();
    let tiny = tiny.to_str().unwrap();
    let copy = dir.path().join("more_extortion.toml");
    std::fs::write(
        &copy,
        "extends = \"TINY\"\n[[groups]]\nname = \"gangs\"\nextortion_rate = 20.0\n"
            .replace("TINY", tiny),
    )
    .unwrap();
    let copy = copy.to_str().unwrap();
    let run = |out: &str, threads: &str, quiet: bool| {
        let mut args = vec![
            "compare",
            tiny,
            copy,
            "-n",
            "3",
            "--out",
            out,
            "--threads",
            threads,
        ];
        if quiet {
            args.push("--quiet");
        }
        let o = displace(&args, dir.path());
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        o
    };
    let one = run("c1", "1", false);
    run("c2", "2", true);
    for file in [
        "compare.csv",
        "compare.json",
        "runs.csv",
        "compare_timeseries.csv",
    ] {
        let a = std::fs::read(dir.path().join("c1").join(file)).unwrap();
        let b = std::fs::read(dir.path().join("c2").join(file)).unwrap();
        assert!(a == b, "{file} depends on threads");
    }
    assert!(
        stdout(&one).contains("displaced_persons"),
        "the table is printed"
    );

    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("c1/compare.json")).unwrap())
            .unwrap();
    let first = &json["metrics"]["displaced_persons"]["tiny"];
    let second = &json["metrics"]["displaced_persons"]["more_extortion"];
    for key in ["mean", "ci95_low", "ci95_high"] {
        assert!(first[key].is_number() && second[key].is_number(), "{key}");
    }
    for key in [
        "diff_mean",
        "diff_ci95_low",
        "diff_ci95_high",
        "relative_change",
    ] {
        assert!(first.get(key).is_none(), "the first arm carries no {key}");
        assert!(second[key].is_number(), "{key}");
    }
    // The interval of the relative change is absent when unbounded (here the first arm's own
    // interval includes 0 with 3 replicates), and then both ends are.
    for key in ["relative_change_ci95_low", "relative_change_ci95_high"] {
        assert!(first.get(key).is_none(), "the first arm carries no {key}");
    }
    assert_eq!(
        second.get("relative_change_ci95_low").is_some(),
        second.get("relative_change_ci95_high").is_some()
    );
    let mut csv = csv::Reader::from_path(dir.path().join("c1/compare.csv")).unwrap();
    let header: Vec<String> = csv.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        header,
        displace::output::compare::COMPARE_COLUMNS.map(str::to_string)
    );
    let rows = csv.records().count();
    assert_eq!(
        rows,
        2 * json["metrics"].as_object().unwrap().len(),
        "one row per metric and arm"
    );
}

#[test]
fn compare_needs_two_scenarios_and_two_replicates() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = common::tiny_path();
    let tiny = tiny.to_str().unwrap();
    assert_eq!(
        displace(&["compare", tiny], dir.path()).status.code(),
        Some(2)
    );
    assert_eq!(
        displace(&["compare", tiny, tiny, "-n", "1"], dir.path())
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn issue_12_quiet_compare_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = common::tiny_path();
    let tiny = tiny.to_str().unwrap();
    let o = displace(
        &[
            "compare",
            tiny,
            tiny,
            "-n",
            "2",
            "--out",
            "c",
            "--quiet",
            "--no-plots",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "no table with --quiet");
    assert_eq!(
        stderr(&o),
        "",
        "no progress and no closing line with --quiet"
    );
    assert!(
        dir.path().join("c/compare.csv").is_file(),
        "the files are written"
    );
}

#[test]
fn issue_12_relative_change_has_a_fieller_interval_from_the_paired_runs() {
    let arms = [
        arm("base", &[]),
        arm("more", &["groups.gangs.extortion_rate=12"]),
        arm("same", &[]),
    ];
    let c = compare(&arms, 4, 100, &|| {}).unwrap();
    let per_arm = &c.metrics["displaced_persons"];
    let a: Vec<f64> = c.runs[0]
        .iter()
        .map(|s| s.displaced_persons as f64)
        .collect();
    let d: Vec<f64> = c.runs[1]
        .iter()
        .zip(&a)
        .map(|(s, a)| s.displaced_persons as f64 - a)
        .collect();
    let (low, high) = displace::compare::stats::fieller_ci95(&d, &a).unwrap();
    let more = &per_arm["more"];
    assert_eq!(
        (
            more.relative_change_ci95_low,
            more.relative_change_ci95_high
        ),
        (Some(low), Some(high))
    );
    let r = more.relative_change.unwrap();
    assert!(low < r && r < high, "{low} < {r} < {high}");
    assert!(per_arm["base"].relative_change_ci95_low.is_none());
    // An arm identical to the first changes by exactly 0, with no uncertainty.
    let same = &per_arm["same"];
    assert_eq!(
        (
            same.relative_change,
            same.relative_change_ci95_low,
            same.relative_change_ci95_high
        ),
        (Some(0.0), Some(0.0), Some(0.0))
    );
}

#[test]
fn issue_12_every_metric_has_its_unit_in_compare_csv_json_and_docs() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = common::tiny_path();
    let tiny = tiny.to_str().unwrap();
    let o = displace(
        &[
            "compare",
            tiny,
            tiny,
            "-n",
            "2",
            "--out",
            "c",
            "--quiet",
            "--no-plots",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let docs = std::fs::read_to_string(common::root().join("docs/OUTPUTS.md")).unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("c/compare.json")).unwrap()).unwrap();
    let mut csv = csv::Reader::from_path(dir.path().join("c/compare.csv")).unwrap();
    let header = csv.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (metric, unit) = (column("metric"), column("unit"));
    let mut rows = 0;
    for row in csv.records() {
        let row = row.unwrap();
        let label = displace::compare::unit(&row[metric]).unwrap().label();
        assert_eq!(&row[unit], label, "{}", &row[metric]);
        assert_eq!(json["units"][&row[metric]], label, "{}", &row[metric]);
        assert!(
            docs.contains(&format!("| `{}` | {label}", &row[metric])),
            "docs/OUTPUTS.md gives {} the unit {label}",
            &row[metric]
        );
        rows += 1;
    }
    assert_eq!(
        rows,
        2 * displace::compare::headline(&Default::default()).len()
    );
}
