//! Resolution: kind defaults filled in, every value checked against its documented range.

use std::collections::BTreeSet;

use super::error::{Problem, ScenarioError, number};
use super::load::Provenance;
use super::spec::{CellKind, KindTable, OccupationTable, ScenarioSpec, StateSpec};

/// Fills the kind-dependent group keys and checks every value. Returns all problems at once.
pub fn resolve(
    mut spec: ScenarioSpec,
    provenance: &Provenance,
) -> Result<ScenarioSpec, ScenarioError> {
    spec.extends = None;
    let cells = grid_cells(&spec);
    fill_group_defaults(&mut spec, cells);
    let mut check = Checker {
        provenance,
        problems: Vec::new(),
    };
    check_spec(&spec, &mut check);
    if check.problems.is_empty() {
        Ok(spec)
    } else {
        Err(ScenarioError::Invalid {
            problems: check.problems,
        })
    }
}

/// Cells of the grid (explicit map or width × height).
fn grid_cells(spec: &ScenarioSpec) -> u32 {
    match spec.world.map.first() {
        Some(row) => (row.chars().count() as u32).saturating_mul(spec.world.map.len() as u32),
        None => spec.world.width.saturating_mul(spec.world.height),
    }
}

fn fill_group_defaults(spec: &mut ScenarioSpec, cells: u32) {
    for (i, group) in spec.groups.iter_mut().enumerate() {
        let d = group.kind.defaults();
        if group.name.is_empty() {
            group.name = format!("{}_{}", group.kind.name(), i);
        }
        group
            .home_kinds
            .get_or_insert_with(|| d.home_kinds.to_vec());
        group.strength.get_or_insert(d.strength);
        group.territory_cells.get_or_insert(d.territory_cells);
        group.extortion_rate.get_or_insert(d.extortion_rate);
        group.extortion_level.get_or_insert(d.extortion_level);
        group.violence.get_or_insert(d.violence);
        group.threat_rate.get_or_insert(d.threat_rate);
        group.reach.get_or_insert(d.reach);
        group.recruitment_rate.get_or_insert(d.recruitment_rate);
        group
            .sexual_violence_rate
            .get_or_insert(d.sexual_violence_rate);
        group.seizure_rate.get_or_insert(d.seizure_rate);
        group.profile_rate.get_or_insert(d.profile_rate);
        group.expulsion_rate.get_or_insert(d.expulsion_rate);
        group.land_grab_rate.get_or_insert(d.land_grab_rate);
        group.collective_rate.get_or_insert(d.collective_rate);
        group.expansion_rate.get_or_insert(d.expansion_rate);
        group.deprivation_pull.get_or_insert(d.deprivation_pull);
        let territory = group.territory_cells.unwrap_or(1);
        group
            .max_territory_cells
            .get_or_insert(territory.saturating_mul(2).min(cells.max(territory)));
        group.split_rate.get_or_insert(d.split_rate);
        group.relocation_rate.get_or_insert(d.relocation_rate);
        group
            .relocation_pressure
            .get_or_insert(d.relocation_pressure);
        group.raid_flight_share.get_or_insert(d.raid_flight_share);
    }
}

struct Checker<'a> {
    provenance: &'a Provenance,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn problem(&mut self, key: &str, message: String) {
        self.problems.push(Problem {
            origin: self.provenance.origin(key),
            key: key.to_string(),
            message,
        });
    }

    /// `lo <= value <= hi`; `what` names the unit or meaning for the message.
    fn range(&mut self, key: &str, value: f64, lo: f64, hi: f64, what: &str) {
        if !(value.is_finite() && value >= lo && value <= hi) {
            self.problem(
                key,
                format!(
                    "found {}, expected {what} from {} to {}",
                    number(value),
                    number(lo),
                    number(hi)
                ),
            );
        }
    }

    fn share(&mut self, key: &str, value: f64) {
        self.range(key, value, 0.0, 1.0, "a share");
    }

    fn kind_table(&mut self, key: &str, table: &KindTable, lo: f64, hi: f64, what: &str) {
        for (kind, value) in table.entries() {
            self.range(&format!("{key}.{}", kind.name()), value, lo, hi, what);
        }
    }

    fn occupation_table(
        &mut self,
        key: &str,
        table: &OccupationTable,
        lo: f64,
        hi: f64,
        what: &str,
    ) {
        for (occupation, value) in super::spec::Occupation::ALL.iter().zip(table.as_array()) {
            self.range(&format!("{key}.{}", occupation.name()), value, lo, hi, what);
        }
    }

    fn sums_to_one(&mut self, key: &str, values: &[f64]) {
        let sum: f64 = values.iter().sum();
        if (sum - 1.0).abs() > 1e-6 {
            self.problem(
                key,
                format!("shares sum to {}, expected them to sum to 1", number(sum)),
            );
        }
    }
}

