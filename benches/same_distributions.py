#!/usr/bin/env python3
"""Do two builds of displace give the same distribution of every headline metric?

Runs each scenario with build A over seeds 1..N and with build B over seeds 101..100+N (two
independent samples), reads the 27 headline metrics of every run's summary.json, and tests each
metric with a two-sided Mann-Whitney rank test (normal approximation with a tie correction, the
test `displace::compare::stats::mann_whitney_p` implements). Holm's procedure keeps the
family-wise error at ALPHA over all scenarios and metrics. Prints a Markdown table and exits 1
if any metric is rejected.

Used when an optimisation changes the random draws (so the trajectory hashes change) but must
not change the model: A is the build before the change, B the build after.

    benches/same_distributions.py OLD_BINARY NEW_BINARY [--seeds 20] [--set KEY=VALUE ...]
                                  [--set-a KEY=VALUE ...] [--set-b KEY=VALUE ...]
                                  [--first-a 1] [--first-b 101]

Swapping the seed sets (--first-a 101 --first-b 1) tells an effect of the seeds' worlds apart
from one of the builds.

Needs Python 3 and nothing else. Run it from the repository root.
"""

import argparse
import json
import math
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SCENARIOS = ["baseline.toml", "ecuador_2024.toml", "crackdown.toml"]
ALPHA = 0.01


def headline(summary):
    """The headline metrics, as `displace::compare::headline` lists them."""
    s = summary
    by_trigger = s.get("displacements_by_trigger", {})
    return {
        "displaced_persons": s["displaced_persons"],
        "displacement_incidence_per_100k_15plus": s["displacement_incidence_per_100k_15plus"],
        "displacements": s["displacements"],
        "repeat_displacement_share": s["repeat_displacement_share"],
        "mass_event_share": s["mass_event_share"],
        "whole_family_share": s["whole_family_share"],
        "self_contained_households": s["self_contained_households"],
        "cross_border_exits": s["cross_border_exits"],
        "returns": s["returns"],
        "homicides_total": s["homicides_oc"] + s["homicides_background"] + s["homicides_state_clash"],
        "homicides_oc": s["homicides_oc"],
        "homicides_background": s["homicides_background"],
        "homicides_state_clash": s["homicides_state_clash"],
        "homicides_children": s["homicides_children"],
        "children_recruited": s["children_recruited"],
        "trafficking_true": s["trafficking_true"],
        "trafficking_identified": s["trafficking_identified"],
        "pursuit_attacks": s["pursuit_attacks"],
        "business_closures": s["business_closures"],
        "ghost_neighbourhoods": s["ghost_neighbourhoods"],
        "recruitment_displacements": by_trigger.get("recruitment", 0),
        "state_abuse_displacements": by_trigger.get("state_abuse", 0),
        "innocent_detentions": s["innocent_detentions"],
        "member_arrests": s["member_arrests"],
        "killed_to_wounded_ratio": s["killed_to_wounded_ratio"],
        "assisted_households": s["assisted_households"],
        "assisted_preemptive_share": s["assisted_preemptive_share"],
    }


def run(binary, scenario, seed, sets, scratch):
    out = Path(scratch) / f"{Path(binary).name}-{hash(binary) & 0xFFFF}-{scenario}-{seed}"
    command = [binary, "run", f"scenarios/{scenario}", "--seed", str(seed), "--out", str(out),
               "--quiet", "--no-plots", "--threads", "1"]
    for s in sets:
        command += ["--set", s]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return headline(json.loads((out / "summary.json").read_text()))


def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    r = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return r


def mann_whitney_p(x, y):
    """Two-sided p-value of the Mann-Whitney U test, normal approximation with ties."""
    n1, n2 = len(x), len(y)
    pooled = list(x) + list(y)
    r = ranks(pooled)
    u = sum(r[:n1]) - n1 * (n1 + 1) / 2
    n = n1 + n2
    counts = {}
    for v in pooled:
        counts[v] = counts.get(v, 0) + 1
    ties = sum(t**3 - t for t in counts.values())
    var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if var <= 0:
        return 1.0
    z = (abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(var)
    return min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2)))


def holm(pvalues, alpha):
    order = sorted(range(len(pvalues)), key=lambda i: pvalues[i])
    rejected = [False] * len(pvalues)
    for rank, i in enumerate(order):
        if pvalues[i] > alpha / (len(pvalues) - rank):
            break
        rejected[i] = True
    return rejected


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--set", action="append", default=[], dest="both")
    parser.add_argument("--set-a", action="append", default=[])
    parser.add_argument("--set-b", action="append", default=[])
    parser.add_argument("--first-a", type=int, default=1)
    parser.add_argument("--first-b", type=int, default=101)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch, ThreadPoolExecutor(2) as pool:
        for scenario in SCENARIOS:
            a = pool.map(lambda s: run(args.a, scenario, s, args.both + args.set_a, scratch),
                         range(args.first_a, args.first_a + args.seeds))
            b = pool.map(lambda s: run(args.b, scenario, s, args.both + args.set_b, scratch),
                         range(args.first_b, args.first_b + args.seeds))
            a, b = list(a), list(b)
            for metric in a[0]:
                x = [r[metric] for r in a]
                y = [r[metric] for r in b]
                rows.append((scenario, metric, sum(x) / len(x), sum(y) / len(y), mann_whitney_p(x, y)))
    rejected = holm([r[4] for r in rows], ALPHA)
    a_seeds = f"{args.first_a}-{args.first_a + args.seeds - 1}"
    b_seeds = f"{args.first_b}-{args.first_b + args.seeds - 1}"
    print(f"| scenario | metric | mean A (seeds {a_seeds}) | mean B (seeds {b_seeds}) | p | rejected (Holm, {ALPHA:.0%}) |")
    print("|---|---|---:|---:|---:|---|")
    for row, r in sorted(zip(rows, rejected), key=lambda t: t[0][4]):
        scenario, metric, ma, mb, p = row
        print(f"| `{scenario}` | {metric} | {ma:.4g} | {mb:.4g} | {p:.3f} | {'yes' if r else 'no'} |")
    print(f"\n{sum(rejected)} of {len(rows)} rejected; smallest p {min(r[4] for r in rows):.4f}")
    sys.exit(1 if any(rejected) else 0)


if __name__ == "__main__":
    main()
