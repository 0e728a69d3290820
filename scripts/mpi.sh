#!/usr/bin/env bash
# Data parallelism over MPI (issue #20). origami-mpi's `mpi` feature (and
# the showcase's, `origami/mpi`) needs an MPI library and libclang.
#
#   scripts/mpi.sh install   # Open MPI and libclang from Debian's packages, if missing
#   scripts/mpi.sh showcase  # only the showcase's check
#   scripts/mpi.sh scaling   # W2 and the language-ID showcase on 1 and 2 ranks (README)
#   scripts/mpi.sh test      # origami-mpi's lints, docs and tests under mpirun -np 1, 2, 3,
#                            # then the showcase's --distributed against one process
#
# As root (CI), Open MPI's mpirun refuses to start without these two:
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

install() {
  if ! command -v mpirun > /dev/null || ! ls /usr/lib/llvm-*/lib/libclang*.so* > /dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q openmpi-bin libopenmpi-dev libclang-dev
  fi
}

# Whether two safetensors files hold the same tensors and metadata (their
# bytes may differ: the metadata's key order is not fixed).
same_tensors() {
  python3 - "$1" "$2" <<'PY'
import json, struct, sys
def read(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    return json.loads(b[8:8 + n]), b[8 + n:]
sys.exit(0 if read(sys.argv[1]) == read(sys.argv[2]) else 1)
PY
}

# The showcase under mpirun: 2 ranks x 2 threads give the files of one
# process with 4 threads; a run saved by 2 ranks resumes on 4 ranks to the
# files of an uninterrupted run; rank 0 alone prints.
showcase() {
  cargo build --release --features mpi --example rnn_text_classification
  local bin=target/release/examples/rnn_text_classification out
  out=$(mktemp -d)
  local flags=(--epochs 2 --optimizer momentum --lr 0.01 --quiet --no-baseline --diagnose)
  "$bin" "${flags[@]}" --threads 4 --save "$out/one" > "$out/one.txt"
  mpirun --oversubscribe -np 2 "$bin" "${flags[@]}" --distributed --threads 2 --save "$out/two" > "$out/two.txt"
  for f in model optimizer; do
    same_tensors "$out/one/$f.safetensors" "$out/two/$f.safetensors" || { echo "showcase: 2 ranks x 2 threads differ from 4 threads in $f"; exit 1; }
  done
  [ "$(grep -c '^data:' "$out/two.txt")" -eq 1 ] || { echo "showcase: ranks other than 0 printed"; exit 1; }
  [ "$(grep -v '/' "$out/one.txt")" = "$(grep -v '/' "$out/two.txt")" ] || { echo "showcase: the reports differ"; exit 1; }
  mpirun --oversubscribe -np 2 "$bin" "${flags[@]}" --epochs 1 --distributed --threads 2 --save "$out/resumed" > /dev/null
  mpirun --oversubscribe -np 4 "$bin" "${flags[@]}" --distributed --threads 1 --load "$out/resumed" --save "$out/resumed" > /dev/null
  for f in model optimizer; do
    same_tensors "$out/one/$f.safetensors" "$out/resumed/$f.safetensors" || { echo "showcase: resuming on 4 ranks changed $f"; exit 1; }
  done
  rm -rf "$out"
  echo "showcase: 2 ranks x 2 threads = 4 threads, bit for bit; resumed on 4 ranks, the same"
}

# Time per step of W2 and per epoch of the language-ID showcase on this
# machine: one process on 1 and 2 threads, and 2 ranks of 1 thread (the
# same 2 shards as 2 threads, so the same numbers), interleaved, 3 times.
scaling() {
  cargo bench --features mpi --bench workloads --no-run
  cargo build --release --features mpi --example rnn_text_classification -p origami
  cargo build --release --features mpi -p origami-mpi
  local bench
  bench=$(ls -t target/release/deps/workloads-* | grep -v '\.d$' | head -1)
  local show=target/release/examples/rnn_text_classification
  local langid=(--train data/langid/train.tsv --test data/langid/test.tsv --preset strong --model rnn --no-baseline --epochs 1)
  local w2="" epoch=""
  for repeat in 1 2 3; do
    for setup in "1 process, 1 thread" "1 process, 2 threads" "2 ranks, 1 thread each"; do
      case "$setup" in
        "1 process, 1 thread") run=(taskset -c 0 "$bench" w2 --threads 1); learn=("$show" "${langid[@]}" --threads 1) ;;
        "1 process, 2 threads") run=("$bench" w2 --threads 2); learn=("$show" "${langid[@]}" --threads 2) ;;
        *) run=(mpirun --oversubscribe -np 2 "$bench" --distributed w2 --threads 1)
           learn=(mpirun --oversubscribe -np 2 "$show" "${langid[@]}" --distributed --threads 1) ;;
      esac
      w2+="$setup|$("${run[@]}" | sed -n 's/.*"median_us": \([0-9.]*\).*/\1/p')"$'\n'
      epoch+="$setup|$("${learn[@]}" | sed -n 's/^epoch  1 .*  \([0-9.]*\)s$/\1/p')"$'\n'
    done
  done
  local width=AVX2
  grep -q avx512f /proc/cpuinfo && width=AVX-512
  echo "$(lscpu | sed -n 's/^Model name: *//p'), $width, $(nproc) cores; $(date -u +%F)"
  echo "| set-up | W2 step (µs, median of 200; 3 runs) | language ID, one epoch of --preset strong (s; 3 runs) |"
  echo "|---|---|---|"
  for setup in "1 process, 1 thread" "1 process, 2 threads" "2 ranks, 1 thread each"; do
    echo "| $setup | $(echo "$w2" | grep "^$setup|" | cut -d'|' -f2 | sort -n | paste -sd' ') | $(echo "$epoch" | grep "^$setup|" | cut -d'|' -f2 | sort -n | paste -sd' ') |"
  done
  echo "the ordered sum alone, 2 ranks (shared memory):"
  mpirun --oversubscribe -np 2 target/release/origami-allreduce-cost
}

case "${1:-test}" in
  install) install ;;
  showcase) install; showcase ;;
  scaling) install; scaling ;;
  test)
    install
    cargo clippy -p origami-mpi -p origami --features origami-mpi/mpi,origami/mpi --all-targets -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc -p origami-mpi --features mpi --no-deps
    # The tests and the showcase's build share one feature set (origami's
    # dev-dependencies included), so the release libraries build once.
    cargo test --release -p origami-mpi -p origami --features origami/mpi --lib --bins --test mpirun
    cargo test --release -p origami-mpi -p origami --features origami/mpi --doc
    showcase
    ;;
  *) echo "usage: scripts/mpi.sh install|test|showcase|scaling" >&2; exit 2 ;;
esac
