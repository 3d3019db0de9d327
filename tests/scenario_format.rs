//! The scenario format: defaults, partial tables, `extends`, `--set`, and `check`'s resolved output.

mod common;

use common::{displace, stderr, stdout, write};
use displace::scenario::{GroupKind, Scenario, ScenarioSpec};

fn load(dir: &std::path::Path, file: &str, sets: &[&str]) -> Scenario {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    Scenario::load(&dir.join(file), &sets).unwrap()
}

#[test]
fn an_empty_file_is_the_default_scenario() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "empty.toml", "");
    let s = load(dir.path(), "empty.toml", &[]);
    assert_eq!(s, Scenario::from_spec(ScenarioSpec::default()).unwrap());
}

#[test]
fn partial_tables_keep_the_other_defaults() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "p.toml",
        "[state.presence]\nrural = 0.9\n[extortion.occupation_weight]\nteacher = 4.0\n",
    );
    let s = load(dir.path(), "p.toml", &[]);
    let d = ScenarioSpec::default();
    assert_eq!(s.spec.state.presence.rural, 0.9);
    assert_eq!(
        s.spec.state.presence.urban_core,
        d.state.presence.urban_core
    );
    assert_eq!(s.spec.extortion.occupation_weight.teacher, 4.0);
    assert_eq!(
        s.spec.extortion.occupation_weight.transport,
        d.extortion.occupation_weight.transport
    );
}

#[test]
fn group_keys_default_by_kind() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "g.toml",
        "[[groups]]\nkind = \"street_gang\"\n[[groups]]\nkind = \"cartel\"\nreach = 3\n",
    );
    let s = load(dir.path(), "g.toml", &[]);
    let (gang, cartel) = (&s.spec.groups[0], &s.spec.groups[1]);
    assert_eq!(gang.reach, Some(GroupKind::StreetGang.defaults().reach));
    assert_eq!(cartel.reach, Some(3));
    assert_eq!(
        cartel.territory_cells,
        Some(GroupKind::Cartel.defaults().territory_cells)
    );
    assert!(gang.territory_cells < cartel.territory_cells);
    assert_eq!(gang.name, "street_gang_0");
}

#[test]
fn extends_inherits_overrides_and_replaces_arrays() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "base.toml",
        "[simulation]\nticks = 10\nseed = 3\n[fear]\ntolerance = 50.0\n[[groups]]\nname = \"a\"\n[[groups]]\nname = \"b\"\n",
    );
    write(
        dir.path(),
        "mid.toml",
        "extends = \"base.toml\"\n[simulation]\nticks = 20\n",
    );
    write(
        dir.path(),
        "top.toml",
        "extends = \"mid.toml\"\n[[groups]]\nname = \"c\"\nkind = \"cartel\"\n",
    );
    let s = load(dir.path(), "top.toml", &[]);
    assert_eq!(s.spec.simulation.ticks, 20, "child overrides");
    assert_eq!(s.spec.simulation.seed, 3, "grandparent inherited");
    assert_eq!(s.spec.fear.tolerance, 50.0);
    assert_eq!(s.spec.groups.len(), 1, "an array is replaced whole");
    assert_eq!(s.spec.groups[0].name, "c");
    assert!(s.spec.extends.is_none());
}

#[test]
fn set_overrides_by_path_index_and_name() {
    let tiny = common::tiny_path();
    let s = Scenario::load(
        &tiny,
        &[
            "groups.cartels.reach=2".into(),
            "groups.0.count=9".into(),
            "groups.1.kind=cartel".into(),
            "groups.0.homes=[[1, 2]]".into(),
        ],
    )
    .unwrap();
    assert_eq!(s.spec.groups[2].reach, Some(2));
    assert_eq!(s.spec.groups[0].count, 9);
    assert_eq!(s.spec.groups[1].kind, GroupKind::Cartel);
    assert_eq!(s.spec.groups[0].homes, vec![[1, 2]]);
}

#[test]
fn set_reaches_events_by_index_in_either_form_and_by_label() {
    let crackdown = common::root().join("scenarios/crackdown.toml");
    for key in ["events.0", "events[0]", "events.militarised crackdown"] {
        let s = Scenario::load(
            &crackdown,
            &[
                format!("{key}.tick=3"),
                format!("{key}.state.crackdown.units=77"),
            ],
        )
        .unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_eq!(s.spec.events[0].tick, 3, "{key}");
        let units = s.spec.events[0].state["crackdown"]["units"].clone();
        assert_eq!(
            units.as_float().or(units.as_integer().map(|u| u as f64)),
            Some(77.0),
            "{key}"
        );
    }
    let err = Scenario::load(&crackdown, &["events.curfew.tick=3".into()]).unwrap_err();
    assert!(err.to_string().contains("militarised crackdown"), "{err}");
}

