#!/bin/bash
# Session 38, run 3: ncu, the committed kernels (75ebece) on peers.py's problems, one forward and
# one backward launch at batches 1, 128, 2048, the clock not locked: each kernel's duration and
# its multiprocessors' active cycles against the elapsed ones (how much of a launch is its tail).
cd "$(dirname "$0")"
R=$OUT/r3; mkdir -p $R
pack() { (cd $OUT && tar czf res3.tgz r3); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ OPTNET_CUDA_CHUNK=0
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
D=/tmp/peer100; mkdir -p $D
(export OUT=$R; timeout 60 python3 ./peers.py none --n 100 --p 100 --batches 1,128,2048 --save $D > $R/gen.txt 2>&1)
M=gpu__time_duration.sum,sm__cycles_active.avg,sm__cycles_active.max,sm__cycles_active.min,sm__cycles_elapsed.avg,sm__cycles_elapsed.max,smsp__warps_launched.sum,sm__warps_active.avg.pct_of_peak_sustained_active
for b in 1 128 2048; do
  timeout 120 ncu --clock-control none --metrics $M -k regex:'ruiz_f64|pdipm|backward' -c 6 ./bench --data $D --batches $b --reps 1 > $R/ncu_$b.txt 2>&1
  pack
done
date -u >> $R/gpu.txt; pack
rm -rf $OUT/r3
