#!/bin/bash
# Session 26, run 6: a narrow shape's specialized module without the default module (two_block's
# reorder): the GPU tests again; no module compiled on the device (the cache lists before and after).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 120 ./all cuda_solver::specialized --nocapture --test-threads=1 > $R/t_spec.txt 2>&1; echo "rc $?" >> $R/t_spec.txt
ls /tmp/occ > $R/occ_after_spec.txt
timeout 240 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
