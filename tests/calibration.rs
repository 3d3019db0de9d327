//! `scenarios/ecuador_2024.toml` reproduces the calibration figures of the brief (section 8)
//! within the tolerances stated in docs/CALIBRATION.md, averaged over three seeds.

mod common;

use displace::metrics::Summary;
use displace::scenario::Scenario;
use displace::sim::{NoObserver, simulate};

fn runs() -> Vec<Summary> {
    let path = common::root().join("scenarios/ecuador_2024.toml");
    [1u64, 2, 3]
        .iter()
        .map(|seed| {
            let s = Scenario::load(&path, &[format!("simulation.seed={seed}")]).unwrap();
            simulate(&s, &mut NoObserver).unwrap().summary
        })
        .collect()
}

fn mean(runs: &[Summary], f: impl Fn(&Summary) -> f64) -> f64 {
    runs.iter().map(f).sum::<f64>() / runs.len() as f64
}

#[test]
fn ecuador_2024_matches_the_calibration_targets() {
    let runs = runs();
    let check = |name: &str, simulated: f64, target: f64, tolerance: f64| {
        assert!(
            (simulated - target).abs() <= tolerance,
            "{name}: simulated {simulated:.4}, target {target} ± {tolerance}"
        );
    };
    let incidence = mean(&runs, |s| s.displacement_incidence_per_100k_15plus);
    check(
        "incidence per 100,000 aged 15+",
        incidence,
        910.0,
        0.3 * 910.0,
    );
    let share = |t: &str| mean(&runs, |s| s.trigger_shares[t]);
    let (extortion, sexual, property, homicide, recruitment) = (
        share("extortion"),
        share("sexual_violence"),
        share("property_seizure"),
        share("homicide"),
        share("recruitment"),
    );
    check("extortion share", extortion, 0.30, 0.03);
    check("sexual violence share", sexual, 0.11, 0.03);
    check("property share", property, 0.07, 0.03);
    check("homicide share", homicide, 0.03, 0.03);
    check("recruitment share", recruitment, 0.03, 0.03);
    // The order of the reasons: extortion > sexual violence > property > homicide ≈ recruitment.
    assert!(extortion > sexual && sexual > property && property > homicide.max(recruitment));
    check(
        "whole-family share",
        mean(&runs, |s| s.whole_family_share),
        0.46,
        0.06,
    );
    check(
        "male share (15+)",
        mean(&runs, |s| s.male_share),
        0.59,
        0.05,
    );
    check(
        "migrant share",
        mean(&runs, |s| s.migrant_share),
        0.11,
        0.03,
    );
}
