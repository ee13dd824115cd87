#!/bin/bash
# Session 33, run 3: the f32-arithmetic kernel's backward pass (OPTNET_CUDA_F32_ARITHMETIC=f32):
# `f32_solutions_and_gradients_match_f64` example by example with the working tree and with vd
# (the factors handed to the backward pass keep K's diagonal), and compute-sanitizer's
# initcheck, memcheck and racecheck on it.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ OPTNET_CUDA_F32_ARITHMETIC=f32
T=f32_solutions_and_gradients_match_f64
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 60 ./all $T --nocapture > $R/t_wt.txt 2>&1; echo "rc $?" >> $R/t_wt.txt
OPTNET_CUDA_SOURCE=$PWD/vd/pdipm.cu timeout 60 ./all $T --nocapture > $R/t_vd.txt 2>&1; echo "rc $?" >> $R/t_vd.txt
pack
for tool in initcheck memcheck racecheck; do
  timeout 120 compute-sanitizer --tool $tool ./all $T --nocapture > $R/san_$tool.txt 2>&1; echo "rc $?" >> $R/san_$tool.txt
  date -u >> $R/gpu.txt; pack
done
rm -rf $OUT/r
