//! The report of a comparison folder.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::html::{self, Section, escape};
use super::{ReportError, plain, read_json, required};
use crate::compare::{ArmMetric, Comparison, SERIES};

/// The comparison as `compare.json` holds it, in the form the printed table is made from.
fn comparison(json: &Value, path: &Path) -> Result<Comparison, ReportError> {
    let damaged = |message: String| ReportError::Damaged {
        path: path.to_path_buf(),
        message,
    };
    let arms: Vec<String> = required(json, path, "arms", "a list of arms")?
        .as_array()
        .ok_or_else(|| damaged("key `arms` should be a list of arms".into()))?
        .iter()
        .map(|a| a.get("name").and_then(Value::as_str).map(str::to_string))
        .collect::<Option<_>>()
        .ok_or_else(|| damaged("every arm of `arms` should have a `name`".into()))?;
    if arms.len() < 2 {
        return Err(damaged(format!(
            "key `arms` has {} arm(s), expected 2 or more",
            arms.len()
        )));
    }
    let seeds: Vec<u64> = required(json, path, "seeds", "a list of seeds")?
        .as_array()
        .and_then(|s| s.iter().map(Value::as_u64).collect())
        .ok_or_else(|| damaged("key `seeds` should be a list of whole numbers".into()))?;
    let metrics_json = required(json, path, "metrics", "an object of metrics")?;
    let mut metrics = BTreeMap::new();
    let mut metric_order = Vec::new();
    for (name, _) in crate::compare::headline(&crate::metrics::Summary::default()) {
        let Some(per_arm) = metrics_json.get(name) else {
            continue;
        };
        let mut stats = BTreeMap::new();
        for arm in &arms {
            let m = per_arm
                .get(arm)
                .ok_or_else(|| damaged(format!("key `metrics.{name}` has no arm `{arm}`")))?;
            let stat = ArmMetric::deserialize(m).map_err(|e| {
                damaged(format!(
                    "key `metrics.{name}.{arm}` should have numbers `mean`, `ci95_low` and `ci95_high` ({e})"
                ))
            })?;
            stats.insert(arm.clone(), stat);
        }
        metrics.insert(name.to_string(), stats);
        metric_order.push(name);
    }
    Ok(Comparison {
        arms,
        seeds,
        runs: Vec::new(),
        metrics,
        metric_order,
        series: Vec::new(),
        posterior: None,
        burn_in: None,
        departures: Default::default(),
    })
}

/// The comparison report of `dir`; `validation` is a `displace validate` folder, if there is one.
pub fn page(dir: &Path, validation: Option<&Path>) -> Result<String, ReportError> {
    let compare_path = dir.join("compare.json");
    let json = read_json(&compare_path)?;
    let manifest_path = dir.join("manifest.json");
    let manifest = read_json(&manifest_path)?;
    let c = comparison(&json, &compare_path)?;
    let manifest_arms = required(&manifest, &manifest_path, "arms", "a list of arms")?
        .as_array()
        .cloned()
        .unwrap_or_default();
    let scenarios: Vec<Value> = (0..c.arms.len())
        .map(|a| {
            manifest_arms
                .get(a)
                .and_then(|m| m.get("scenario"))
                .cloned()
                .ok_or_else(|| ReportError::Damaged {
                    path: manifest_path.clone(),
                    message: format!(
                        "arm {} (`{}`) has no `scenario`, expected the arm's resolved scenario",
                        a + 1,
                        c.arms[a]
                    ),
                })
        })
        .collect::<Result<_, _>>()?;
    let first = &c.arms[0];
    let span = super::span(scenarios.first());
    let replicates = c.seeds.len();

    let mut sections = Vec::new();
    let (compared, differing) = what_was_compared(&c, &scenarios);
    sections.push(compared);
    let (headline, summary_sentences) = headline_differences(&c, &span);
    sections.push(headline);
    sections.push(figures(dir)?);
    sections.push(how_it_was_made(
        &c,
        &json,
        &manifest,
        &differing,
        &manifest_arms,
        validation,
    )?);

    let others: Vec<String> = c.arms[1..]
        .iter()
        .map(|a| format!("<strong>{}</strong>", escape(a)))
        .collect();
    let mut lead = format!(
        "This comparison ran {} against the reference arm <strong>{}</strong> over {}, with {} paired replicates: replicate <em>r</em> of every arm ran with the same seed, so each difference below is measured run against run.",
        others.join(", "),
        escape(first),
        escape(&span),
        replicates
    );
    if let Some(s) = summary_sentences.first() {
        let _ = write!(lead, " {}", escape(s));
    }
    Ok(html::page(
        &format!("Comparison: {}", c.arms.join(" vs ")),
        &lead,
        &sections,
    ))
}

