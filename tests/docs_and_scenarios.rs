//! Documentation stays true to the code, and every shipped scenario runs.

mod common;

use displace::metrics::Summary;
use displace::output::{CELL_COLUMNS, EPISODE_COLUMNS, timeseries_header};
use displace::scenario::Scenario;
use displace::sim::{NoObserver, simulate};

fn doc(name: &str) -> String {
    std::fs::read_to_string(common::root().join(name)).unwrap()
}

/// Leaf key paths of a TOML value; array-of-table elements are written `name[]`.
fn leaf_paths(value: &toml::Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaf_paths(v, &path, out);
            }
        }
        toml::Value::Array(items) if items.iter().any(|v| v.is_table()) => {
            for item in items {
                leaf_paths(item, &format!("{prefix}[]"), out);
            }
        }
        _ => out.push(prefix.to_string()),
    }
}

#[test]
fn every_scenario_key_is_documented() {
    let scenario = Scenario::load(
        &common::root().join("tests/data/tiny.toml"),
        &["groups=[{kind=\"street_gang\"},{kind=\"trafficking_group\"},{kind=\"cartel\"}]".into()],
    )
    .unwrap();
    let mut paths = Vec::new();
    leaf_paths(
        &toml::Value::try_from(&scenario.spec).unwrap(),
        "",
        &mut paths,
    );
    assert!(
        paths.len() > 60,
        "the walk found the keys ({})",
        paths.len()
    );
    let scenarios_md = doc("docs/SCENARIOS.md");
    let documented = |p: &str| scenarios_md.contains(&format!("`{p}`"));
    let missing: Vec<&String> = paths
        .iter()
        .filter(|p| {
            !documented(p)
                && !p
                    .rsplit_once('.')
                    .is_some_and(|(parent, _)| documented(parent))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "keys missing from docs/SCENARIOS.md: {missing:?}"
    );
}

#[test]
fn every_output_column_and_summary_key_is_documented() {
    let outputs_md = doc("docs/OUTPUTS.md");
    let summary = serde_json::to_value(Summary::default()).unwrap();
    let names = timeseries_header()
        .into_iter()
        .chain(EPISODE_COLUMNS.iter().map(|s| s.to_string()))
        .chain(CELL_COLUMNS.iter().map(|s| s.to_string()))
        .chain(summary.as_object().unwrap().keys().cloned())
        .chain(
            displace::output::TERRITORY_COLUMNS
                .iter()
                .map(|s| s.to_string()),
        )
        .chain(
            displace::output::compare::COMPARE_TIMESERIES_COLUMNS
                .iter()
                .map(|s| s.to_string()),
        )
        .chain(displace::compare::SERIES.iter().map(|s| s.to_string()))
        .chain(
            displace::output::compare::COMPARE_CELLS_COLUMNS
                .iter()
                .map(|s| s.to_string()),
        )
        .chain(
            displace::output::compare::COMPARE_COLUMNS
                .iter()
                .map(|s| s.to_string()),
        )
        .chain(
            displace::compare::headline(&Summary::default())
                .into_iter()
                .map(|(n, _)| n.to_string()),
        );
    let missing: Vec<String> = names
        .filter(|n| !outputs_md.contains(&format!("`{n}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "missing from docs/OUTPUTS.md: {missing:?}"
    );
}

#[test]
fn ci_runs_the_readme_commands() {
    let readme = doc("README.md");
    let ci = doc(".ci/run");
    for command in [
        "cargo test",
        "cargo run --release -- run scenarios/baseline.toml",
    ] {
        assert!(readme.contains(command), "README shows `{command}`");
        assert!(ci.contains(command), ".ci/run runs `{command}`");
    }
}

/// Every `.toml` under `scenarios/` except the sweep files in `scenarios/sweeps/` and the
/// calibration files in `scenarios/calibrations/`.
fn shipped_scenarios() -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let skip = [
        common::root().join("scenarios/sweeps"),
        common::root().join("scenarios/calibrations"),
    ];
    let mut dirs = vec![common::root().join("scenarios")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() && !skip.contains(&path) {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Every sweep file in `scenarios/sweeps/`, in name order.
fn shipped_sweeps() -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir(common::root().join("scenarios/sweeps"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    found.sort();
    found
}

#[test]
fn every_shipped_sweep_loads_and_every_sweep_key_and_column_is_documented() {
    let sweeps = shipped_sweeps();
    assert!(sweeps.len() >= 3, "worked examples in scenarios/sweeps/");
    let sweeps_md = doc("docs/SWEEPS.md");
    let readme = doc("README.md");
    for path in &sweeps {
        // Loading checks every parameter key against the base scenario.
        let sweep = displace::sweep::Sweep::load(path).unwrap_or_else(|e| panic!("{e}"));
        assert!(sweep.runs() > 0);
        let name = path.file_name().unwrap().to_string_lossy();
        assert!(
            sweeps_md.contains(name.as_ref()),
            "docs/SWEEPS.md names {name}"
        );
    }
    assert!(readme.contains("docs/SWEEPS.md"));

    // Every key of the sweep format, with a parameter that sets every optional field.
    let mut spec = displace::sweep::SweepSpec {
        design_file: Some("design.csv".into()),
        ..Default::default()
    };
    spec.parameters.push(displace::sweep::ParameterSpec {
        min: Some(0.0),
        max: Some(1.0),
        steps: Some(2),
        ..Default::default()
    });
    let mut paths = Vec::new();
    leaf_paths(&toml::Value::try_from(&spec).unwrap(), "", &mut paths);
    let mut missing: Vec<String> = paths
        .iter()
        .map(|p| p.rsplit(['.', ']']).next().unwrap().to_string())
        .filter(|key| !sweeps_md.contains(&format!("`{key}`")))
        .collect();
    // The fixed columns of runs.csv and points.csv.
    let manifest = displace::sweep::Sweep::load(&sweeps[0])
        .unwrap()
        .manifest()
        .unwrap();
    let mut columns = displace::sweep::runs_header(&manifest);
    columns.extend(displace::sweep::points_header(&manifest));
    for column in columns {
        if manifest.parameters.contains(&column) || manifest.metrics.contains(&column) {
            continue;
        }
        // Per-metric columns are documented once, as `{metric}_mean` and so on.
        let generic = manifest
            .metrics
            .iter()
            .find_map(|m| {
                column
                    .strip_prefix(m.as_str())
                    .filter(|rest| rest.starts_with('_'))
            })
            .map_or(column.clone(), |rest| format!("{{metric}}{rest}"));
        if !sweeps_md.contains(&format!("`{generic}`")) {
            missing.push(generic);
        }
    }
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "missing from docs/SWEEPS.md: {missing:?}"
    );
}

#[test]
fn every_shipped_scenario_runs_at_reduced_size_with_sane_metrics() {
    let scenarios = shipped_scenarios();
    assert!(!scenarios.is_empty());
    for path in scenarios {
        let scenario = Scenario::load(
            &path,
            &[
                "population.households=3000".into(),
                "simulation.ticks=8".into(),
            ],
        )
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let outcome = simulate(&scenario, &mut NoObserver).unwrap();
        let s = &outcome.summary;
        let name = path.display();
        assert_eq!(s.households, 3000, "{name}");
        assert_eq!(
            outcome.model.persons(),
            s.persons,
            "{name}: persons conserved"
        );
        assert!(s.displaced_households <= s.households, "{name}");
        assert!(s.displaced_persons <= s.persons, "{name}");
        assert!(
            s.displacement_incidence_per_100k_15plus.is_finite(),
            "{name}"
        );
        if s.displacements > 0 {
            let triggers: f64 = s.trigger_shares.values().sum();
            let lodging: f64 = s.lodging_shares.values().sum();
            assert!(
                (triggers - 1.0).abs() < 1e-9 && (lodging - 1.0).abs() < 1e-9,
                "{name}"
            );
        }
        assert!(s.extortion_payments <= s.extortion_demands, "{name}");
    }
}