fn check_spec(s: &ScenarioSpec, c: &mut Checker<'_>) {
    let sim = &s.simulation;
    c.range(
        "simulation.ticks",
        sim.ticks.into(),
        1.0,
        5200.0,
        "a number of ticks",
    );
    c.range(
        "simulation.burn_in",
        sim.burn_in.into(),
        0.0,
        5200.0,
        "weeks",
    );
    c.range(
        "simulation.tick_days",
        sim.tick_days.into(),
        1.0,
        365.0,
        "days",
    );

    let w = &s.world;
    let (width, height) = check_world(s, c);
    c.range("world.cell_km", w.cell_km, 0.01, 100.0, "kilometres");
    c.range(
        "world.housing_slack",
        w.housing_slack,
        0.0,
        5.0,
        "a share of initial households",
    );
    c.kind_table(
        "world.shelter_places",
        &w.shelter_places,
        0.0,
        1e6,
        "households",
    );
    c.kind_table(
        "world.deprivation",
        &w.deprivation,
        0.0,
        1.0,
        "a deprivation level",
    );
    c.share("world.deprivation_spread", w.deprivation_spread);

    let p = &s.population;
    c.range(
        "population.households",
        p.households.into(),
        1.0,
        50e6,
        "households",
    );
    c.kind_table(
        "population.density",
        &p.density,
        0.0,
        1e4,
        "a relative density",
    );
    if p.density.entries().iter().all(|(_, d)| *d <= 0.0) {
        c.problem(
            "population.density",
            "all densities are 0; at least one kind must hold people".into(),
        );
    }
    for (region, &d) in &p.region_density {
        c.range(
            &format!("population.region_density.{region}"),
            d,
            0.0,
            1e4,
            "a relative density",
        );
    }
    if !p.region_density.is_empty() && regions_listable(s) {
        let names = crate::world::region_names(s);
        for region in p.region_density.keys() {
            if !names.contains(region) {
                c.problem(
                    &format!("population.region_density.{region}"),
                    format!(
                        "no region named `{region}`; regions are {}",
                        names.join(", ")
                    ),
                );
            }
        }
        if names
            .iter()
            .all(|n| p.region_density.get(n).is_some_and(|&d| d <= 0.0))
        {
            c.problem(
                "population.region_density",
                "every region's density is 0; at least one region must hold people".into(),
            );
        }
    }
    let comp = &p.composition;
    c.share(
        "population.composition.female_head_share",
        comp.female_head_share,
    );
    c.share("population.composition.partner_share", comp.partner_share);
    c.share(
        "population.composition.young_head_share",
        comp.young_head_share,
    );
    c.share(
        "population.composition.older_head_share",
        comp.older_head_share,
    );
    if comp.young_head_share + comp.older_head_share > 1.0 + 1e-9 {
        c.problem(
            "population.composition.older_head_share",
            "young_head_share + older_head_share exceed 1".into(),
        );
    }
    c.range(
        "population.composition.children_mean",
        comp.children_mean,
        0.0,
        10.0,
        "children",
    );
    c.range(
        "population.composition.other_adults_mean",
        comp.other_adults_mean,
        0.0,
        10.0,
        "adults",
    );
    c.range(
        "population.wealth.median_months",
        p.wealth.median_months,
        0.01,
        1000.0,
        "months of income",
    );
    c.range(
        "population.wealth.sigma",
        p.wealth.sigma,
        0.0,
        3.0,
        "a log-scale spread",
    );
    c.range(
        "population.wealth.migrant_factor",
        p.wealth.migrant_factor,
        0.01,
        10.0,
        "a multiplier",
    );
    c.occupation_table(
        "population.occupations",
        &p.occupations,
        0.0,
        1.0,
        "a share",
    );
    c.sums_to_one("population.occupations", &p.occupations.as_array());
    c.occupation_table(
        "population.business_owner_share",
        &p.business_owner_share,
        0.0,
        1.0,
        "a share",
    );
    c.share("population.migrant_share", p.migrant_share);
    c.share("population.lgbt_share", p.lgbt_share);
    c.share("population.kin_tie_share", p.kin_tie_share);
    c.share("population.kin_same_region_share", p.kin_same_region_share);

    check_groups(s, c, width, height);

    check_state("state", &s.state, s, c);
    check_events(s, c);

    let v = &s.violence;
    c.range(
        "violence.background_rate",
        v.background_rate,
        0.0,
        1e4,
        "homicides per 100,000 per year",
    );
    c.range(
        "violence.contest_multiplier",
        v.contest_multiplier,
        1.0,
        100.0,
        "a multiplier",
    );
    c.range(
        "violence.risk_memory_weeks",
        v.risk_memory_weeks,
        1.0,
        520.0,
        "weeks",
    );
    c.range(
        "violence.perception_population",
        v.perception_population,
        0.0,
        1e7,
        "persons",
    );
    c.range(
        "violence.contest_resolution_rate",
        v.contest_resolution_rate,
        0.0,
        52.0,
        "resolutions per year",
    );

    let e = &s.extortion;
    c.occupation_table(
        "extortion.occupation_weight",
        &e.occupation_weight,
        0.0,
        100.0,
        "a multiplier",
    );
    c.range(
        "extortion.business_weight",
        e.business_weight,
        0.0,
        100.0,
        "a multiplier",
    );
    c.range(
        "extortion.migrant_weight",
        e.migrant_weight,
        0.0,
        100.0,
        "a multiplier",
    );
    c.range(
        "extortion.pay_capacity_months",
        e.pay_capacity_months,
        0.0,
        120.0,
        "months of income",
    );
    c.range(
        "extortion.wealth_elasticity",
        e.wealth_elasticity,
        0.0,
        3.0,
        "an elasticity",
    );
    c.range(
        "extortion.strain_memory_weeks",
        e.strain_memory_weeks,
        1.0,
        520.0,
        "weeks",
    );
    c.share("extortion.flee_on_demand", e.flee_on_demand);
    c.share("extortion.closure_on_default", e.closure_on_default);
    c.share("extortion.flee_on_default", e.flee_on_default);
    c.share("extortion.refusal", e.refusal);

    let a = &s.autodefensas;
    c.range(
        "autodefensas.formation_rate",
        a.formation_rate,
        0.0,
        52.0,
        "uprisings per community per year",
    );
    c.range(
        "autodefensas.absorption_rate",
        a.absorption_rate,
        0.0,
        52.0,
        "absorptions per group per year",
    );
    c.range(
        "autodefensas.criminal_rate",
        a.criminal_rate,
        0.0,
        52.0,
        "criminal turns per group per year",
    );
    c.range(
        "autodefensas.criminal_factor",
        a.criminal_factor,
        0.0,
        1000.0,
        "a multiplier",
    );
    c.share("autodefensas.absorbed_presence", a.absorbed_presence);

    let l = &s.livelihood;
    c.range(
        "livelihood.jobs_per_closure",
        l.jobs_per_closure,
        0.0,
        1000.0,
        "households",
    );
    c.range(
        "livelihood.spending_months",
        l.spending_months,
        0.0,
        12.0,
        "months of income a month",
    );
    c.range(
        "livelihood.reserve_months",
        l.reserve_months,
        0.0,
        120.0,
        "months of income",
    );
    c.share("livelihood.leave_share", l.leave_share);
    c.range(
        "livelihood.reemployment_weeks",
        l.reemployment_weeks,
        1.0,
        5200.0,
        "weeks",
    );

    c.share("threats.flee_on_threat", s.threats.flee_on_threat);
    c.range(
        "threats.marked_multiplier",
        s.threats.marked_multiplier,
        0.0,
        1000.0,
        "a multiplier",
    );

    let f = &s.fear;
    c.range(
        "fear.tolerance",
        f.tolerance,
        0.1,
        1e4,
        "homicides per 100,000 per year",
    );
    c.range("fear.memory_weeks", f.memory_weeks, 1.0, 520.0, "weeks");
    c.range(
        "fear.threshold_weeks",
        f.threshold_weeks,
        0.1,
        5200.0,
        "weeks",
    );
    c.range(
        "fear.threshold_spread",
        f.threshold_spread,
        0.0,
        0.99,
        "a relative spread",
    );
    c.range(
        "fear.children_sensitivity",
        f.children_sensitivity,
        0.0,
        10.0,
        "a multiplier",
    );
    c.range(
        "fear.incursion_weeks",
        s.fear.incursion_weeks,
        0.0,
        520.0,
        "weeks of fear",
    );

    let fl = &s.flight;
    c.range(
        "flight.cost_months",
        fl.cost_months,
        0.0,
        120.0,
        "months of income",
    );
    c.range(
        "flight.candidates",
        fl.candidates.into(),
        1.0,
        256.0,
        "a number of destinations",
    );
    for (key, value) in [
        ("flight.security_weight", fl.security_weight),
        ("flight.feared_group_weight", fl.feared_group_weight),
        ("flight.reach_weight", fl.reach_weight),
        ("flight.kin_weight", fl.kin_weight),
        ("flight.distance_weight", fl.distance_weight),
    ] {
        c.range(key, value, 0.0, 100.0, "a weight");
    }
    c.share("flight.first_move_same_region", fl.first_move_same_region);
    c.share("flight.later_move_same_region", fl.later_move_same_region);
    c.share("flight.kin_acceptance", fl.kin_acceptance);
    c.range(
        "flight.rent_months",
        fl.rent_months,
        0.0,
        120.0,
        "months of income",
    );
    check_mechanisms(s, c);
    for (i, week) in s.outputs.map_weeks.iter().enumerate() {
        c.range(
            &format!("outputs.map_weeks[{i}]"),
            f64::from(*week),
            1.0,
            f64::from(s.simulation.ticks),
            "a week of the run",
        );
    }
}

