#!/bin/sh
# Include direction: the layers of docs/architecture.md, checked on every
# #include "..." in the tree. Prints each include that runs the wrong way
# and exits 1 if there is one. Usage: tools/check-includes.sh [ROOT]
#
#   lib/                          includes only lib/
#   kernel/ boot/                 the core: never a driver, stack or app
#   hv/ vmw/ virtio/ blk/         drivers: the core and the stacks they serve,
#   net/ vsock/                   never apps or tests
#   apps/                         anything but tests
#   tests/                        anything
set -u
root=${1:-.}
cd "$root" || exit 2
bad=0
check() {   # check DIRS PATTERN-OF-FORBIDDEN-PREFIXES WHY
    dirs=$1; forbidden=$2; why=$3
    for d in $dirs; do
        [ -d "$d" ] || continue
        hits=$(grep -rnE --include='*.c' --include='*.h' --include='*.S' \
            "^[[:space:]]*#[[:space:]]*include[[:space:]]+\"($forbidden)/" "$d")
        if [ -n "$hits" ]; then
            printf '%s\n' "$hits" | sed "s|\$|   <- $why|"
            bad=1
        fi
    done
}
check "lib" "boot|kernel|hv|net|vmw|virtio|blk|vsock|apps|tests" "lib/ is self-contained"
check "kernel boot" "hv|net|vmw|virtio|blk|vsock|apps|tests" "the core includes no driver, stack, app or test"
check "hv vmw virtio blk net vsock" "apps|tests" "drivers and stacks include no app or test"
check "apps" "tests" "apps include no test"
exit $bad