/// The table of differing keys per arm, and every differing key (for the facts).
fn what_was_compared(c: &Comparison, scenarios: &[Value]) -> (Section, Vec<String>) {
    let mut body = format!(
        "<p>Each arm after the first is shown by the keys of its resolved scenario (every default filled in) whose values differ from those of <strong>{}</strong>. The seed is not listed: every arm runs the replicates' seeds.</p>\n",
        escape(&c.arms[0])
    );
    let mut all = Vec::new();
    for (a, arm) in c.arms.iter().enumerate().skip(1) {
        let d = super::diff::differences(&scenarios[0], &scenarios[a]);
        let _ = writeln!(body, "<h3 id=\"arm-{}\">{}</h3>", a, escape(arm));
        if d.is_empty() {
            body.push_str("<p>Its resolved scenario is the first arm's: every difference is chance alone, and the paired differences are exactly 0.</p>\n");
            continue;
        }
        let absent = "<em>absent</em>".to_string();
        let rows: Vec<Vec<String>> = d
            .iter()
            .map(|d| {
                vec![
                    format!("<code>{}</code>", escape(&d.key)),
                    d.first
                        .as_deref()
                        .map_or(absent.clone(), |v| format!("<code>{}</code>", escape(v))),
                    d.arm
                        .as_deref()
                        .map_or(absent.clone(), |v| format!("<code>{}</code>", escape(v))),
                ]
            })
            .collect();
        let first_header = format!("{} (first arm)", c.arms[0]);
        body.push_str(&html::table(&["key", &first_header, arm], &rows));
        all.extend(d.into_iter().map(|d| d.key));
    }
    all.sort();
    all.dedup();
    (
        Section {
            id: "what-was-compared".into(),
            title: "What was compared".into(),
            body,
        },
        all,
    )
}

/// The sentences and the table of the headline metrics; the sentences are also returned.
fn headline_differences(c: &Comparison, span: &str) -> (Section, Vec<String>) {
    let first = &c.arms[0];
    let mut sentences = Vec::new();
    for arm in &c.arms[1..] {
        let context = super::sentences::Context {
            arm,
            first,
            span,
            replicates: c.seeds.len(),
        };
        for metric in super::sentences::SENTENCE_METRICS {
            if let Some(m) = c.metrics.get(metric).and_then(|m| m.get(arm))
                && let Some(s) = super::sentences::sentence(metric, m, &context)
            {
                sentences.push(s);
            }
        }
    }
    let mut body = String::from(
        "<p>Differences are paired: the mean over replicates of each replicate's value in the arm minus its value in the first arm, with a 95% interval. Relative changes are that difference over the first arm's mean, with Fieller's 95% interval.</p>\n<ul class=\"sentences\">\n",
    );
    for s in &sentences {
        let _ = writeln!(body, "<li>{}</li>", escape(s));
    }
    body.push_str("</ul>\n");
    let mut rows = Vec::new();
    let mut notes: Vec<&'static str> = Vec::new();
    for metric in &c.metric_order {
        let (cells, metric_notes) = crate::output::compare::metric_cells(c, metric);
        for n in metric_notes {
            if !notes.contains(&n) {
                notes.push(n);
            }
        }
        let unit = crate::compare::unit(metric).map_or("", crate::compare::Unit::label);
        for (a, arm) in c.arms.iter().enumerate().skip(1) {
            let num = |s: &str| format!("<span class=\"num\">{}</span>", escape(s));
            rows.push(vec![
                format!("<code>{}</code>", escape(metric)),
                escape(unit),
                num(&cells[0][0]),
                escape(arm),
                num(&cells[a][0]),
                num(&cells[a][1]),
                num(&cells[a][2]),
            ]);
        }
    }
    let first_header = format!("{first} mean [95% CI]");
    body.push_str("<div class=\"wide\">\n");
    body.push_str(&html::table(
        &[
            "metric",
            "unit",
            &first_header,
            "arm",
            "arm mean [95% CI]",
            "paired difference [95% CI]",
            "relative change [95% CI]",
        ],
        &rows,
    ));
    body.push_str("</div>\n");
    if !notes.is_empty() {
        body.push_str("<p class=\"note\">");
        body.push_str(
            &notes
                .iter()
                .map(|n| escape(n))
                .collect::<Vec<_>>()
                .join("<br>\n"),
        );
        body.push_str("</p>\n");
    }
    (
        Section {
            id: "headline-differences".into(),
            title: "Headline differences".into(),
            body,
        },
        sentences,
    )
}

