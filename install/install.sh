#!/usr/bin/env bash
# Build git-credential-vouch, install it, create its store and make git use it.
# Non-interactive and idempotent: a second run changes nothing and says so.
#
#   install/install.sh [--prefix DIR] [--no-configure] [--system]
#   install/install.sh --uninstall [--purge] [--prefix DIR] [--system]
#
#   --prefix DIR     install into DIR/bin (default: ${PREFIX:-$HOME/.local})
#   --no-configure   do not touch git's config
#   --system         configure the system git config (/etc/gitconfig) instead of the user's
#   --uninstall      remove the binary and the git config lines it added; the store stays
#   --purge          with --uninstall: also delete the store, its key and config.toml
#
# git's credential.helper is set to the binary's absolute path, first in the helper chain,
# keeping the other helpers after it.
set -euo pipefail

prefix="${PREFIX:-$HOME/.local}"
configure=1
scope="--global"
uninstall=0
purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a directory" >&2; exit 2; }; prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    --no-configure) configure=0; shift ;;
    --system) scope="--system"; shift ;;
    --uninstall) uninstall=1; shift ;;
    --purge) purge=1; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$purge" -eq 1 ] && [ "$uninstall" -eq 0 ]; then
  echo "install.sh: --purge goes with --uninstall" >&2
  exit 2
fi

say() { printf 'install.sh: %s\n' "$*"; }
prefixed() { sed 's/^/install.sh: /'; }

src="$(cd "$(dirname "$0")/.." && pwd)"
bin_dir="$prefix/bin"
target="$bin_dir/git-credential-vouch"

# Prerequisites first: nothing is changed when one is missing.
missing=()
command -v git >/dev/null 2>&1 || missing+=("git (apt-get install git / xcode-select --install)")
if [ "$uninstall" -eq 0 ]; then
  command -v cargo >/dev/null 2>&1 || missing+=("cargo (the Rust toolchain: https://rustup.rs)")
  command -v cc >/dev/null 2>&1 || missing+=("a C compiler (apt-get install gcc / xcode-select --install)")
fi
if [ ${#missing[@]} -gt 0 ]; then
  for m in "${missing[@]}"; do echo "install.sh: missing prerequisite: $m" >&2; done
  exit 1
fi

if [ "$uninstall" -eq 1 ]; then
  if [ ! -x "$target" ]; then
    say "no git-credential-vouch at $target: nothing to uninstall"
    exit 0
  fi
  if [ "$configure" -eq 1 ]; then
    "$target" unconfigure "$scope" | prefixed
  fi
  if [ "$purge" -eq 1 ]; then
    "$target" purge --yes | prefixed
  else
    say "the encrypted store stays (use --uninstall --purge to delete it)"
  fi
  rm -f "$target"
  say "removed $target"
  exit 0
fi

changed=0
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
  changed=1
fi
case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) say "warning: $bin_dir is not on PATH; add it to run 'git credential-vouch ...' by name" ;;
esac

init_out="$("$target" init)"
printf '%s\n' "$init_out" | prefixed
case "$init_out" in initialized:*) changed=1 ;; esac

if [ "$configure" -eq 1 ]; then
  configure_out="$("$target" configure "$scope")"
  printf '%s\n' "$configure_out" | prefixed
  case "$configure_out" in *"nothing changed"*) ;; *) changed=1 ;; esac
else
  say "not configuring git (--no-configure)"
fi

if [ "$changed" -eq 0 ]; then
  say "already installed and configured: nothing changed"
else
  say "done; check with: $target doctor"
fi
