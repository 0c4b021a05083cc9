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
CPORT=$(free_port); IPORT=$(free_port); GPORT=$(free_port); NPORT=$(free_port); VPORT=$(free_port); SPORT=$(free_port); MPORT=$(free_port)
cat > "$STATE/nimbus.conf" <<EOF
[DEFAULT]
state_path = $STATE
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = $CPORT
report_interval = 1
metadata_listen = 127.0.0.1
metadata_listen_port = $MPORT
# Soft delete (issue 15): a deleted server stays SOFT_DELETED (restorable) until the conductor reclaims it; long
# enough here that the restore below never races the reclaim. Deletes that must finish use --force (forceDelete).
reclaim_instance_interval = 3600
[api]
auth_strategy = keystone
[identity]
port = $IPORT
admin_password = cli-secret
[image]
port = $GPORT
[network]
port = $NPORT
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
expect "server backup create: 501 not supported" "501.*The requested functionality is not supported" \
  "$OS" server backup create --name b1 --type daily --rotate 1 vm1
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
step "server delete --wait" "$OS" server delete --force --wait vm1

# Resize, cold migrate, confirm and revert (issue 15), the claims checked after each step through the
# hypervisors' memory_mb_used: during VERIFY_RESIZE both flavors are held, confirm or revert leaves one.
hv_used() {
  # 2.88 dropped the usage fields from the hypervisor views: ask at 2.87.
  "$OS" --os-compute-api-version 2.87 hypervisor list --long -f json 2>/dev/null |
    python3 -c 'import json,sys; print(sum(h.get("Memory MB Used", 0) for h in json.load(sys.stdin)))'
}
ram() { "$OS" flavor show "$1" -f value -c ram 2>/dev/null; }
TINY=$(ram m1.tiny); SMALL=$(ram m1.small); MEDIUM=$(ram m1.medium)
step "server create rz --wait" "$OS" server create --flavor m1.tiny --image cirros --nic none --wait rz
U0=$(hv_used); RZ_HOST=$(field rz OS-EXT-SRV-ATTR:host)
step "server resize --flavor m1.small --wait" "$OS" server resize --flavor m1.small --wait rz
expect "resize waits in VERIFY_RESIZE" "^VERIFY_RESIZE$" field rz status
step "resize moved the server off $RZ_HOST" test "$(field rz OS-EXT-SRV-ATTR:host)" != "$RZ_HOST"
step "usage in VERIFY_RESIZE holds both flavors" test "$(hv_used)" -eq $((U0 + SMALL))
step "server resize confirm" "$OS" server resize confirm rz
step "resize confirm reaches ACTIVE" wait_status rz ACTIVE
step "usage after confirm: the new flavor only" test "$(hv_used)" -eq $((U0 - TINY + SMALL))
expect "server shows the new flavor" "m1.small" "$OS" server show rz -c flavor
step "server resize --flavor m1.medium --wait" "$OS" server resize --flavor m1.medium --wait rz
step "usage in VERIFY_RESIZE (2) holds both flavors" test "$(hv_used)" -eq $((U0 - TINY + SMALL + MEDIUM))
step "server resize revert" "$OS" server resize revert rz
step "resize revert reaches ACTIVE" wait_status rz ACTIVE
step "usage after revert: the old flavor only" test "$(hv_used)" -eq $((U0 - TINY + SMALL))
expect "server shows the old flavor again" "m1.small" "$OS" server show rz -c flavor
MIG_HOST=$(field rz OS-EXT-SRV-ATTR:host)
step "server migrate --wait" "$OS" server migrate --wait rz
step "migrate moved the server off $MIG_HOST" test "$(field rz OS-EXT-SRV-ATTR:host)" != "$MIG_HOST"
step "usage during the migration holds the flavor twice" test "$(hv_used)" -eq $((U0 - TINY + 2 * SMALL))
step "server migration confirm" "$OS" server migration confirm rz
step "migration confirm reaches ACTIVE" wait_status rz ACTIVE
step "usage after the migration: once" test "$(hv_used)" -eq $((U0 - TINY + SMALL))
expect "server migration list" "confirmed.*migration|migration.*confirmed" \
  "$OS" --os-compute-api-version 2.23 server migration list --server rz
