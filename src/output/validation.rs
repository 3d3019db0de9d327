//! Writing a validation folder: `validation.csv` (one row per check), `validation.json` (the
//! same, with the fact verdicts and how the battery ran), and `manifest.json`, made visible
//! atomically.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use super::{Existing, OutputError, OutputKind, Staging, csv_error, write_json};
use crate::plot::validation::{SERIES_COLUMNS, render_validation};
use crate::validate::{Battery, CheckResult, Verdict, fact_verdicts};

/// Column names of `validation.csv`.
pub const VALIDATION_COLUMNS: [&str; 14] = [
    "fact",
    "check",
    "claim",
    "statistic",
    "scenario",
    "mean",
    "ci95_low",
    "ci95_high",
    "threshold",
    "basis",
    "replicates",
    "verdict",
    "fact_verdict",
    "note",
];

/// How the battery ran, for the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct ValidationInfo {
    pub replicates: u32,
    pub seed: u64,
    pub quick: bool,
    /// The `--set` overrides applied to every arm.
    pub set: Vec<String>,
    pub facts: Vec<u32>,
    pub runs: u64,
    pub threads: usize,
    pub started_unix: u64,
    pub wall_seconds: f64,
}

#[derive(Serialize)]
struct Manifest<'a> {
    displace_version: &'static str,
    git_revision: &'static str,
    kind: &'static str,
    #[serde(flatten)]
    info: &'a ValidationInfo,
}

#[derive(Serialize)]
struct Report<'a> {
    facts: std::collections::BTreeMap<u32, Verdict>,
    checks: &'a [CheckResult],
}

/// A number as the table writes it: empty for no value.
fn cell(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

/// Writes the folder `out`; returns where an earlier validation was kept aside, if one was.
pub fn write_validation(
    out: &Path,
    existing: Existing,
    battery: &Battery,
    info: &ValidationInfo,
    stop: &AtomicBool,
) -> Result<Option<PathBuf>, OutputError> {
    let results = &battery.results;
    let staging = Staging::create(out, OutputKind::Validation, existing)?;
    let verdicts = fact_verdicts(results);
    let path = staging.path("validation.csv");
    let mut w = csv::Writer::from_path(&path).map_err(|e| csv_error(&path, e))?;
    w.write_record(VALIDATION_COLUMNS)
        .map_err(|e| csv_error(&path, e))?;
    for r in results {
        w.write_record([
            r.fact.to_string(),
            r.check.to_string(),
            r.claim.to_string(),
            r.statistic.to_string(),
            r.scenario.clone(),
            cell(r.mean),
            cell(r.ci95_low),
            cell(r.ci95_high),
            r.threshold.clone(),
            format!("{:?}", r.basis).to_lowercase(),
            r.replicates.to_string(),
            r.verdict.name().to_string(),
            verdicts[&r.fact].name().to_string(),
            r.note.clone(),
        ])
        .map_err(|e| csv_error(&path, e))?;
    }
    w.flush().map_err(|e| csv_error(&path, e.into()))?;
    drop(w);
    std::fs::write(staging.path("validation.md"), markdown(results, info))
        .map_err(super::io_at(&staging.path("validation.md")))?;
    write_json(
        &staging.path("validation.json"),
        &Report {
            facts: verdicts,
            checks: results,
        },
    )?;
    write_json(
        &staging.path("manifest.json"),
        &Manifest {
            displace_version: env!("CARGO_PKG_VERSION"),
            git_revision: env!("DISPLACE_GIT_REVISION"),
            kind: "validation",
            info,
        },
    )?;
    write_series(&staging, battery)?;
    let temp = staging.path("");
    render_validation(&temp, &temp.join("figures"))
        .map_err(|e| e.relocated(&temp, staging.final_path()))?;
    if stop.load(Ordering::SeqCst) {
        return Err(OutputError::Interrupted);
    }
    staging.commit()
}

/// `validation_series.csv`: the points of every figure, one row per figure, arm and x.
fn write_series(staging: &Staging, battery: &Battery) -> Result<(), OutputError> {
    let path = staging.path("validation_series.csv");
    let mut w = csv::Writer::from_path(&path).map_err(|e| csv_error(&path, e))?;
    w.write_record(SERIES_COLUMNS)
        .map_err(|e| csv_error(&path, e))?;
    for figure in &battery.figures {
        let spec = &figure.spec;
        for (arm, points) in &figure.arms {
            for &(x, mean, low, high) in points {
                w.write_record([
                    figure.fact.to_string(),
                    spec.name.to_string(),
                    spec.title.to_string(),
                    spec.x_label.to_string(),
                    spec.y_label.to_string(),
                    arm.clone(),
                    cell(x),
                    cell(mean),
                    cell(low),
                    cell(high),
                ])
                .map_err(|e| csv_error(&path, e))?;
            }
        }
    }
    w.flush().map_err(|e| csv_error(&path, e.into()))
}

/// The battery as a table for the terminal: one line per check, the fact's verdict on its
/// first line, then a count.
pub fn table(results: &[CheckResult]) -> String {
    use std::fmt::Write;
    let verdicts = fact_verdicts(results);
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{:>5}  {:<13} {:>10}  {:<21} {:<14} statistic (scenario)",
        "fact", "verdict", "value", "95% CI", "threshold"
    );
    for r in results {
        let label = if r.check == 1 {
            r.fact.to_string()
        } else {
            String::new()
        };
        let value = if r.mean.is_finite() {
            short(r.mean)
        } else {
            "-".into()
        };
        let ci = if r.ci95_low.is_finite() {
            format!("[{}, {}]", short(r.ci95_low), short(r.ci95_high))
        } else {
            String::new()
        };
        let what = if r.verdict == Verdict::NotModelled {
            format!("not modelled: {}", r.note)
        } else {
            format!("{} ({})", r.statistic, r.scenario)
        };
        let _ = writeln!(
            t,
            "{:>5}  {:<13} {:>10}  {:<21} {:<14} {}",
            label,
            r.verdict.name(),
            value,
            ci,
            r.threshold,
            what
        );
    }
    let count = |v: Verdict| verdicts.values().filter(|&&x| x == v).count();
    let _ = writeln!(
        t,
        "\n{} facts: {} hold, {} fail, {} not modelled",
        verdicts.len(),
        count(Verdict::Holds),
        count(Verdict::Fails),
        count(Verdict::NotModelled)
    );
    t
}

