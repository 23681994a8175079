#!/bin/bash
# Native memory of bare uWebSockets.js WebSockets (no Socket.IO), by pub/sub topics per socket:
#   load-tests/scripts/uws-footprint/run.sh MODE [N]     MODE: none | shared | unique3
# none: no topic; shared: one topic for all (like Socket.IO's namespace topic); unique3: the gateway's three
# (the namespace, one per socket like Socket.IO's own-id room, one shared by ~10 like a conversation).
# Extra environment for the server in SRVENV (e.g. SRVENV=MALLOC_ARENA_MAX=1). Prints the server's glibc heap
# ([heap] in smaps), VmRSS and V8 heap used before and after N sockets (default 10,000, from 127.0.0.2 and .3).
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
mode=$1; N=${2:-10000}; out=$(mktemp)
coproc SRV { exec env ${SRVENV:-} node --expose-gc "$dir/server.cjs" "$mode"; }
read -r -u "${SRV[0]}" line; port=$(echo "$line" | sed 's/[^0-9]//g')
sleep 0.5; echo x >&"${SRV[1]}"; read -r -u "${SRV[0]}" before
node "$dir/client.cjs" "$port" $((N / 2)) 127.0.0.2 > /dev/null & c1=$!
node "$dir/client.cjs" "$port" $((N / 2)) 127.0.0.3 > "$out" & c2=$!
while ! grep -qs open "$out"; do sleep 0.5; done; sleep 2
echo x >&"${SRV[1]}"; read -r -u "${SRV[0]}" after; echo x >&"${SRV[1]}"; read -r -u "${SRV[0]}" after
echo "$mode [${SRVENV:-}] before $before"; echo "$mode [${SRVENV:-}] after  $after"
kill "$c1" "$c2" "$SRV_PID"; wait 2> /dev/null || true; rm -f "$out"
