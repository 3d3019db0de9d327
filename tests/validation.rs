//! Issue 13: the brief's stylised facts as a battery that can fail. The quick battery runs in
//! every `cargo test`: a fact that held and stops holding fails the build, and switching a
//! mechanism off makes its facts report FAILS.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use common::{displace, stderr};
use displace::validate::{self, Options, Verdict, facts};

/// Facts that hold in the quick battery (seed 1, 3 replicates, a quarter of the households).
/// When a change makes one of them fail, the change is wrong or this list must say why.
/// Fact 17 (regions that both send and receive) holds at full size but is a count of regions,
/// too coarse for three replicates of a quarter of the households. Fact 28 (state-abuse
/// departures rise with raid intensity) holds at full size (+168 [141, 195]); at a quarter of
/// the households twice the units add only +11 [−6, 28] departures over three replicates.
/// Fact 13 (closures lead departures) holds at full size (peak lag 1.0 [0.12, 1.9]); since
/// incursions frighten a neighbourhood at once (6.12), departures cluster around a group's
/// arrival as well, and three quick replicates no longer agree on the lag of the peak.
/// Fact 38 (screening raises identification) holds at full size (+44 [32, 57] cases); a quick
/// replicate has a few dozen trafficking cases among the displaced, and three of them give
/// +10 [−3, 23]. Facts 36 and 37 (trafficking by setting, form and sex) are rates and shares of
/// as few cases; `full_size_trafficking_facts_hold_and_fail_with_their_mechanism` checks them.
/// Fact 14 (atomised flight alone empties whole streets) holds at full size (3.2 [1.8, 4.6]
/// ghost neighbourhoods over five years); with gangs drawn to deprived streets a quarter of the
/// households gives 2.0 [−2.3, 6.3] over three replicates. Fact 27 (the balloon effect) is
/// checked at full size by `full_size_balloon_fact_holds_and_fails_when_raided_groups_all_lie_low`,
/// and fact 34 (autodefensas) by `full_size_autodefensa_fact_holds_and_fails_without_uprisings`.
/// Fact 12 (migrants over-represented among the displaced) holds at full size (1.86 [1.80,
/// 1.93]); a quarter of Ecuador's households has a few hundred displaced migrants, and three
/// replicates of them gave 1.69 [0.81, 2.57] once the households drew from other streams:
/// `full_size_migrant_fact_holds_and_fails_without_migrants_singled_out` checks it. Fact 21
/// (families with children leave the country for violence more than for work) likewise holds
/// at full size (0.081 [0.064, 0.098]) and gave 0.089 [−0.060, 0.238] over three quick
/// replicates; the mechanism test below checks it at full size both ways.
const HOLD_IN_QUICK: [u32; 8] = [4, 9, 10, 16, 19, 22, 23, 35];

/// Facts the model cannot show yet (they need mechanisms or records it lacks): none since
/// self-defence groups (fact 34).
const NOT_MODELLED: [u32; 0] = [];

fn options(facts: &[u32], set: &[&str]) -> Options {
    Options {
        scenarios: common::root().join("scenarios"),
        facts: facts.to_vec(),
        replicates: 3,
        seed: 1,
        quick: true,
        set: set.iter().map(|s| s.to_string()).collect(),
    }
}

fn verdicts(facts: &[u32], set: &[&str]) -> BTreeMap<u32, Verdict> {
    verdicts_with(&options(facts, set))
}

/// Fact `id`'s verdict at full size over `replicates` replicates, for facts too small for the
/// quick battery.
fn full_size_verdict(id: u32, set: &[&str], replicates: u32) -> Verdict {
    let options = Options {
        quick: false,
        replicates,
        ..options(&[id], set)
    };
    verdicts_with(&options)[&id]
}

fn verdicts_with(options: &Options) -> BTreeMap<u32, Verdict> {
    let selected = validate::selected(options).unwrap();
    let battery = validate::run(&selected, options, &|| {}, &AtomicBool::new(false)).unwrap();
    validate::fact_verdicts(&battery.results)
}

