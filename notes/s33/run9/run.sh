#!/bin/bash
# Session 33, run 9: where batch 1's forward pass spends the time outside the solver's kernel:
# ncu's durations of every kernel of bench at batch 1 (f64 then f32, warm-up and one rep), and
# ncu's full profile of the equilibration kernel (ruiz) at batch 1.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ OPTNET_CUDA_CHUNK=0
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 120 ncu --metrics gpu__time_duration.sum,sm__cycles_elapsed.max ./bench --batches 1 --reps 1 > $R/ncu_durations.txt 2>&1; echo "rc $?" >> $R/ncu_durations.txt
pack
timeout 120 ncu --set full -k regex:ruiz -c 1 -o /tmp/pr ./bench --batches 1 --reps 1 > $R/ncu_ruiz_run.txt 2>&1
ncu -i /tmp/pr.ncu-rep --page details > $R/ncu_ruiz_details.txt 2>&1
ncu -i /tmp/pr.ncu-rep --page source --csv --print-source sass 2> $R/src_err.txt | gzip > $R/ruiz_sass.csv.gz
date -u >> $R/gpu.txt; pack
rm -rf $OUT/r
