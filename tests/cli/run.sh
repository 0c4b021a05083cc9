#!/usr/bin/env bash
# The real-client test: the unmodified `openstack` CLI (python-openstackclient from PyPI, in a venv cached
# outside the repo) against `nimbus all-in-one` on 127.0.0.1. Prints "N passed, M failed"; exits 1 if M > 0.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="/opt/swift/usr/bin:$PATH"

VENV="${NIMBUS_CLI_VENV:-$HOME/.cache/nimbus-cli-venv}"
if [ ! -x "$VENV/bin/openstack" ]; then
  python3 -m venv "$VENV" && "$VENV/bin/pip" install -q python-openstackclient || { echo "cannot install the CLI"; exit 1; }
fi
OS="$VENV/bin/openstack"

NIMBUS="${NIMBUS:-$(swift build --show-bin-path)/nimbus}"
[ -x "$NIMBUS" ] || swift build --product nimbus >/dev/null || exit 1

STATE="$(mktemp -d /tmp/nimbus-cli.XXXXXX)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
CPORT=$(free_port); IPORT=$(free_port); GPORT=$(free_port); VPORT=$(free_port); SPORT=$(free_port)
cat > "$STATE/nimbus.conf" <<EOF
[DEFAULT]
state_path = $STATE
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = $CPORT
report_interval = 1
[api]
auth_strategy = keystone
[identity]
port = $IPORT
admin_password = cli-secret
[image]
port = $GPORT
[vnc]
novncproxy_host = 127.0.0.1
novncproxy_port = $VPORT
novncproxy_base_url = http://127.0.0.1:$VPORT/vnc_auto.html
[serial_console]
enabled = true
serialproxy_host = 127.0.0.1
serialproxy_port = $SPORT
base_url = ws://127.0.0.1:$SPORT/
EOF
"$NIMBUS" all-in-one --config-file "$STATE/nimbus.conf" --fake-hosts 3 > "$STATE/nimbus.log" 2>&1 &
NIMBUS_PID=$!
cleanup() { kill "$NIMBUS_PID" 2>/dev/null; wait "$NIMBUS_PID" 2>/dev/null; rm -rf "$STATE"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$IPORT/v3" >/dev/null && curl -sf "http://127.0.0.1:$CPORT/v2.1" >/dev/null && break
  sleep 0.2
done

export OS_AUTH_URL="http://127.0.0.1:$IPORT/v3" OS_IDENTITY_API_VERSION=3 OS_REGION_NAME=RegionOne \
  OS_INTERFACE=public OS_USERNAME=admin OS_PASSWORD=cli-secret OS_PROJECT_NAME=admin \
  OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default
unset OS_CLOUD OS_TOKEN OS_AUTH_TYPE

PASSED=0; FAILED=0
OUT="$STATE/out"
# step NAME CMD...: the command must succeed.
step() {
  local name="$1"; shift
  if "$@" > "$OUT" 2>&1; then PASSED=$((PASSED + 1)); echo "ok   $name"
  else FAILED=$((FAILED + 1)); echo "FAIL $name"; sed 's/^/     /' "$OUT" | tail -5; fi
}
# expect NAME PATTERN CMD...: the command's output (it may fail) must match PATTERN.
expect() {
  local name="$1" pattern="$2"; shift 2
  "$@" > "$OUT" 2>&1
  if grep -Eq "$pattern" "$OUT"; then PASSED=$((PASSED + 1)); echo "ok   $name"
  else FAILED=$((FAILED + 1)); echo "FAIL $name (wanted /$pattern/)"; sed 's/^/     /' "$OUT" | tail -5; fi
}
field() { "$OS" server show "$1" -f value -c "$2" 2>/dev/null; }
wait_status() {  # server status (polled; stop/start have no --wait in every CLI release)
  for _ in $(seq 1 150); do [ "$(field "$1" status)" = "$2" ] && return 0; sleep 0.2; done; return 1
}

step "catalog list" "$OS" catalog list
step "flavor create" "$OS" flavor create --ram 256 --disk 1 --vcpus 1 cli.small
step "flavor list" "$OS" flavor list
step "flavor show" "$OS" flavor show cli.small
step "flavor delete" "$OS" flavor delete cli.small
head -c 1048576 /dev/urandom > "$STATE/cirros.img"
step "image create --file" "$OS" image create --file "$STATE/cirros.img" --disk-format qcow2 --container-format bare cirros
expect "image list" "cirros" "$OS" image list
step "keypair create" "$OS" keypair create k1
step "server create --nic none --wait" "$OS" server create --flavor m1.tiny --image cirros --nic none --key-name k1 --wait vm1
expect "server list" "vm1.*ACTIVE" "$OS" server list
expect "server show" "ACTIVE" "$OS" server show vm1
step "server stop" "$OS" server stop vm1
step "server stop reaches SHUTOFF" wait_status vm1 SHUTOFF
step "server start" "$OS" server start vm1
step "server start reaches ACTIVE" wait_status vm1 ACTIVE
step "server reboot --wait" "$OS" server reboot --wait vm1
step "console log show" "$OS" console log show vm1
# Beyond the issue's list: what users also do day to day.
step "server pause" "$OS" server pause vm1
step "server pause reaches PAUSED" wait_status vm1 PAUSED
step "server unpause" "$OS" server unpause vm1
step "server unpause reaches ACTIVE" wait_status vm1 ACTIVE
step "server set --property --tag" "$OS" server set --property role=web --tag blue vm1
expect "server show properties and tags" "role='web'" "$OS" server show vm1 -c properties -c tags
expect "server event list" "pause" "$OS" server event list vm1
expect "limits show --absolute" "total_ram_used|totalRAMUsed" "$OS" limits show --absolute
expect "usage list" "Servers|RAM MB-Hours" "$OS" usage list
step "server group create --policy anti-affinity" "$OS" server group create --policy anti-affinity grp
GROUP=$("$OS" server group show grp -f value -c id 2>/dev/null)
step "server create in group (1)" "$OS" server create --flavor m1.tiny --image cirros --nic none --hint "group=$GROUP" --wait aa1
step "server create in group (2)" "$OS" server create --flavor m1.tiny --image cirros --nic none --hint "group=$GROUP" --wait aa2
H1=$(field aa1 OS-EXT-SRV-ATTR:host); H2=$(field aa2 OS-EXT-SRV-ATTR:host)
step "anti-affinity: different hosts ($H1, $H2)" test -n "$H1" -a -n "$H2" -a "$H1" != "$H2"
expect "hypervisor list" "fake-1" "$OS" hypervisor list
HV=$("$OS" hypervisor list -f value -c ID 2>/dev/null | head -1)
step "hypervisor show" "$OS" hypervisor show "$HV"
expect "compute service list" "nova-compute" "$OS" compute service list
expect "host list (2.42)" "fake-1" "$OS" --os-compute-api-version 2.42 host list
step "aggregate create --zone" "$OS" aggregate create --zone az1 agg1
step "aggregate add host" "$OS" aggregate add host agg1 fake-1
expect "availability zone list" "az1" "$OS" availability zone list
step "quota show" "$OS" quota show
# What Nimbus does not implement answers as Nova does without the feature, and the CLI shows a clean error.
expect "server resize: 501 not supported" "501.*The requested functionality is not supported" \
  "$OS" server resize --flavor m1.small vm1
# Remote consoles: the URL carries a console auth token for the all-in-one's proxies (the websocket side is
# covered by ConsoleProxyTests; without Debian's novnc package the page answers a clear 404).
expect "console url show --novnc" "http://127\.0\.0\.1:$VPORT/vnc_auto\.html\?path=%3Ftoken%3D[0-9a-f-]{36}" \
  "$OS" console url show --novnc vm1
expect "console url show --serial" "ws://127\.0\.0\.1:$SPORT/\?token=[0-9a-f-]{36}" "$OS" console url show --serial vm1
expect "console url show --spice: console type unavailable" "400.*Unavailable console type spice-html5" \
  "$OS" console url show --spice vm1
expect "noVNC page (or, without the novnc package, a clear 404)" "noVNC" \
  curl -s "http://127.0.0.1:$VPORT/vnc_auto.html"
expect "usage show bills up to now" "^0\.[0-9]+$" "$OS" usage show -f value -c "CPU Hours"
step "image set --deactivate" "$OS" image set --deactivate cirros
expect "image is deactivated" "^deactivated$" "$OS" image show cirros -f value -c status
step "image set --activate" "$OS" image set --activate cirros
expect "image is active again" "^active$" "$OS" image show cirros -f value -c status
step "server delete --wait" "$OS" server delete --wait vm1

# A member of a second project: 404 on the first project's server, 403 on admin APIs.
AA1=$(field aa1 id)
step "project create" "$OS" project create p2
step "user create" "$OS" user create --project p2 --password p2-secret u2
step "role add member" "$OS" role add --project p2 --user u2 member
expect "other project's server is 404" "No Server found|404" \
  env OS_USERNAME=u2 OS_PASSWORD=p2-secret OS_PROJECT_NAME=p2 "$OS" server show "$AA1"
expect "admin API is 403" "403|Forbidden|Policy doesn't allow" \
  env OS_USERNAME=u2 OS_PASSWORD=p2-secret OS_PROJECT_NAME=p2 "$OS" compute service list
step "member lists no servers" bash -c \
  "test -z \"\$(OS_USERNAME=u2 OS_PASSWORD=p2-secret OS_PROJECT_NAME=p2 '$OS' server list -f value -c ID)\""

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
