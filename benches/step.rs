//! Criterion benchmarks of the national benchmark scenario (`scenarios/bench/national.toml`):
//! a whole tick, and each phase of the tick, at 100,000 and 1,000,000 households.
//!
//! Run with `cargo bench --bench step` (or `cargo bench --bench step -- tick/` for whole ticks
//! only). Throughput is reported in household-ticks per second. The model cycles through the
//! scenario's first year (52 weekly ticks, crackdowns and truce included) and then starts again
//! from the same initial state, so every measurement averages over the same mix of ticks.

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use displace::scenario::Scenario;
use displace::step::{Model, Phase, PhaseTimes};

const SIZES: [u64; 2] = [100_000, 1_000_000];
const YEAR: u32 = 52;

/// A model that steps through one year of the national scenario, over and over.
struct Cycle {
    initial: Model,
    model: Model,
}

impl Cycle {
    fn new(households: u64) -> Cycle {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(displace::bench::NATIONAL);
        let scenario =
            Scenario::load(&path, &[format!("population.households={households}")]).unwrap();
        let initial = Model::build(&scenario);
        Cycle {
            model: initial.clone(),
            initial,
        }
    }

    /// Runs one tick, adding each phase's time to `times`; returns the tick's wall time.
    fn tick(&mut self, times: &mut PhaseTimes) -> Duration {
        if self.model.tick >= YEAR {
            self.model = self.initial.clone();
        }
        let started = Instant::now();
        self.model
            .step_profiled(&mut |_| Ok::<(), ()>(()), times)
            .unwrap();
        started.elapsed()
    }
}

fn whole_tick(c: &mut Criterion) {
    let mut group = c.benchmark_group("tick");
    group.sample_size(10);
    for households in SIZES {
        let mut cycle = Cycle::new(households);
        group.throughput(Throughput::Elements(households));
        group.bench_function(BenchmarkId::new("national", households), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| cycle.tick(&mut PhaseTimes::default()))
                    .sum()
            })
        });
    }
    group.finish();
}

fn phases(c: &mut Criterion) {
    let mut group = c.benchmark_group("phase");
    group.sample_size(10);
    for households in SIZES {
        let mut cycle = Cycle::new(households);
        group.throughput(Throughput::Elements(households));
        for phase in Phase::ALL {
            let name = phase.name().replace(' ', "_");
            group.bench_function(BenchmarkId::new(name, households), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let mut times = PhaseTimes::default();
                        cycle.tick(&mut times);
                        total += Duration::from_secs_f64(times.get(phase));
                    }
                    total
                })
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // The figures are drawn by our own plotters build, which bundles no system fonts.
    config = Criterion::default().without_plots();
    targets = whole_tick, phases
}
criterion_main!(benches);
