//! Subcommands and their arguments.

mod bench;
mod progress;
mod sweep;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use displace::output::{OutputError, RunInfo, RunWriter};
use displace::scenario::Scenario;
use displace::sim;

#[derive(Parser)]
#[command(
    name = "displace",
    version,
    about = "Agent-based simulation of internal displacement caused by organised criminal violence"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and write its results to an output folder.
    Run(RunArgs),
    /// Validate a scenario without running it; print it resolved (all defaults filled in) as TOML.
    Check(CheckArgs),
    /// Run two or more scenarios with the same seeds and report paired differences to the first.
    Compare(CompareArgs),
    /// Redraw the figures of a run or comparison folder (into its `plots/`) without running again.
    Plot(PlotArgs),
    /// Run a sweep: a base scenario over a design of parameter points, with replicates.
    Sweep(SweepArgs),
    /// Combine a sweep folder's finished runs (e.g. from Slurm shards) into runs.csv and points.csv.
    Merge(MergeArgs),
    /// Time the national benchmark scenario (writing nothing) and print its throughput, memory,
    /// where the time goes, and its trajectory hash.
    Bench(bench::BenchArgs),
}

#[derive(Args)]
struct SweepArgs {
    /// Sweep file (TOML).
    sweep: PathBuf,
    /// Output folder (default: `outputs/sweep_<sweep name>`). Re-running into the same folder
    /// resumes the sweep.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Runs at once (default: one per core). Results do not depend on it.
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Run only shard K of N (runs whose id is K-1 modulo N), e.g. `--shard 2/8`.
    #[arg(long, value_name = "K/N")]
    shard: Option<displace::sweep::Shard>,
    /// Remove the output folder first instead of resuming (not with --shard).
    #[arg(long, conflicts_with = "shard")]
    force: bool,
    /// No progress bar and no closing report.
    #[arg(long, short)]
    quiet: bool,
    /// Write the design (one row per point, one column per parameter) to FILE and stop.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["shard", "slurm"])]
    export_design: Option<PathBuf>,
    /// Prepare the output folder and write `sweep.sbatch`, a Slurm job array of the shards.
    #[arg(long, conflicts_with = "shard")]
    slurm: bool,
    /// Tasks in the job array (default: the number of runs, at most 100).
    #[arg(long, requires = "slurm", value_parser = clap::value_parser!(u32).range(1..))]
    array_size: Option<u32>,
    /// Slurm partition of the tasks.
    #[arg(long, requires = "slurm")]
    partition: Option<String>,
    /// Time limit of each task, e.g. `02:00:00`.
    #[arg(long, requires = "slurm")]
    time: Option<String>,
    /// Cores per task; each task runs that many runs at once.
    #[arg(long, requires = "slurm", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    cpus_per_task: u32,
}

#[derive(Args)]
struct MergeArgs {
    /// A sweep's output folder.
    dir: PathBuf,
}

#[derive(Args)]
struct CompareArgs {
    /// Scenario files; the first is the reference arm.
    #[arg(required = true, num_args = 2..)]
    scenarios: Vec<PathBuf>,
    /// Replicates per arm (the same seeds in every arm).
    #[arg(long, short = 'n', default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..=10_000))]
    replicates: u32,
    /// Seed of the first replicate (default: the first scenario's seed); replicate r uses seed + r.
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    seed: Option<u64>,
    /// Number of ticks for every arm (default: each scenario's own).
    #[arg(long)]
    ticks: Option<u32>,
    /// Override a key in every arm, e.g. `--set population.households=20000`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Output folder (default: `outputs/compare_<first>_vs_<second>...`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace the output folder if it exists.
    #[arg(long)]
    force: bool,
    /// No progress bar, no table and no closing report (errors are still reported).
    #[arg(long, short)]
    quiet: bool,
    /// Print the wide table: one line per metric and arm, full names, units in a column (wider
    /// than 100 columns).
    #[arg(long)]
    wide: bool,
    /// Do not draw the figures in `plots/`.
    #[arg(long)]
    no_plots: bool,
}