fn check_mechanisms(s: &ScenarioSpec, c: &mut Checker<'_>) {
    let r = &s.recruitment;
    c.range("recruitment.min_age", r.min_age.into(), 8.0, 17.0, "years");
    c.range(
        "recruitment.girl_weight",
        r.girl_weight,
        0.0,
        10.0,
        "a relative weight",
    );
    for (key, value) in [
        ("recruitment.comply_weight", r.comply_weight),
        ("recruitment.resist_weight", r.resist_weight),
        ("recruitment.send_away_weight", r.send_away_weight),
        ("recruitment.hide_weight", r.hide_weight),
        ("recruitment.flee_weight", r.flee_weight),
    ] {
        c.range(key, value, 0.0, 100.0, "a relative weight");
    }
    if r.comply_weight + r.resist_weight + r.send_away_weight + r.hide_weight + r.flee_weight <= 0.0
    {
        c.problem(
            "recruitment.flee_weight",
            "all answer weights are 0; at least one must be positive".into(),
        );
    }
    c.range(
        "recruitment.poverty_comply",
        r.poverty_comply,
        0.0,
        5.0,
        "an elasticity",
    );
    c.share("recruitment.resist_murder", r.resist_murder);
    c.range(
        "recruitment.member_homicide_rate",
        r.member_homicide_rate,
        0.0,
        52.0,
        "homicides per recruited child per year",
    );
    c.share("recruitment.flee_after_resist", r.flee_after_resist);
    c.range(
        "recruitment.newcomer_factor",
        r.newcomer_factor,
        0.0,
        100.0,
        "a multiplier",
    );
    c.range(
        "recruitment.deprivation_gain",
        r.deprivation_gain,
        0.0,
        10.0,
        "extra pressure per unit of deprivation above 0.5",
    );

    let o = &s.responses;
    for (key, value) in [
        (
            "responses.flee_on_sexual_violence",
            o.flee_on_sexual_violence,
        ),
        ("responses.flee_on_seizure", o.flee_on_seizure),
        ("responses.flee_on_homicide", o.flee_on_homicide),
        ("responses.flee_on_profile", o.flee_on_profile),
        ("responses.flee_on_state_abuse", o.flee_on_state_abuse),
        ("responses.send_away_share", o.send_away_share),
        ("responses.individual_share", o.individual_share),
    ] {
        c.share(key, value);
    }

    let h = &s.homicide;
    for (key, value) in [
        ("homicide.young_male_risk", h.young_male_risk),
        ("homicide.male_risk", h.male_risk),
        ("homicide.child_risk", h.child_risk),
    ] {
        c.range(key, value, 0.0, 100.0, "a relative risk");
    }

    let w = &s.witness;
    c.range(
        "witness.per_homicide",
        w.per_homicide,
        0.0,
        1000.0,
        "households per homicide",
    );
    c.share("witness.report", w.report);
    c.share("witness.suspicion", w.suspicion);
    c.share("witness.flee", w.flee);

    let sc = &s.self_containment;
    c.range(
        "self_containment.min_weeks",
        sc.min_weeks,
        1.0,
        520.0,
        "weeks",
    );
    c.range(
        "self_containment.max_weeks",
        sc.max_weeks,
        sc.min_weeks,
        520.0,
        "weeks (at least min_weeks)",
    );
    c.share("self_containment.exposure", sc.exposure);
    c.range(
        "self_containment.weekly_cost_months",
        sc.weekly_cost_months,
        0.0,
        10.0,
        "months of income per week",
    );
    c.share("self_containment.when_trapped", sc.when_trapped);
    c.range(
        "self_containment.poverty_elasticity",
        sc.poverty_elasticity,
        0.0,
        5.0,
        "an elasticity",
    );

    let pu = &s.pursuit;
    let marks = ["defaulter", "resister", "witness", "informant", "traitor"];
    for (name, value) in marks.iter().zip(pu.detection.as_array()) {
        c.range(
            &format!("pursuit.detection.{name}"),
            value,
            0.0,
            52.0,
            "detections per year",
        );
    }
    c.range(
        "pursuit.kin_visibility",
        pu.kin_visibility,
        0.0,
        100.0,
        "a multiplier",
    );
    c.range(
        "pursuit.leak_factor",
        pu.leak_factor,
        0.0,
        100.0,
        "a multiplier",
    );
    c.share("pursuit.clandestinity", pu.clandestinity);
    c.share("pursuit.attack_lethality", pu.attack_lethality);

    let ho = &s.hosting;
    c.range("hosting.kin_weeks", ho.kin_weeks, 1.0, 5200.0, "weeks");
    c.share("hosting.rejection_per_severity", ho.rejection_per_severity);
    c.range(
        "hosting.precarious_move_rate",
        ho.precarious_move_rate,
        0.0,
        52.0,
        "moves per year",
    );
    c.share("hosting.move_on_share", ho.move_on_share);

    let sch = &s.school;
    c.share("school.readmission", sch.readmission);
    c.share("school.informal_factor", sch.informal_factor);
    c.share("school.sent_away_readmission", sch.sent_away_readmission);

    let e = &s.exit;
    c.share("exit.base", e.base);
    for (key, value) in [
        ("exit.failed_move_multiplier", e.failed_move_multiplier),
        ("exit.pursuit_multiplier", e.pursuit_multiplier),
        ("exit.profile_multiplier", e.profile_multiplier),
        (
            "exit.sexual_violence_multiplier",
            e.sexual_violence_multiplier,
        ),
    ] {
        c.range(key, value, 0.0, 100.0, "a multiplier");
    }
    c.range(
        "exit.smuggler_price_months",
        e.smuggler_price_months,
        0.0,
        1000.0,
        "months of income",
    );
    c.share("exit.transit_violence", e.transit_violence);
    c.share("exit.transit_trafficking", e.transit_trafficking);
    c.range(
        "exit.labour_rate",
        e.labour_rate,
        0.0,
        1.0,
        "emigrating households per household per year",
    );
    c.range(
        "exit.labour_family_factor",
        e.labour_family_factor,
        0.0,
        10.0,
        "a multiplier",
    );

    c.range(
        "returns.rate",
        s.returns.rate,
        0.0,
        52.0,
        "returns per year",
    );
    c.range(
        "returns.max_risk",
        s.returns.max_risk,
        0.0,
        1e5,
        "homicides per 100,000 per year",
    );

    let t = &s.trafficking;
    c.range(
        "trafficking.base_rate",
        t.base_rate,
        0.0,
        52.0,
        "events per person per year",
    );
    let l = &t.lodging;
    for (name, value) in [
        ("kin", l.kin),
        ("shelter", l.shelter),
        ("rent", l.rent),
        ("informal", l.informal),
    ] {
        c.range(
            &format!("trafficking.lodging.{name}"),
            value,
            0.0,
            100.0,
            "a multiplier",
        );
    }
    for (key, value) in [
        ("trafficking.per_year_displaced", t.per_year_displaced),
        ("trafficking.no_kin_factor", t.no_kin_factor),
        ("trafficking.group_control_factor", t.group_control_factor),
        ("trafficking.unaccompanied_factor", t.unaccompanied_factor),
        ("trafficking.home_factor", t.home_factor),
        ("trafficking.female_weight", t.female_weight),
        ("trafficking.child_weight", t.child_weight),
    ] {
        c.range(key, value, 0.0, 100.0, "a multiplier");
    }
    for (sex, table) in [("female", &t.forms_female), ("male", &t.forms_male)] {
        let names = ["sexual", "labour", "criminal", "servitude"];
        for (name, value) in names.iter().zip(table.as_array()) {
            c.range(
                &format!("trafficking.forms_{sex}.{name}"),
                value,
                0.0,
                1e6,
                "a non-negative weight",
            );
        }
        if table.as_array().iter().sum::<f64>() <= 0.0 {
            c.problem(
                &format!("trafficking.forms_{sex}"),
                "found every weight 0, expected at least one form with a positive weight".into(),
            );
        }
    }

    c.share("ghosts.threshold", s.ghosts.threshold);
    c.range(
        "ghosts.min_households",
        s.ghosts.min_households.into(),
        1.0,
        1e9,
        "households",
    );
    c.share("mass.expulsion_share", s.mass.expulsion_share);
    c.share("mass.land_grab_share", s.mass.land_grab_share);
    c.share("mass.suspect_share", s.mass.suspect_share);
    c.range(
        "mass.block_households",
        s.mass.block_households,
        1.0,
        1e6,
        "households in a block",
    );
    c.share("mass.block_flee_share", s.mass.block_flee_share);
    c.share(
        "mass.collective_threat_share",
        s.mass.collective_threat_share,
    );
    c.range(
        "mass.massacre_killings",
        s.mass.massacre_killings.into(),
        0.0,
        1e6,
        "killings in one neighbourhood in one week (0: no massacres)",
    );
    let triggers: Vec<String> = crate::metrics::Trigger::ALL
        .iter()
        .map(|t| t.name().to_string())
        .collect();
    for (name, share) in &s.targets.trigger_shares {
        let key = format!("targets.trigger_shares.{name}");
        if triggers.contains(name) {
            c.share(&key, *share);
        } else {
            let hint = super::load::nearest(name, &triggers)
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            c.problem(
                &key,
                format!(
                    "`{name}` is not a trigger{hint}; triggers are {}",
                    triggers.join(", ")
                ),
            );
        }
    }
}