/// The figures of `plots/`: the forest plot, each series with its band, the departures map.
fn figures(dir: &Path) -> Result<Section, ReportError> {
    let mut order = vec!["compare_forest.png".to_string()];
    order.extend(SERIES.iter().map(|s| format!("compare_{s}.png")));
    order.push("compare_departures_map.png".into());
    let figures = super::figures(dir, &order)?;
    let mut body = String::new();
    if figures.is_empty() {
        body.push_str("<p>The figures were not drawn (the comparison ran with <code>--no-plots</code>). <code>displace plot DIR</code> draws them from the folder's files; <code>displace report DIR</code> then writes this page again with them.</p>\n");
    }
    for (name, mime, bytes) in &figures {
        let caption = caption(name);
        body.push_str(&html::figure(mime, bytes, &caption, &caption));
    }
    Ok(Section {
        id: "figures".into(),
        title: "Figures".into(),
        body,
    })
}

/// What a comparison figure shows.
fn caption(file: &str) -> String {
    let stem = file.trim_end_matches(".png");
    if stem == "compare_forest" {
        "Forest plot: each metric's paired difference to the first arm, as a percentage of the first arm's mean, with its 95% interval.".into()
    } else if stem == "compare_departures_map" {
        "Departures by neighbourhood: each arm's mean paired difference to the first arm, in departures per replicate (arm − first arm); vermillion where the arm has more departures, blue where it has fewer.".into()
    } else if let Some(series) = stem.strip_prefix("compare_") {
        format!(
            "{}: each arm's mean per week with its 95% band.",
            series.replace('_', " ")
        )
    } else {
        stem.replace('_', " ")
    }
}

