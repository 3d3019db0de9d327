//! Subcommands and their arguments.

mod bench;
mod calibrate;
mod interrupt;
mod progress;
mod report;
mod sweep;
mod validate;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use displace::output::{Existing, OutputError, OutputKind, RunInfo, RunWriter, Staging};
use displace::scenario::{Override, Scenario};
use displace::sim;

/// Shown after `displace --help`: what a first session looks like, and what the exit codes mean.
const AFTER_HELP: &str = "\
Examples:
  displace run scenarios/baseline.toml                 one year of the baseline into outputs/baseline
  displace run scenarios/baseline.toml --seed 7 --set groups.gangs.extortion_rate=8
  displace check my.toml                               validate a scenario, print it resolved
  displace compare scenarios/baseline.toml scenarios/crackdown.toml -n 10
                                                       paired differences over 10 seeds
  displace sweep scenarios/sweeps/01_extortion_grid.toml
  displace plot outputs/baseline                       redraw a run's figures
  displace report outputs/baseline                     write its report.html again
  displace bench --households 1000000                  time the national benchmark
  displace validate --quick                            which of the brief's stylised facts hold
  displace calibrate scenarios/calibrations/ecuador_2024.toml
                                                       ABC-SMC calibration to the survey's figures

One seed is one possible history: compare over seeds (-n) before drawing conclusions.
Running a command again keeps the earlier result beside the new one.

Exit codes:
  0    success
  1    a fault of the machine, not the input (e.g. a folder that cannot be written),
       or a check that does not hold (validate, bench --check)
  2    bad input: a scenario, sweep or calibration file, an argument, an output folder in the way,
       a sweep folder in use
  130  stopped by Ctrl-C or SIGTERM; nothing half-written is left

Documentation: README.md, docs/SCENARIOS.md (every key), docs/OUTPUTS.md (every column),
docs/SWEEPS.md, docs/ODD.md (the model).";

#[derive(Parser)]
#[command(
    name = "displace",
    version,
    about = "Agent-based simulation of internal displacement caused by organised criminal violence",
    after_help = AFTER_HELP
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
    /// Write `report.html` of a run or comparison folder: one page, figures embedded, that opens
    /// offline.
    Report(report::ReportArgs),
    /// Run a sweep: a base scenario over a design of parameter points, with replicates.
    Sweep(SweepArgs),
    /// Combine a sweep folder's finished runs (e.g. from Slurm shards) into runs.csv and points.csv.
    Merge(MergeArgs),
    /// Time the national benchmark scenario (writing nothing) and print its throughput, memory,
    /// where the time goes, and its trajectory hash.
    Bench(bench::BenchArgs),
    /// Run the brief's stylised facts as experiments and report which hold (exit 1 if any fails).
    Validate(validate::ValidateArgs),
    /// Calibrate a scenario's parameters to observed statistics by ABC-SMC, resumably.
    Calibrate(calibrate::CalibrateArgs),
}

#[derive(Args)]
struct SweepArgs {
    /// Sweep file (TOML).
    sweep: PathBuf,
    /// Output folder (default: `outputs/sweep_<sweep name>`). Re-running into the same folder
    /// resumes the sweep.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Runs at once, 1 to 1024 (default: one per core). Results do not depend on it.
    #[arg(long, short, value_parser = thread_count())]
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
    /// Treat scenario warnings as errors.
    #[arg(long)]
    strict: bool,
    /// Worker threads, 1 to 1024 (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = thread_count())]
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
    /// Do not write `report.html`.
    #[arg(long)]
    no_report: bool,
    /// A finished `displace calibrate` folder: replicate r draws parameter set r from its
    /// posterior (by weight, seeded) and runs it in every arm, so the intervals carry the
    /// parameter uncertainty that remains.
    #[arg(long, value_name = "DIR")]
    posterior: Option<PathBuf>,
    /// With a burn-in (`simulation.burn_in`): every run burns in under its own policies,
    /// instead of every arm being forked from one burn-in under the first arm's. Without one:
    /// every run builds its own world instead of sharing the first arm's (the same results).
    #[arg(long)]
    own_burn_in: bool,
}

