//! Running a scenario: build the model, step it, stream what happens to an observer.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::metrics::{Episode, Summary, SummaryBuilder, TickMetrics};
use crate::scenario::Scenario;
use crate::step::{Model, PhaseTimes};

/// Receives a run as it happens. Writers, progress bars and tests implement it.
pub trait Observer {
    /// Called once, after the model is built and before the first tick.
    fn start(&mut self, _model: &Model) -> std::io::Result<()> {
        Ok(())
    }
    /// Called for every displacement episode, in order.
    fn episode(&mut self, _episode: &Episode) -> std::io::Result<()> {
        Ok(())
    }
    /// Called at the end of every tick of the burn-in (`simulation.burn_in`), whose metrics and
    /// episodes are not output.
    fn burn_in_tick(&mut self, _model: &Model) -> std::io::Result<()> {
        Ok(())
    }
    /// Called at the end of every tick with its metrics and the model's state.
    fn tick(&mut self, _metrics: &TickMetrics, _model: &Model) -> std::io::Result<()> {
        Ok(())
    }
    /// Called every `checkpoint_every` ticks of [`simulate_from`], after [`Observer::tick`], with
    /// what a run needs to continue from here.
    fn checkpoint(
        &mut self,
        _scenario: &Scenario,
        _model: &Model,
        _summary: &SummaryBuilder,
    ) -> std::io::Result<()> {
        Ok(())
    }
}

/// Passes a run on to another observer and stops it, with an [`std::io::ErrorKind::Interrupted`]
/// error, at the end of the first tick after `stop` is raised (by a Ctrl-C handler, say). The run
/// is deterministic either way: stopping only ends it early.
pub struct Stoppable<'a, O: Observer + ?Sized> {
    inner: &'a mut O,
    stop: &'a AtomicBool,
}

impl<'a, O: Observer + ?Sized> Stoppable<'a, O> {
    pub fn new(inner: &'a mut O, stop: &'a AtomicBool) -> Self {
        Stoppable { inner, stop }
    }
}

/// The error of a run stopped by its caller.
pub fn interrupted() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::Interrupted, "interrupted")
}

impl<O: Observer + ?Sized> Observer for Stoppable<'_, O> {
    fn start(&mut self, model: &Model) -> std::io::Result<()> {
        self.inner.start(model)
    }
    fn episode(&mut self, episode: &Episode) -> std::io::Result<()> {
        self.inner.episode(episode)
    }
    fn burn_in_tick(&mut self, model: &Model) -> std::io::Result<()> {
        self.inner.burn_in_tick(model)?;
        if self.stop.load(Ordering::Relaxed) {
            return Err(interrupted());
        }
        Ok(())
    }
    fn tick(&mut self, metrics: &TickMetrics, model: &Model) -> std::io::Result<()> {
        self.inner.tick(metrics, model)?;
        if self.stop.load(Ordering::Relaxed) {
            return Err(interrupted());
        }
        Ok(())
    }
    fn checkpoint(
        &mut self,
        scenario: &Scenario,
        model: &Model,
        summary: &SummaryBuilder,
    ) -> std::io::Result<()> {
        self.inner.checkpoint(scenario, model, summary)
    }
}

/// An observer that ignores everything.
pub struct NoObserver;

impl Observer for NoObserver {}

/// The end state of a run and its headline metrics.
pub struct RunOutcome {
    pub summary: Summary,
    pub model: Model,
}

/// Runs a resolved scenario for its configured number of ticks on the current rayon pool.
pub fn simulate(scenario: &Scenario, observer: &mut dyn Observer) -> std::io::Result<RunOutcome> {
    simulate_profiled(scenario, observer, &mut PhaseTimes::default())
}

/// Runs like [`simulate`], adding the wall time of each phase of every tick to `times`.
pub fn simulate_profiled(
    scenario: &Scenario,
    observer: &mut dyn Observer,
    times: &mut PhaseTimes,
) -> std::io::Result<RunOutcome> {
    simulate_from(scenario, None, RunControl::default(), observer, times)
}

/// What a run does besides stepping: the state files it writes and how often it checkpoints.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunControl<'a> {
    /// Write the state at the end of the run to this file.
    pub save: Option<&'a std::path::Path>,
    /// Write the state at the end of the burn-in (at tick 0) to this file.
    pub save_burn_in: Option<&'a std::path::Path>,
    /// Above 0: offer the observer a checkpoint after every tick this many ticks from tick 0
    /// (but the last).
    pub checkpoint_every: u32,
}

/// Runs like [`simulate_profiled`], from `from` (a model and its summary so far, read from a
/// state file by [`crate::checkpoint`], or forked from a burn-in) instead of a freshly built
/// world when given, up to the scenario's last tick, writing the state files `control` asks for.
pub fn simulate_from(
    scenario: &Scenario,
    from: Option<(Model, SummaryBuilder)>,
    control: RunControl<'_>,
    observer: &mut dyn Observer,
    times: &mut PhaseTimes,
) -> std::io::Result<RunOutcome> {
    let (mut model, mut summary) = match from {
        Some(continued) => continued,
        None => {
            let model = burn_in(scenario, Model::build(scenario), observer, times)?;
            let summary = summary_from(&model);
            if let Some(path) = control.save_burn_in {
                crate::checkpoint::write(path, scenario, &model, &summary)?;
            }
            (model, summary)
        }
    };
    observer.start(&model)?;
    let end = scenario.end_tick();
    let every = control.checkpoint_every;
    while model.tick < end {
        let metrics = model.step_profiled(
            &mut |episode: &Episode| {
                summary.episode(episode);
                observer.episode(episode)
            },
            times,
        )?;
        summary.tick(&metrics);
        observer.tick(&metrics, &model)?;
        if every > 0 && model.output_tick().is_multiple_of(every) && model.tick < end {
            observer.checkpoint(scenario, &model, &summary)?;
        }
    }
    if let Some(path) = control.save {
        crate::checkpoint::write(path, scenario, &model, &summary)?;
    }
    Ok(RunOutcome {
        summary: summary.finish(),
        model,
    })
}

/// Runs the burn-in of `model` (`simulation.burn_in`; nothing to do without one): its ticks
/// step the world as any other, under the base `[state]` and no events, and what happens in
/// them is not counted. Returns the world at tick 0.
pub fn burn_in(
    scenario: &Scenario,
    mut model: Model,
    observer: &mut dyn Observer,
    times: &mut PhaseTimes,
) -> std::io::Result<Model> {
    if !model.burning_in() {
        return Ok(model);
    }
    while model.burning_in() {
        model.step_profiled(&mut |_: &Episode| Ok::<(), std::io::Error>(()), times)?;
        observer.burn_in_tick(&model)?;
    }
    debug_assert_eq!(model.tick, scenario.burn_in_ticks());
    model.end_burn_in();
    Ok(model)
}

/// A run's summary, counted from `model` on (its population is the run's at tick 0).
pub fn summary_from(model: &Model) -> SummaryBuilder {
    let persons_15_plus: u64 = model
        .households
        .members
        .iter()
        .map(|m| u64::from(m.aged_15_plus()))
        .sum();
    SummaryBuilder::new(
        model.households.len() as u64,
        model.persons(),
        persons_15_plus,
        model.scenario.spec.simulation.tick_days,
    )
}

/// What a caught panic said, for a record of a run that failed.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into())
}

/// Runs `f` on a dedicated pool of `threads` worker threads (0 = one per core).
pub fn with_threads<T: Send>(
    threads: usize,
    f: impl FnOnce() -> T + Send,
) -> Result<T, rayon::ThreadPoolBuildError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    Ok(pool.install(f))
}
