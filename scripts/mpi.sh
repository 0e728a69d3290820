#!/usr/bin/env bash
# Data parallelism over MPI (issue #20). origami-mpi is outside the
# workspace: it needs an MPI library and libclang to build.
#
#   scripts/mpi.sh install   # Open MPI and libclang from Debian's packages, if missing
#   scripts/mpi.sh test      # origami-mpi's lints, docs and tests under mpirun -np 1, 2, 3
#
# As root (CI), Open MPI's mpirun refuses to start without these two:
set -euo pipefail
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
manifest=crates/origami-mpi/Cargo.toml

install() {
  if ! command -v mpirun > /dev/null || ! ls /usr/lib/llvm-*/lib/libclang*.so* > /dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q openmpi-bin libopenmpi-dev libclang-dev
  fi
}

case "${1:-test}" in
  install) install ;;
  test)
    install
    cargo fmt --manifest-path "$manifest" -- --check
    cargo clippy --manifest-path "$manifest" --all-targets -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc --manifest-path "$manifest" --no-deps
    cargo test --manifest-path "$manifest" --release
    ;;
  *) echo "usage: scripts/mpi.sh install|test" >&2; exit 2 ;;
esac
