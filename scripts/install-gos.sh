#!/bin/sh
# Unpacks the extra go versions the e2e lab runs as ground truth (go 1.24 and go 1.27, beside the
# system's go 1.23) into one directory, without installing them into the system: Debian ships them only
# in trixie/sid, so they are fetched with a separate apt sources list and state directory (the system's
# apt configuration and dpkg database are never touched) and unpacked with `dpkg -x`.
#
#   scripts/install-gos.sh [DIR]    DIR defaults to $GOMODPROBE_GOS_DIR, else /opt/gomodprobe-gos
#
# Afterwards DIR/usr/lib/go-1.24/bin/go and DIR/usr/lib/go-1.27/bin/go run (go finds its GOROOT from
# its own path; the -src packages put the standard library beside it). Tests find them through
# test/e2e/lab/gos.ts, which reads the same GOMODPROBE_GOS_DIR.
set -eu

dir="${1:-${GOMODPROBE_GOS_DIR:-/opt/gomodprobe-gos}}"
versions="1.24 1.27"
suites="trixie sid"

# The same mirror as the machine's own apt sources (deb822 .sources files first, then sources.list).
mirror=""
for f in /etc/apt/sources.list.d/*.sources; do
  [ -r "$f" ] || continue
  mirror="$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")"
  [ -n "$mirror" ] && break
done
if [ -z "$mirror" ]; then
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    mirror="$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|ftp|file):/ && $i !~ /security/) { print $i; exit } }' "$f")"
    [ -n "$mirror" ] && break
  done
fi
mirror="${mirror:-http://deb.debian.org/debian}"

all_present=1
for v in $versions; do
  [ -x "$dir/usr/lib/go-$v/bin/go" ] && [ -d "$dir/usr/share/go-$v/src" ] || all_present=0
done
if [ "$all_present" -eq 1 ]; then
  echo "install-gos: go $versions already in $dir"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/archives/partial" "$dir"
: > "$work/sources.list"
for s in $suites; do
  echo "deb $mirror $s main" >> "$work/sources.list"
done

apt_opts="-o Dir::Etc::SourceList=$work/sources.list -o Dir::Etc::SourceParts=/dev/null \
  -o Dir::State::Lists=$work/lists -o Dir::Cache::Archives=$work/archives \
  -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root"

echo "install-gos: fetching go $versions from $mirror ($suites) into $dir"
# shellcheck disable=SC2086 # apt_opts is a list of options
apt-get $apt_opts -q update
for v in $versions; do
  # shellcheck disable=SC2086
  (cd "$work/archives" && apt-get $apt_opts -q download "golang-$v-go" "golang-$v-src")
done
for deb in "$work"/archives/*.deb; do
  dpkg -x "$deb" "$dir"
done

for v in $versions; do
  go="$dir/usr/lib/go-$v/bin/go"
  if ! out="$(env -i PATH=/usr/bin:/bin HOME=/nonexistent GOTOOLCHAIN=local GOENV=off GOTELEMETRY=off "$go" version 2>&1)"; then
    echo "install-gos: $go does not run: $out" >&2
    exit 1
  fi
  echo "install-gos: $out ($go)"
done