/// Valid but probably unintended settings of a resolved scenario, located like problems.
pub fn warnings(spec: &ScenarioSpec, provenance: &Provenance) -> Vec<Problem> {
    let mut found = Vec::new();
    if spec.groups.is_empty() {
        found.push(
            provenance.problem(
                "groups",
                "the scenario has no [[groups]]: no one is extorted, threatened, recruited or \
             displaced by an armed group (did you mean to extend a scenario such as baseline.toml?)"
                    .into(),
            ),
        );
    }
    let ticks = spec.simulation.ticks;
    for (i, event) in spec.events.iter().enumerate() {
        if event.tick >= ticks {
            let label = if event.label.is_empty() {
                String::new()
            } else {
                format!(" (`{}`)", event.label)
            };
            found.push(provenance.problem(
                &format!("events[{i}].tick"),
                format!(
                    "the event{label} starts at tick {}, but the run's ticks are 0 to {}: it never happens",
                    event.tick,
                    ticks - 1
                ),
            ));
        }
    }
    found
}

/// Regions a world may have (policies, events and outputs are per region).
pub const MAX_REGIONS: u32 = 255;

/// Problems reported for the rows of an explicit map before the rest are counted.
const MAX_ROW_PROBLEMS: usize = 5;

/// Whether the world's regions can be listed: a region map, or a block layout within the grid
/// and within [`MAX_REGIONS`] (checked before region names are built, so a bad file cannot make
/// the checker allocate without bound).
fn regions_listable(s: &ScenarioSpec) -> bool {
    let w = &s.world;
    let (width, height) = match w.map.first() {
        Some(row) => (row.chars().count() as u64, w.map.len() as u64),
        None => (u64::from(w.width), u64::from(w.height)),
    };
    !w.region_map.is_empty()
        || (u64::from(w.regions_x) * u64::from(w.regions_y) <= u64::from(MAX_REGIONS)
            && u64::from(w.regions_x) <= width
            && u64::from(w.regions_y) <= height)
}

