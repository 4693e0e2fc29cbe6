#!/bin/sh
# Installs the Debian packages the build and the demo need: CMake and a C++ compiler (the kernels'
# host library), clang and LLVM (the kernels' PTX), Debian's Fashion-MNIST (the demo's data) and
# Open MPI (mpirun and libmpi.so.40: data-parallel runs and their 2-rank tests).
# It refreshes the package lists first, because a fresh image ships with none, and uses sudo only
# when not already root, because a container image may have no sudo at all.
set -eu
packages="cmake g++ clang llvm dataset-fashion-mnist openmpi-bin libopenmpi-dev"
if [ "$(id -u)" -eq 0 ]; then as_root=""; else as_root="sudo"; fi
$as_root apt-get update -qq
# env, not export: sudo drops the caller's environment. No prompts for configuration questions.
# shellcheck disable=SC2086 # the package list is meant to split into words
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages
