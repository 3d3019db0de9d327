//! The report of a run folder.

use std::fmt::Write;
use std::path::Path;

use serde_json::Value;

use super::html::{self, Section, escape};
use super::{ReportError, plain, read_json};

/// The figures of `summary.json` shown first, with their units.
const HEADLINE: [(&str, &str); 19] = [
    ("ticks", "ticks"),
    ("households", "households"),
    ("persons", "persons"),
    ("displacements", "episodes"),
    ("displaced_households", "households"),
    ("displaced_persons", "persons"),
    (
        "displacement_incidence_per_100k_15plus",
        "persons per 100,000 per year",
    ),
    ("whole_family_share", "share"),
    ("repeat_displacement_share", "share"),
    ("mass_event_share", "share"),
    ("cross_border_exits", "households"),
    ("returns", "households"),
    ("homicides_oc", "homicides"),
    ("homicides_background", "homicides"),
    ("homicides_state_clash", "persons"),
    ("children_recruited", "persons"),
    ("trafficking_true", "cases"),
    ("business_closures", "businesses"),
    ("ghost_neighbourhoods", "neighbourhoods"),
];

/// A number of the summary as a reader wants it.
fn figure_text(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| plain(v), super::sentences::number)
}

pub fn page(dir: &Path) -> Result<String, ReportError> {
    let summary = read_json(&dir.join("summary.json"))?;
    let manifest_path = dir.join("manifest.json");
    let manifest = read_json(&manifest_path)?;
    let scenario = super::required(
        &manifest,
        &manifest_path,
        "scenario",
        "the run's resolved scenario",
    )?;
    let name = dir
        .file_name()
        .map_or("run".into(), |n| n.to_string_lossy().into_owned());
    let span = super::span(Some(scenario));

    let mut sections = Vec::new();
    let rows: Vec<Vec<String>> = HEADLINE
        .iter()
        .filter_map(|(key, unit)| {
            summary.get(*key).map(|v| {
                vec![
                    format!("<code>{key}</code>"),
                    format!("<span class=\"num\">{}</span>", escape(&figure_text(v))),
                    escape(unit),
                ]
            })
        })
        .collect();
    let mut body = String::from(
        "<p>One seed is one possible history: compare over seeds (<code>displace compare</code>) before drawing conclusions. Every key is described in docs/OUTPUTS.md.</p>\n",
    );
    body.push_str(&html::table(&["figure", "value", "unit"], &rows));
    let everything: Vec<Vec<String>> = super::diff::flatten(&summary)
        .into_iter()
        .filter(|(k, _)| !HEADLINE.iter().any(|(h, _)| h == k))
        .map(|(k, v)| {
            vec![
                format!("<code>{}</code>", escape(&k)),
                format!("<span class=\"num\">{}</span>", escape(v.trim_matches('"'))),
            ]
        })
        .collect();
    body.push_str("<details><summary>Every other figure of summary.json</summary>\n");
    body.push_str(&html::table(&["key", "value"], &everything));
    body.push_str("</details>\n");
    sections.push(Section {
        id: "headline-figures".into(),
        title: "Headline figures".into(),
        body,
    });

    let order: Vec<String> = [
        "status.png",
        "displacements_by_trigger.png",
        "homicides.png",
        "trigger_mix.png",
        "displacement_map.png",
        "territory.gif",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let figures = super::figures(dir, &order)?;
    let mut body = String::new();
    if figures.is_empty() {
        body.push_str("<p>The figures were not drawn (the run used <code>--no-plots</code>). <code>displace plot DIR</code> draws them from the folder's files; <code>displace report DIR</code> then writes this page again with them.</p>\n");
    }
    for (file, mime, bytes) in &figures {
        let caption = file
            .trim_end_matches(".png")
            .trim_end_matches(".gif")
            .replace('_', " ");
        body.push_str(&html::figure(mime, bytes, &caption, &caption));
    }
    sections.push(Section {
        id: "figures".into(),
        title: "Figures".into(),
        body,
    });

    sections.push(Section {
        id: "scenario".into(),
        title: "Scenario".into(),
        body: format!(
            "<p>The resolved scenario (every default filled in), as <code>displace check</code> prints it.</p>\n<pre>{}</pre>\n",
            escape(&super::scenario_text(scenario))
        ),
    });

    let get = |key: &str| manifest.get(key).map(plain).unwrap_or_default();
    let mut rows: Vec<(String, String)> = vec![
        ("displace version".into(), get("displace_version")),
        ("git revision".into(), get("git_revision")),
        ("scenario file".into(), get("scenario_file")),
        ("scenario hash".into(), get("scenario_hash")),
        ("seed".into(), get("seed")),
        ("ticks".into(), get("ticks")),
        ("threads".into(), get("threads")),
        ("wall time (s)".into(), get("wall_seconds")),
    ];
    if let Some(from) = manifest.get("from_state").filter(|v| !v.is_null()) {
        rows.push((
            "continued from state".into(),
            format!(
                "{} (first tick {})",
                from.get("file").map(plain).unwrap_or_default(),
                from.get("first_tick").map(plain).unwrap_or_default()
            ),
        ));
    }
    if let Some(saved) = manifest.get("saved_state").filter(|v| !v.is_null()) {
        rows.push(("saved state".into(), plain(saved)));
    }
    rows.extend(super::burn_in_rows(&manifest));
    if let Some(hash) = summary.get("trajectory_hash") {
        rows.push(("trajectory hash".into(), plain(hash)));
    }
    sections.push(Section {
        id: "how-it-was-made".into(),
        title: "How it was made".into(),
        body: super::facts_table(&rows),
    });

    let mut lead = format!(
        "One run of <strong>{}</strong> over {}",
        escape(&get("scenario_file")),
        escape(&span)
    );
    let value = |k: &str| summary.get(k).map(figure_text).unwrap_or_default();
    let _ = write!(
        lead,
        " with seed {}: {} persons displaced in {} episodes, and {} homicides by organised crime.",
        escape(&get("seed")),
        escape(&value("displaced_persons")),
        escape(&value("displacements")),
        escape(&value("homicides_oc"))
    );
    Ok(html::page(&format!("Run: {name}"), &lead, &sections))
}