/// Checks the grid (generated or explicit) and returns its size.
fn check_world(s: &ScenarioSpec, c: &mut Checker<'_>) -> (u32, u32) {
    let w = &s.world;
    let (width, height) = if w.map.is_empty() {
        c.range("world.width", w.width.into(), 1.0, 4000.0, "neighbourhoods");
        c.range(
            "world.height",
            w.height.into(),
            1.0,
            4000.0,
            "neighbourhoods",
        );
        for (kind, share) in w.mix.entries() {
            c.share(&format!("world.mix.{}", kind.name()), share);
        }
        c.sums_to_one("world.mix", &w.mix.entries().map(|(_, v)| v));
        (w.width, w.height)
    } else {
        let width = w.map[0].chars().count();
        // A huge map of bad rows gets its first few problems and a count, not a line each.
        let mut row_problems = Vec::new();
        for (row, line) in w.map.iter().enumerate() {
            if line.chars().count() != width {
                row_problems.push(format!(
                    "row {} has {} cells, expected {width} like row 1",
                    row + 1,
                    line.chars().count()
                ));
            }
            if let Some(bad) = line
                .chars()
                .find(|ch| CellKind::from_map_letter(*ch).is_none())
            {
                row_problems.push(format!(
                    "row {} has `{bad}`, expected one of C, P, R, B, S",
                    row + 1
                ));
            }
        }
        let shown = row_problems.len().min(MAX_ROW_PROBLEMS);
        for message in row_problems.drain(..shown) {
            c.problem("world.map", message);
        }
        if !row_problems.is_empty() {
            c.problem(
                "world.map",
                format!("and {} more problems in its rows", row_problems.len()),
            );
        }
        if width == 0 {
            c.problem("world.map", "rows are empty".into());
        }
        (width as u32, w.map.len() as u32)
    };
    if w.region_map.is_empty() {
        let regions = u64::from(w.regions_x) * u64::from(w.regions_y);
        if regions > u64::from(MAX_REGIONS) {
            c.problem(
                "world.regions_x",
                format!(
                    "regions_x x regions_y = {} x {} = {regions} regions, expected at most {MAX_REGIONS}",
                    w.regions_x, w.regions_y
                ),
            );
        }
        c.range(
            "world.regions_x",
            w.regions_x.into(),
            1.0,
            width.max(1).into(),
            "regions",
        );
        c.range(
            "world.regions_y",
            w.regions_y.into(),
            1.0,
            height.max(1).into(),
            "regions",
        );
    } else {
        let rows = w.region_map.len() as u32;
        let bad_row = w
            .region_map
            .iter()
            .position(|r| r.chars().count() as u32 != width);
        if rows != height || bad_row.is_some() {
            c.problem(
                "world.region_map",
                format!("expected {height} rows of {width} characters, matching the grid"),
            );
        }
        let distinct: BTreeSet<char> = w.region_map.iter().flat_map(|r| r.chars()).collect();
        if distinct.len() > MAX_REGIONS as usize {
            c.problem(
                "world.region_map",
                format!("{} regions, expected at most {MAX_REGIONS}", distinct.len()),
            );
        }
    }
    c.range(
        "world.cities_per_region",
        w.cities_per_region.into(),
        1.0,
        50.0,
        "cities",
    );
    (width, height)
}

