#!/bin/bash
# cluster.mjs for `none`, `streams` and `nats` with 1 and 3 nodes at 1,000 and 5,000 events/s, ROUNDS times
# (default 2); one JSON line per run after a `# … uptime` line:
#   load-tests/scripts/interest-fanout/cluster-all.sh > results/cluster-1.jsonl
set -u
dir=$(cd "$(dirname "$0")" && pwd)
for round in $(seq 1 "${ROUNDS:-2}"); do
  for rate in ${RATES:-1000 5000}; do
    for nodes in 1 3; do
      for mech in ${MECHS:-none streams nats}; do
        echo "# round $round $(date -u +%FT%TZ) $(uptime)"
        timeout 180 node "$dir/cluster.mjs" "$mech" "$nodes" "$rate" "${SECONDS_PER_RUN:-10}" || echo "# cluster $mech $nodes $rate failed: $?"
      done
    done
  done
done
