#!/usr/bin/env bash
# Mutation testing (issue #21): cargo-mutants changes the backward rules,
# kernels, optimizer updates and layers one small edit at a time and runs
# the tests of the crate it changed; a mutant the tests do not notice is
# a test to write or an equivalence to explain in docs/mutants.md.
#
#   scripts/mutants.sh            # everything (3,840 mutants on 2026-11-30: most of a day on 2 cores)
#   scripts/mutants.sh 0/8        # one eighth: consecutive mutants, whole files
#   scripts/mutants.sh 0/8 'crates/origami-optim/src/*.rs'   # one area
#
# Results: target/mutants/<area>-<shard>/mutants.out (caught.txt, missed.txt, …),
# <area> being the crate of the first file pattern (e.g. tape-ops-0-of-4, optim-0-of-8) or "all".
set -euo pipefail
cd "$(dirname "$0")/.."
shard="${1:-0/1}"
shift || true
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=('crates/origami-tape/src/ops/**/*.rs' 'crates/origami-tape/src/kernels/*.rs'
         'crates/origami-optim/src/*.rs' 'crates/origami-nn/src/**/*.rs')
fi
command -v cargo-mutants > /dev/null || cargo install --locked cargo-mutants
globs=()
for f in "${files[@]}"; do globs+=(-f "$f"); done
area=all
if [ $# -gt 0 ]; then area=$(printf '%s' "$1" | sed 's#crates/origami-##; s#/src/#-#; s#[/*.].*##; s#-$##'); fi
mkdir -p target/mutants   # a fresh checkout has no target/ yet
# Two jobs keep both cores of a 2-core machine busy (a mutant's build and
# another's tests overlap). A mutant that loops forever is stopped at five
# times the unmutated tests' time, and never before 40 s.
cargo mutants --workspace "${globs[@]}" --shard "$shard" -j 2 --minimum-test-timeout 40 --profile mutation \
  -o "target/mutants/$area-${shard/\//-of-}"
