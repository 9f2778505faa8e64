#!/bin/sh
# Fetches lwIP's source from Debian's source package (pinned version and
# sha256) into build/, never into the tree. apt does the download: a
# temporary deb-src configuration is derived from this machine's own apt
# sources, so no mirror is named here. The pin that matters is the upstream
# tarball's sha256 (a later Debian revision of the same upstream source is
# accepted when the pinned one is gone). Usage: tools/fetch-lwip.sh BUILD_DIR
set -eu
VERSION=2.1.3+dfsg1-2
ORIG=lwip_2.1.3+dfsg1.orig.tar.xz
SHA256=0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24
build=$1
dest=$build/lwip-2.1.3
[ -f "$dest/.fetched" ] && exit 0
dl=$build/dl
mkdir -p "$dl"

if [ ! -f "$dl/$ORIG" ] || ! echo "$SHA256  $dl/$ORIG" | sha256sum -c --status; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    mkdir -p "$tmp/parts" "$tmp/lists/partial" "$tmp/cache/archives/partial"
    # deb-src twins of every configured Debian source (deb822 and one-line formats).
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && sed 's/^Types: deb$/Types: deb-src/' "$f" > "$tmp/parts/$(basename "$f")"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] && sed -n 's/^deb \(.*\)$/deb-src \1/p' "$f" >> "$tmp/parts/from-lists.list"
    done
    A="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$tmp/parts -o Dir::State::Lists=$tmp/lists
       -o Dir::Cache=$tmp/cache -o Debug::NoLocking=1 -o APT::Sandbox::User=root"
    # shellcheck disable=SC2086
    if ! apt-get $A -qq update >"$tmp/log" 2>&1 ||
       ! { (cd "$dl" && apt-get $A -qq source --download-only "lwip=$VERSION") ||
           (cd "$dl" && apt-get $A -qq source --download-only lwip); } >>"$tmp/log" 2>&1; then
        cat "$tmp/log" >&2
        echo "fetch-lwip: could not fetch Debian's lwip $VERSION source package (see above)." >&2
        echo "fetch-lwip: it needs access to the Debian archive configured in /etc/apt." >&2
        exit 1
    fi
fi
if ! echo "$SHA256  $dl/$ORIG" | sha256sum -c --status; then
    echo "fetch-lwip: $ORIG does not match the pinned sha256 $SHA256" >&2
    exit 1
fi
rm -rf "$dest"
tar -C "$build" -xf "$dl/$ORIG"
touch "$dest/.fetched"
echo "fetch-lwip: lwIP $VERSION in $dest"
