#!/usr/bin/env bash
# Regenerates every committed lab figure and record (docs/lab/) from full
# runs of the lab examples at the current commit. Refuses to run on a tree
# with uncommitted changes: a figure must name a commit a reader can check
# out. Usage: scripts/regenerate_lab.sh [experiment ...] (default: all).
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."

experiments=("$@")
if [ ${#experiments[@]} -eq 0 ]; then
  experiments=(linear_regions circles sensitivity gradient_flow learning_rate stochastic_vs_batch second_order layerwise_lr head_depth space_folding activations bold_driver separability fluctuations linear_start depth_vs_width drift_and_basins bias_variance doctor)
fi
if [ -n "$(git status --porcelain --untracked-files=no -- . ':!docs' ':!README.md')" ]; then
  echo "regenerate_lab: commit your changes first (figures record the commit they came from)" >&2
  exit 1
fi
cargo build --release --examples --quiet
mkdir -p docs/lab target/lab
for name in "${experiments[@]}"; do
  if [ ! -x "target/release/examples/$name" ]; then
    echo "regenerate_lab: no lab example named $name" >&2
    exit 2
  fi
done
for name in "${experiments[@]}"; do
  start=$(date +%s)
  rm -f target/lab/"$name".json target/lab/"$name".svg target/lab/"$name"_*.svg
  "target/release/examples/$name" > "target/lab/$name.log"
  rm -f docs/lab/"$name".json docs/lab/"$name".svg docs/lab/"$name"_*.svg
  # Every experiment writes a record; most also draw figures.
  files=(target/lab/"$name".json)
  for figure in target/lab/"$name".svg target/lab/"$name"_*.svg; do
    if [ -e "$figure" ]; then files+=("$figure"); fi
  done
  cp "${files[@]}" docs/lab/
  echo "$name: $(( $(date +%s) - start )) s (log: target/lab/$name.log)"
done
