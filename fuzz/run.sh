#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 20 s each; `bash fuzz/run.sh 600` for a
# long run), starting from the committed seeds plus the corpus earlier runs grew in
# fuzz/corpus/. Installs cargo-fuzz (into ~/.cargo/bin) when missing; needs the nightly
# toolchain. Prints each target's executions; a crash fails the run and leaves its input in
# fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-20}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
cargo +nightly fuzz build
for target in protocol_request store_v1 store_v2 config_toml \
    oauth_token_answer oauth_device_answer oauth_callback provider_answers openbao_answers \
    github_app_answers; do
  mkdir -p "corpus/$target"
  log="target/fuzz-$target.log"
  if ! cargo +nightly fuzz run "$target" "corpus/$target" "seeds/$target" -- \
      -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "fuzz/run.sh: $target failed, see fuzz/artifacts/$target/" >&2
    exit 1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "fuzz: $target: $execs executions in ${seconds} s"
done
