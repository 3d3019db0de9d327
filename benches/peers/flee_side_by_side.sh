#!/usr/bin/env bash
# Times the Flee 3.1 forced-displacement simulator and `displace bench` on the same workload, one
# after the other, several times, and prints each one's agent-steps (household-ticks) per second
# and the ratio. Workload: a 100x100 grid (10,000 locations), 100,000 agents, 20 steps.
#
#   benches/peers/flee_side_by_side.sh [REPEATS]
#
# Needs python3; creates benches/peers/.venv with flee==3.1 on first use. Flee runs single-threaded
# (it is pure Python); `displace bench` is run with one thread and with every core.
set -euo pipefail
cd "$(dirname "$0")/../.."
repeats=${1:-3}
side=100 agents=100000 steps=20

venv=benches/peers/.venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q flee==3.1 numpy pyyaml
fi
cargo build --release -q

for i in $(seq 1 "$repeats"); do
    flee=$("$venv/bin/python" benches/peers/bench_flee.py --side $side --agents $agents --steps $steps --json \
        | sed -n 's/^JSON //p' | python3 -c 'import json,sys; print(json.load(sys.stdin)["agent_steps_per_s"])')
    one=$(target/release/displace bench --households $agents --ticks $steps --threads 1 --json --quiet \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["household_ticks_per_second"])')
    all=$(target/release/displace bench --households $agents --ticks $steps --json --quiet \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["household_ticks_per_second"])')
    python3 -c "print(f'run $i: flee {$flee:,.0f}/s  displace 1 thread {$one:,.0f}/s ({$one/$flee:,.0f}x)  all cores {$all:,.0f}/s ({$all/$flee:,.0f}x)')"
done