#[test]
fn issue_13_the_quick_battery_holds_what_it_held() {
    let verdicts = verdicts(&[], &[]);
    assert_eq!(verdicts.len(), 41);
    for id in HOLD_IN_QUICK {
        assert_eq!(verdicts[&id], Verdict::Holds, "fact {id} no longer holds");
    }
    let not_modelled: Vec<u32> = verdicts
        .iter()
        .filter(|(_, v)| **v == Verdict::NotModelled)
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(not_modelled, NOT_MODELLED);
}

#[test]
fn issue_13_switching_a_mechanism_off_makes_its_facts_fail() {
    // Each of these holds; with the lever the check contrasts pinned in both arms, it cannot.
    let pinned = verdicts(
        &[35, 38],
        &["state.youth_prevention=0", "state.screening_rate=0"],
    );
    assert_eq!(pinned[&35], Verdict::Fails);
    assert_eq!(pinned[&38], Verdict::Fails);
    // Migrants over-represented only because they are targeted: with no migrants, no excess.
    let no_migrants = verdicts(&[12], &["population.migrant_share=0"]);
    assert_ne!(no_migrants[&12], Verdict::Holds);
    // Displaced youths face more recruitment than local ones because groups single out
    // newcomers; without that, the same cells' hazard cannot put them clearly above.
    let no_newcomers = verdicts(&[23], &["recruitment.newcomer_factor=1"]);
    assert_eq!(no_newcomers[&23], Verdict::Fails);
    // Closures lead departures because neighbours who lost their income leave later.
    let nobody_leaves = verdicts(&[13], &["livelihood.leave_share=0"]);
    assert_eq!(nobody_leaves[&13], Verdict::Fails);
    // Families with children leave the country for violence more than others because fewer of
    // them emigrate for work; if they emigrated for work as readily, nothing sets them apart.
    // At full size, five replicates: the fact holds (0.078 [0.038, 0.118] at seed 1), and with
    // families emigrating for work as readily it fails (−0.025 [−0.048, −0.001]).
    assert_eq!(full_size_verdict(21, &[], 5), Verdict::Holds);
    let families_alike = full_size_verdict(21, &["exit.labour_family_factor=1"], 5);
    assert_eq!(families_alike, Verdict::Fails);
}

#[test]
fn full_size_autodefensa_fact_holds_and_fails_without_uprisings() {
    // Fact 34 at full size, ten replicates: a quarter of the households leaves a handful of
    // communities that rose, too few for the third year's departures from them, and five
    // replicates of a few dozen communities give +56 [−11, 124] at seed 1 (ten: +79 [27, 130]).
    let check = |set: &[&str]| full_size_verdict(34, set, 10);
    assert_eq!(check(&[]), Verdict::Holds);
    // Without uprisings there is nothing to absorb or turn criminal.
    assert_eq!(check(&["autodefensas.formation_rate=0"]), Verdict::Fails);
}

#[test]
fn full_size_migrant_fact_holds_and_fails_without_migrants_singled_out() {
    // Fact 12 at full size, five replicates (1.85 [1.69, 2.00] and 4.7 [3.9, 5.4] at seed 1).
    let check = |set: &[&str]| full_size_verdict(12, set, 5);
    assert_eq!(check(&[]), Verdict::Holds);
    // Migrants are over-represented because groups single them out for extortion: extorted
    // no more than others, they are displaced no more (0.99 [0.90, 1.07]).
    assert_eq!(check(&["extortion.migrant_weight=1"]), Verdict::Fails);
}

