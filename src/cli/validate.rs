//! `displace validate`: the stylised facts of the brief as a battery of experiments.

use std::path::PathBuf;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use clap::Args;

use displace::output::validation::{ValidationInfo, table, write_validation};
use displace::validate::{self, Options, Verdict, fact_verdicts};

use super::{Failure, destination, interrupt, output_failure_at, progress, rayon_threads};

#[derive(Args)]
pub struct ValidateArgs {
    /// Facts to run, by their number in the brief's §9 (default: all), e.g. `--facts 24,27`.
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u32).range(1..=1000))]
    facts: Vec<u32>,
    /// Replicates (seeds) per arm (default 10, or 3 with --quick).
    #[arg(long, short = 'n', value_parser = clap::value_parser!(u32).range(2..=1000))]
    replicates: Option<u32>,
    /// Seed of the first replicate; replicate r uses seed + r in every arm.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64 - 1000))]
    seed: u64,
    /// A quarter of every scenario's households and 3 replicates: a first look, not a verdict.
    #[arg(long)]
    quick: bool,
    /// Override a key in every arm, after the arm's own overrides (e.g. to switch a mechanism
    /// off and watch its facts fail).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Output folder (default: `outputs/validation`, or `outputs/validation_quick`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace the output folder if it is an earlier validation.
    #[arg(long)]
    force: bool,
    /// Runs at once, 1 to 1024 (default: one per core). Results do not depend on it.
    #[arg(long, short, value_parser = super::thread_count())]
    jobs: Option<usize>,
    /// No progress bar and no table.
    #[arg(long, short)]
    quiet: bool,
}

pub fn validate(args: ValidateArgs) -> Result<(), Failure> {
    let cwd = std::env::current_dir()
        .context("cannot read the current folder")
        .map_err(Failure::other)?;
    let scenarios = validate::find_scenarios(&cwd)
        .or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|exe| validate::find_scenarios(&exe))
        })
        .ok_or_else(|| {
            Failure::input(anyhow::anyhow!(
                "cannot find the shipped scenarios (a `scenarios/` folder with baseline.toml) \
                 here or above; run `displace validate` inside the repository"
            ))
        })?;
    let replicates = args.replicates.unwrap_or(if args.quick { 3 } else { 10 });
    let options = Options {
        scenarios,
        facts: args.facts.clone(),
        replicates,
        seed: args.seed,
        quick: args.quick,
        set: args.set.clone(),
    };
    let facts = validate::selected(&options).map_err(Failure::input)?;
    let default_name = if args.quick {
        "validation_quick"
    } else {
        "validation"
    };
    let (out, existing) = destination(
        args.out.clone(),
        || std::path::Path::new("outputs").join(default_name),
        args.force,
    );
    displace::output::Staging::check(&out, displace::output::OutputKind::Validation, existing)
        .map_err(super::output_failure)?;

    let runs = validate::runs_needed(&facts, &options);
    let bar = progress::runs_bar(runs, args.quiet);
    let stop = interrupt::cooperate();
    let started = Instant::now();
    let started_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let threads = args.jobs.unwrap_or(0);
    let results = displace::sim::with_threads(threads, || {
        validate::run(&facts, &options, &|| bar.inc(1), stop)
    })
    .context("cannot start worker threads")
    .map_err(Failure::other)?;
    bar.finish_and_clear();
    let battery = match results {
        Err(validate::ValidateError::Run(e)) => {
            return Err(super::interrupted_or(
                e,
                &out,
                "validation failed; nothing was written to",
            ));
        }
        other => other.map_err(Failure::input)?,
    };
    let results = &battery.results;
    let info = ValidationInfo {
        replicates,
        seed: args.seed,
        quick: args.quick,
        set: args.set.clone(),
        facts: facts.iter().map(|f| f.id).collect(),
        runs,
        threads: rayon_threads(threads),
        started_unix,
        wall_seconds: started.elapsed().as_secs_f64(),
    };
    let kept = write_validation(&out, existing, &battery, &info, stop)
        .map_err(|e| output_failure_at(e, &out))?;
    let verdicts = fact_verdicts(results);
    let holding = verdicts.values().filter(|&&v| v == Verdict::Holds).count();
    if !args.quiet {
        super::stdout(&table(results))?;
        eprintln!(
            "wrote {}: {} facts, {} runs ({} replicates{}{}) in {:.1} s",
            out.display(),
            verdicts.len(),
            runs,
            replicates,
            displace::output::validation::more_replicates(results, replicates),
            if args.quick { ", quick" } else { "" },
            info.wall_seconds
        );
        super::report_kept(kept.as_deref(), "validation");
    }
    if holding == verdicts.len() {
        Ok(())
    } else {
        Err(Failure {
            code: 1,
            error: anyhow::anyhow!(
                "{} of {} facts do not hold (see {})",
                verdicts.len() - holding,
                verdicts.len(),
                out.join("validation.csv").display()
            ),
        })
    }
}
