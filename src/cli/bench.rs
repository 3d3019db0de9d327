//! `displace bench`: the national benchmark from the command line.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use displace::bench::{self, BenchReport};
use displace::scenario::Scenario;
use displace::sim;

use super::Failure;

#[derive(Args)]
pub struct BenchArgs {
    /// Households (default: the scenario's, 1,000,000).
    #[arg(long)]
    households: Option<u64>,
    /// Weekly ticks (default: the scenario's, 52).
    #[arg(long)]
    ticks: Option<u32>,
    /// Worker threads, 1 to 1024 (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = super::thread_count())]
    threads: Option<usize>,
    /// Seed (default: the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Benchmark scenario.
    #[arg(long, default_value = bench::NATIONAL)]
    scenario: PathBuf,
    /// Override a scenario value, e.g. `--set world.width=32` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Fail (exit 1) unless the trajectory hash equals the one committed for this size and seed.
    #[arg(long, conflicts_with = "bless")]
    check: bool,
    /// Record this run's trajectory hash as the expected one for its size and seed.
    #[arg(long)]
    bless: bool,
    /// File of committed trajectory hashes.
    #[arg(long, default_value = bench::EXPECTED)]
    expected: PathBuf,
    /// Print the report as JSON on stdout instead of a table.
    #[arg(long)]
    json: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

pub fn bench(args: BenchArgs) -> Result<(), Failure> {
    let mut overrides = args.set.clone();
    if let Some(n) = args.households {
        overrides.push(format!("population.households={n}"));
    }
    if let Some(t) = args.ticks {
        overrides.push(format!("simulation.ticks={t}"));
    }
    if let Some(seed) = args.seed {
        overrides.push(format!("simulation.seed={seed}"));
    }
    if !args.scenario.exists() && args.scenario == std::path::Path::new(bench::NATIONAL) {
        return Err(Failure::input(anyhow::anyhow!(
            "cannot find the benchmark scenario {}: run `displace bench` from the repository \
             root, or name a scenario with --scenario",
            bench::NATIONAL
        )));
    }
    let scenario = Scenario::load(&args.scenario, &overrides).map_err(Failure::input)?;
    let threads = super::rayon_threads(args.threads.unwrap_or(0));
    let ticks = u64::from(scenario.spec.simulation.ticks);
    let bar = super::progress::ticks_bar(ticks, args.quiet);
    bar.set_message("writing nothing");
    let name = args.scenario.display().to_string();
    let report = sim::with_threads(threads, || {
        bench::run(&scenario, &name, threads, |_| bar.inc(1))
    })
    .context("cannot start worker threads")
    .map_err(Failure::other)?;
    bar.finish_and_clear();

    let text = if args.json {
        serde_json::to_string_pretty(&report).expect("a report serialises") + "\n"
    } else {
        table(&report)
    };
    super::stdout(&text)?;
    if args.bless {
        bench::bless(&report, &args.expected)
            .with_context(|| format!("cannot write {}", args.expected.display()))
            .map_err(Failure::other)?;
        eprintln!(
            "recorded the trajectory hash for {} households, {} ticks, seed {} in {}",
            report.households,
            report.ticks,
            report.seed,
            args.expected.display()
        );
    }
    if args.check {
        bench::check(&report, &args.expected).map_err(Failure::other)?;
        eprintln!(
            "trajectory hash matches {} for this size and seed",
            args.expected.display()
        );
    }
    Ok(())
}

/// Thousands separated by commas.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn table(r: &BenchReport) -> String {
    let mib = |b: u64| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0));
    let mut rows = vec![
        ("scenario", r.scenario.clone()),
        ("households", grouped(r.households)),
        ("ticks", r.ticks.to_string()),
        ("seed", r.seed.to_string()),
        ("threads", r.threads.to_string()),
        ("build seconds", format!("{:.2}", r.build_seconds)),
        ("wall seconds (ticks)", format!("{:.2}", r.step_seconds)),
        (
            "household-ticks per second",
            format!("{:.1} million", r.household_ticks_per_second / 1e6),
        ),
        ("peak memory", r.peak_memory_bytes.map_or("n/a".into(), mib)),
        (
            "bytes per household",
            format!(
                "{:.0} of model state, {} at peak",
                r.state_bytes_per_household,
                r.peak_bytes_per_household
                    .map_or("n/a".into(), |b| format!("{b:.0}"))
            ),
        ),
        ("displaced persons", grouped(r.displaced_persons)),
        (
            "events per household-tick",
            format!("{:.5}", r.events_per_household_tick),
        ),
        ("trajectory hash", r.trajectory_hash.clone()),
    ];
    let total: f64 = r.phases.iter().map(|(_, s)| s).sum();
    let mut phases: Vec<&(String, f64)> = r.phases.iter().collect();
    phases.sort_by(|a, b| b.1.total_cmp(&a.1));
    let profile = phases
        .iter()
        .map(|(name, s)| format!("{name} {:.0}%", 100.0 * s / total.max(1e-12)))
        .collect::<Vec<_>>()
        .join(", ");
    rows.push(("time by phase", profile));
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    rows.iter()
        .map(|(k, v)| format!("{k:<width$}  {v}\n"))
        .collect()
}