expect "server event list shows each move" "revertResize" "$OS" server event list rz
expect "server event list: resize, confirmResize, migrate" "confirmResize" "$OS" server event list rz
# Rebuild (same host and claim, new name) and rescue/unrescue.
RZ_HOST=$(field rz OS-EXT-SRV-ATTR:host)
step "server rebuild --image --name --wait" "$OS" server rebuild --image cirros --name rz2 --wait rz
expect "rebuild renamed the server" "^rz2$" field rz2 name
step "rebuild kept the host ($RZ_HOST)" test "$(field rz2 OS-EXT-SRV-ATTR:host)" = "$RZ_HOST"
step "usage after rebuild: unchanged" test "$(hv_used)" -eq $((U0 - TINY + SMALL))
step "server rescue" "$OS" server rescue rz2
step "server rescue reaches RESCUE" wait_status rz2 RESCUE
step "server unrescue" "$OS" server unrescue rz2
step "server unrescue reaches ACTIVE" wait_status rz2 ACTIVE
expect "server event list: rebuild, rescue, unrescue" "unrescue" "$OS" server event list rz2
# Snapshot (createImage) and a server booted from it; shelve/unshelve; soft delete and restore (issue 15).
step "server image create --wait" "$OS" server image create --name snap1 --wait rz2
expect "the snapshot is active" "^active$" "$OS" image show snap1 -f value -c status
expect "the snapshot is a snapshot of rz2" "image_type='snapshot'" "$OS" image show snap1 -c properties
step "usage after the snapshot: unchanged" test "$(hv_used)" -eq $((U0 - TINY + SMALL))
step "server create --image snap1 --wait" "$OS" server create --flavor m1.small --image snap1 --nic none --wait fromsnap
step "usage with the snapshot's server" test "$(hv_used)" -eq $((U0 - TINY + 2 * SMALL))
step "server delete fromsnap --wait" "$OS" server delete --force --wait fromsnap
step "usage after its (forced) delete" test "$(hv_used)" -eq $((U0 - TINY + SMALL))
step "server shelve" "$OS" server shelve rz2
step "shelve reaches SHELVED_OFFLOADED" wait_status rz2 SHELVED_OFFLOADED
step "usage when offloaded: the claim is freed" test "$(hv_used)" -eq $((U0 - TINY))
step "server unshelve" "$OS" server unshelve rz2
step "unshelve reaches ACTIVE" wait_status rz2 ACTIVE
step "usage after unshelve: claimed again" test "$(hv_used)" -eq $((U0 - TINY + SMALL))
expect "server event list: createImage, shelve, unshelve" "unshelve" "$OS" server event list rz2
step "server delete (soft)" "$OS" server delete rz2
step "delete reaches SOFT_DELETED" wait_status rz2 SOFT_DELETED
step "usage while soft-deleted: the claim is kept" test "$(hv_used)" -eq $((U0 - TINY + SMALL))
step "server restore" "$OS" server restore rz2
step "restore reaches ACTIVE" wait_status rz2 ACTIVE
expect "server event list: delete, restore" "restore" "$OS" server event list rz2
# Evacuate: the server's compute is forced down and the server rebuilt elsewhere; the source keeps its claim
# until its compute comes back and cleans up (Nova's _destroy_evacuated_instances), or the server is deleted.
wait_moved() {  # ACTIVE on a host other than $2
  for _ in $(seq 1 150); do
    local h; h=$(field "$1" OS-EXT-SRV-ATTR:host)
    [ -n "$h" ] && [ "$h" != "$2" ] && [ "$(field "$1" status)" = ACTIVE ] && return 0; sleep 0.2
  done; return 1
}
EV_HOST=$(field rz2 OS-EXT-SRV-ATTR:host)
step "compute service set --down $EV_HOST" "$OS" --os-compute-api-version 2.11 compute service set --down "$EV_HOST" nova-compute
step "server evacuate" "$OS" --os-compute-api-version 2.29 server evacuate rz2
step "evacuate rebuilt the server off $EV_HOST" wait_moved rz2 "$EV_HOST"
step "usage after evacuate: source and destination held" test "$(hv_used)" -eq $((U0 - TINY + 2 * SMALL))
expect "server migration list: the evacuation is done" "evacuation" \
  "$OS" --os-compute-api-version 2.23 server migration list --server rz2
