#!/bin/bash
# Session 29, run 3: the polishing rounds traced (set size and change per check) on CVXQP1_S,
# CVXQP3_S and QE226 with the K-global module.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
export OPTNET_CUDA_SOURCE=$PWD/trace/pdipm.cu
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
for p in QE226; do
  PROBE_NAME=$p timeout 60 ./all tmp_probe::probe_trace_gpu --nocapture > $R/tr_$p.txt 2>&1
done
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
