//! Whole-tick cost of the baseline scenario at 100,000 households.
//! Run with `cargo bench --bench step`.

use criterion::{Criterion, criterion_group, criterion_main};
use displace::scenario::Scenario;
use displace::step::Model;

fn tick(c: &mut Criterion) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let scenario = Scenario::load(&path, &["population.households=100000".into()]).unwrap();
    let mut model = Model::build(&scenario);
    c.bench_function("tick_baseline_100k_households", |b| {
        b.iter(|| {
            model.step(&mut |_| Ok::<(), ()>(())).unwrap();
        })
    });
}

criterion_group!(benches, tick);
criterion_main!(benches);
