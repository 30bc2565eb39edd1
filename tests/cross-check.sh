#!/usr/bin/env bash
# Type-checks git-credential-vouch for Windows (x86_64-pc-windows-gnu) and macOS
# (aarch64-apple-darwin): the library and the binary, then their unit tests. A type error, or a
# warning in this crate, fails the run. This proves that the Windows and macOS sides of every
# platform seam compile; nothing runs there (see docs/platforms.md). The integration tests
# (tests/it) and the benches drive Linux services (keyctl, gnome-keyring, Unix modes) and are
# not checked.
#
#   bash tests/cross-check.sh [TARGET...]    # default: both targets
#
# No standard library for those targets can be downloaded here, so it is built from source:
# Debian's rustc-web and its library source (rust-web-src) are unpacked into target/cross/rust-web
# (the rustup toolchains stay untouched) and nightly cargo builds std with -Zbuild-std. The C
# code of dependencies (ring) is compiled by Debian's MinGW-w64 for Windows and by PyPI's
# ziglang (`zig cc`, in target/cross/venv) for macOS. Everything is installed when missing; a
# second run installs nothing and reuses the build cache in target/cross/build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cross=$root/target/cross
rw=$cross/rust-web
say() { printf 'cross-check: %s\n' "$*" >&2; }

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(x86_64-pc-windows-gnu aarch64-apple-darwin)

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
apt_updated=0
apt_update() {
  if [ "$apt_updated" -eq 0 ]; then
    $sudo apt-get update -qq
    apt_updated=1
  fi
}
apt_install() {
  say "installing $*"
  apt_update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep "install ok installed" >/dev/null; }
# Installed, or provided by an installed package (libc-dev is libc6-dev's).
present() {
  installed "$1" || dpkg-query -W -f='${Status} ${Provides}\n' 2>/dev/null |
    grep '^install ok installed' | grep -E "[ ,]$1( |,|\$)" >/dev/null
}

# --- C compilers and Python ---
need=()
installed gcc-mingw-w64-x86-64 || need+=(gcc-mingw-w64-x86-64)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3 python3-venv)
[ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"

# --- Debian's rustc-web with its library source, unpacked ---
multiarch_lib() { ls -d "$rw"/usr/lib/*-linux-gnu 2>/dev/null | head -1; }
rustc_works() {
  [ -f "$rw/.unpacked" ] && [ -d "$rw/usr/lib/rustlib/src/rust/library/std" ] &&
    LD_LIBRARY_PATH="$(multiarch_lib)" "$rw/usr/bin/rustc" -V >/dev/null 2>&1
}
# The packages to unpack: the compiler, its std, its LLVM and the library source. Every other
# dependency of theirs (the C runtime, libstdc++, zlib...) is installed from Debian as usual.
unpacked_name() { [[ $1 =~ ^(rustc-web|rust-web-src|libstd-rust-web(-dev|-[0-9.]+)|libllvm[0-9]+)$ ]]; }
if ! rustc_works; then
  apt-cache show rustc-web >/dev/null 2>&1 || apt_update
  debs=$cross/debs
  rm -rf "$debs" "$rw"
  mkdir -p "$debs" "$rw"
  queue=(rustc-web rust-web-src)
  seen=" "
  sys=()
  while [ ${#queue[@]} -gt 0 ]; do
    spec=${queue[0]}
    queue=("${queue[@]:1}")
    say "downloading $spec"
    (cd "$debs" && apt-get download -qq -o APT::Sandbox::User=root "$spec")
    deb=$(ls -t "$debs"/"${spec%%=*}"_*.deb | head -1)
    depends=$(dpkg-deb -f "$deb" Depends)
    IFS=',' read -ra deps <<<"$depends"
    for dep in "${deps[@]}"; do
      dep=${dep%%|*}                                  # the first of alternatives
      name=$(awk '{print $1}' <<<"$dep")
      name=${name%%:*}                                # libc-dev:any
      version=$(sed -n 's/.*(= *\([^)]*\)).*/\1/p' <<<"$dep")
      if unpacked_name "$name"; then
        case $seen in *" $name "*) continue ;; esac
        seen="$seen$name "
        queue+=("$name${version:+=$version}")
      else
        sys+=("$name")
      fi
    done
  done
  missing=()
  for name in $(printf '%s\n' "${sys[@]}" | sort -u); do
    present "$name" || missing+=("$name")
  done
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
  for deb in "$debs"/*.deb; do
    case $(basename "$deb") in
      # 340 MB of compiler and tool sources: only the library is needed.
      rust-web-src_*) dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$rw" --wildcards \
          './usr/lib/rustlib/src/rust' './usr/src/rustc-*/library' ;;
      *) dpkg-deb -x "$deb" "$rw" ;;
    esac
  done
  rm -rf "$debs"
  touch "$rw/.unpacked"
  rustc_works || { say "the unpacked rustc-web does not run"; exit 1; }
  say "unpacked $(LD_LIBRARY_PATH="$(multiarch_lib)" "$rw/usr/bin/rustc" -V) into $rw"
fi

# --- zig as the macOS C compiler ---
venv=$cross/venv
if ! "$venv/bin/python" -c 'import ziglang' 2>/dev/null; then
  say "installing ziglang into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check 'ziglang==0.17.0'
fi
mkdir -p "$cross/bin"
# cc-rs passes Apple clang's flags; zig takes the target and OS version from -target alone.
cat >"$cross/bin/cc-aarch64-macos" <<EOF
#!/bin/sh
skip=
for a in "\$@"; do
  shift
  if [ -n "\$skip" ]; then skip=; continue; fi
  case \$a in
    -arch|-isysroot) skip=1 ;;
    --target=*|-mmacosx-version-min=*|-mmacos-version-min=*) ;;
    *) set -- "\$@" "\$a" ;;
  esac
done
exec "$venv/bin/python" -m ziglang cc -target aarch64-macos "\$@"
EOF
chmod +x "$cross/bin/cc-aarch64-macos"

# --- the checks ---
cargo +nightly --version >/dev/null 2>&1 || {
  say "needs the nightly toolchain (for -Zbuild-std): rustup toolchain install nightly"
  exit 1
}
export RUSTC="$rw/usr/bin/rustc" RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$cross/build"
LD_LIBRARY_PATH="$(multiarch_lib)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
export CC_aarch64_apple_darwin="$cross/bin/cc-aarch64-macos"
check() {
  cargo +nightly check --quiet --locked -Zbuild-std=std,panic_abort \
    --config 'build.warnings="deny"' "$@"
}
for target in "${targets[@]}"; do
  start=$SECONDS
  if ! check --target "$target" --lib --bins ||
    ! check --target "$target" --profile test --lib --bins; then
    say "$target: does not type-check (above)"
    exit 1
  fi
  say "$target: library, binary and unit tests type-check ($((SECONDS - start)) s)"
done