#[test]
fn full_size_balloon_fact_holds_and_fails_when_raided_groups_all_lie_low() {
    // Fact 27 at full size, five replicates: a quarter of the households leaves a few dozen
    // rural departures, too few for three replicates (16 [−3, 35] at seed 1).
    let check = |set: &[&str]| full_size_verdict(27, set, 5);
    assert_eq!(check(&[]), Verdict::Holds);
    // Raids push groups into quiet rural cells only because members who keep their strength
    // move on when the state retakes their streets; if they all lie low, nothing moves.
    let all_lie_low = check(&[
        "groups[0].raid_flight_share=0",
        "groups[1].raid_flight_share=0",
        "groups[2].raid_flight_share=0",
    ]);
    assert_eq!(all_lie_low, Verdict::Fails);
}

#[test]
fn full_size_deprivation_fact_holds_and_fails_without_groups_drawn_to_deprivation() {
    // Fact 1's second check (deprived, neglected cells displace more than the rest of their
    // setting) at full size, five replicates: the interval is too wide with fewer.
    let check = |set: &[&str]| -> Verdict {
        let options = Options {
            quick: false,
            replicates: 5,
            ..options(&[1], set)
        };
        let selected = validate::selected(&options).unwrap();
        let battery = validate::run(&selected, &options, &|| {}, &AtomicBool::new(false)).unwrap();
        let result = battery
            .results
            .iter()
            .find(|r| r.fact == 1 && r.check == 2)
            .unwrap();
        result.verdict
    };
    assert_eq!(check(&[]), Verdict::Holds);
    let indifferent = [
        "groups[0].deprivation_pull=0",
        "groups[1].deprivation_pull=0",
        "groups[2].deprivation_pull=0",
    ];
    assert_eq!(check(&indifferent), Verdict::Fails);
}

#[test]
fn full_size_regime_shift_fact_holds_and_fails_when_forces_do_not_deter() {
    // Fact 40's first check (homicides fall at the declaration and rise at the withdrawal) at
    // full size, five replicates: a quarter of the households leaves a few dozen homicides a
    // half-year, and the log ratio of two such counts is too noisy for three replicates.
    let check = |set: &[&str]| -> Verdict {
        let options = Options {
            quick: false,
            replicates: 5,
            ..options(&[40], set)
        };
        let selected = validate::selected(&options).unwrap();
        let battery = validate::run(&selected, &options, &|| {}, &AtomicBool::new(false)).unwrap();
        let result = battery
            .results
            .iter()
            .find(|r| r.fact == 40 && r.check == 1)
            .unwrap();
        result.verdict
    };
    assert_eq!(check(&[]), Verdict::Holds);
    // Homicides follow the forces only because groups lie low under pressure and forces add to
    // the presence that suppresses them; without both, the clash deaths and the groups' growth
    // raise homicides after the declaration, and the withdrawal changes nothing.
    let no_deterrence = [
        "state.crackdown.lie_low=0",
        "state.crackdown.unit_presence=0",
    ];
    assert_eq!(check(&no_deterrence), Verdict::Fails);
}

#[test]
fn full_size_trafficking_facts_hold_and_fail_with_their_mechanism() {
    // Verdict of each check of facts 36 and 37 at full size, five replicates (with three, one
    // replicate's few shelter cases can stretch the interval of 36.2 past 1).
    let checks = |set: &[&str]| -> BTreeMap<(u32, usize), Verdict> {
        let options = Options {
            quick: false,
            replicates: 5,
            ..options(&[36, 37], set)
        };
        let selected = validate::selected(&options).unwrap();
        let battery = validate::run(&selected, &options, &|| {}, &AtomicBool::new(false)).unwrap();
        battery
            .results
            .iter()
            .map(|r| ((r.fact, r.check), r.verdict))
            .collect()
    };
    let shipped = checks(&[]);
    assert!(
        shipped.values().all(|&v| v == Verdict::Holds),
        "{shipped:?}"
    );
    // Each check fails when the part of the mechanism it measures is undone.
    for (set, check) in [
        (&["trafficking.home_factor=5"][..], (36, 1)),
        (
            &[
                "trafficking.lodging.shelter=1",
                "trafficking.lodging.informal=1",
            ][..],
            (36, 2),
        ),
        (&["trafficking.per_year_displaced=0"][..], (36, 3)),
        (
            &[
                "trafficking.forms_female.sexual=0.1",
                "trafficking.forms_female.labour=0.8",
            ][..],
            (37, 1),
        ),
        (
            // Recruited boys are still criminal exploitation; the rest becomes servitude.
            &[
                "trafficking.forms_male.labour=0",
                "trafficking.forms_male.criminal=0",
                "trafficking.forms_male.sexual=0",
                "trafficking.forms_male.servitude=1",
            ][..],
            (37, 2),
        ),
        (&["trafficking.unaccompanied_factor=1"][..], (37, 3)),
    ] {
        let verdicts = checks(set);
        assert_eq!(verdicts[&check], Verdict::Fails, "{set:?}: {verdicts:?}");
    }
}

