#!/bin/bash
# Session 19, run G: where batch 128's 0.11 ms with equilibration goes. The peers' problems
# (peers.py's gen(), written here with numpy), batches 32 and 128, with and without
# equilibration: OPTNET_CUDA_PROFILE=total (cycles, iterations and refinement steps per
# example) and ncu's duration of each kernel.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ OPTNET_CUDA_CHUNK=0
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
for eq in eq noeq; do
  flag=""; [ $eq = noeq ] && flag=--no-equilibrate
  OPTNET_CUDA_PROFILE=total timeout 60 ./bench --data data --batches 32,128 --reps 3 $flag > $R/total_$eq.txt 2>&1
  timeout 100 ncu --kernel-name regex:'ruiz_f64|pdipm' --metrics gpu__time_duration.sum ./bench --data data --batches 128 --reps 1 $flag > $R/ncu_$eq.txt 2>&1
  date -u >> $R/gpu.txt; pack
done
rm -rf $OUT/r
