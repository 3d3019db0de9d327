//! `report.html`, read as a person would: every figure there and decodable, nothing asked of the
//! network, every link inside the page; and, where Chromium is installed, the page rendered.

mod common;

use std::path::{Path, PathBuf};

use common::{displace, stderr, write};

/// A comparison of the tiny scenario with a variant in which reports leak more and gangs extort
/// more, written with `extra` arguments into `dir/cmp`.
fn comparison(dir: &Path, extra: &[&str]) -> PathBuf {
    let tiny = common::tiny_path();
    let tiny = tiny.to_str().unwrap();
    let more = write(
        dir,
        "leaky.toml",
        &format!(
            "extends = \"{tiny}\"\n[state]\nleak_probability = 0.6\n[[groups]]\nname = \"gangs\"\nextortion_rate = 20.0\n"
        ),
    );
    let mut args = vec![
        "compare",
        tiny,
        more.to_str().unwrap(),
        "-n",
        "3",
        "--out",
        "cmp",
        "--quiet",
    ];
    args.extend(extra);
    let out = displace(&args, dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    dir.join("cmp")
}

/// A run of the tiny scenario into `dir/run`.
fn run(dir: &Path, extra: &[&str]) -> PathBuf {
    let tiny = common::tiny_path();
    let mut args = vec!["run", tiny.to_str().unwrap(), "--out", "run", "--quiet"];
    args.extend(extra);
    let out = displace(&args, dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    dir.join("run")
}

/// The values of every `name="..."` attribute of the page.
fn attributes(html: &str, name: &str) -> Vec<String> {
    let key = format!(" {name}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&key) {
        rest = &rest[i + key.len()..];
        let end = rest.find('"').expect("attribute closed");
        out.push(rest[..end].to_string());
        rest = &rest[end..];
    }
    out
}

/// Standard base64 decoded (the test's own decoder, independent of the writer's encoder).
fn unbase64(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {}", c as char),
        }
    };
    let bytes = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c) << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

/// The figure files of a folder's `plots/` (PNG and GIF).
fn figure_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("plots"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".png") || n.ends_with(".gif"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Checks what every report must be, and returns the page: self-contained (every image a `data:`
/// URI that decodes, one per figure of `plots/`, no other reference but links to its own
/// anchors), with its Content-Security-Policy.
fn check_page(dir: &Path) -> String {
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html written");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.contains("content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\""),
        "the page forbids anything but embedded images and its own style"
    );
    let sources = attributes(&html, "src");
    assert_eq!(
        sources.len(),
        figure_files(dir).len(),
        "one image per figure of plots/: {:?}",
        figure_files(dir)
    );
    for src in &sources {
        let (mime, data) = src
            .strip_prefix("data:")
            .and_then(|s| s.split_once(";base64,"))
            .unwrap_or_else(|| panic!("an image that is not embedded: {src:.80}"));
        let format = match mime {
            "image/png" => image::ImageFormat::Png,
            "image/gif" => image::ImageFormat::Gif,
            other => panic!("unexpected image type {other}"),
        };
        let img = image::load_from_memory_with_format(&unbase64(data), format)
            .unwrap_or_else(|e| panic!("an embedded {mime} does not decode: {e}"));
        assert!(img.width() > 100 && img.height() > 100);
    }
    let ids = attributes(&html, "id");
    for href in attributes(&html, "href") {
        let target = href
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("a link out of the page: {href}"));
        assert!(ids.iter().any(|id| id == target), "broken link #{target}");
    }
    for forbidden in ["<script", "<link", "url(", "<iframe", "<object", "srcset="] {
        assert!(!html.contains(forbidden), "the page has {forbidden}");
    }
    html
}

