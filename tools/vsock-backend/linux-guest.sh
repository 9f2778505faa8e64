#!/bin/sh
# Builds a Debian 12 Linux guest for checking tools/vsock-backend against
# Linux's own virtio-vsock driver: the kernel of tools/bench/linux.sh
# (Debian's linux-image-amd64, unpacked, not installed) and a busybox-static
# initramfs with the vsock modules (vsock, vmw_vsock_virtio_transport and
# their dependencies, in modprobe's order) and Debian's socat (apt-get
# download, unpacked with its libraries). /init prints "linux: vsock up cid N"
# and runs `socat VSOCK-LISTEN:5000,fork,backlog=64 EXEC:cat` (an echo server); with
# vsock_client=PORT on the command line it first sends "hello from linux" to
# the host at (2, PORT) and prints the answer as "linux: client got ...".
#   tools/vsock-backend/linux-guest.sh [BUILD]  -> BUILD/vsock-linux/{vmlinuz,initrd.img}
set -eu
BUILD=${1:-build}
sh "$(dirname "$0")/../bench/linux.sh" "$BUILD" >/dev/null
L=$(cd "$BUILD/bench/linux" && pwd)
mkdir -p "$BUILD/vsock-linux"
B=$(cd "$BUILD/vsock-linux" && pwd)
[ -s "$B/initrd.img" ] && [ "$B/initrd.img" -nt "$0" ] && exit 0
kver=$(ls "$L/root/lib/modules" | head -1)

# socat and the libraries it needs that this machine may lack (libwrap0).
if [ ! -d "$B/pkgroot" ]; then
    rm -rf "$B/deb" && mkdir -p "$B/deb" "$B/pkgroot"
    (cd "$B/deb" && timeout 300 apt-get download -q socat libwrap0)
    for d in "$B"/deb/*.deb; do dpkg-deb -x "$d" "$B/pkgroot"; done
fi

I="$B/initramfs"
rm -rf "$I" && mkdir -p "$I/bin" "$I/proc" "$I/sys" "$I/dev" "$I/tmp" "$I/lib/modules"
cp /bin/busybox "$I/bin/busybox"
for a in $("$I/bin/busybox" --list); do [ -e "$I/bin/$a" ] || ln -s busybox "$I/bin/$a"; done
cp "$B/pkgroot/usr/bin/socat" "$I/bin/socat"
for lib in $(LD_LIBRARY_PATH="$B/pkgroot/lib/x86_64-linux-gnu:$B/pkgroot/usr/lib/x86_64-linux-gnu" \
             ldd "$B/pkgroot/usr/bin/socat" | grep -o '/[^ ]*'); do
    mkdir -p "$I/lib/x86_64-linux-gnu" "$I/lib64"
    case "$lib" in
    */ld-linux*) cp -L "$lib" "$I/lib64/" ;;
    *) cp -L "$lib" "$I/lib/x86_64-linux-gnu/" ;;
    esac
done
: > "$I/lib/modules/order"
for m in virtio_pci virtio_mmio vmw_vsock_virtio_transport; do
    modprobe -d "$L/root" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }' |
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
cat > "$I/init" <<'S'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
for m in $(cat /lib/modules/order); do insmod /lib/modules/$m 2>/dev/null; done
for i in $(seq 1 50); do [ -e /dev/vsock ] && break; sleep 0.1; done
cid=$(cat /sys/class/misc/vsock/../../../*/guest_cid 2>/dev/null)
echo "linux: vsock up"
pc=$(sed -n 's/.*vsock_client=\([0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$pc" ]; then
    echo "linux: client got $(echo hello from linux | socat -t 5 - VSOCK-CONNECT:2:$pc 2>&1)"
fi
socat VSOCK-LISTEN:5000,fork,backlog=64 EXEC:cat &
# announce once the socket listens (bounded)
for i in $(seq 1 50); do grep -q ':1388 ' /proc/net/vsock 2>/dev/null && break; sleep 0.1; done
sleep 0.5
echo "linux: socat listening"
while true; do sleep 3600; done
S
chmod +x "$I/init"
(cd "$I" && find . | cpio -o -H newc --quiet | gzip -1) > "$B/initrd.img.tmp"
mv "$B/initrd.img.tmp" "$B/initrd.img"
cp "$L/vmlinuz" "$B/vmlinuz"
echo "linux-guest.sh: $B/vmlinuz ($kver), $B/initrd.img ($(wc -l < "$I/lib/modules/order") modules, socat)"
