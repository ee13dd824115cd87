#!/bin/bash
# Session 26, run 7: the sudoku example on the GPU, whose solver now specializes its kernels for the
# layer's shape (examples/common/cli.rs solver_for): a short run (the module compiled on the device).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 200 ./sudoku --device cuda --train 1500 --test 300 --epochs 1 --out $R/sudoku.png > $R/sudoku.txt 2>&1; echo "rc $?" >> $R/sudoku.txt
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