/// The facts run with more replicates than the battery's `replicates` (their floor for noisy
/// contrasts), as ", 30 for fact 40"; empty when none.
pub fn more_replicates(results: &[CheckResult], replicates: u32) -> String {
    let mut by_count: std::collections::BTreeMap<usize, Vec<u32>> = Default::default();
    for r in results {
        if r.replicates > replicates as usize {
            let facts = by_count.entry(r.replicates).or_default();
            if !facts.contains(&r.fact) {
                facts.push(r.fact);
            }
        }
    }
    by_count
        .iter()
        .map(|(n, facts)| {
            let ids: Vec<String> = facts.iter().map(u32::to_string).collect();
            let plural = if facts.len() > 1 { "s" } else { "" };
            format!(", {n} for fact{plural} {}", ids.join(", "))
        })
        .collect()
}

/// The battery as a Markdown table (the body of `docs/VALIDATION.md`): one row per check, with
/// the command that reproduces it.
pub fn markdown(results: &[CheckResult], info: &ValidationInfo) -> String {
    use std::fmt::Write;
    let verdicts = fact_verdicts(results);
    let mut t = String::new();
    let count = |v: Verdict| verdicts.values().filter(|&&x| x == v).count();
    let _ = writeln!(
        t,
        "{} facts: **{} hold, {} fail, {} not modelled** ({} replicates{}{}, seed {}, {} runs in {:.0} s on {} threads).\n",
        verdicts.len(),
        count(Verdict::Holds),
        count(Verdict::Fails),
        count(Verdict::NotModelled),
        info.replicates,
        more_replicates(results, info.replicates),
        if info.quick { ", quick" } else { "" },
        info.seed,
        info.runs,
        info.wall_seconds,
        info.threads
    );
    let _ = writeln!(
        t,
        "| fact | claim | check | statistic | scenario | value [95% CI] | threshold | basis | verdict | reproduce |"
    );
    let _ = writeln!(t, "|---|---|---|---|---|---|---|---|---|---|");
    let escape = |s: &str| s.replace('|', "\\|");
    for r in results {
        let value = if r.mean.is_finite() {
            format!(
                "{} [{}, {}]",
                short(r.mean),
                short(r.ci95_low),
                short(r.ci95_high)
            )
        } else {
            "-".into()
        };
        let verdict = if r.verdict == Verdict::NotModelled {
            format!("NOT MODELLED: {}", r.note)
        } else {
            r.verdict.name().to_string()
        };
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | `{}` | {} | {} | {} | {} | `displace validate --facts {}{}` |",
            r.fact,
            escape(r.claim),
            r.check,
            escape(r.statistic),
            escape(&r.scenario),
            value,
            r.threshold,
            format!("{:?}", r.basis).to_lowercase(),
            verdict,
            r.fact,
            if info.quick { " --quick" } else { "" }
        );
    }
    t
}

/// Four significant figures.
fn short(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let digits = (3 - libm::floor(libm::log10(x.abs())) as i32).clamp(0, 6) as usize;
    format!("{x:.digits$}")
}
