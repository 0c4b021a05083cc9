#!/usr/bin/env bash
# One-machine try of a controller + compute deployment over ZeroMQ with CURVE. Run from the repository root
# after `make build`; stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")"
NIMBUS=${NIMBUS:-../../.build/debug/nimbus}
rm -rf /tmp/nimbus-two-node
$NIMBUS manage zmq keygen --config-file controller.conf
$NIMBUS manage zmq keygen --config-file compute1.conf
cat /tmp/nimbus-two-node/compute1/zmq/curve.pub >> /tmp/nimbus-two-node/controller/zmq/allowed_clients
cat /tmp/nimbus-two-node/controller/zmq/curve.pub >> /tmp/nimbus-two-node/compute1/zmq/allowed_clients
$NIMBUS manage db sync --config-file controller.conf
trap 'kill $(jobs -p) 2>/dev/null' EXIT
$NIMBUS conductor --config-file controller.conf &
$NIMBUS scheduler --config-file controller.conf --config-file scheduler.conf &
$NIMBUS api --config-file controller.conf &
$NIMBUS compute --config-file compute1.conf &
sleep 3
# The api daemon serves Identity v3 on :5000 and bootstraps admin / nimbus on first start.
TOKEN=$(curl -si http://127.0.0.1:5000/v3/auth/tokens -H 'Content-Type: application/json' -d '{"auth": {"identity":
  {"methods": ["password"], "password": {"user": {"name": "admin", "domain": {"name": "Default"}, "password": "nimbus"}}},
  "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}' | awk '/^X-Subject-Token/ {print $2}' | tr -d '\r')
curl -s -X POST http://127.0.0.1:8774/v2.1/flavors -H 'Content-Type: application/json' -H "X-Auth-Token: $TOKEN" \
  -d '{"flavor": {"name": "m1.tiny", "id": "1", "ram": 512, "vcpus": 1, "disk": 1}}' > /dev/null
echo "up: curl -H 'X-Auth-Token: $TOKEN' http://127.0.0.1:8774/v2.1/os-services ; Ctrl-C stops everything"
wait
