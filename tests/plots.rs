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
    // Where departures differ: white at no difference, and a colour where the arms differ.
    let map = png(&plots.join("compare_departures_map.png"));
    assert_eq!(map.dimensions(), (WIDTH, HEIGHT));
    let diverging = [
        displace::plot::compare_map::diff_color(1.0, 1.0),
        displace::plot::compare_map::diff_color(-1.0, 1.0),
    ]
    .map(rgb);
    assert!(map.pixels().any(|p| diverging.contains(p)));
    // Redrawn from the files alone.
    std::fs::remove_dir_all(&plots).unwrap();
    let out = displace(&["plot", "cmp"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(plots.join("compare_forest.svg").is_file());
    assert!(plots.join("compare_departures_map.svg").is_file());
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

// Issue 12: damaged files read by `displace plot` give located errors (exit 2), never a panic,
// and every error reads as plain words.

/// Copies a run folder (files and the `plots/` folder) to `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Rewrites field `column` (by header name) of line `line` (1 is the header) of a CSV file.
fn set_field(path: &Path, line: usize, column: &str, value: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let i = lines[0].split(',').position(|c| c == column).unwrap();
    let mut fields: Vec<String> = lines[line - 1].split(',').map(str::to_string).collect();
    fields[i] = value.to_string();
    lines[line - 1] = fields.join(",");
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// Damages a copy of `source` with `damage`, redraws it, and checks the exit code is 2 and the
/// message holds every one of `expect` and no debug text.
fn assert_located(dir: &Path, source: &Path, damage: impl Fn(&Path), expect: &[&str]) {
    let damaged = dir.join("damaged");
    let _ = std::fs::remove_dir_all(&damaged);
    copy_dir(source, &damaged);
    damage(&damaged);
    let figures = || {
        let mut names: Vec<_> = std::fs::read_dir(damaged.join("plots"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    let before = figures();
    assert!(!before.is_empty());
    let out = displace(&["plot", "damaged"], dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for e in expect {
        assert!(err.contains(e), "expected {e:?} in: {err}");
    }
    assert!(!err.contains("panicked") && !err.contains('{'), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    // The figures drawn before are left as they were, and nothing else is left behind.
    assert_eq!(figures(), before);
    for entry in std::fs::read_dir(&damaged).unwrap() {
        let name = entry.unwrap().file_name();
        assert!(!name.to_string_lossy().starts_with('.'), "{name:?} left");
    }
}

#[test]
fn issue_12_damaged_run_files_give_located_errors_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = run(dir.path(), &common::tiny_path(), &["--ticks", "4"]);
    let d = dir.path();
    // The tester's case: a short row of territory.csv (a field cut off)...
    assert_located(
        d,
        &run_dir,
        |r| {
            let path = r.join("territory.csv");
            let text = std::fs::read_to_string(&path).unwrap();
            let mut lines: Vec<&str> = text.lines().collect();
            let cut = lines[2].rfind(',').unwrap();
            lines[2] = &lines[2][..cut];
            std::fs::write(&path, lines.join("\n")).unwrap();
        },
        &[
            "damaged/territory.csv, line 3",
            "found 4 fields, expected 5",
        ],
    );
    // ... and a map row with fewer letters than neighbourhoods (it panicked in maps.rs).
    assert_located(
        d,
        &run_dir,
        |r| set_field(&r.join("territory.csv"), 4, "controllers", "SSGS"),
        &[
            "damaged/territory.csv, line 4, column 4 (`controllers`)",
            "found 4 characters, expected 192, one per neighbourhood of the 16 × 12 grid",
        ],
    );
    assert_located(
        d,
        &run_dir,
        |r| set_field(&r.join("territory.csv"), 2, "presence", &"5".repeat(191)),
        &[
            "territory.csv, line 2, column 5 (`presence`)",
            "expected 192",
        ],
    );
    // A non-number in a numeric column.
    assert_located(
        d,
        &run_dir,
        |r| set_field(&r.join("timeseries.csv"), 3, "households_displaced", "12a"),
        &[
            "damaged/timeseries.csv, line 3, column 5 (`households_displaced`)",
            "found `12a`, expected a count",
        ],
    );
    assert_located(
        d,
        &run_dir,
        |r| set_field(&r.join("cells.csv"), 7, "displaced_in", "many"),
        &["cells.csv, line 7", "(`displaced_in`)", "found `many`"],
    );
    // A missing column.
    assert_located(
        d,
        &run_dir,
        |r| {
            let path = r.join("timeseries.csv");
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, text.replacen("homicides_oc", "homicides_x", 1)).unwrap();
        },
        &[
            "damaged/timeseries.csv, line 1 (the header)",
            "no column `homicides_oc`",
        ],
    );
    // Empty files.
    for file in [
        "timeseries.csv",
        "territory.csv",
        "cells.csv",
        "episodes.csv",
    ] {
        assert_located(
            d,
            &run_dir,
            |r| std::fs::write(r.join(file), "").unwrap(),
            &[&format!("damaged/{file}: the file is empty")],
        );
    }
    // A neighbourhood outside the grid.
    assert_located(
        d,
        &run_dir,
        |r| set_field(&r.join("episodes.csv"), 2, "origin_cell", "5000"),
        &[
            "episodes.csv, line 2",
            "(`origin_cell`)",
            "found neighbourhood 5000, expected one of the 192",
        ],
    );
    // A neighbourhood listed twice.
    assert_located(
        d,
        &run_dir,
        |r| set_field(&r.join("cells.csv"), 3, "x", "0"),
        &[
            "cells.csv, line 3",
            "neighbourhood (0, 0) is also on line 2",
        ],
    );
    // JSON: a value of the wrong type, a cut file, a missing file.
    assert_located(
        d,
        &run_dir,
        |r| {
            let path = r.join("summary.json");
            let text = std::fs::read_to_string(&path).unwrap();
            let mut summary: serde_json::Value = serde_json::from_str(&text).unwrap();
            summary["trigger_shares"]["homicide"] = "lots".into();
            std::fs::write(&path, summary.to_string()).unwrap();
        },
        &[
            "damaged/summary.json, key `trigger_shares.homicide`",
            "found \"lots\", expected a number",
        ],
    );
    assert_located(
        d,
        &run_dir,
        |r| {
            let path = r.join("manifest.json");
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, &text[..text.len() / 2]).unwrap();
        },
        &["damaged/manifest.json, line ", "the file ends too early"],
    );
    assert_located(
        d,
        &run_dir,
        |r| std::fs::remove_file(r.join("summary.json")).unwrap(),
        &["cannot read damaged/summary.json: not found"],
    );
}

#[test]
fn issue_12_damaged_comparison_files_give_located_errors_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = common::tiny_path();
    let tiny = tiny.to_str().unwrap();
    let args = [
        "compare", tiny, tiny, "-n", "2", "--ticks", "3", "--out", "cmp", "--quiet",
    ];
    let out = displace(&args, dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let cmp = dir.path().join("cmp");
    let d = dir.path();
    assert_located(
        d,
        &cmp,
        |c| set_field(&c.join("compare.csv"), 4, "mean", "n/a"),
        &[
            "damaged/compare.csv, line 4, column 4 (`mean`)",
            "found `n/a`, expected a number",
        ],
    );
    assert_located(
        d,
        &cmp,
        |c| set_field(&c.join("compare.csv"), 3, "diff_mean", "x"),
        &[
            "compare.csv, line 3",
            "(`diff_mean`)",
            "a number or an empty value",
        ],
    );
    assert_located(
        d,
        &cmp,
        |c| set_field(&c.join("compare_timeseries.csv"), 5, "tick", "-1"),
        &[
            "damaged/compare_timeseries.csv, line 5, column 2 (`tick`)",
            "expected a whole number",
        ],
    );
    assert_located(
        d,
        &cmp,
        |c| std::fs::write(c.join("compare_timeseries.csv"), "arm,tick\na,0\n").unwrap(),
        &[
            "compare_timeseries.csv, line 1 (the header)",
            "no column `series`",
        ],
    );
}

#[test]
fn issue_12_a_figure_that_cannot_be_written_is_named_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = run(
        dir.path(),
        &common::tiny_path(),
        &["--ticks", "3", "--no-plots"],
    );
    let plots = dir.path().join("plots");
    // A folder where the figure should go: the write fails (even for root).
    std::fs::create_dir_all(plots.join("status.png")).unwrap();
    let err = displace::plot::render_run(&run_dir, &plots).unwrap_err();
    assert!(!err.is_input(), "the machine's fault, not the input's");
    assert_eq!(
        err.to_string(),
        format!(
            "cannot write {}: it is a folder, not a file",
            plots.join("status.png").display()
        )
    );
    // Named by where the figure ends up when drawn in a temporary folder.
    let moved = err.relocated(&plots, Path::new("run/plots"));
    assert_eq!(
        moved.to_string(),
        "cannot write run/plots/status.png: it is a folder, not a file"
    );
    // Every other kind of I/O error reads as words too, without debug text or error numbers.
    for kind in [
        std::io::ErrorKind::PermissionDenied,
        std::io::ErrorKind::NotFound,
        std::io::ErrorKind::StorageFull,
        std::io::ErrorKind::Other,
    ] {
        let words = displace::plot::io_words(&std::io::Error::from(kind));
        assert!(
            !words.contains('{') && !words.contains("os error") && !words.contains("Kind"),
            "{words}"
        );
    }
    assert_eq!(
        displace::plot::io_words(&std::io::Error::from_raw_os_error(13)),
        "permission denied"
    );
}

/// Rows of `image` (in pixels) between the highest and the lowest pixel of exactly `color`.
fn vertical_extent(image: &image::RgbImage, color: image::Rgb<u8>) -> u32 {
    let rows: Vec<u32> = image
        .enumerate_pixels()
        .filter(|(_, _, p)| **p == color)
        .map(|(_, y, _)| y)
        .collect();
    match (rows.iter().min(), rows.iter().max()) {
        (Some(lo), Some(hi)) => hi - lo,
        _ => 0,
    }
}

#[test]
fn issue_12_small_statuses_are_drawn_on_their_own_scale() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = run(dir.path(), &common::tiny_path(), &[]);
    let image = png(&run_dir.join("plots/status.png"));
    let table = std::fs::read_to_string(run_dir.join("timeseries.csv")).unwrap();
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap_or(0.0)).collect())
        .collect();
    let households: f64 = ["resident", "self_contained", "displaced", "abroad", "dead"]
        .iter()
        .map(|s| {
            let i = header
                .iter()
                .position(|h| *h == format!("households_{s}"))
                .unwrap();
            rows[0][i]
        })
        .sum();
    let mut checked = 0;
    for status in ["self_contained", "displaced", "abroad"] {
        let i = header
            .iter()
            .position(|h| *h == format!("households_{status}"))
            .unwrap();
        let values: Vec<f64> = rows.iter().map(|r| r[i]).collect();
        let max = values.iter().copied().fold(0.0, f64::max);
        if max == 0.0 || values[0] > max / 2.0 {
            continue;
        }
        // A status rising from under half its peak to its peak spans at least a third of the
        // figure's height, however small a share of all households it is (a stacked chart on
        // one scale drew it a few pixels high).
        let color = rgb(displace::plot::palette::status(status));
        let extent = vertical_extent(&image, color);
        assert!(
            extent >= HEIGHT / 6,
            "{status} (peak {max} of {households} households) spans {extent} pixels"
        );
        checked += 1;
    }
    assert!(checked >= 2, "the tiny run displaces and hides households");
}

#[test]
fn issue_12_territory_maps_draw_region_borders_from_cells_or_the_scenario() {
    use displace::plot::maps::{BORDER_COLOR, grid_point_pixel};
    let dir = tempfile::tempdir().unwrap();
    // Two regions in an L: `a` the 5 left columns of the 5 top rows, `b` the rest.
    let mut map = String::from("region_map = [");
    for y in 0..10 {
        let row: String = (0..12)
            .map(|x| if x < 5 && y < 5 { 'a' } else { 'b' })
            .collect();
        map.push_str(&format!("\"{row}\", "));
    }
    map.push(']');
    let text = STATE_ONLY.replace("height = 10\n", &format!("height = 10\n{map}\n"));
    let scenario = write(dir.path(), "regions.toml", &text);
    let run_dir = run(dir.path(), &scenario, &[]);
    let name = "plots/territory_week_004.png";
    let image = png(&run_dir.join(name));
    let border = rgb(BORDER_COLOR);
    let at = |x: f64, y: f64| {
        let (px, py) = grid_point_pixel(12, 10, x, y);
        *image.get_pixel(px, py)
    };
    // On the edges between the regions...
    assert_eq!(at(5.0, 2.5), border, "between (4, 2) and (5, 2)");
    assert_eq!(at(2.5, 5.0), border, "between (2, 4) and (2, 5)");
    // ... and not inside one.
    assert_ne!(at(3.0, 2.5), border, "between (2, 2) and (3, 2)");
    assert_ne!(at(8.5, 7.0), border, "between (8, 6) and (8, 7)");
    assert_ne!(at(2.5, 2.0), border, "between (2, 1) and (2, 2)");

    // Without cells.csv the regions come from the scenario in manifest.json, as the world
    // builder makes them: the same map, pixel for pixel.
    let bare = dir.path().join("bare");
    copy_dir(&run_dir, &bare);
    std::fs::remove_file(bare.join("cells.csv")).unwrap();
    let out = displace(&["plot", "bare"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(png(&bare.join(name)), image);

    // Block regions too (the tiny world: 2 × 1 regions on 16 × 12, split at x = 8).
    let tiny_dir = run(
        dir.path(),
        &common::tiny_path(),
        &["--ticks", "2", "--force"],
    );
    let tiny = png(&tiny_dir.join("plots/territory_week_002.png"));
    let at = |x: f64, y: f64| {
        let (px, py) = grid_point_pixel(16, 12, x, y);
        *tiny.get_pixel(px, py)
    };
    for y in 0..12 {
        assert_eq!(at(8.0, f64::from(y) + 0.5), border, "row {y}");
        assert_ne!(at(4.0, f64::from(y) + 0.5), border, "row {y}");
    }
    std::fs::remove_file(tiny_dir.join("cells.csv")).unwrap();
    let out = displace(&["plot", "run"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(png(&tiny_dir.join("plots/territory_week_002.png")), tiny);
}

#[test]
fn issue_12_territory_legend_lists_only_what_is_on_the_map() {
    use displace::plot::maps::{Key, Territory, territory_legend};
    let territory = Territory {
        width: 3,
        height: 2,
        ticks: vec![0, 1],
        controllers: vec!["SSGSSS".into(), "SCCXTS".into()],
        presence: vec!["130999".into(), "444444".into()],
    };
    let one_region = [0u16; 6];
    let labels = |rows: &[usize], regions: &[u16]| -> Vec<String> {
        territory_legend(&territory, rows, regions)
            .into_iter()
            .map(|e| e.label)
            .collect()
    };
    assert_eq!(
        labels(&[0], &one_region),
        [
            "state, presence 0.1 (weakest)",
            "state, presence 1.0 (strongest)",
            "street gang"
        ]
    );
    assert_eq!(
        labels(&[1], &[0, 0, 0, 1, 1, 1]),
        [
            "state, presence 0.4",
            "trafficking group",
            "cartel",
            "contested",
            "region border"
        ]
    );
    // The animation's legend: what appears in any frame.
    assert_eq!(labels(&[0, 1], &one_region).len(), 6);
    // Every swatch has the colour of a neighbourhood on the map.
    for row in 0..2 {
        let colors: Vec<_> = territory.controllers[row]
            .chars()
            .zip(territory.presence[row].chars())
            .map(|(c, p)| territory_color(c, p))
            .collect();
        for entry in territory_legend(&territory, &[row], &one_region) {
            let Key::Swatch(color) = entry.key else {
                panic!("{entry:?}")
            };
            assert!(colors.contains(&color), "{} on map {row}", entry.label);
        }
    }
}

#[test]
fn issue_12_flow_arrows_widen_with_flow_size_and_have_a_key() {
    use displace::plot::maps::{MAX_FLOW_WIDTH, flow_key, flow_width};
    for largest in [1, 7, 40, 463, 10_000] {
        let widths: Vec<u32> = (1..=largest).map(|n| flow_width(n, largest)).collect();
        assert!(widths.windows(2).all(|w| w[0] <= w[1]), "never narrower");
        assert!(widths.iter().all(|w| (1..=MAX_FLOW_WIDTH).contains(w)));
        assert_eq!(flow_width(largest, largest), MAX_FLOW_WIDTH);
        if largest >= 40 {
            // In proportion: a flow a quarter of the largest is a quarter as wide (rounded).
            let quarter = flow_width(largest / 4, largest);
            assert!((2..=4).contains(&quarter), "{largest}: {quarter}");
            assert!(flow_width(largest / 2, largest) > quarter);
        }
        // The key: the largest flow first, then smaller round flows, each narrower, drawn
        // with the width the map gives that flow.
        let key = flow_key(largest);
        assert_eq!(key[0], (largest, MAX_FLOW_WIDTH));
        assert!(key.windows(2).all(|k| k[0].0 > k[1].0 && k[0].1 >= k[1].1));
        for (n, w) in &key {
            assert_eq!(*w, flow_width(*n, largest));
        }
        if largest >= 40 {
            assert_eq!(key.len(), 3, "{key:?}");
            assert!(key[2].1 < key[0].1);
        }
    }
    assert_eq!(flow_key(463), [(463, 12), (200, 5), (50, 1)]);
}

#[test]
fn issue_12_the_displacement_map_has_numbers_on_its_scale_and_flow_widths_in_it() {
    use displace::plot::maps::{self, net_color, scale_ticks, tick_label};
    let dir = tempfile::tempdir().unwrap();
    let run_dir = run(dir.path(), &common::tiny_path(), &[]);
    let cells = maps::Cells::read(&run_dir).unwrap().unwrap();
    let max = maps::net_max(&cells);
    let ticks = scale_ticks(max);
    assert!(ticks.len() >= 3 && ticks.contains(&0.0));
    assert!(
        ticks.iter().all(|t| t.abs() <= max),
        "{ticks:?} within ±{max}"
    );
    assert!(ticks.windows(2).all(|t| t[0] > t[1]), "from the top down");
    assert_eq!(
        ticks.first().map(|t| -t),
        ticks.last().copied(),
        "symmetric"
    );
    // The scale's ends have the colours of the map's extremes.
    assert_eq!(net_color(max, max), displace::plot::palette::BLUE);
    assert_eq!(net_color(-max, max), displace::plot::palette::VERMILLION);
    assert_eq!(net_color(0.0, max), plotters::style::WHITE);
    let svg = std::fs::read_to_string(run_dir.join("plots/displacement_map.svg")).unwrap();
    for t in &ticks {
        let label = tick_label(*t);
        assert!(
            svg.contains(&format!(">\n{label}\n</text>")),
            "tick {label}"
        );
    }
    assert!(tick_label(-20.0).starts_with('\u{2212}') && tick_label(20.0) == "+20");
    // Each main flow is drawn with the width its size gives it.
    let flows = maps::main_flows(&run_dir, &cells).unwrap();
    assert!(flows.len() >= 2, "the tiny run has flows");
    let largest = flows[0].episodes;
    for f in &flows {
        let width = maps::flow_width(f.episodes, largest);
        assert!(
            svg.contains(&format!(
                "opacity=\"0.7\" stroke=\"#000000\" stroke-width=\"{width}\""
            )),
            "flow of {} episodes, {width} pixels",
            f.episodes
        );
    }
    for (n, _) in maps::flow_key(largest) {
        let s = if n == 1 { "" } else { "s" };
        assert!(
            svg.contains(&format!(">\n{n} episode{s}\n</text>")),
            "key {n}"
        );
    }
}

#[test]
fn issue_12_an_arm_identical_to_the_first_stays_visible_in_comparison_series() {
    use displace::plot::compare::{ARM_COLORS, arm_style};
    let dir = tempfile::tempdir().unwrap();
    let tiny = common::tiny_path();
    let tiny = tiny.to_str().unwrap();
    // The same scenario twice: both arms have the same series, point for point.
    let args = [
        "compare", tiny, tiny, tiny, "-n", "2", "--ticks", "8", "--out", "cmp", "--quiet",
    ];
    let out = displace(&args, dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let image = png(&dir
        .path()
        .join("cmp/plots/compare_households_displaced.png"));
    // Columns across the plot (right of the legend) where each arm's colour is seen.
    let columns = 400..1150u32;
    let seen = |a: usize| {
        let color = rgb(ARM_COLORS[a]);
        columns
            .clone()
            .filter(|&x| (0..image.height()).any(|y| *image.get_pixel(x, y) == color))
            .count()
    };
    let n = columns.len();
    // The first arm's wide line shows around the later arms' thin ones almost everywhere, and
    // the later arms' dashes over it on much of the way.
    assert!(
        seen(0) * 10 >= n * 8,
        "first arm in {} of {n} columns",
        seen(0)
    );
    for a in 1..3 {
        assert!(
            seen(a) * 10 >= n * 3,
            "arm {a} in {} of {n} columns",
            seen(a)
        );
    }
    // The styles behind it: the first arm widest and solid, later arms thinner, dashed and
    // marked, each differently.
    let (first, second, third) = (arm_style(0), arm_style(1), arm_style(2));
    assert!(first.dash.is_none() && first.width > second.width);
    assert!(second.dash.is_some() && second.width >= third.width);
    assert!(second.dash != third.dash && second.marker != third.marker);
}