#[test]
fn extends_cycles_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.toml", "extends = \"b.toml\"\n");
    write(dir.path(), "b.toml", "extends = \"a.toml\"\n");
    let out = displace(&["check", "a.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cycle"), "{}", stderr(&out));
}

#[test]
fn check_prints_the_resolved_scenario_and_it_loads_back_identically() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = common::tiny_path();
    let out = displace(
        &[
            "check",
            tiny.to_str().unwrap(),
            "--set",
            "simulation.seed=99",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed = stdout(&out);
    assert!(printed.contains("seed = 99"));
    assert!(
        printed.contains("[fear]") && printed.contains("reach = "),
        "defaults are filled in"
    );
    write(dir.path(), "resolved.toml", &printed);
    let reloaded = load(dir.path(), "resolved.toml", &[]);
    let original = Scenario::load(&tiny, &["simulation.seed=99".into()]).unwrap();
    assert_eq!(reloaded, original);
    assert_eq!(reloaded.hash(), original.hash());
}

#[test]
fn check_takes_seed_and_ticks_after_set_as_run_does() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = common::tiny_path();
    let scenario = [
        tiny.to_str().unwrap(),
        "--set",
        "simulation.seed=5",
        "--seed",
        "7",
        "--ticks",
        "3",
    ];
    let out = displace(&[&["check"], &scenario[..]].concat(), dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    write(dir.path(), "resolved.toml", &stdout(&out));
    let checked = load(dir.path(), "resolved.toml", &[]);
    assert_eq!(
        (checked.spec.simulation.seed, checked.spec.simulation.ticks),
        (7, 3)
    );

    // The run with the same arguments records the same scenario hash.
    let run = dir.path().join("run");
    let output = displace(
        &[
            &["run"],
            &scenario[..],
            &["--quiet", "--no-plots", "--out", run.to_str().unwrap()],
        ]
        .concat(),
        dir.path(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["scenario_hash"], checked.hash());
}

#[test]
fn explicit_maps_define_the_grid_and_regions() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "map.toml",
        "[world]\nmap = [\"CCPR\", \"PRRB\", \"RRSB\"]\nregion_map = [\"aabb\", \"aabb\", \"aabb\"]\n[population]\nhouseholds = 200\n",
    );
    let s = load(dir.path(), "map.toml", &[]);
    let world = displace::world::World::build(&s.spec);
    assert_eq!((world.width, world.height), (4, 3));
    use displace::scenario::CellKind::*;
    assert_eq!(
        world.kind[..4],
        [UrbanCore, UrbanCore, UrbanPeriphery, Rural]
    );
    assert_eq!(world.kind[11], BorderCorridor);
    assert_eq!(world.region_names, vec!["a", "b"]);
    assert_eq!(world.region[3], 1);

    write(
        dir.path(),
        "badmap.toml",
        "[world]\nmap = [\"CCX\", \"CC\"]\n",
    );
    let out = displace(&["check", "badmap.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("badmap.toml:2:1: key `world.map`")
            && err.contains("row 2 has 2 cells")
            && err.contains("`X`"),
        "{err}"
    );
}

#[test]
fn groups_settle_in_their_regions_and_unknown_regions_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let rows: String = (0..10)
        .map(|_| "\"WWWWWEEEEEEEEEEEEEEE\"")
        .collect::<Vec<_>>()
        .join(", ");
    write(
        dir.path(),
        "regions.toml",
        &format!(
            "[world]\nwidth = 20\nheight = 10\nregion_map = [{rows}]\n\
             [population]\nhouseholds = 2000\n\
             [[groups]]\nname = \"west\"\nkind = \"street_gang\"\ncount = 6\nregions = [\"W\"]\n\
             [[groups]]\nname = \"anywhere\"\nkind = \"street_gang\"\ncount = 12\n"
        ),
    );
    let s = load(dir.path(), "regions.toml", &[]);
    let world = displace::world::World::build(&s.spec);
    let groups = displace::actors::place_groups(&s.spec, &world);
    let region_of = |c: u32| world.region_names[world.region[c as usize] as usize].as_str();
    let west: Vec<&str> = groups[..6].iter().map(|g| region_of(g.home)).collect();
    assert!(west.iter().all(|&r| r == "W"), "{west:?}");
    // The west is a quarter of the grid: unrestricted groups settle on both sides.
    let anywhere = groups[6..]
        .iter()
        .filter(|g| region_of(g.home) == "E")
        .count();
    assert!(
        anywhere > 0,
        "no group of the unrestricted type settled in the east"
    );

    let out = displace(
        &[
            "check",
            "regions.toml",
            "--set",
            "groups.west.regions=[\"X\"]",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("groups[0].regions") && err.contains("no region named `X`"),
        "{err}"
    );

    // Region densities name regions too, and cannot empty them all.
    let out = displace(
        &[
            "check",
            "regions.toml",
            "--set",
            "population.region_density.X=2",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("population.region_density.X") && err.contains("no region named `X`"),
        "{err}"
    );
    let out = displace(
        &[
            "check",
            "regions.toml",
            "--set",
            "population.region_density={W = 0, E = 0}",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("every region's density is 0"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_scenario_file_can_set_keys_by_dotted_path_after_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let base = common::tiny_path();
    write(
        dir.path(),
        "child.toml",
        &format!(
            "extends = \"{}\"\nset = [\"groups.gangs.extortion_rate=3.5\", \"simulation.ticks=9\"]\n",
            base.display()
        ),
    );
    let s = load(dir.path(), "child.toml", &[]);
    assert_eq!(s.spec.groups[0].extortion_rate, Some(3.5));
    assert_eq!(s.spec.simulation.ticks, 9);
    // The command line still has the last word, and the resolved scenario keeps no `set`.
    let s = load(dir.path(), "child.toml", &["simulation.ticks=11"]);
    assert_eq!(s.spec.simulation.ticks, 11);
    assert!(!s.to_toml().contains("set ="));

    write(
        dir.path(),
        "bad.toml",
        &format!(
            "extends = \"{}\"\nset = [\"groups.gangs.extortion_rat=3.5\"]\n",
            base.display()
        ),
    );
    let out = displace(&["check", "bad.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("bad.toml:2:1: key `set`") && err.contains("extortion_rate"),
        "{err}"
    );
}

#[test]
fn set_with_a_table_merges_and_default_group_names_work() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "g.toml", "[[groups]]\nkind = \"cartel\"\n");
    let s = load(
        dir.path(),
        "g.toml",
        &["state.presence={urban_core=0.9}", "groups.cartel_0.reach=4"],
    );
    let d = ScenarioSpec::default();
    assert_eq!(s.spec.state.presence.urban_core, 0.9);
    assert_eq!(
        s.spec.state.presence.rural, d.state.presence.rural,
        "other kinds keep their values"
    );
    assert_eq!(s.spec.groups[0].reach, Some(4));
}

/// A scenario read once as a base (as a calibration reads its base scenario) gives, with
/// overrides, the scenario `Scenario::load` gives; it stays as it was read when a file of its
/// `extends` chain changes afterwards, and refuses an unknown key as loading does.
#[test]
fn a_base_read_once_is_its_files_as_they_were_read() {
    use displace::scenario::{ScenarioError, load::Base};
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "parent.toml",
        "[world]\nwidth = 14\nheight = 9\n[population]\nhouseholds = 900\n",
    );
    write(
        dir.path(),
        "child.toml",
        "extends = \"parent.toml\"\nset = [\"world.height=11\"]\n[simulation]\nticks = 6\n",
    );
    let child = dir.path().join("child.toml");
    let sets = vec!["population.households=700".to_string()];
    let base = Base::read(&child).unwrap();
    let from_base = Scenario::from_base(&base, &sets).unwrap();
    assert_eq!(
        from_base,
        load(dir.path(), "child.toml", &["population.households=700"])
    );
    assert_eq!(
        (
            from_base.spec.world.width,
            from_base.spec.world.height,
            from_base.spec.population.households,
            from_base.spec.simulation.ticks
        ),
        (14, 11, 700, 6)
    );

    write(
        dir.path(),
        "parent.toml",
        "[world]\nwidth = 30\nheight = 9\n",
    );
    assert_eq!(load(dir.path(), "child.toml", &[]).spec.world.width, 30);
    assert_eq!(Scenario::from_base(&base, &sets).unwrap(), from_base);

    let unknown = Scenario::from_base(&base, &["world.no_such_key=1".to_string()]);
    assert!(
        matches!(unknown, Err(ScenarioError::BadSet { .. })),
        "{unknown:?}"
    );
}

/// A value refused when the scenario is resolved is refused from a base read once with the
/// same message as from its file: the base keeps where each key was set.
#[test]
fn a_base_read_once_names_the_file_and_line_of_a_refused_value() {
    use displace::scenario::load::Base;
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "s.toml",
        "[world]\nwidth = 14\n\n[flight]\nkin_acceptance = 1.5\n",
    );
    let path = dir.path().join("s.toml");
    let from_file = Scenario::load(&path, &[]).unwrap_err().to_string();
    let base = Base::read(&path).unwrap();
    let from_base = Scenario::from_base(&base, &[]).unwrap_err().to_string();
    assert_eq!(from_base, from_file);
    assert!(from_file.contains("s.toml:5"), "{from_file}");
}