fn check_groups(s: &ScenarioSpec, c: &mut Checker<'_>, width: u32, height: u32) {
    let cells = f64::from(width) * f64::from(height);
    let mut names = BTreeSet::new();
    for (i, g) in s.groups.iter().enumerate() {
        let key = |k: &str| format!("groups[{i}].{k}");
        if !names.insert(g.name.clone()) {
            c.problem(
                &key("name"),
                format!("name `{}` is used by two group types", g.name),
            );
        }
        c.range(&key("count"), g.count.into(), 0.0, 10_000.0, "groups");
        if g.homes.len() > g.count as usize {
            c.problem(
                &key("homes"),
                format!("{} homes given for {} groups", g.homes.len(), g.count),
            );
        }
        for (j, [x, y]) in g.homes.iter().enumerate() {
            if *x >= width || *y >= height {
                c.problem(
                    &key("homes"),
                    format!(
                        "home {} is [{x}, {y}], outside the {width}x{height} grid",
                        j + 1
                    ),
                );
            }
        }
        if regions_listable(s) {
            let names = crate::world::region_names(s);
            for region in &g.regions {
                if !names.contains(region) {
                    c.problem(
                        &key("regions"),
                        format!(
                            "no region named `{region}`; regions are {}",
                            names.join(", ")
                        ),
                    );
                }
            }
        }
        if g.home_kinds.as_ref().is_some_and(|k| k.is_empty()) {
            c.problem(
                &key("home_kinds"),
                "expected at least one kind of neighbourhood".into(),
            );
        }
        let unwrap = |v: Option<f64>| v.unwrap_or(f64::NAN);
        c.range(&key("strength"), unwrap(g.strength), 0.0, 1.0, "a strength");
        c.range(
            &key("territory_cells"),
            g.territory_cells.map_or(f64::NAN, f64::from),
            1.0,
            cells,
            "neighbourhoods",
        );
        c.range(
            &key("extortion_rate"),
            unwrap(g.extortion_rate),
            0.0,
            520.0,
            "demands per household per year",
        );
        c.range(
            &key("extortion_level"),
            unwrap(g.extortion_level),
            0.0,
            120.0,
            "months of income",
        );
        c.range(
            &key("violence"),
            unwrap(g.violence),
            0.0,
            1e5,
            "homicides per 100,000 per year",
        );
        c.range(
            &key("threat_rate"),
            unwrap(g.threat_rate),
            0.0,
            1000.0,
            "threats per 1,000 households per year",
        );
        c.range(
            &key("reach"),
            g.reach.map_or(f64::NAN, f64::from),
            0.0,
            10_000.0,
            "neighbourhoods",
        );
        for (name, value, what) in [
            (
                "recruitment_rate",
                g.recruitment_rate,
                "attempts per child per year",
            ),
            (
                "sexual_violence_rate",
                g.sexual_violence_rate,
                "assaults per woman or girl per year",
            ),
            (
                "seizure_rate",
                g.seizure_rate,
                "seizures per household per year",
            ),
            (
                "profile_rate",
                g.profile_rate,
                "orders per targeted household per year",
            ),
            (
                "expulsion_rate",
                g.expulsion_rate,
                "orders per contested neighbourhood per year",
            ),
            (
                "land_grab_rate",
                g.land_grab_rate,
                "land grabs per strategic neighbourhood per year",
            ),
            (
                "collective_rate",
                g.collective_rate,
                "collective demands per held neighbourhood per year",
            ),
            (
                "expansion_rate",
                g.expansion_rate,
                "attempts per group per year",
            ),
            ("split_rate", g.split_rate, "splits per group per year"),
            (
                "relocation_rate",
                g.relocation_rate,
                "relocations per group per year",
            ),
        ] {
            c.range(&key(name), unwrap(value), 0.0, 52.0, what);
        }
        c.range(
            &key("max_territory_cells"),
            g.max_territory_cells.map_or(f64::NAN, f64::from),
            g.territory_cells.map_or(1.0, f64::from),
            cells.max(1.0),
            "neighbourhoods (at least territory_cells)",
        );
        c.share(&key("relocation_pressure"), unwrap(g.relocation_pressure));
        c.share(&key("raid_flight_share"), unwrap(g.raid_flight_share));
        c.range(
            &key("deprivation_pull"),
            unwrap(g.deprivation_pull),
            0.0,
            20.0,
            "a pull toward deprived neighbourhoods",
        );
    }
}

