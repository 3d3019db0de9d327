//! The notebooks in `notebooks/` read only output columns that exist. Each notebook declares, in
//! its first code cell, `USES = {file: [names]}` and reads every CSV with `usecols=USES[file]`, so
//! it cannot use an undeclared column; this test checks every declared name against the files
//! the simulator really writes and against the documentation. Renaming, dropping or leaving
//! undocumented a column the notebooks use fails here.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{displace, stderr};
use displace::compare::headline;
use displace::metrics::Summary;
use displace::scenario::{Scenario, ScenarioError};

fn strings(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn headline_metrics() -> BTreeSet<String> {
    headline(&Summary::default())
        .into_iter()
        .map(|(n, _)| n.to_string())
        .collect()
}

/// Whether `key` is a dotted scenario key (as a sweep varies it): setting it may fail on the
/// value, but not as an unknown key.
fn is_scenario_key(key: &str) -> bool {
    let base = common::root().join("scenarios/baseline.toml");
    match Scenario::load(&base, &[format!("{key}=0")]) {
        Err(e @ ScenarioError::BadSet { .. }) => !e.to_string().contains("unknown key"),
        _ => true,
    }
}

fn csv_header(path: &std::path::Path) -> BTreeSet<String> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect()
}

fn json_keys(path: &std::path::Path) -> BTreeSet<String> {
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    value.as_object().unwrap().keys().cloned().collect()
}

