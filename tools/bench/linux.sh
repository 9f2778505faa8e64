#!/bin/sh
# Builds the bench's Linux peer in build/bench/linux/: Debian 12's generic
# kernel (linux-image-amd64, fetched with apt-get download and unpacked with
# dpkg-deb -x, nothing installed on this machine) and a busybox-static
# initramfs whose /init loads the NIC modules minnow has drivers for (e1000,
# e1000e, vmxnet3, virtio_net over virtio_pci or virtio_mmio) in dependency order,
# configures eth0 (udhcpc, or `ip=ADDR/PREFIX gw=ADDR` on the kernel command
# line), prints "linux: net up" and runs busybox httpd -f -p 80 and iperf 2
# as a server on 5001; /www/bytes/4194304 is minnow's /bytes/4194304 as a
# file. Idempotent: reuses what is already there.
#   tools/bench/linux.sh [BUILD]      -> BUILD/bench/linux/{vmlinuz,initrd.img}
set -eu
B=${1:-build}/bench/linux
mkdir -p "$B"
B=$(cd "$B" && pwd)
[ -s "$B/vmlinuz" ] && [ -s "$B/initrd.img" ] && [ "$B/initrd.img" -nt "$0" ] && exit 0

# The kernel: the versioned package the linux-image-amd64 metapackage names.
if [ ! -s "$B/vmlinuz" ]; then
    pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1)
    if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then      # a fresh machine: no package lists yet
        apt-get update -qq
        pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1)
    fi
    [ -n "$pkg" ] || { echo "linux.sh: apt-cache names no kernel for linux-image-amd64 (apt-get update?)" >&2; exit 1; }
    rm -rf "$B/deb" "$B/root" && mkdir -p "$B/deb"
    (cd "$B/deb" && timeout 300 apt-get download -q "$pkg")
    dpkg-deb -x "$B"/deb/*.deb "$B/root"
    kver=$(ls "$B/root/lib/modules" | head -1)
    depmod -b "$B/root" "$kver"
    cp "$B/root/boot/vmlinuz-$kver" "$B/vmlinuz.tmp" && mv "$B/vmlinuz.tmp" "$B/vmlinuz"
fi
kver=$(ls "$B/root/lib/modules" | head -1)

# The initramfs tree.
I="$B/initramfs"
rm -rf "$I" && mkdir -p "$I/bin" "$I/sbin" "$I/etc" "$I/proc" "$I/sys" "$I/dev" "$I/tmp" "$I/www" "$I/lib/modules" "$I/usr/share/udhcpc"
cp /bin/busybox "$I/bin/busybox"
for a in $("$I/bin/busybox" --list); do [ -e "$I/bin/$a" ] || ln -s busybox "$I/bin/$a"; done
# iperf 2 and the libraries it is linked against, at the same paths.
cp "$(command -v iperf)" "$I/bin/iperf"
for lib in $(ldd "$(command -v iperf)" | grep -o '/[^ ]*'); do
    mkdir -p "$I$(dirname "$lib")" && cp -L "$lib" "$I$lib"
done
# Modules in insmod order (modprobe --show-depends lists dependencies first);
# compressed ones are unpacked here so busybox insmod can load them.
: > "$I/lib/modules/order"
for m in e1000 e1000e vmxnet3 virtio_pci virtio_mmio virtio_net; do
    modprobe -d "$B/root" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }' |
    while read -r ko; do
        base=$(basename "$ko"); base=${base%.xz}; base=${base%.zst}
        [ -e "$I/lib/modules/$base" ] && continue
        case "$ko" in
        *.xz)  xz -dc "$ko" > "$I/lib/modules/$base" ;;
        *.zst) zstd -qdc "$ko" > "$I/lib/modules/$base" ;;
        *)     cp "$ko" "$I/lib/modules/$base" ;;
        esac
        echo "$base" >> "$I/lib/modules/order"
    done
done
printf "0123456789abcdef" > "$I/www/16"   # the same 16 bytes as minnow's /bytes/16
# minnow's /bytes/4194304 as a file (byte i is i & 0xFF), for the
# reliability section's downloads: 256 bytes, doubled 14 times.
mkdir -p "$I/www/bytes"
i=0; while [ $i -lt 256 ]; do printf "\\$(printf %03o $i)"; i=$((i + 1)); done > "$I/www/bytes/p"
for i in $(seq 14); do cat "$I/www/bytes/p" "$I/www/bytes/p" > "$I/www/bytes/q"; mv "$I/www/bytes/q" "$I/www/bytes/p"; done
mv "$I/www/bytes/p" "$I/www/bytes/4194304"
printf "hello from Linux\n" > "$I/www/index.html"
cat > "$I/usr/share/udhcpc/default.script" <<'S'
#!/bin/sh
# udhcpc's hook: apply the lease to the interface.
case "$1" in
bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface"
    ;;
esac
exit 0
S
chmod +x "$I/usr/share/udhcpc/default.script"
cat > "$I/init" <<'S'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
echo "linux: init"
for m in $(cat /lib/modules/order); do insmod /lib/modules/$m 2>/dev/null; done
ip link set lo up
for i in 1 2 3 4 5 6 7 8 9 10; do ip link show eth0 >/dev/null 2>&1 && break; sleep 0.1; done
ip link set eth0 up
# wait (bounded) for the carrier: ARP before it fails with "no route to host"
for i in $(seq 1 50); do [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = 1 ] && break; sleep 0.1; done
ipa=$(sed -n 's/.*bench_ip=\([^ ]*\).*/\1/p' /proc/cmdline)
gw=$(sed -n 's/.*bench_gw=\([^ ]*\).*/\1/p' /proc/cmdline)
if [ -n "$ipa" ]; then
    ip addr add "$ipa" dev eth0
    ip route add default via "$gw" dev eth0
    # slirp learns the guest's MAC only from a frame the guest sends
    ping -c 1 -W 1 "$gw" >/dev/null 2>&1
else
    udhcpc -i eth0 -q -n -t 20 -T 1 -s /usr/share/udhcpc/default.script >/dev/null 2>&1
fi
httpd -f -p 80 -h /www &
echo "linux: net up $(ip -4 -o addr show eth0 | awk '{print $4}')"
# bench_iperfc=PORT: first send to an iperf 2 server on the host (slirp's
# 10.0.2.2 is the host's loopback) for 3 s, and print the client's report.
ic=$(sed -n 's/.*bench_iperfc=\([0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$ic" ]; then
    iperf -c 10.0.2.2 -p "$ic" -t 3 -f k 2>&1 | sed -n 's/^/linux: iperf-c /p'
fi
iperf -s -p 5001 >/dev/null 2>&1 &
echo "linux: iperf server up"
while true; do sleep 3600; done
S
chmod +x "$I/init"
(cd "$I" && find . | cpio -o -H newc --quiet | gzip -1) > "$B/initrd.img.tmp"
mv "$B/initrd.img.tmp" "$B/initrd.img"
echo "linux.sh: $B/vmlinuz ($kver), $B/initrd.img ($(wc -l < "$I/lib/modules/order") modules)"
