#!/usr/bin/env bash
# Debian packages the app and its tests need; installs only what is missing (needs root or sudo).
set -euo pipefail
# Qt's libraries; what Qt's xcb platform needs on a plain X desktop (it aborts without
# libxcb-cursor0, icccm and keysyms); Xvfb for the tests that start the app on a real X server;
# redis-server for the celery plugin queue (the tests start their own)
packages=(libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0
          libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
          libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-xfixes0
          xvfb xauth redis-server)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "exact-desktop: please install these system libraries: ${missing[*]}" >&2
  exit 0
fi
sudo_=""
[ "$(id -u)" -eq 0 ] || sudo_="sudo"
$sudo_ apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive $sudo_ apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}"