#[test]
fn a_comparison_report_embeds_every_figure_and_says_what_differs_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let cmp = comparison(dir.path(), &[]);
    let html = check_page(&cmp);
    let figures = figure_files(&cmp);
    for name in [
        "compare_forest.png",
        "compare_displacements.png",
        "compare_departures_map.png",
    ] {
        assert!(figures.contains(&name.to_string()), "{figures:?}");
    }
    assert_eq!(figures.len(), 2 + displace::compare::SERIES.len());
    // What was compared: the keys that differ, with both values.
    assert!(
        html.contains("<code>state.leak_probability</code>"),
        "the differing key"
    );
    assert!(html.contains("<code>0.6</code>"));
    assert!(!html.contains("<code>simulation.seed</code>"));
    // Sentences naming both arms, over the scenario's length, with the replicates.
    let sentences: Vec<&str> = html
        .split("<li>")
        .skip(1)
        .map(|s| s.split("</li>").next().unwrap())
        .filter(|s| s.contains("replicates"))
        .collect();
    assert!(sentences.len() >= 4, "{sentences:?}");
    for s in &sentences {
        assert!(s.contains("leaky arm") && s.contains("tiny arm"), "{s}");
        assert!(s.contains("over 26 weeks, with 3 paired replicates"), "{s}");
    }
    // How it was made.
    for words in ["common random numbers", "scenario of leaky", "7 to 9"] {
        assert!(html.contains(words), "{words}");
    }
    // The battery has not run here: said so, with how to run it.
    assert!(html.contains("No output of the validation battery was found"));
    assert!(html.contains("displace validate"));
}

