#!/usr/bin/env bash
# Build git-credential-vouch, install it, create its store and make git use it.
# Non-interactive and idempotent: a second run changes nothing and says so.
#
#   install/install.sh [--prefix DIR] [--no-configure]
#
# The binary goes to ${PREFIX:-$HOME/.local}/bin. git's credential.helper is set (globally)
# to the binary's absolute path, first in the helper chain, keeping the other helpers.
set -euo pipefail

prefix="${PREFIX:-$HOME/.local}"
configure=1
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a directory" >&2; exit 2; }; prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    --no-configure) configure=0; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

say() { printf 'install.sh: %s\n' "$*"; }

# Prerequisites first: nothing is changed when one is missing.
missing=()
command -v cargo >/dev/null 2>&1 || missing+=("cargo (install Rust from https://rustup.rs)")
command -v git >/dev/null 2>&1 || missing+=("git (apt-get install git)")
command -v cc >/dev/null 2>&1 || missing+=("a C compiler (apt-get install gcc)")
if [ ${#missing[@]} -gt 0 ]; then
  for m in "${missing[@]}"; do echo "install.sh: missing prerequisite: $m" >&2; done
  exit 1
fi

src="$(cd "$(dirname "$0")/.." && pwd)"
bin_dir="$prefix/bin"
target="$bin_dir/git-credential-vouch"

say "building (cargo build --locked --release)"
cargo build --locked --release --quiet --manifest-path "$src/Cargo.toml"
built="${CARGO_TARGET_DIR:-$src/target}/release/git-credential-vouch"

mkdir -p "$bin_dir"
if [ -x "$target" ] && cmp -s "$built" "$target"; then
  say "binary already installed at $target (unchanged)"
else
  install -m 0755 "$built" "$target.tmp.$$"
  mv -f "$target.tmp.$$" "$target"
  say "installed $target"
fi
case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) say "warning: $bin_dir is not on PATH; add it to use 'git credential-vouch ...' by name" ;;
esac

"$target" init | sed 's/^/install.sh: /'

if [ "$configure" -eq 1 ]; then
  "$target" configure --global | sed 's/^/install.sh: /'
else
  say "not configuring git (--no-configure)"
fi