/// The names each output file really has, read from a run and a comparison of the tiny scenario
/// (sweep files, whose columns depend on the sweep, are checked by rule).
fn known_names(dir: &std::path::Path) -> BTreeMap<&'static str, BTreeSet<String>> {
    let tiny = common::tiny_path();
    let run = dir.join("run");
    let output = displace(
        &[
            "run",
            tiny.to_str().unwrap(),
            "--out",
            run.to_str().unwrap(),
            "--quiet",
            "--no-plots",
        ],
        dir,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let other = common::write(
        dir,
        "other.toml",
        &format!(
            "extends = {:?}\n",
            tiny.display().to_string().replace('\\', "/")
        ),
    );
    let compare = dir.join("compare");
    let output = displace(
        &[
            "compare",
            tiny.to_str().unwrap(),
            other.to_str().unwrap(),
            "--replicates",
            "2",
            "--out",
            compare.to_str().unwrap(),
            "--quiet",
            "--no-plots",
        ],
        dir,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    BTreeMap::from([
        ("timeseries.csv", csv_header(&run.join("timeseries.csv"))),
        ("episodes.csv", csv_header(&run.join("episodes.csv"))),
        ("cells.csv", csv_header(&run.join("cells.csv"))),
        ("territory.csv", csv_header(&run.join("territory.csv"))),
        ("summary.json", json_keys(&run.join("summary.json"))),
        ("manifest.json", json_keys(&run.join("manifest.json"))),
        ("compare.csv", csv_header(&compare.join("compare.csv"))),
        (
            "compare_timeseries.csv",
            csv_header(&compare.join("compare_timeseries.csv")),
        ),
        ("compare runs.csv", csv_header(&compare.join("runs.csv"))),
        ("compare.json", json_keys(&compare.join("compare.json"))),
    ])
}

/// Whether `name` can be a column of a sweep's runs.csv or points.csv.
fn is_sweep_column(file: &str, name: &str) -> bool {
    let metrics = headline_metrics();
    let fixed = match file {
        "sweep runs.csv" => strings(&["run", "point", "replicate", "seed", "status", "error"]),
        _ => strings(&["point", "runs_ok", "runs_failed"]),
    };
    if fixed.contains(name) || (name.contains('.') && is_scenario_key(name)) {
        return true;
    }
    if file == "sweep runs.csv" {
        return metrics.contains(name);
    }
    ["_mean", "_ci95_low", "_ci95_high"].iter().any(|suffix| {
        name.strip_suffix(suffix)
            .is_some_and(|metric| metrics.contains(metric))
    })
}

/// The `USES` dict of a notebook's first code cell.
fn declared_uses(path: &std::path::Path) -> BTreeMap<String, Vec<String>> {
    let notebook: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cells = notebook["cells"].as_array().unwrap();
    let first_code = cells
        .iter()
        .find(|c| c["cell_type"] == "code")
        .unwrap_or_else(|| panic!("{}: no code cell", path.display()));
    let source: String = match &first_code["source"] {
        serde_json::Value::Array(lines) => lines.iter().filter_map(|l| l.as_str()).collect(),
        other => other.as_str().unwrap_or_default().to_string(),
    };
    let at = source
        .find("USES = {")
        .unwrap_or_else(|| panic!("{}: the first code cell defines USES", path.display()));
    let text = &source[at + "USES = ".len()..];
    let mut depth = 0;
    let end = text
        .char_indices()
        .find_map(|(i, ch)| {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            (depth == 0).then_some(i + 1)
        })
        .unwrap();
    serde_json::from_str(&text[..end])
        .unwrap_or_else(|e| panic!("{}: USES is not a JSON-style dict: {e}", path.display()))
}

/// Whether a name the notebooks use is documented: output names in docs/OUTPUTS.md, a sweep's
/// fixed columns and per-metric columns in docs/SWEEPS.md (its parameters are scenario keys,
/// documented in docs/SCENARIOS.md).
fn documented(file: &str, column: &str) -> bool {
    let doc = |name: &str| std::fs::read_to_string(common::root().join(name)).unwrap();
    let named = |text: &str, name: &str| text.contains(&format!("`{name}`"));
    let outputs = doc("docs/OUTPUTS.md");
    if !file.starts_with("sweep ") {
        return named(&outputs, column);
    }
    let sweeps = doc("docs/SWEEPS.md");
    if column.contains('.') || named(&sweeps, column) || named(&outputs, column) {
        return true;
    }
    ["_mean", "_ci95_low", "_ci95_high"].iter().any(|suffix| {
        column.strip_suffix(suffix).is_some_and(|metric| {
            named(&outputs, metric) && named(&sweeps, &format!("{{metric}}{suffix}"))
        })
    })
}

#[test]
fn every_column_the_notebooks_use_exists() {
    let dir = common::root().join("notebooks");
    let mut notebooks: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ipynb"))
        .collect();
    notebooks.sort();
    assert!(notebooks.len() >= 4, "the four analysis notebooks");
    let scratch = tempfile::tempdir().unwrap();
    let known = known_names(scratch.path());
    let mut problems = Vec::new();
    for path in &notebooks {
        let uses = declared_uses(path);
        assert!(!uses.is_empty(), "{}: USES is empty", path.display());
        let name = path.file_name().unwrap().to_string_lossy();
        for (file, columns) in &uses {
            for column in columns {
                let ok = match known.get(file.as_str()) {
                    Some(names) => names.contains(column),
                    None if file.starts_with("sweep ") => is_sweep_column(file, column),
                    None => {
                        problems.push(format!("{name}: unknown output file `{file}`"));
                        continue;
                    }
                };
                if !ok {
                    problems.push(format!("{name}: `{file}` has no column `{column}`"));
                } else if !documented(file, column) {
                    problems.push(format!(
                        "{name}: `{column}` of `{file}` is not documented in docs/OUTPUTS.md or docs/SWEEPS.md"
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn notebooks_are_committed_without_outputs() {
    let dir = common::root().join("notebooks");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "ipynb") {
            continue;
        }
        let notebook: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for cell in notebook["cells"].as_array().unwrap() {
            if cell["cell_type"] == "code" {
                assert_eq!(cell["outputs"], serde_json::json!([]), "{}", path.display());
                assert!(cell["execution_count"].is_null(), "{}", path.display());
            }
        }
    }
}

#[test]
fn ci_executes_every_notebook() {
    let ci = std::fs::read_to_string(common::root().join(".ci/run")).unwrap();
    assert!(ci.contains("notebooks/run_all.sh"));
    let requirements =
        std::fs::read_to_string(common::root().join("notebooks/requirements.txt")).unwrap();
    for package in ["pandas", "matplotlib", "SALib", "nbclient"] {
        let pinned = requirements.lines().any(|l| {
            l.to_lowercase()
                .starts_with(&format!("{}==", package.to_lowercase()))
        });
        assert!(pinned, "notebooks/requirements.txt pins {package}");
    }
}
