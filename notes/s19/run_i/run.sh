#!/bin/bash
# Session 19, run I: run H's build on the bench's own problems (drawn by the same Rust
# generator as run F's), to compare the digests with run F's bench100 files.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ OPTNET_CUDA_CHUNK=0
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 60 ./bench --batches 1,128,2048 --reps 1 > $R/bench100_eq.txt 2>&1
timeout 60 ./bench --batches 1,128,2048 --reps 1 --no-equilibrate > $R/bench100_noeq.txt 2>&1
date -u >> $R/gpu.txt; pack
rm -rf $OUT/r