/// Provenance, and what the validation battery says about the mechanisms compared.
fn how_it_was_made(
    c: &Comparison,
    json: &Value,
    manifest: &Value,
    differing: &[String],
    manifest_arms: &[Value],
    validation: Option<&Path>,
) -> Result<Section, ReportError> {
    let get = |key: &str| manifest.get(key).map(plain).unwrap_or_default();
    let seeds = match (c.seeds.first(), c.seeds.last()) {
        (Some(a), Some(b)) if c.seeds.len() > 1 => format!("{a} to {b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    };
    let mut rows: Vec<(String, String)> = vec![
        ("displace version".into(), get("displace_version")),
        ("git revision".into(), get("git_revision")),
        ("replicates per arm".into(), c.seeds.len().to_string()),
        ("seeds".into(), seeds),
        ("threads".into(), get("threads")),
        (
            "common random numbers".into(),
            "yes: replicate r of every arm ran with the same seed, and every random draw is keyed by what it is for, so arms share every draw except where their scenarios differ".into(),
        ),
    ];
    for (a, arm) in manifest_arms.iter().enumerate() {
        let name = arm
            .get("name")
            .map(plain)
            .unwrap_or_else(|| format!("arm {}", a + 1));
        rows.push((
            format!("scenario of {name}"),
            format!(
                "{} (hash {})",
                arm.get("scenario_file").map(plain).unwrap_or_default(),
                arm.get("scenario_hash").map(plain).unwrap_or_default()
            ),
        ));
    }
    rows.extend(super::burn_in_rows(manifest));
    let mut body = super::facts_table(&rows);

    body.push_str("<h3 id=\"posterior\">Parameter uncertainty</h3>\n");
    match json.get("posterior").filter(|p| !p.is_null()) {
        Some(p) => {
            let keys: Vec<String> = p
                .get("keys")
                .and_then(Value::as_array)
                .map(|k| k.iter().map(plain).collect())
                .unwrap_or_default();
            let _ = writeln!(
                body,
                "<p>Replicate r ran posterior draw r of the calibration in <code>{}</code> (generation {}) in every arm, so the intervals carry the parameter uncertainty that remains. The draws are in <code>posterior_draws.csv</code>.</p>",
                escape(&p.get("dir").map(plain).unwrap_or_default()),
                escape(&p.get("generation").map(plain).unwrap_or_default())
            );
            let draws: Vec<Vec<String>> = p
                .get("draws")
                .and_then(Value::as_array)
                .map(|d| {
                    d.iter()
                        .enumerate()
                        .map(|(r, draw)| {
                            std::iter::once(r.to_string())
                                .chain(
                                    draw.as_array()
                                        .map(|v| v.iter().map(plain).collect::<Vec<_>>())
                                        .unwrap_or_default(),
                                )
                                .map(|s| escape(&s))
                                .collect()
                        })
                        .collect()
                })
                .unwrap_or_default();
            let mut header = vec!["replicate"];
            header.extend(keys.iter().map(String::as_str));
            body.push_str(&html::table(&header, &draws));
        }
        None => body.push_str("<p>None: every replicate ran the scenarios' own parameters (no <code>--posterior</code>), so the intervals carry the chance of the runs only.</p>\n"),
    }

    body.push_str("<h3 id=\"validation\">Validation of the mechanisms compared</h3>\n");
    body.push_str(&validation_part(c, differing, manifest_arms, validation)?);
    Ok(Section {
        id: "how-it-was-made".into(),
        title: "How it was made".into(),
        body,
    })
}

/// The facts of the battery that bear on what the arms vary, with their verdicts if the battery
/// has run.
fn validation_part(
    c: &Comparison,
    differing: &[String],
    manifest_arms: &[Value],
    validation: Option<&Path>,
) -> Result<String, ReportError> {
    let files: Vec<String> = manifest_arms
        .iter()
        .skip(1)
        .filter_map(|a| a.get("scenario_file").map(plain))
        .filter_map(|f| {
            Path::new(&f)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .collect();
    let catalogue = crate::validate::facts::catalogue();
    let relevant = super::facts::relevant(&catalogue, differing, &files);
    let mut body = String::from(
        "<p>Facts of the validation battery bear on this comparison when one of their experiments varies a parameter the arms differ in (same section and same name, array positions aside), or contrasts two scenario files the treated one of which is an arm's here. Keys of <code>simulation</code> and <code>outputs</code> name no mechanism.</p>\n",
    );
    if relevant.is_empty() {
        let _ = writeln!(
            body,
            "<p>No fact of the battery varies what the arms of this comparison vary{}.</p>",
            if c.arms.len() > 2 {
                " between them"
            } else {
                ""
            }
        );
        return Ok(body);
    }
    let results = match validation {
        Some(v) => {
            let path = v.join("validation.json");
            if path.is_file() {
                Some(super::read_json(&path)?)
            } else {
                None
            }
        }
        None => None,
    };
    if results.is_none() {
        let _ = writeln!(
            body,
            "<p>No output of the validation battery was found{}, so whether these facts hold is not known here. <code>displace validate</code> runs the battery into <code>outputs/validation/</code>; <code>displace report DIR --validation VDIR</code> reads it from elsewhere.</p>",
            validation.map_or(String::new(), |v| format!(
                " (no validation.json in {})",
                escape(&v.display().to_string())
            ))
        );
    }
    let mut rows = Vec::new();
    for (id, reasons) in &relevant {
        let Some(fact) = catalogue.iter().find(|f| f.id == *id) else {
            continue;
        };
        let verdict = results
            .as_ref()
            .and_then(|r| r.pointer(&format!("/facts/{id}")))
            .map(plain);
        let checks: Vec<String> = results
            .as_ref()
            .and_then(|r| r.get("checks"))
            .and_then(Value::as_array)
            .map(|checks| {
                checks
                    .iter()
                    .filter(|ch| ch.get("fact").and_then(Value::as_u64) == Some(u64::from(*id)))
                    .map(|ch| {
                        let n = |k: &str| {
                            ch.get(k)
                                .and_then(Value::as_f64)
                                .map_or("n/a".into(), super::sentences::number)
                        };
                        format!(
                            "{}: {} [{}, {}], needed {} ({})",
                            plain(ch.get("statistic").unwrap_or(&Value::Null)),
                            n("mean"),
                            n("ci95_low"),
                            n("ci95_high"),
                            plain(ch.get("threshold").unwrap_or(&Value::Null)),
                            plain(ch.get("verdict").unwrap_or(&Value::Null)),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let verdict_html = match verdict.as_deref() {
            Some("HOLDS") => "<span class=\"holds\">HOLDS</span>".to_string(),
            Some("FAILS") => "<span class=\"fails\">FAILS</span>".to_string(),
            Some(v) => escape(v),
            None if results.is_some() => "not run".into(),
            None => "unknown".into(),
        };
        rows.push(vec![
            id.to_string(),
            escape(fact.claim),
            escape(&reasons.join("; ")),
            verdict_html,
            checks
                .iter()
                .map(|c| escape(c))
                .collect::<Vec<_>>()
                .join("<br>"),
        ]);
    }
    body.push_str(&html::table(
        &[
            "fact",
            "claim",
            "why it bears on this comparison",
            "verdict",
            "checks",
        ],
        &rows,
    ));
    Ok(body)
}
