#!/usr/bin/env bash
# Measures a controller (nimbus api + scheduler + conductor as three processes, ZeroMQ with CURVE) against N
# simulated computes (`nimbus compute --simulate N`, one process) on this machine:
#   idle: CPU (% of one core) and RSS of each controller process over IDLE seconds once all N are up;
#   load: BOOTS servers created in requests of BATCH (min_count), placements/s until all are ACTIVE.
# Usage: scripts/bench-scale.sh N [IDLE=60] [BOOTS=1000] [BATCH=100]   (NIMBUS=path to the binary, default release)
set -euo pipefail
N=${1:?usage: bench-scale.sh N [IDLE] [BOOTS] [BATCH]}
IDLE=${2:-60}; BOOTS=${3:-1000}; BATCH=${4:-100}
NIMBUS=${NIMBUS:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/nimbus}
ROOT=$(mktemp -d /tmp/nimbus-scale-XXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; [ -n "${KEEP:-}" ] && echo "kept $ROOT" || rm -rf "$ROOT"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
CP=$(free_port); SP=$(free_port)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

common="[DEFAULT]
transport_url = zmq://127.0.0.1:$CP
report_interval = 10
service_down_time = 60
rpc_response_timeout = 60
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = 0
compute_driver = fake.FakeDriver
[api]
auth_strategy = noauth2
max_limit = 1000
[database]
connection = sqlite:///$ROOT/nimbus.sqlite
[fake]
vcpus = 64
memory_mb = 262144
[quota]
instances = -1
cores = -1
ram = -1
[zmq]
curve_enabled = true
topic_endpoints = scheduler=127.0.0.1:$SP"
printf '%s\ncurve_allowed_clients_file = %s\n[DEFAULT]\nhost = controller\nstate_path = %s\n' \
  "$common" "$ROOT/controller-allowed" "$ROOT/controller" > "$ROOT/controller.conf"
printf '[zmq]\nbind_address = tcp://127.0.0.1:%s\n' "$SP" > "$ROOT/scheduler.conf"
printf '%s\nbind_address = tcp://127.0.0.1:0\ncurve_server_public_key_file = %s\ncurve_allowed_clients_file = %s\n[DEFAULT]\nhost = sim\nstate_path = %s\n' \
  "$common" "$ROOT/controller/zmq/curve.pub" "$ROOT/compute-allowed" "$ROOT/sim" > "$ROOT/compute.conf"

"$NIMBUS" manage zmq keygen --config-file "$ROOT/controller.conf" >/dev/null
cp "$ROOT/controller/zmq/curve.pub" "$ROOT/compute-allowed"
"$NIMBUS" compute --simulate "$N" --print-public-keys --config-file "$ROOT/compute.conf" > "$ROOT/controller-allowed"
"$NIMBUS" manage db sync --config-file "$ROOT/controller.conf" >/dev/null

start() { local name=$1; shift; "$NIMBUS" "$@" > "$ROOT/$name.log" 2>&1 & PIDS+=($!); eval "PID_$name=$!"; }
C=(--config-file "$ROOT/controller.conf")
start conductor conductor "${C[@]}"
start scheduler scheduler "${C[@]}" --config-file "$ROOT/scheduler.conf"
start api api "${C[@]}"
for _ in $(seq 100); do grep -q "listening on http://" "$ROOT/api.log" && break; sleep 0.2; done
API=$(grep 'compute API listening' "$ROOT/api.log" | grep -o 'http://127.0.0.1:[0-9]*' | head -1)/v2.1
t0=$(date +%s.%N)
start sim compute --simulate "$N" --config-file "$ROOT/compute.conf"
up() { sqlite3 "$ROOT/nimbus.sqlite" "SELECT count(*) FROM services WHERE binary='nova-compute'" 2>/dev/null || echo 0; }
nodes() { sqlite3 "$ROOT/nimbus.sqlite" "SELECT count(*) FROM compute_nodes" 2>/dev/null || echo 0; }
for _ in $(seq 1200); do [ "$(nodes)" -ge "$N" ] && break; sleep 0.5; done
t1=$(date +%s.%N)
echo "N=$N: $(up) compute services, $(nodes) nodes registered in $(echo "$t1 - $t0" | bc) s"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)
sleep 5
declare -A before
for n in api scheduler conductor sim; do p=$(eval echo "\$PID_$n"); before[$n]=$(ticks "$p"); done
sleep "$IDLE"
echo "| process | idle CPU % of a core | RSS MiB | threads |"
echo "|---|---:|---:|---:|"
for n in api scheduler conductor sim; do
  p=$(eval echo "\$PID_$n")
  cpu=$(echo "scale=2; ($(ticks "$p") - ${before[$n]}) * 100 / $hz / $IDLE" | bc)
  echo "| $n | $cpu | $(( $(rss "$p") / 1024 )) | $(ls "/proc/$p/task" | wc -l) |"
done

curl -s -o /dev/null -X POST "$API/flavors" -H 'Content-Type: application/json' \
  -d '{"flavor": {"name": "m1.tiny", "id": "1", "ram": 512, "vcpus": 1, "disk": 1}}'
t2=$(date +%s.%N)
for _ in $(seq $((BOOTS / BATCH))); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$API/servers" -H 'Content-Type: application/json' \
    -d "{\"server\": {\"name\": \"s\", \"imageRef\": \"cirros\", \"flavorRef\": \"1\", \"min_count\": $BATCH, \"max_count\": $BATCH}}")
  [ "$code" = 202 ] || { echo "create answered $code"; tail -5 "$ROOT/api.log"; exit 1; }
done
active() { sqlite3 "$ROOT/nimbus.sqlite" "SELECT count(*) FROM instances WHERE vm_state='active' AND deleted_at IS NULL"; }
for _ in $(seq 3000); do [ "$(active)" -ge "$BOOTS" ] && break; sleep 0.2; done
t3=$(date +%s.%N)
hosts=$(sqlite3 "$ROOT/nimbus.sqlite" "SELECT count(DISTINCT host) FROM instances WHERE deleted_at IS NULL")
errors=$(sqlite3 "$ROOT/nimbus.sqlite" "SELECT count(*) FROM instances WHERE vm_state='error'")
echo "load: $(active) of $BOOTS ACTIVE on $hosts hosts ($errors in ERROR) in $(echo "$t3 - $t2" | bc) s:" \
  "$(echo "scale=1; $(active) / ($t3 - $t2)" | bc) placements/s (API accept to ACTIVE, requests of $BATCH)"