expect "server event list: evacuate" "evacuate" "$OS" server event list rz2
step "compute service set --up $EV_HOST" "$OS" --os-compute-api-version 2.11 compute service set --up "$EV_HOST" nova-compute
# Live migration (issue 15): scheduled away from its host; the claim moves with the server (the evacuation's
# source claim is still held, as above).
LM_HOST=$(field rz2 OS-EXT-SRV-ATTR:host)
step "server migrate --live-migration" "$OS" --os-compute-api-version 2.30 server migrate --live-migration rz2
step "live migration moved the server off $LM_HOST" wait_moved rz2 "$LM_HOST"
step "usage after live migration: unchanged in total" test "$(hv_used)" -eq $((U0 - TINY + 2 * SMALL))
expect "server migration list: the live migration is completed" "live-migration" \
  "$OS" --os-compute-api-version 2.23 server migration list --server rz2
step "server delete rz --wait" "$OS" server delete --force --wait rz2
step "usage after delete: none of it left" test "$(hv_used)" -eq $((U0 - TINY))

# Networking: the built-in Networking v2 API, and servers on its networks (fake driver).
step "network create" "$OS" network create net1
expect "network list" "net1" "$OS" network list
expect "network show" "net1" "$OS" network show net1
step "subnet create" "$OS" subnet create --network net1 --subnet-range 10.0.0.0/24 sub1
expect "subnet list" "10\.0\.0\.0/24" "$OS" subnet list
step "port create" "$OS" port create --network net1 p1
expect "port list" "p1" "$OS" port list
expect "port show" "ip_address='10\.0\.0\.2'" "$OS" port show p1
step "security group create" "$OS" security group create web
step "security group rule create" "$OS" security group rule create --protocol tcp --dst-port 22 web
RULE=$("$OS" security group rule list web --protocol tcp -f value -c ID 2>/dev/null | head -1)
step "security group rule delete" "$OS" security group rule delete "$RULE"
step "server create --network --wait" "$OS" server create --flavor m1.tiny --image cirros --network net1 --wait nvm1
expect "server show addresses" "net1=10\.0\.0\.[0-9]+" "$OS" server show nvm1 -c addresses
step "server create --nic net-id=,v4-fixed-ip= --wait" "$OS" server create --flavor m1.tiny --image cirros \
  --nic net-id=net1,v4-fixed-ip=10.0.0.50 --wait nvm2
expect "server show fixed address" "10\.0\.0\.50" "$OS" server show nvm2 -c addresses
expect "port list --server" "10\.0\.0\.50" "$OS" port list --server nvm2
step "server delete (on a network) --wait" "$OS" server delete --force --wait nvm1 nvm2
step "port delete" "$OS" port delete p1
step "network delete" "$OS" network delete net1

# Config drive, user data and key pair at create (issue 13); the all-in-one also serves the metadata service.
printf '#cloud-config\nruncmd: [echo cli]\n' > "$STATE/user-data"
step "server create --user-data --key-name --config-drive True --wait" "$OS" server create --flavor m1.tiny \
  --image cirros --nic none --user-data "$STATE/user-data" --key-name k1 --config-drive True --wait cdvm
expect "server show config_drive" "^True$" field cdvm config_drive
expect "server show key_name" "^k1$" field cdvm key_name
expect "server show user_data" "$(base64 -w0 "$STATE/user-data")" "$OS" server show cdvm
expect "console log shows the config drive" "Config drive: .*disk\.config" "$OS" console log show cdvm
step "server delete cdvm --wait" "$OS" server delete --force --wait cdvm
expect "metadata service version list" "^2009-04-04$" curl -s "http://127.0.0.1:$MPORT/"

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
