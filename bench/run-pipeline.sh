#!/usr/bin/env bash
# The end-to-end pipeline benchmark: builds newsflow and the bench in release mode, then runs it.
# Arguments pass through: --articles N (2000), --rate R (100), --latency-secs S (30),
# --dataset DIR (../shared/datasets/aeb), --out FILE (bench/results/pipeline-latest.json).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/newsflow-target}"
deploy/install-tansu.sh >/dev/null
cargo build --release -q -p newsflow -p pipeline-bench
exec "$CARGO_TARGET_DIR/release/pipeline-bench" "$@"