/// Checks a `[state]` table (the base one, or the result of an event) under `prefix`.
fn check_state(prefix: &str, st: &StateSpec, s: &ScenarioSpec, c: &mut Checker<'_>) {
    let key = |k: &str| format!("{prefix}.{k}");
    c.kind_table(&key("presence"), &st.presence, 0.0, 1.0, "a presence level");
    for (k, v) in [
        ("corruption", st.corruption),
        ("suppression", st.suppression),
        ("leak_probability", st.leak_probability),
        ("screening_rate", st.screening_rate),
        ("border_openness", st.border_openness),
        ("youth_prevention", st.youth_prevention),
    ] {
        c.share(&key(k), v);
    }
    c.range(
        &key("deprivation_neglect"),
        st.deprivation_neglect,
        0.0,
        5.0,
        "presence lost per unit of deprivation above the kind's mean",
    );
    c.range(
        &key("abuse_rate"),
        st.abuse_rate,
        0.0,
        1000.0,
        "harassments per 1,000 young men per year",
    );
    c.range(
        &key("clash_rate"),
        st.clash_rate,
        0.0,
        520.0,
        "clashes per neighbourhood per year",
    );
    c.range(
        &key("clash_casualties"),
        st.clash_casualties,
        0.0,
        1000.0,
        "casualties per clash",
    );
    c.range(
        &key("niac_lethality"),
        st.niac_lethality,
        1.0,
        100.0,
        "a multiplier",
    );
    c.range(
        &key("niac_access"),
        st.niac_access,
        1.0,
        100.0,
        "a multiplier",
    );
    c.share(&key("brokered_peace"), st.brokered_peace);
    c.range(
        &key("humanitarian_aid"),
        st.humanitarian_aid,
        0.0,
        1e9,
        "households per year",
    );
    c.share(&key("ihrl_consent"), st.ihrl_consent);

    let k = &st.crackdown;
    c.range(&key("crackdown.units"), k.units.into(), 0.0, 1e6, "units");
    c.range(
        &key("crackdown.unit_presence"),
        k.unit_presence,
        0.0,
        1.0,
        "presence per unit",
    );
    let tables = [
        (
            "arrest_rate",
            &k.arrest_rate,
            0.0,
            1e4,
            "arrests per unit per year",
        ),
        (
            "arrest_precision",
            &k.arrest_precision,
            0.01,
            1.0,
            "a share",
        ),
        (
            "clash_rate",
            &k.clash_rate,
            0.0,
            520.0,
            "clashes per unit per year",
        ),
        (
            "killed_per_wounded",
            &k.killed_per_wounded,
            0.0,
            1000.0,
            "killed per wounded",
        ),
        (
            "intelligence_share",
            &k.intelligence_share,
            0.0,
            1.0,
            "a share",
        ),
        (
            "abuse_multiplier",
            &k.abuse_multiplier,
            0.0,
            100.0,
            "a multiplier per unit",
        ),
        (
            "retake_rate",
            &k.retake_rate,
            0.0,
            520.0,
            "retakes per raided neighbourhood per year",
        ),
    ];
    for (name, table, lo, hi, what) in tables {
        for (posture, v) in ["none", "law_enforcement", "militarised", "emergency"]
            .iter()
            .zip(table.as_array())
        {
            c.range(
                &key(&format!("crackdown.{name}.{posture}")),
                v,
                lo,
                hi,
                what,
            );
        }
    }
    c.share(&key("crackdown.detention_capacity"), k.detention_capacity);
    c.range(
        &key("crackdown.release_weeks"),
        k.release_weeks,
        1.0,
        5200.0,
        "weeks",
    );
    c.share(&key("crackdown.attrition"), k.attrition);
    c.range(
        &key("crackdown.recovery_weeks"),
        k.recovery_weeks,
        1.0,
        5200.0,
        "weeks",
    );
    c.share(&key("crackdown.lie_low"), k.lie_low);
    c.range(
        &key("crackdown.fragmentation"),
        k.fragmentation,
        0.0,
        1000.0,
        "a multiplier on the split hazard per share of strength lost",
    );
    c.range(
        &key("crackdown.return_rate"),
        k.return_rate,
        0.0,
        520.0,
        "returns per retaken neighbourhood per year",
    );
    c.range(
        &key("crackdown.pressure_weeks"),
        k.pressure_weeks,
        0.1,
        520.0,
        "weeks",
    );

    let p = &st.protection;
    c.range(
        &key("protection.budget"),
        p.budget,
        0.0,
        1e9,
        "households per year",
    );
    c.range(
        &key("protection.assistance_months"),
        p.assistance_months,
        0.0,
        120.0,
        "months of income",
    );
    c.range(
        &key("protection.assisted_risk_factor"),
        p.assisted_risk_factor,
        0.0,
        1.0,
        "a multiplier",
    );
    c.range(
        &key("protection.shelter_factor"),
        p.shelter_factor,
        0.0,
        100.0,
        "a multiplier",
    );
    c.range(
        &key("protection.relocation_capacity"),
        p.relocation_capacity,
        0.0,
        1e9,
        "households per year",
    );
    c.share(
        &key("protection.relocation_protection"),
        p.relocation_protection,
    );
    c.share(&key("protection.denounce_share"), p.denounce_share);

    c.range(
        &key("truce.violence_factor"),
        st.truce.violence_factor,
        0.0,
        1.0,
        "a multiplier",
    );
    let names: Vec<String> = s.groups.iter().map(|g| g.name.clone()).collect();
    for group in &st.truce.groups {
        if !names.contains(group) {
            let hint = super::load::nearest(group, &names)
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            c.problem(
                &key("truce.groups"),
                format!(
                    "no group type named `{group}`{hint}; known: {}",
                    names.join(", ")
                ),
            );
        }
    }
}

