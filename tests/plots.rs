//! Figures: every one is drawn for a small run, decodes as an image of the expected size, and
//! shows what the data say.

mod common;

use std::path::Path;

use common::{displace, stderr, write};
use displace::plot::maps::{GIF_HEIGHT, GIF_WIDTH, cell_center_pixel, territory_color};
use displace::plot::{HEIGHT, WIDTH};

fn run(dir: &Path, scenario: &Path, extra: &[&str]) -> std::path::PathBuf {
    let mut args = vec!["run", scenario.to_str().unwrap(), "--out", "run", "--quiet"];
    args.extend_from_slice(extra);
    let out = displace(&args, dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    dir.join("run")
}

fn png(path: &Path) -> image::RgbImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}

fn rgb(c: plotters::style::RGBColor) -> image::Rgb<u8> {
    image::Rgb([c.0, c.1, c.2])
}

#[test]
fn every_figure_is_drawn_and_decodes_at_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = run(dir.path(), &common::tiny_path(), &[]);
    let plots = run_dir.join("plots");
    for name in [
        "status",
        "displacements_by_trigger",
        "homicides",
        "displacement_map",
        "trigger_mix",
        "territory_week_001",
        "territory_week_014",
        "territory_week_026",
    ] {
        let image = png(&plots.join(format!("{name}.png")));
        assert_eq!(image.dimensions(), (WIDTH, HEIGHT), "{name}");
        let svg = std::fs::read_to_string(plots.join(format!("{name}.svg"))).unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"), "{name}.svg");
    }
    // The animation has one frame per territory snapshot (every tick of the tiny run).
    let file = std::fs::File::open(plots.join("territory.gif")).unwrap();
    let mut decoder = gif::DecodeOptions::new().read_info(file).unwrap();
    assert_eq!(
        (u32::from(decoder.width()), u32::from(decoder.height())),
        (GIF_WIDTH, GIF_HEIGHT)
    );
    let mut frames = 0;
    while decoder.read_next_frame().unwrap().is_some() {
        frames += 1;
    }
    assert_eq!(frames, 26);
}

const STATE_ONLY: &str =
    "[simulation]\nticks = 4\n[world]\nwidth = 12\nheight = 10\n[population]\nhouseholds = 600\n";

#[test]
fn a_state_only_world_shows_no_group_colour() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "state.toml", STATE_ONLY);
    let run_dir = run(dir.path(), &scenario, &[]);
    let image = png(&run_dir.join("plots/territory_week_004.png"));
    for code in ['G', 'T', 'C', 'X'] {
        let group = rgb(territory_color(code, '0'));
        assert!(
            image.pixels().all(|p| *p != group),
            "no pixel has the colour of {code}"
        );
    }
}

#[test]
fn one_gang_neighbourhood_is_drawn_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{STATE_ONLY}[[groups]]\nkind = \"street_gang\"\nhomes = [[7, 3]]\nterritory_cells = 1\nexpansion_rate = 0\nsplit_rate = 0\nrelocation_rate = 0\n"
    );
    let scenario = write(dir.path(), "one_gang.toml", &text);
    let run_dir = run(dir.path(), &scenario, &[]);
    let image = png(&run_dir.join("plots/territory_week_001.png"));
    let gang = rgb(territory_color('G', '0'));
    let (x, y) = cell_center_pixel(12, 10, 7, 3);
    assert_eq!(*image.get_pixel(x, y), gang, "the gang's cell");
    let (x, y) = cell_center_pixel(12, 10, 2, 8);
    assert_ne!(*image.get_pixel(x, y), gang, "a state cell");
    let gang_pixels = image.pixels().filter(|p| **p == gang).count();
    let (x0, _) = cell_center_pixel(12, 10, 0, 0);
    let (x1, _) = cell_center_pixel(12, 10, 1, 0);
    let cell = (x1 - x0) as usize;
    // One cell of the map, plus the legend swatch.
    assert!(
        gang_pixels >= cell * cell && gang_pixels < 2 * cell * cell + 1000,
        "{gang_pixels} pixels"
    );
}

#[test]
fn plot_redraws_an_existing_run_and_no_plots_skips_them() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = run(
        dir.path(),
        &common::tiny_path(),
        &["--no-plots", "--ticks", "3"],
    );
    assert!(!run_dir.join("plots").exists());
    let out = displace(&["plot", "run"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(run_dir.join("plots/status.png").is_file());
    assert!(run_dir.join("plots/territory.gif").is_file());
    let out = displace(&["plot", "nowhere"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a run folder"));
}

#[test]
fn a_comparison_draws_a_forest_plot_and_banded_series() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = common::tiny_path();
    let tiny = tiny.to_str().unwrap();
    let more = write(
        dir.path(),
        "more.toml",
        &format!("extends = \"{tiny}\"\n[[groups]]\nname = \"gangs\"\nextortion_rate = 20.0\n"),
    );
    let out = displace(
        &[
            "compare",
            tiny,
            more.to_str().unwrap(),
            "-n",
            "3",
            "--out",
            "cmp",
            "--quiet",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let plots = dir.path().join("cmp/plots");
    let forest = png(&plots.join("compare_forest.png"));
    assert_eq!(forest.width(), WIDTH);
    assert!(forest.height() >= HEIGHT);
    // The second arm's colour marks its differences.
    let arm = rgb(displace::plot::compare::ARM_COLORS[1]);
    assert!(forest.pixels().any(|p| *p == arm));
    for series in displace::compare::SERIES {
        assert_eq!(
            png(&plots.join(format!("compare_{series}.png"))).dimensions(),
            (WIDTH, HEIGHT),
            "{series}"
        );
    }
    // Redrawn from the files alone.
    std::fs::remove_dir_all(&plots).unwrap();
    let out = displace(&["plot", "cmp"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(plots.join("compare_forest.svg").is_file());
}

#[test]
fn maps_are_drawn_at_the_chosen_weeks() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = run(
        dir.path(),
        &common::tiny_path(),
        &["--set", "outputs.map_weeks=[3, 20]"],
    );
    let names: Vec<String> = std::fs::read_dir(run_dir.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("territory_week_") && n.ends_with(".png"))
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, ["territory_week_003.png", "territory_week_020.png"]);
}