#[derive(Args)]
struct ScenarioArgs {
    /// Scenario file (TOML).
    scenario: PathBuf,
    /// Override a scenario key by its dotted path, e.g. `--set groups.gangs.reach=20`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// Seed of every random stream (default: the scenario's `simulation.seed`).
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    seed: Option<u64>,
    /// Number of ticks (default: the scenario's `simulation.ticks`).
    #[arg(long)]
    ticks: Option<u32>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Output folder (default: `outputs/<scenario name>`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace the output folder if it exists.
    #[arg(long)]
    force: bool,
    /// No progress bar and no closing report.
    #[arg(long, short)]
    quiet: bool,
    /// Do not draw the figures in `plots/`.
    #[arg(long)]
    no_plots: bool,
}

#[derive(Args)]
struct PlotArgs {
    /// A run's or a comparison's output folder.
    dir: PathBuf,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// As for `run`: check the scenario with this seed.
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    seed: Option<u64>,
    /// As for `run`: check the scenario with this number of ticks.
    #[arg(long)]
    ticks: Option<u32>,
}

/// An error with the exit code it maps to.
struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl Failure {
    fn input(error: impl Into<anyhow::Error>) -> Failure {
        Failure {
            code: 2,
            error: error.into(),
        }
    }
    fn other(error: impl Into<anyhow::Error>) -> Failure {
        Failure {
            code: 1,
            error: error.into(),
        }
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Check(args) => check(args),
        Command::Compare(args) => compare(args),
        Command::Plot(args) => plot(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Merge(args) => sweep::merge(args),
        Command::Bench(args) => bench::bench(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {:#}", failure.error);
            ExitCode::from(failure.code)
        }
    }
}

/// The `--set` overrides of a command, then its `--seed` and `--ticks` (which act last).
fn overrides(scenario: &ScenarioArgs, seed: Option<u64>, ticks: Option<u32>) -> Vec<String> {
    let mut overrides = scenario.set.clone();
    if let Some(seed) = seed {
        overrides.push(format!("simulation.seed={seed}"));
    }
    if let Some(ticks) = ticks {
        overrides.push(format!("simulation.ticks={ticks}"));
    }
    overrides
}

fn check(args: CheckArgs) -> Result<(), Failure> {
    let overrides = overrides(&args.scenario, args.seed, args.ticks);
    let scenario = Scenario::load(&args.scenario.scenario, &overrides).map_err(Failure::input)?;
    stdout(&scenario.to_toml())?;
    Ok(())
}

fn run(args: RunArgs) -> Result<(), Failure> {
    let overrides = overrides(&args.scenario, args.seed, args.ticks);
    let path = &args.scenario.scenario;
    let scenario = Scenario::load(path, &overrides).map_err(Failure::input)?;
    let out = args.out.clone().unwrap_or_else(|| default_out_dir(path));

    let writer = RunWriter::create(&out, args.force, &scenario).map_err(|e| match e {
        OutputError::AlreadyExists { .. } => Failure::input(e),
        _ => Failure::other(e),
    })?;
    let threads = args.threads.unwrap_or(0);
    let started = Instant::now();
    let started_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());

    let mut observer = progress::ProgressObserver::new(writer, &scenario, args.quiet);
    let outcome = sim::with_threads(threads, || sim::simulate(&scenario, &mut observer))
        .context("cannot start worker threads")
        .map_err(Failure::other)?
        .with_context(|| format!("run failed while writing {}", out.display()))
        .map_err(Failure::other)?;
    let (writer, bar) = observer.into_parts();
    bar.finish_and_clear();

    let info = RunInfo {
        scenario_file: path.display().to_string(),
        threads: rayon_threads(threads),
        started_unix,
        wall_seconds: started.elapsed().as_secs_f64(),
    };
    writer
        .finish(&outcome, &scenario, &info, !args.no_plots)
        .map_err(Failure::other)?;
    if !args.quiet {
        let s = &outcome.summary;
        eprintln!(
            "wrote {}: {} ticks, {} households, {} displaced persons in {} episodes, {} homicides ({:.1} s)",
            out.display(),
            s.ticks,
            s.households,
            s.displaced_persons,
            s.displacements,
            s.homicides_oc + s.homicides_background,
            info.wall_seconds
        );
    }
    Ok(())
}

fn compare(args: CompareArgs) -> Result<(), Failure> {
    let mut overrides = args.set.clone();
    if let Some(ticks) = args.ticks {
        overrides.push(format!("simulation.ticks={ticks}"));
    }
    let mut scenarios = Vec::new();
    for path in &args.scenarios {
        scenarios.push(Scenario::load(path, &overrides).map_err(Failure::input)?);
    }
    let stems: Vec<String> = args
        .scenarios
        .iter()
        .map(|p| {
            p.file_stem()
                .map_or("arm".into(), |s| s.to_string_lossy().into_owned())
        })
        .collect();
    let names = displace::compare::arm_names(&stems);
    let arms: Vec<displace::compare::Arm> = names
        .iter()
        .zip(scenarios)
        .map(|(name, scenario)| displace::compare::Arm {
            name: name.clone(),
            scenario,
        })
        .collect();
    let seed = args.seed.unwrap_or_else(|| arms[0].scenario.seed());
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("outputs").join(format!("compare_{}", stems.join("_vs_"))));
    if out.exists() && !args.force {
        return Err(Failure::input(
            displace::output::OutputError::AlreadyExists { path: out },
        ));
    }

    let runs = u64::from(args.replicates) * arms.len() as u64;
    let bar = progress::runs_bar(runs, args.quiet);
    let started = Instant::now();
    let started_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let threads = args.threads.unwrap_or(0);
    let comparison = sim::with_threads(threads, || {
        displace::compare::compare(&arms, args.replicates, seed, &|| bar.inc(1))
    })
    .context("cannot start worker threads")
    .map_err(Failure::other)?
    .context("comparison failed")
    .map_err(Failure::other)?;
    bar.finish_and_clear();

    let files: Vec<String> = args
        .scenarios
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let info = displace::output::compare::CompareInfo {
        scenario_files: &files,
        threads: rayon_threads(threads),
        started_unix,
        wall_seconds: started.elapsed().as_secs_f64(),
    };
    displace::output::compare::write_comparison(
        &out,
        args.force,
        &arms,
        &comparison,
        &info,
        !args.no_plots,
    )
    .map_err(|e| match e {
        displace::output::OutputError::AlreadyExists { .. } => Failure::input(e),
        other => Failure::other(other),
    })?;
    if !args.quiet {
        stdout(&if args.wide {
            displace::output::compare::table_wide(&comparison)
        } else {
            displace::output::compare::table(&comparison)
        })?;
        eprintln!(
            "wrote {}: {} arms x {} replicates (seeds {}..={}) in {:.1} s",
            out.display(),
            arms.len(),
            args.replicates,
            comparison.seeds[0],
            comparison.seeds[comparison.seeds.len() - 1],
            info.wall_seconds
        );
    }
    Ok(())
}

fn plot(args: PlotArgs) -> Result<(), Failure> {
    let dir = &args.dir;
    let is_run = dir.join("timeseries.csv").is_file();
    let is_comparison = dir.join("compare.csv").is_file();
    if !is_run && !is_comparison {
        return Err(Failure::input(anyhow::anyhow!(
            "{} is not a run folder (no timeseries.csv) nor a comparison folder (no compare.csv)",
            dir.display()
        )));
    }
    // Draw into a temporary folder, then swap it for `plots/`.
    let staging =
        displace::output::Staging::create(&dir.join("plots"), true).map_err(Failure::other)?;
    let files = if is_run {
        displace::plot::render_run(dir, &staging.path(""))
    } else {
        displace::plot::compare::render_comparison(dir, &staging.path(""))
    }
    .map_err(Failure::other)?;
    staging.commit().map_err(Failure::other)?;
    eprintln!(
        "drew {} files in {}",
        files.len(),
        dir.join("plots").display()
    );
    Ok(())
}

/// Writes a command's result to standard output. A reader that stops early (`| head`) is not
/// an error; any other failure to write is.
fn stdout(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::other(
            anyhow::Error::new(e).context("cannot write to standard output"),
        )),
        _ => Ok(()),
    }
}

pub(crate) fn rayon_threads(requested: usize) -> usize {
    if requested == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        requested
    }
}

/// `outputs/<file stem>` for a scenario file.
fn default_out_dir(scenario: &Path) -> PathBuf {
    let stem = scenario
        .file_stem()
        .map_or("run".into(), |s| s.to_string_lossy().into_owned());
    Path::new("outputs").join(stem)
}