#[derive(Args)]
struct ScenarioArgs {
    /// Scenario file (TOML).
    scenario: PathBuf,
    /// Override a scenario key by its dotted path, e.g. `--set groups.gangs.reach=20`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Treat warnings (an event after the last tick, a world without groups) as errors.
    #[arg(long)]
    strict: bool,
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
    /// Worker threads, 1 to 1024 (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = thread_count())]
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
    /// Do not write `report.html`.
    #[arg(long)]
    no_report: bool,
    /// Write the run's complete state at its end to FILE, to continue it with --from-state.
    #[arg(long, value_name = "FILE")]
    save_state: Option<PathBuf>,
    /// Write the state at the end of the burn-in (`simulation.burn_in`), at tick 0, to FILE:
    /// arms with other policies or events continue it with --from-state.
    #[arg(long, value_name = "FILE", conflicts_with = "from_state")]
    save_burn_in: Option<PathBuf>,
    /// Continue the run saved in FILE (by --save-state or --save-burn-in) up to the scenario's
    /// last tick: the same scenario, but for its ticks, its `[state]` and its events. The outputs
    /// hold the ticks run here; summary.json is that of the whole run.
    #[arg(long, value_name = "FILE", conflicts_with = "checkpoint_every")]
    from_state: Option<PathBuf>,
    /// Save the run's state every K ticks beside its output folder (`.NAME.resumable`); if the
    /// run is killed, the same command continues from the last checkpoint to the same result.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..))]
    checkpoint_every: Option<u32>,
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
    interrupt::install();
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Check(args) => check(args),
        Command::Compare(args) => compare(args),
        Command::Plot(args) => plot(args),
        Command::Report(args) => report::report(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Merge(args) => sweep::merge(args),
        Command::Bench(args) => bench::bench(args),
        Command::Validate(args) => validate::validate(args),
        Command::Calibrate(args) => calibrate::calibrate(args),
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
fn overrides(set: &[String], seed: Option<u64>, ticks: Option<u32>) -> Vec<Override> {
    let mut overrides = Override::sets(set);
    if let Some(seed) = seed {
        overrides.push(Override::flag("--seed", "simulation.seed", seed));
    }
    if let Some(ticks) = ticks {
        overrides.push(Override::flag("--ticks", "simulation.ticks", ticks));
    }
    overrides
}

/// Loads a scenario and prints its warnings on stderr; with `strict`, a warning is an error.
fn load_scenario(path: &Path, overrides: &[Override], strict: bool) -> Result<Scenario, Failure> {
    let (scenario, warnings) =
        Scenario::load_with_warnings(path, overrides).map_err(Failure::input)?;
    if strict && !warnings.is_empty() {
        let listed: Vec<String> = warnings.iter().map(|w| format!("  {w}")).collect();
        return Err(Failure::input(anyhow::anyhow!(
            "--strict: the scenario has warnings:\n{}",
            listed.join("\n")
        )));
    }
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    Ok(scenario)
}

fn check(args: CheckArgs) -> Result<(), Failure> {
    let overrides = overrides(&args.scenario.set, args.seed, args.ticks);
    let scenario = load_scenario(&args.scenario.scenario, &overrides, args.scenario.strict)?;
    stdout(&scenario.to_toml())?;
    Ok(())
}

fn run(args: RunArgs) -> Result<(), Failure> {
    let overrides = overrides(&args.scenario.set, args.seed, args.ticks);
    let path = &args.scenario.scenario;
    let scenario = load_scenario(path, &overrides, args.scenario.strict)?;
    if let Some(file) = &args.save_burn_in
        && scenario.burn_in_ticks() == 0
    {
        return Err(Failure::input(anyhow::anyhow!(
            "--save-burn-in {}: {} has no burn-in (simulation.burn_in is 0), so there is no state at tick 0 to save; set simulation.burn_in to the weeks the world should run before tick 0",
            file.display(),
            path.display()
        )));
    }
    // A state is read and checked before anything is written.
    let from = match &args.from_state {
        Some(file) => {
            let saved = displace::checkpoint::read(file).map_err(Failure::input)?;
            let continuing = displace::checkpoint::Continuing::SameWorld;
            Some(
                displace::checkpoint::resume(file, saved, &scenario, continuing)
                    .map_err(Failure::input)?,
            )
        }
        None => None,
    };
    let (out, existing) = destination(args.out.clone(), || default_out_dir(path), args.force);
    let stop = interrupt::cooperate();

    let (writer, from) = match args.checkpoint_every {
        // A checkpointing run continues its own last checkpoint, if one is there.
        Some(_) => {
            let (writer, resumed) = RunWriter::create_checkpointed(&out, existing, &scenario)
                .map_err(output_failure)?;
            if let Some((model, _)) = &resumed
                && !args.quiet
            {
                eprintln!(
                    "continuing {} from its checkpoint after week {}",
                    out.display(),
                    model.output_tick()
                );
            }
            (writer, resumed)
        }
        None => (
            RunWriter::create(&out, existing, &scenario).map_err(output_failure)?,
            from,
        ),
    };
    let first_tick = from.as_ref().map_or(0, |(model, _)| model.output_tick());
    let threads = args.threads.unwrap_or(0);
    let started = Instant::now();
    let started_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());

    let mut observer = progress::ProgressObserver::new(writer, &scenario, args.quiet);
    let outcome = sim::with_threads(threads, || {
        sim::simulate_from(
            &scenario,
            from,
            sim::RunControl {
                save: args.save_state.as_deref(),
                save_burn_in: args.save_burn_in.as_deref(),
                checkpoint_every: args.checkpoint_every.unwrap_or(0),
            },
            &mut sim::Stoppable::new(&mut observer, stop),
            &mut displace::step::PhaseTimes::default(),
        )
    })
    .context("cannot start worker threads")
    .map_err(Failure::other)?
    .map_err(|e| {
        kept_checkpoint(&args, &out);
        interrupted_or(e, &out, "run failed while writing")
    })?;
    let (writer, bar) = observer.into_parts();
    bar.finish_and_clear();
    if stop.load(std::sync::atomic::Ordering::SeqCst) {
        kept_checkpoint(&args, &out);
        return Err(interrupted_or(sim::interrupted(), &out, ""));
    }

    let info = RunInfo {
        scenario_file: path.display().to_string(),
        threads: rayon_threads(threads),
        started_unix,
        wall_seconds: started.elapsed().as_secs_f64(),
        from_state: args
            .from_state
            .as_ref()
            .map(|f| (f.display().to_string(), first_tick)),
        saved_state: args.save_state.as_ref().map(|f| f.display().to_string()),
    };
    let kept = writer
        .finish(&outcome, &scenario, &info, !args.no_plots, stop)
        .map_err(|e| output_failure_at(e, &out))?;
    if !args.quiet {
        let s = &outcome.summary;
        eprintln!(
            "wrote {}: {} ticks, {} households, {} displaced persons in {} episodes, {} homicides ({:.1} s)",
            out.display(),
            s.ticks,
            s.households,
            s.displaced_persons,
            s.displacements,
            s.homicides_oc + s.homicides_background + s.homicides_state_clash,
            info.wall_seconds
        );
        report_kept(kept.as_deref(), "run");
    }
    if !args.no_report {
        report::after(&out, args.quiet)?;
    }
    Ok(())
}

/// Says where a checkpointing run that did not finish left its last checkpoint.
fn kept_checkpoint(args: &RunArgs, out: &Path) {
    let dir = displace::output::Staging::resumable_dir(out);
    if args.checkpoint_every.is_some() && dir.join("checkpoint.json").exists() {
        eprintln!(
            "the last checkpoint is kept in {}: the same command continues from it",
            dir.display()
        );
    }
}

/// Every arm's scenario with each replicate's posterior draw: loaded up front, so that a
/// parameter an arm does not have is reported before any run.
fn posterior_variants(
    args: &CompareArgs,
    dir: &Path,
    overrides: &[Override],
    seed: u64,
) -> Result<displace::compare::Variants, Failure> {
    let posterior = displace::calibrate::PosteriorDraws::load(dir).map_err(Failure::input)?;
    // The draws set their keys last: a --set of the same key would be silently overruled.
    for o in overrides {
        let key = o.assignment.split('=').next().unwrap_or("").trim();
        if posterior.keys.iter().any(|k| k == key) {
            return Err(Failure::input(anyhow::anyhow!(
                "{}: `{key}` is a parameter of the calibration in {}, drawn from its posterior in every replicate; drop the --set, or compare without --posterior",
                o.written,
                dir.display()
            )));
        }
    }
    if !posterior.fixed_set.is_empty() && !args.quiet {
        eprintln!(
            "note: the calibration in {} also ran with set = [{}]; the arms run as given, without it",
            dir.display(),
            posterior.fixed_set.join(", ")
        );
    }
    let draws: Vec<Vec<String>> = (0..u64::from(args.replicates))
        .map(|r| posterior.draw(seed, r))
        .collect();
    let mut scenarios = Vec::new();
    for path in &args.scenarios {
        let mut per_replicate = Vec::new();
        for draw in &draws {
            let mut o = overrides.to_vec();
            o.extend(Override::sets(&posterior.overrides(draw)));
            let scenario = Scenario::load_with_warnings(path, &o)
                .map(|(s, _)| s)
                .map_err(|e| {
                    anyhow::anyhow!(
                        "{}: cannot apply the posterior draws of {}: {e}",
                        path.display(),
                        dir.display()
                    )
                })
                .map_err(Failure::input)?;
            per_replicate.push(scenario);
        }
        scenarios.push(per_replicate);
    }
    Ok(displace::compare::Variants {
        scenarios,
        posterior: displace::compare::PosteriorUse {
            dir: dir.display().to_string(),
            generation: posterior.generation,
            keys: posterior.keys.clone(),
            draws,
        },
    })
}

fn compare(args: CompareArgs) -> Result<(), Failure> {
    let overrides = overrides(&args.set, None, args.ticks);
    let mut scenarios = Vec::new();
    for path in &args.scenarios {
        scenarios.push(load_scenario(path, &overrides, args.strict)?);
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
    let (out, existing) = destination(
        args.out.clone(),
        || Path::new("outputs").join(format!("compare_{}", stems.join("_vs_"))),
        args.force,
    );
    // Refused before any run rather than after them all.
    Staging::check(&out, OutputKind::Comparison, existing).map_err(output_failure)?;
    let stop = interrupt::cooperate();

    let runs = u64::from(args.replicates) * arms.len() as u64;
    // Shared burn-ins are work too: the bar counts them beside the runs.
    let bar = if displace::compare::shares_burn_in(&arms, args.own_burn_in) {
        let burn_ins = u64::from(args.replicates);
        progress::counted_bar(runs + burn_ins, "burn-ins and runs", args.quiet)
    } else {
        progress::runs_bar(runs, args.quiet)
    };
    let started = Instant::now();
    let started_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let variants = match &args.posterior {
        Some(dir) => Some(posterior_variants(&args, dir, &overrides, seed)?),
        None => None,
    };
    let threads = args.threads.unwrap_or(0);
    let comparison = sim::with_threads(threads, || {
        displace::compare::compare_with(
            &arms,
            args.replicates,
            seed,
            variants.as_ref(),
            args.own_burn_in,
            &|| bar.inc(1),
            stop,
        )
    })
    .context("cannot start worker threads")
    .map_err(Failure::other)?
    .map_err(|e| interrupted_or(e, &out, "comparison failed; nothing was written to"))?;
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
    let kept = displace::output::compare::write_comparison(
        &out,
        existing,
        &arms,
        &comparison,
        &info,
        !args.no_plots,
        stop,
    )
    .map_err(|e| output_failure_at(e, &out))?;
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
        match &comparison.burn_in {
            Some(b) if b.forked => eprintln!(
                "burn-in of {} weeks run once per replicate under {} and every arm forked from it: about {:.1} s saved",
                b.weeks, arms[0].name, b.seconds_saved
            ),
            Some(b) if b.own_burn_in_keys.is_empty() => eprintln!(
                "each run had its own burn-in of {} weeks under its own policies (--own-burn-in)",
                b.weeks
            ),
            Some(b) => eprintln!(
                "each run had its own burn-in of {} weeks: the arms differ in {} (arms share a burn-in only when they differ in [state] and [[events]] alone)",
                b.weeks,
                b.own_burn_in_keys.join(", ")
            ),
            None => {}
        }
        report_kept(kept.as_deref(), "comparison");
    }
    if !args.no_report {
        report::after(&out, args.quiet)?;
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
    let staging = Staging::create(&dir.join("plots"), OutputKind::Plots, Existing::Replace)
        .map_err(output_failure)?;
    let files = if is_run {
        displace::plot::render_run(dir, &staging.path(""))
    } else {
        displace::plot::compare::render_comparison(dir, &staging.path(""))
    }
    .map_err(|e| {
        // Name figures by where they end up, not by the temporary folder.
        let e = e.relocated(&staging.path(""), &dir.join("plots"));
        let input = e.is_input();
        let e = anyhow::Error::new(e)
            .context(format!("cannot redraw the figures of {}", dir.display()));
        if input {
            Failure::input(e)
        } else {
            Failure::other(e)
        }
    })?;
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

/// Threads or jobs a command may be asked for: more than any machine it runs on has cores, and
/// few enough that a typo cannot make it spawn threads without end.
pub(crate) const MAX_THREADS: u64 = 1024;

/// Parses `--threads` and `--jobs`: a whole number from 1 to [`MAX_THREADS`].
pub(crate) fn thread_count() -> impl clap::builder::TypedValueParser<Value = usize> {
    clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_THREADS)
}

pub(crate) fn rayon_threads(requested: usize) -> usize {
    if requested == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        requested
    }
}

/// Where a command writes and what happens to a folder already there: an explicit `--out` is
/// refused if it exists (unless `--force`); the default folder keeps an earlier result aside, so
/// the same command can run again and again without losing anything.
fn destination(
    out: Option<PathBuf>,
    default: impl FnOnce() -> PathBuf,
    force: bool,
) -> (PathBuf, Existing) {
    match (out, force) {
        (Some(out), true) => (out, Existing::Replace),
        (None, true) => (default(), Existing::Replace),
        (Some(out), false) => (out, Existing::Refuse),
        (None, false) => (default(), Existing::KeepAside),
    }
}

/// Output problems that are the user's (a folder in the way) exit with 2, the rest with 1.
fn output_failure(e: OutputError) -> Failure {
    match e {
        OutputError::AlreadyExists { .. }
        | OutputError::NotOurs { .. }
        | OutputError::Checkpoint(_)
        | OutputError::Busy { .. } => Failure::input(e),
        other => Failure::other(other),
    }
}

/// As [`output_failure`], and a stop asked for while writing is reported as an interruption.
fn output_failure_at(e: OutputError, out: &Path) -> Failure {
    match e {
        OutputError::Interrupted => interrupted_or(sim::interrupted(), out, ""),
        other => output_failure(other),
    }
}

/// A run stopped by Ctrl-C exits with 130 and says that nothing was written; any other error
/// is reported with `context` and the folder.
fn interrupted_or(e: std::io::Error, out: &Path, context: &str) -> Failure {
    if e.kind() == std::io::ErrorKind::Interrupted {
        Failure {
            code: interrupt::EXIT_INTERRUPTED,
            error: anyhow::anyhow!(
                "interrupted: nothing was written, and {} is as it was",
                out.display()
            ),
        }
    } else {
        Failure::other(anyhow::Error::new(e).context(format!("{context} {}", out.display())))
    }
}

fn report_kept(kept: Option<&Path>, what: &str) {
    if let Some(kept) = kept {
        eprintln!("the earlier {what} is kept in {}", kept.display());
    }
}

/// `outputs/<file stem>` for a scenario file.
fn default_out_dir(scenario: &Path) -> PathBuf {
    let stem = scenario
        .file_stem()
        .map_or("run".into(), |s| s.to_string_lossy().into_owned());
    Path::new("outputs").join(stem)
}