/// Each event: a valid tick window, known regions, and a `[state]` that stays valid.
fn check_events(s: &ScenarioSpec, c: &mut Checker<'_>) {
    // With an invalid region layout (already reported) region names are not checked.
    let regions = if regions_listable(s) {
        Some(crate::world::region_names(s))
    } else {
        None
    };
    for (i, event) in s.events.iter().enumerate() {
        let key = |k: &str| format!("events[{i}].{k}");
        c.range(&key("tick"), event.tick.into(), 0.0, 5200.0, "a tick");
        if let Some(until) = event.until
            && until <= event.tick
        {
            c.problem(
                &key("until"),
                format!(
                    "found {until}, expected a tick after `tick` ({})",
                    event.tick
                ),
            );
        }
        for region in &event.regions {
            let Some(regions) = &regions else { break };
            if !regions.contains(region) {
                c.problem(
                    &key("regions"),
                    format!(
                        "no region named `{region}`; regions are {}",
                        regions.join(", ")
                    ),
                );
            }
        }
        match event_state(&s.state, event) {
            Ok(state) => check_state(&key("state"), &state, s, c),
            Err(message) => c.problem(&key("state"), message),
        }
    }
}

/// `base` with an event's partial `[state]` merged over it.
pub fn event_state(base: &StateSpec, event: &super::state::EventSpec) -> Result<StateSpec, String> {
    let mut table = match toml::Value::try_from(base) {
        Ok(toml::Value::Table(t)) => t,
        _ => return Err("the state does not serialize".into()),
    };
    for (k, v) in event.state.clone() {
        merge(&mut table, k, v);
    }
    use serde::Deserialize;
    StateSpec::deserialize(toml::Value::Table(table)).map_err(|e| {
        let m = e.message().trim().to_string();
        match m.strip_prefix("unknown field ") {
            Some(rest) => {
                let found: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
                let expected: Vec<String> = found.iter().skip(1).map(|s| s.to_string()).collect();
                let hint = found
                    .first()
                    .and_then(|f| super::load::nearest(f, &expected))
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default();
                format!(
                    "unknown key `{}`{hint}",
                    found.first().copied().unwrap_or("?")
                )
            }
            None => super::load::plain_types(&m),
        }
    })
}

fn merge(into: &mut toml::Table, key: String, value: toml::Value) {
    match (into.get_mut(&key), value) {
        (Some(toml::Value::Table(existing)), toml::Value::Table(incoming)) => {
            for (k, v) in incoming {
                merge(existing, k, v);
            }
        }
        (_, value) => {
            into.insert(key, value);
        }
    }
}
