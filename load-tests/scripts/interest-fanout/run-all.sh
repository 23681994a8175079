#!/bin/bash
# Every mechanism at 1,000 and 5,000 events/s, ROUNDS times (default 2), then the join race of each; one JSON line
# per run, after a line with the time and load average:
#   SHARDED_ADAPTER=<dir> load-tests/scripts/interest-fanout/run-all.sh > results.jsonl
set -u
dir=$(cd "$(dirname "$0")" && pwd)
rounds=${ROUNDS:-2}
for round in $(seq 1 "$rounds"); do
  for rate in ${RATES:-1000 5000}; do
    for mech in ${MECHS:-none streams sharded nats registry}; do
      echo "# round $round $(date -u +%FT%TZ) $(uptime)"
      timeout 180 node "$dir/bench.mjs" "$mech" "$rate" "${SECONDS_PER_RUN:-10}" || echo "# bench $mech $rate failed: $?"
    done
  done
done
for round in $(seq 1 "$rounds"); do
  for mech in ${RACE_MECHS:-streams sharded nats nats-noflush registry}; do
    echo "# race round $round $(date -u +%FT%TZ) $(uptime)"
    timeout 180 node "$dir/race.mjs" "$mech" "${JOINS:-200}" || echo "# race $mech failed: $?"
  done
done
