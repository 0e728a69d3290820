#!/usr/bin/env bash
# Data parallelism over MPI (issue #20). origami-mpi's `mpi` feature (and
# the showcase's, `origami/mpi`) needs an MPI library and libclang.
#
#   scripts/mpi.sh install   # Open MPI and libclang from Debian's packages, if missing
#   scripts/mpi.sh showcase  # only the showcase's check
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

case "${1:-test}" in
  install) install ;;
  showcase) install; showcase ;;
  test)
    install
    cargo clippy -p origami-mpi -p origami --features origami-mpi/mpi,origami/mpi --all-targets -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc -p origami-mpi --features mpi --no-deps
    cargo test -p origami-mpi --features mpi --release
    showcase
    ;;
  *) echo "usage: scripts/mpi.sh install|test|showcase" >&2; exit 2 ;;
esac
