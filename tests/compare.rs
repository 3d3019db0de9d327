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
    let c = compare(&arms, 3, 5, &|| {}, &Default::default()).unwrap();
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
    let paired = compare(
        &[base.clone(), more.clone()],
        6,
        100,
        &|| {},
        &Default::default(),
    )
    .unwrap();
    let d = &paired.metrics["displaced_persons"]["more"];
    let paired_width = d.diff_ci95_high.unwrap() - d.diff_ci95_low.unwrap();
    // Unpaired: the second arm's replicates use other seeds.
    let a = compare(
        &[base.clone(), base.clone()],
        6,
        100,
        &|| {},
        &Default::default(),
    )
    .unwrap();
    let b = compare(&[more.clone(), more], 6, 500, &|| {}, &Default::default()).unwrap();
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
        "compare_cells.csv",
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
    // Enough replicates for the base arm's mean to be known well enough for an interval.
    let c = compare(&arms, 8, 100, &|| {}, &Default::default()).unwrap();
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

/// Writes three arms with long names (the tiny scenario, one with more extortion) into `dir`.
fn long_named_arms(dir: &std::path::Path) -> Vec<String> {
    let tiny = common::tiny_path().display().to_string().replace('\\', "/");
    [
        ("baseline_with_current_state_presence_2024", ""),
        (
            "crackdown_with_emergency_posture_and_detention",
            "[[groups]]\nname = \"gangs\"\nextortion_rate = 20.0\n",
        ),
        ("protection_package_with_shelters_and_relocation", ""),
    ]
    .iter()
    .map(|(name, extra)| {
        let text = format!("extends = {tiny:?}\n{extra}");
        common::write(dir, &format!("{name}.toml"), &text)
            .display()
            .to_string()
    })
    .collect()
}

#[test]
fn issue_12_default_table_fits_100_columns_with_three_long_arm_names() {
    let dir = tempfile::tempdir().unwrap();
    let files = long_named_arms(dir.path());
    let run = |wide: bool| {
        let mut args = vec!["compare", "-n", "3", "--out", "c", "--force", "--no-plots"];
        args.extend(files.iter().map(String::as_str));
        if wide {
            args.push("--wide");
        }
        let o = displace(&args, dir.path());
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    let table = run(false);
    for line in table.lines() {
        assert!(
            line.chars().count() <= displace::output::compare::TABLE_WIDTH,
            "{} characters: {line}",
            line.chars().count()
        );
    }
    // Every metric has a heading with its unit.
    for (metric, _) in displace::compare::headline(&Default::default()) {
        let unit = displace::compare::unit(metric).unwrap().label();
        assert!(
            table.lines().any(|l| l == format!("{metric} ({unit})")),
            "{metric} ({unit}) in\n{table}"
        );
    }
    // The wide table has everything on one line: full metric name, unit and full arm name.
    let wide = run(true);
    assert!(
        wide.lines().any(|l| l.starts_with("displaced_persons ")
            && l.contains(" persons ")
            && l.contains(" crackdown_with_emergency_posture_and_detention ")),
        "{wide}"
    );
}

/// The numbers of a table line after the arm name: plain numbers and percentages.
fn numbers(line: &str) -> (Vec<String>, Vec<String>) {
    let cleaned = line.replace(['[', ']', '*'], " ").replace(", ", " ");
    let tokens = cleaned
        .split_whitespace()
        .skip(1)
        .filter(|t| t.chars().any(|c| c.is_ascii_digit()))
        .map(str::to_string);
    tokens.partition(|t| !t.ends_with('%'))
}

fn decimals(number: &str) -> usize {
    number.split_once('.').map_or(0, |(_, f)| {
        f.chars().take_while(char::is_ascii_digit).count()
    })
}

#[test]
fn issue_12_numbers_of_a_metric_share_one_precision() {
    let arms = [
        arm("base", &[]),
        arm("more", &["groups.gangs.extortion_rate=12"]),
        arm("less", &["groups.gangs.extortion_rate=4"]),
    ];
    let c = compare(&arms, 4, 100, &|| {}, &Default::default()).unwrap();
    let table = displace::output::compare::table(&c);
    let mut metric = String::new();
    let mut seen = std::collections::BTreeMap::<String, (Vec<usize>, Vec<usize>)>::new();
    for line in table.lines() {
        if let Some(row) = line.strip_prefix("  ") {
            if metric.is_empty() || row.starts_with("arm ") {
                continue;
            }
            let (plain, percent) = numbers(row);
            let entry = seen.entry(metric.clone()).or_default();
            entry.0.extend(plain.iter().map(|n| decimals(n)));
            entry.1.extend(percent.iter().map(|n| decimals(n)));
        } else if c
            .metric_order
            .iter()
            .any(|m| line.starts_with(&format!("{m} (")))
        {
            metric = line.split(' ').next().unwrap().to_string();
        }
    }
    assert_eq!(seen.len(), c.metric_order.len(), "{table}");
    for (metric, (plain, percent)) in &seen {
        assert!(
            plain.len() >= 9,
            "{metric}: 3 means, 2 differences with intervals"
        );
        assert!(
            plain.windows(2).all(|w| w[0] == w[1]),
            "{metric}: {plain:?}\n{table}"
        );
        assert!(
            percent.windows(2).all(|w| w[0] == w[1]),
            "{metric}: {percent:?}\n{table}"
        );
    }
    // Some metric is written with decimals, some without: the precision follows the data.
    assert!(seen.values().any(|(p, _)| p[0] == 0) && seen.values().any(|(p, _)| p[0] > 0));
}

#[test]
fn issue_12_count_intervals_are_clipped_at_zero_with_a_note() {
    // A handful of displaced persons per run (200 households, three weeks): three replicates
    // spread the raw interval below zero.
    let small = ["population.households=200", "simulation.ticks=3"];
    let arms = [
        arm("tiny", &small),
        arm(
            "more",
            &[&small[..], &["groups.gangs.extortion_rate=20"]].concat(),
        ),
    ];
    let c = compare(&arms, 3, 1, &|| {}, &Default::default()).unwrap();
    let raw = &c.metrics["displaced_persons"]["tiny"];
    assert!(
        raw.ci95_low < 0.0,
        "the raw Student-t interval goes below 0: {raw:?}"
    );
    let table = displace::output::compare::table(&c);
    let lines: Vec<&str> = table.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("displaced_persons ("))
        .unwrap();
    let row = lines[at + 1];
    assert!(
        row.contains("[0*, ") || row.contains("[0.0*, "),
        "the clipped end reads 0 with its mark: {row}"
    );
    assert!(
        table.contains("* interval clipped at 0: counts, rates and ratios cannot be negative"),
        "{table}"
    );
    // No arm's interval is printed below 0 (differences may be negative).
    for line in &lines {
        if let Some(row) = line.strip_prefix("  ") {
            let mean_block = row.split(']').next().unwrap();
            assert!(!mean_block.contains("[-"), "{line}");
        }
    }
}
