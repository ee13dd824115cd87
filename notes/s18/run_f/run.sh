#!/bin/bash
# Session 18, run F: the equilibration kernel alone under ncu — its duration at batches 1, 128
# and 2048 (n = p = 100), and one launch at batch 1 in full (where its time goes).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ OPTNET_CUDA_CHUNK=0
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 200 ncu --kernel-name regex:'ruiz|pdipm' --metrics gpu__time_duration.sum,smsp__inst_executed.sum,sm__warps_active.avg.pct_of_peak_sustained_active ./bench --batches 1,128,2048 --reps 1 > $R/ncu_times.txt 2>&1
date -u >> $R/gpu.txt; pack
timeout 200 ncu --kernel-name regex:ruiz --launch-count 1 --set full --import-source yes ./bench --batches 1 --reps 1 > $R/ncu_full.txt 2>&1
timeout 100 ncu --kernel-name regex:ruiz --launch-count 1 --set full --page source --csv --print-source sass ./bench --batches 1 --reps 1 > $R/ncu_sass.csv 2>&1
date -u >> $R/gpu.txt; pack
rm -rf $OUT/r
