#!/usr/bin/env bash
# Builds a tiny guest for the real-QEMU test: a Debian cloud kernel and a busybox initramfs whose /init
# prints a line to the serial console and waits. Output: $1/vmlinuz and $1/initrd.gz. Cached: a second run
# with both files present does nothing.
set -euo pipefail
out=${1:?usage: build-test-guest.sh OUTDIR}
mkdir -p "$out"
[ -s "$out/vmlinuz" ] && [ -s "$out/initrd.gz" ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
pkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
apt-get download -q "$pkg" >/dev/null
dpkg -x ./*.deb kernel
cp kernel/boot/vmlinuz-* "$out/vmlinuz"
mkdir -p root/bin root/proc root/sys root/dev
cp /bin/busybox root/bin/busybox
cat > root/init <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
echo "NIMBUS-GUEST-UP $(/bin/busybox uname -r)" > /dev/ttyS0
# >>> serial console marker (issue 14): a bind-mode TCP serial port drops what the guest writes while no client
# is connected, so a console opened after boot would never see the line above. Repeat it every 2 s.
( n=0; while true; do n=$((n + 1)); /bin/busybox sleep 2; echo "NIMBUS-GUEST-UP again $n" > /dev/ttyS0; done ) &
# <<< serial console marker
while true; do /bin/busybox sleep 3600; done
INIT
chmod +x root/init
(cd root && find . | cpio -o -H newc --quiet | gzip -9 > "$out/initrd.gz")
chmod 0644 "$out/vmlinuz" "$out/initrd.gz"
