//! `displace calibrate`: ABC-SMC calibration of a scenario to observed statistics.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use displace::calibrate::{self, CalibrateError, Calibration, Generation, SmcError};

use super::Failure;

#[derive(Args)]
pub struct CalibrateArgs {
    /// Calibration file (TOML; see docs/CALIBRATION.md).
    calibration: PathBuf,
    /// Output folder (default: `outputs/calibrate_<file name>`). Running again into the same
    /// folder resumes from the last finished generation.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Simulations at once, 1 to 1024 (default: one per core). Results do not depend on it.
    #[arg(long, short, value_parser = super::thread_count())]
    jobs: Option<usize>,
    /// Remove an earlier calibration in the output folder instead of resuming it.
    #[arg(long)]
    force: bool,
    /// No progress bar and no closing report.
    #[arg(long, short)]
    quiet: bool,
    /// Do not draw the figures in `figures/`.
    #[arg(long)]
    no_plots: bool,
}

/// Input problems (a bad calibration file, a folder in the way) exit with code 2, the rest
/// with 1.
fn failure(e: CalibrateError) -> Failure {
    match e {
        CalibrateError::Spec(_)
        | CalibrateError::DifferentCalibration { .. }
        | CalibrateError::NotOurs { .. }
        | CalibrateError::Corrupt { .. } => Failure::input(e),
        CalibrateError::Smc(SmcError::NothingRuns { .. })
        | CalibrateError::Smc(SmcError::BudgetBeforeFirstGeneration { .. }) => Failure::input(e),
        _ => Failure::other(e),
    }
}

/// A bar over one generation's particles: accepted so far, tolerance, acceptance.
fn generation_bar(particles: u64, quiet: bool) -> ProgressBar {
    let bar = super::progress::runs_bar(particles, quiet);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {prefix} {wide_bar} {pos}/{len} accepted · {msg}",
        )
        .expect("valid template"),
    );
    bar
}

fn describe(g: &Generation) -> String {
    format!(
        "generation {}: tolerance {}, acceptance {:.3}, ESS {:.0}, {} simulations in {:.1} s",
        g.index,
        tolerance(g.tolerance),
        g.acceptance,
        g.ess,
        g.simulations,
        g.seconds
    )
}

fn tolerance(t: f64) -> String {
    if t.is_finite() {
        format!("{t:.4}")
    } else {
        "none (prior)".into()
    }
}

pub fn calibrate(args: CalibrateArgs) -> Result<(), Failure> {
    let calibration = Calibration::load(&args.calibration).map_err(Failure::input)?;
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = args
            .calibration
            .file_stem()
            .map_or("calibration".into(), |s| s.to_string_lossy().into_owned());
        Path::new("outputs").join(format!("calibrate_{stem}"))
    });
    let done = calibrate::prepare(&calibration, &out, args.force).map_err(failure)?;
    if !args.quiet && !done.is_empty() {
        eprintln!(
            "resuming {}: {} generations already finished",
            out.display(),
            done.len()
        );
    }
    let particles = u64::from(calibration.spec.particles);
    let bar = generation_bar(particles, args.quiet);
    let started = Instant::now();
    let stop = super::interrupt::cooperate();
    let simulator = calibrate::ScenarioSimulator::new(&calibration);
    let quiet = args.quiet;
    let outcome = displace::sim::with_threads(args.jobs.unwrap_or(0), || {
        calibrate::run(
            &calibration,
            &simulator,
            &out,
            done,
            calibrate::Listeners {
                progress: &|p| {
                    bar.set_prefix(format!("generation {}", p.generation));
                    bar.set_position(p.accepted as u64);
                    bar.set_message(format!(
                        "tolerance {} · acceptance {:.3} · {} proposals",
                        tolerance(p.tolerance),
                        p.accepted as f64 / p.proposals.max(1) as f64,
                        p.proposals
                    ));
                },
                generation: &mut |g| {
                    // Off a terminal the bar is hidden and would swallow its lines: print them.
                    if !quiet {
                        if bar.is_hidden() {
                            eprintln!("{}", describe(g));
                        } else {
                            bar.println(describe(g));
                        }
                    }
                    bar.set_position(0);
                },
            },
            !args.no_plots,
            stop,
        )
    })
    .context("cannot start worker threads")
    .map_err(Failure::other)?;
    bar.finish_and_clear();
    let (generations, reason) = match outcome {
        Err(CalibrateError::Smc(SmcError::Interrupted)) => {
            return Err(Failure {
                code: super::interrupt::EXIT_INTERRUPTED,
                error: anyhow::anyhow!(
                    "interrupted: the finished generations are kept in {}; run the same command again to resume",
                    out.display()
                ),
            });
        }
        other => other.map_err(failure)?,
    };
    if !args.quiet {
        let simulations: u64 = generations.iter().map(|g| g.simulations).sum();
        // Generations resumed from earlier sessions count with the seconds they took then.
        let generation_seconds: f64 = generations.iter().map(|g| g.seconds).sum();
        eprintln!(
            "wrote {}: {} generations, {} simulations in {:.1} s of generations ({:.1} s in this session); stopped because it {}; posterior.csv, parameters.csv, predictive.csv, calibrated.toml",
            out.display(),
            generations.len(),
            simulations,
            generation_seconds,
            started.elapsed().as_secs_f64(),
            reason.describe()
        );
    }
    Ok(())
}