#[test]
fn issue_13_validate_is_byte_identical_for_any_thread_count_and_exits_by_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let mut tables = Vec::new();
    for jobs in ["1", "3"] {
        let out = dir.path().join(format!("v{jobs}"));
        let result = displace(
            &[
                "validate",
                "--facts",
                "9,16,24",
                "--quick",
                "--jobs",
                jobs,
                "--out",
                out.to_str().unwrap(),
                "-q",
            ],
            &common::root(),
        );
        // Fact 24 fails today: the exit code says so.
        assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
        assert!(stderr(&result).contains("1 of 3 facts do not hold"));
        let mut files = Vec::new();
        for name in [
            "validation.csv",
            "validation_series.csv",
            "figures/fact_24_homicides.png",
            "figures/fact_24_homicides.svg",
        ] {
            files.push(std::fs::read(out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")));
        }
        tables.push(files);
    }
    assert_eq!(tables[0], tables[1]);
    // Fact 24's figure: both arms, every week of the three years, a band that contains its mean.
    let series = std::fs::read_to_string(dir.path().join("v1/validation_series.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(series.as_bytes());
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[1] == "fact_24_homicides")
        .collect();
    let arms: std::collections::BTreeSet<&str> = rows.iter().map(|r| &r[5]).collect();
    assert_eq!(arms.len(), 2, "{arms:?}");
    assert_eq!(rows.len(), 2 * 156);
    for r in &rows {
        let [mean, low, high] = [7, 8, 9].map(|i| r[i].parse::<f64>().unwrap());
        assert!(low <= mean && mean <= high, "{r:?}");
    }
    let ok_out = dir.path().join("ok");
    let ok = displace(
        &[
            "validate",
            "--facts",
            "9",
            "--quick",
            "--out",
            ok_out.to_str().unwrap(),
            "-q",
        ],
        &common::root(),
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let bad = displace(&["validate", "--facts", "99"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn issue_13_docs_validation_reports_every_fact_and_check_of_the_code() {
    let doc = std::fs::read_to_string(common::root().join("docs/VALIDATION.md")).unwrap();
    for fact in facts::catalogue() {
        let rows: Vec<&str> = doc
            .lines()
            .filter(|l| l.starts_with(&format!("| {} | ", fact.id)))
            .collect();
        assert!(
            !rows.is_empty(),
            "fact {} is missing from docs/VALIDATION.md",
            fact.id
        );
        assert!(
            rows.iter()
                .all(|r| r.contains(&fact.claim.replace('|', "\\|"))),
            "fact {}'s claim differs in docs/VALIDATION.md",
            fact.id
        );
        for check in &fact.checks {
            assert!(
                rows.iter()
                    .any(|r| r.contains(&check.statistic.replace('|', "\\|"))),
                "fact {}: check `{}` is missing from docs/VALIDATION.md",
                fact.id,
                check.statistic
            );
        }
        let expected_rows = fact.checks.len().max(1);
        assert_eq!(rows.len(), expected_rows, "fact {} rows", fact.id);
    }
}
