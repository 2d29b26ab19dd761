#!/usr/bin/env bash
# npm run prebuildify: prebuilds for linux-x64 and linux-arm64 (glibc, napi 8) in prebuilds/,
# the arm64 one cross-compiled with Debian's g++-aarch64-linux-gnu. Each is built in a private
# copy of the sources, so build/ (the developer's addon) is left as it was. `npm pack` runs this
# (prepack): the tarball carries both prebuilds and installs without running any script.
#   PREBUILD_ARCHS="x64" npm run prebuildify   → one arch only (a machine without the cross compiler)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
archs="${PREBUILD_ARCHS:-x64 arm64}"

one() {
  local arch="$1" tmp
  tmp="$(mktemp -d /tmp/wengert-prebuild.XXXXXX)"
  cp -r package.json binding.gyp native "$tmp/"
  ln -s "$root/node_modules" "$tmp/node_modules"
  local -a env=() extra=()
  if [ "$arch" = arm64 ] && [ "$(uname -m)" != aarch64 ]; then
    command -v aarch64-linux-gnu-g++ >/dev/null || {
      echo "prebuildify: aarch64-linux-gnu-g++ not found (apt-get install g++-aarch64-linux-gnu, or PREBUILD_ARCHS=x64)"; exit 1; }
    env=(CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar)
    extra=(--strip-bin aarch64-linux-gnu-strip)
  fi
  (cd "$tmp" && env "${env[@]}" "$root/node_modules/.bin/prebuildify" --napi --strip --tag-libc --arch "$arch" "${extra[@]}" \
    >"$tmp/log" 2>&1) || { tail -40 "$tmp/log"; rm -rf "$tmp"; exit 1; }
  rm -rf "prebuilds/linux-$arch"
  mkdir -p prebuilds
  cp -r "$tmp/prebuilds/linux-$arch" prebuilds/
  rm -rf "$tmp"
  for f in prebuilds/linux-"$arch"/*.node; do echo "prebuildify: $f ($(stat -c %s "$f") bytes)"; done
}

for a in $archs; do one "$a"; done
