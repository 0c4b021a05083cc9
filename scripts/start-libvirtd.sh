#!/usr/bin/env bash
# Starts libvirtd for the real-QEMU test on a machine without systemd (CI containers). Exit 0 when
# qemu:///system answers; non-zero (with a reason) when libvirtd cannot run here.
set -u
# Debian's qemu.conf runs guests as user and group libvirt-qemu; packages create them only with systemd.
getent group kvm >/dev/null || groupadd -r kvm
getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
id libvirt-qemu >/dev/null 2>&1 || useradd -r -g libvirt-qemu -G kvm -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
# /dev/kvm as udev would leave it (group kvm, 0660). Without udev it stays root-only 0600: libvirt's QEMU
# capability probe (run as root) sees KVM, its per-lookup validity check (as libvirt-qemu) does not, so the
# capabilities cache is thrown away and QEMU re-probed on every domain lookup/define (~50 s here each time).
id -nG libvirt-qemu | grep -qw kvm || usermod -aG kvm libvirt-qemu
if [ -c /dev/kvm ]; then chgrp kvm /dev/kvm && chmod 0660 /dev/kvm; fi
mkdir -p /var/log/libvirt /var/lib/libvirt /run/libvirt
# The daemons must not inherit our stdout/stderr: a caller reading them to EOF (the test harness does)
# would wait for as long as the daemons live.
pgrep -x virtlogd >/dev/null || virtlogd -d </dev/null >>/var/log/libvirt/virtlogd.out 2>&1
pgrep -x libvirtd >/dev/null || libvirtd -d </dev/null >>/var/log/libvirt/libvirtd.out 2>&1
for _ in $(seq 1 50); do
  virsh -c qemu:///system version >/dev/null 2>&1 && exit 0
  sleep 0.2
done
echo "libvirtd did not answer on qemu:///system" >&2
exit 1
