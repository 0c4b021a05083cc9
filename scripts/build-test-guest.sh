#!/usr/bin/env bash
# Builds a tiny guest for the real-QEMU test: a Debian cloud kernel and a busybox initramfs whose /init
# prints a line to the serial console and waits. Output: $1/vmlinuz and $1/initrd.gz. Cached: a second run
# with both files present and built by this version of the script does nothing.
set -euo pipefail
out=${1:?usage: build-test-guest.sh OUTDIR}
mkdir -p "$out"
stamp=$(sha256sum "$0" | cut -d' ' -f1)
[ -s "$out/vmlinuz" ] && [ -s "$out/initrd.gz" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
pkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
apt-get download -q "$pkg" >/dev/null
dpkg -x ./*.deb kernel
mkdir -p root/bin root/proc root/sys root/dev
cp /bin/busybox root/bin/busybox
# --- config drive (issue 13): the IDE cdrom and ISO 9660 modules, in load order (no modprobe in the guest) ---
mkdir -p root/lib/modules
for m in drivers/scsi/scsi_common drivers/scsi/scsi_mod drivers/ata/libata drivers/ata/ata_piix drivers/cdrom/cdrom \
         drivers/scsi/sr_mod fs/isofs/isofs; do
  cp kernel/lib/modules/*/kernel/$m.ko root/lib/modules/
done
# --- end config drive ---
# --- network (issue 12): virtio-net is modules in the cloud kernel; copied flat, loaded in dependency order by /init (which
# with a NIC asks DHCP for an address, prints "NIMBUS-LEASE <ip>" and serves "NIMBUS-GUEST-NC" on TCP 8080) ---
mkdir -p root/lib/modules
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover virtio_net; do
  find kernel/lib/modules -name "$m.ko" -exec cp {} root/lib/modules/ \;
done
cat > root/bin/dhcp-event <<'DHCP'
#!/bin/busybox sh
[ "$1" = bound ] || exit 0
/bin/busybox ip addr add "$ip/$mask" dev "$interface"
[ -n "$router" ] && /bin/busybox ip route add default via "${router%% *}" dev "$interface"
echo "NIMBUS-LEASE $ip" > /dev/ttyS0
DHCP
chmod +x root/bin/dhcp-event
# --- end network ---
cat > root/init <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
echo "NIMBUS-GUEST-UP $(/bin/busybox uname -r)" > /dev/ttyS0
# >>> serial console marker (issue 14): a bind-mode TCP serial port drops what the guest writes while no client
# is connected, so a console opened after boot would never see the line above. Repeat it every 2 s.
( n=0; while true; do n=$((n + 1)); /bin/busybox sleep 2; echo "NIMBUS-GUEST-UP again $n" > /dev/ttyS0; done ) &
# <<< serial console marker
# --- network (issue 12): with a NIC, DHCP (the lease printed by dhcp-event) and a TCP listener on 8080 ---
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover virtio_net; do
  /bin/busybox insmod /lib/modules/$m.ko 2>/dev/null
done
/bin/busybox mount -t sysfs sys /sys
if [ -e /sys/class/net/eth0 ]; then
  /bin/busybox ip link set lo up
  /bin/busybox ip link set eth0 up
  /bin/busybox udhcpc -i eth0 -n -q -t 30 -T 2 -s /bin/dhcp-event
  /bin/busybox nc -ll -p 8080 -e /bin/busybox echo NIMBUS-GUEST-NC &
  # The metadata service (issue 13) through 169.254.169.254, as cloud-init asks it (no wget -T: it crashes
  # busybox-static 1.35); in the background so a
  # network without the service does not delay the rest.
  ( for _ in 1 2 3 4 5 6 7 8 9 10; do
      md=$(/bin/busybox wget -q -O - http://169.254.169.254/openstack/latest/meta_data.json 2>/dev/null) && break
      /bin/busybox sleep 1
    done
    if [ -n "$md" ]; then
      ud=$(/bin/busybox wget -q -O - http://169.254.169.254/latest/user-data 2>/dev/null)
      printf 'NIMBUS-MD-META %s\nNIMBUS-MD-USERDATA-BEGIN\n%s\nNIMBUS-MD-USERDATA-END\n' \
        "$(echo "$md" | /bin/busybox tr -d '\n')" "$ud" > /dev/ttyS0
    else
      echo "NIMBUS-MD-FAIL $(/bin/busybox wget -O - http://169.254.169.254/openstack/latest/meta_data.json 2>&1 | /bin/busybox tr '\n' ' ')" > /dev/ttyS0
    fi ) &
fi
# --- end network ---
# --- config drive (issue 13): mount the drive labelled config-2 and print what cloud-init would read ---
for m in scsi_common scsi_mod libata ata_piix cdrom sr_mod isofs; do /bin/busybox insmod /lib/modules/$m.ko 2>/dev/null; done
cd=""
for _ in 1 2 3 4 5; do cd=$(/bin/busybox findfs LABEL=config-2 2>/dev/null) && break; /bin/busybox sleep 1; done
if [ -n "$cd" ] && /bin/busybox mkdir -p /mnt/config && /bin/busybox mount -t iso9660 -o ro "$cd" /mnt/config; then
  {
    echo "NIMBUS-CONFIG-DRIVE $cd"
    echo "NIMBUS-CD-META $(/bin/busybox cat /mnt/config/openstack/latest/meta_data.json)"
    echo "NIMBUS-CD-USERDATA-BEGIN"
    /bin/busybox cat /mnt/config/openstack/latest/user_data 2>/dev/null
    echo "NIMBUS-CD-USERDATA-END"
  } > /dev/ttyS0
fi
# --- end config drive ---
while true; do /bin/busybox sleep 3600; done
INIT
chmod +x root/init
(cd root && find . | cpio -o -H newc --quiet | gzip -9 > "$out/initrd.gz.new")
cp kernel/boot/vmlinuz-* "$out/vmlinuz.new"
chmod 0644 "$out/vmlinuz.new" "$out/initrd.gz.new"
# Renamed into place: another test process may be reading the previous guest.
mv -f "$out/vmlinuz.new" "$out/vmlinuz"
mv -f "$out/initrd.gz.new" "$out/initrd.gz"
echo "$stamp" > "$out/stamp"
