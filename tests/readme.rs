//! Issue 12: the README's examples are real. Every ```text block of README.md whose first line
//! is `$ displace ...` is run (in a scratch folder that sees the repository's `scenarios/` and
//! `tests/`), and what it prints must equal the block's other lines, with timings, memory and
//! thread counts masked. After an intended change, `DISPLACE_BLESS=1 cargo test --test readme`
//! rewrites the blocks from real output.

mod common;

use std::path::Path;

/// One example: where its block sits in the README, the command, and the printed lines.
struct Example {
    /// Line indices of the block's body (after the command line, before the closing fence).
    body: std::ops::Range<usize>,
    command: String,
    shown: Vec<String>,
}

fn examples(lines: &[String]) -> Vec<Example> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() == "```text"
            && let Some(command) = lines.get(i + 1).and_then(|l| l.strip_prefix("$ displace "))
        {
            let start = i + 2;
            let end = (start..lines.len())
                .find(|&j| lines[j].trim() == "```")
                .expect("a closed block");
            found.push(Example {
                body: start..end,
                command: command.to_string(),
                shown: lines[start..end].to_vec(),
            });
            i = end;
        }
        i += 1;
    }
    found
}

/// Splits a command line on spaces, keeping quoted parts whole.
fn words(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    for ch in command.chars() {
        match (quote, ch) {
            (None, '\'' | '"') => quote = Some(ch),
            (Some(q), c) if c == q => quote = None,
            (None, ' ') => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            (_, c) => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// A line with what depends on the machine masked: every number on a line about time, memory
/// or threads, and seconds anywhere.
fn masked(line: &str) -> String {
    let machine = [
        "seconds",
        "per second",
        "memory",
        "threads",
        "at peak",
        "time by phase",
    ];
    let mask_all = machine.iter().any(|m| line.contains(m));
    let mut out = String::new();
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == ',')
            {
                i += 1;
            }
            let rest: String = chars[i..].iter().take(3).collect();
            let seconds = rest.starts_with(" s)") || rest.starts_with(" s;") || rest == " s";
            if mask_all || seconds {
                out.push('#');
            } else {
                out.extend(&chars[start..i]);
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    // Phase shares reorder as their times vary.
    if line.starts_with("time by phase") {
        return "time by phase (masked)".into();
    }
    out
}

fn run(command: &str, cwd: &Path) -> Vec<String> {
    let args = words(command);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_displace"))
        .args(&args)
        .current_dir(cwd)
        .output()
        .expect("displace runs");
    let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    lines.extend(
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .map(str::to_string),
    );
    lines
}

#[test]
fn issue_12_readme_examples_print_what_the_readme_shows() {
    let root = common::root();
    let readme_path = root.join("README.md");
    let text = std::fs::read_to_string(&readme_path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let found = examples(&lines);
    assert!(found.len() >= 4, "only {} examples", found.len());

    let scratch = tempfile::tempdir().unwrap();
    for dir in ["scenarios", "tests"] {
        std::os::unix::fs::symlink(root.join(dir), scratch.path().join(dir)).unwrap();
    }
    let bless = std::env::var_os("DISPLACE_BLESS").is_some();
    let mut stale = Vec::new();
    // Later blocks first, so that blessing keeps earlier line numbers valid.
    for example in found.iter().rev() {
        let printed = run(&example.command, scratch.path());
        let same = printed.len() == example.shown.len()
            && printed
                .iter()
                .zip(&example.shown)
                .all(|(p, s)| masked(p) == masked(s));
        if !same {
            stale.push(format!(
                "$ displace {}\n--- README shows:\n{}\n--- it prints:\n{}",
                example.command,
                example.shown.join("\n"),
                printed.join("\n")
            ));
            if bless {
                lines.splice(example.body.clone(), printed);
            }
        }
    }
    if bless && !stale.is_empty() {
        std::fs::write(&readme_path, lines.join("\n") + "\n").unwrap();
        return;
    }
    assert!(
        stale.is_empty(),
        "README examples are stale (DISPLACE_BLESS=1 cargo test --test readme rewrites them):\n{}",
        stale.join("\n\n")
    );
}

#[test]
fn masking_hides_only_what_depends_on_the_machine() {
    assert_eq!(
        masked("wrote outputs/x: 52 ticks, 20503 displaced persons (0.3 s)"),
        "wrote outputs/x: 52 ticks, 20503 displaced persons (# s)"
    );
    assert_eq!(
        masked("peak memory                 12.8 MiB"),
        "peak memory                 # MiB"
    );
    assert_eq!(
        masked("displaced persons           17,396"),
        "displaced persons           17,396"
    );
    assert_ne!(masked("ticks 52"), masked("ticks 53"));
    assert_eq!(
        words("run a.toml --set 'description=Two words'"),
        ["run", "a.toml", "--set", "description=Two words"]
    );
}
