#!/usr/bin/env bash
# Runs every test of git-credential-vouch. First installs, with apt-get, what the tests need
# (git, gnome-keyring, dbus, tmux, a C compiler for the vendored libdbus) when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in git gnome-keyring dbus dbus-bin gcc libc6-dev tmux; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "tests/run.sh: installing ${need[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

cargo test --locked --all-targets