#[test]
fn the_facts_bearing_on_a_comparison_show_the_batterys_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let cmp = comparison(dir.path(), &["--no-report"]);
    assert!(!cmp.join("report.html").exists(), "--no-report writes none");
    // A battery's output beside the comparison, as `displace validate` leaves it by default.
    let relevant = displace::report::facts::relevant(
        &displace::validate::facts::catalogue(),
        &["state.leak_probability".to_string()],
        &[],
    );
    assert!(!relevant.is_empty(), "some fact varies leak_probability");
    let (id, _) = &relevant[0];
    let validation = dir.path().join("validation");
    std::fs::create_dir(&validation).unwrap();
    write(
        &validation,
        "validation.json",
        &format!(
            r#"{{"facts": {{"{id}": "FAILS"}}, "checks": [{{"fact": {id}, "check": 1, "statistic": "a statistic", "mean": 0.25, "ci95_low": 0.125, "ci95_high": 0.375, "threshold": "> 0.5", "verdict": "FAILS"}}]}}"#
        ),
    );
    let out = displace(&["report", "cmp"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("report.html"));
    let html = check_page(&cmp);
    assert!(html.contains("<span class=\"fails\">FAILS</span>"));
    assert!(html.contains("a statistic: 0.250 [0.125, 0.375], needed &gt; 0.5 (FAILS)"));
    assert!(html.contains("varies state.leak_probability"));

    // Elsewhere, named by --validation; written to --out.
    let moved = dir.path().join("battery");
    std::fs::rename(&validation, &moved).unwrap();
    let out = displace(
        &[
            "report",
            "cmp",
            "--validation",
            "battery",
            "--out",
            "page.html",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = std::fs::read_to_string(dir.path().join("page.html")).unwrap();
    assert!(page.contains("<span class=\"fails\">FAILS</span>"));
}

#[test]
fn a_run_report_has_its_figures_its_headline_and_its_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = run(dir.path(), &[]);
    let html = check_page(&run_dir);
    let figures = figure_files(&run_dir);
    assert!(figures.iter().any(|f| f.ends_with(".gif")), "{figures:?}");
    assert!(html.contains("data:image/gif;base64,"));
    for words in [
        "<code>displaced_persons</code>",
        "[population]",
        "households = 4000",
        "scenario hash",
        "trajectory hash",
    ] {
        assert!(html.contains(words), "{words}");
    }
}

#[test]
fn without_figures_the_report_says_so_and_bad_folders_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = run(dir.path(), &["--no-plots"]);
    let html = check_page(&run_dir);
    assert!(html.contains("The figures were not drawn"));

    // A folder that is no result, and one missing a file the report needs: exit 2, named.
    let out = displace(&["report", "."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("neither a run folder"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_file(run_dir.join("manifest.json")).unwrap();
    let out = displace(&["report", "run"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("manifest.json"), "{}", stderr(&out));
    assert!(stderr(&out).contains("not found"), "{}", stderr(&out));
}

#[test]
fn an_older_comparison_folder_without_departures_gets_a_report_too() {
    let dir = tempfile::tempdir().unwrap();
    let cmp = comparison(dir.path(), &["--no-report"]);
    // As written before compare_cells.csv existed: no departures, so no map.
    std::fs::remove_file(cmp.join("compare_cells.csv")).unwrap();
    let out = displace(&["plot", "cmp"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = displace(&["report", "cmp"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    check_page(&cmp);
    assert_eq!(
        figure_files(&cmp).len(),
        1 + displace::compare::SERIES.len()
    );
    // A comparison folder without its manifest: named.
    std::fs::remove_file(cmp.join("manifest.json")).unwrap();
    let out = displace(&["report", "cmp"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("manifest.json"), "{}", stderr(&out));
}

// The page in a browser: headless Chromium renders it to a screenshot, and its net log shows
// every request the page made.

/// Chromium on PATH, if installed.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("chromium"))
        .find(|p| p.is_file())
}

/// Chromium, or why the browser tests cannot run: a failure when `DISPLACE_REQUIRE_BROWSER=1`
/// (CI), a note otherwise.
fn browser(test: &str) -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        assert!(
            std::env::var("DISPLACE_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "DISPLACE_REQUIRE_BROWSER=1 but `chromium` is not on PATH: install Debian's chromium package (.ci/run does)"
        );
        eprintln!(
            "{test}: skipped, `chromium` is not on PATH (set DISPLACE_REQUIRE_BROWSER=1 to make this a failure)"
        );
    }
    found
}

const SHOT_WIDTH: u32 = 1280;
const SHOT_HEIGHT: u32 = 2000;

/// Renders `page` headless into `work`: the screenshot and the net log.
fn render(chromium: &Path, page: &Path, work: &Path) -> (image::RgbaImage, serde_json::Value) {
    let shot = work.join("shot.png");
    let net_log = work.join("netlog.json");
    let profile = work.join("profile");
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={SHOT_WIDTH},{SHOT_HEIGHT}"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("--log-net-log={}", net_log.display()))
        .arg(format!("file://{}", page.canonicalize().unwrap().display()))
        .output()
        .expect("chromium starts");
    assert!(
        out.status.success() && shot.is_file(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let img = image::open(&shot)
        .expect("the screenshot decodes")
        .to_rgba8();
    let text = std::fs::read_to_string(&net_log).expect("a net log");
    // The log is closed with `]}` when the browser exits cleanly; tolerate a missing end.
    let log = serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(','))))
        .expect("the net log is JSON");
    (img, log)
}

/// URLs the page asked for other than `file:` and `data:` ones. Requests the browser makes for
/// itself (updates, clock, accounts: initiator "not an origin") are not the page's.
fn page_requests(log: &serde_json::Value) -> Vec<String> {
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        .as_u64()
        .expect("the net log names its event types");
    log["events"]
        .as_array()
        .expect("net log events")
        .iter()
        .filter(|e| e["type"].as_u64() == Some(start_job))
        .filter(|e| e["params"]["initiator"].as_str() != Some("not an origin"))
        .filter_map(|e| e["params"]["url"].as_str())
        .filter(|url| !url.starts_with("file:") && !url.starts_with("data:"))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_comparison_report_renders_in_a_browser_without_asking_the_network() {
    let Some(chromium) = browser("browser rendering") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cmp = comparison(dir.path(), &[]);
    let (shot, log) = render(&chromium, &cmp.join("report.html"), dir.path());
    assert_eq!(shot.dimensions(), (SHOT_WIDTH, SHOT_HEIGHT));
    let colours: std::collections::HashSet<[u8; 4]> = shot.pixels().map(|p| p.0).collect();
    assert!(
        colours.len() > 500,
        "the page looks blank: {} colours",
        colours.len()
    );
    let requests = page_requests(&log);
    assert!(requests.is_empty(), "the page asked for {requests:?}");
}

#[test]
fn the_network_check_catches_a_page_that_asks_for_an_image() {
    let Some(chromium) = browser("network check") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = write(
        dir.path(),
        "leaky.html",
        "<!DOCTYPE html><html><body><p>An image from elsewhere:</p><img src=\"http://example.invalid/x.png\"></body></html>",
    );
    let (_, log) = render(&chromium, &page, dir.path());
    let requests = page_requests(&log);
    assert!(
        requests
            .iter()
            .any(|u| u.starts_with("http://example.invalid/")),
        "{requests:?}"
    );
}
