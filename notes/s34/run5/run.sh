#!/bin/bash
# Session 34, run 5: ncu's per-instruction profile (full set, stall samples) of the committed
# one-block kernel (9029f34, specialized for n = p = 100) at batch 1, bench's own QP: where the
# stalls are after this session's code changes (notes/s16/sass_lines.py reads it here).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ OPTNET_CUDA_CHUNK=0
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 150 ncu --set full -k regex:pdipm_f64 -c 1 -o /tmp/prof1 ./bench --batches 1 --reps 1 > $R/ncu1_run.txt 2>&1
ncu -i /tmp/prof1.ncu-rep --page source --csv --print-source sass 2> $R/src_err.txt | gzip > $R/src1_sass.csv.gz
ncu -i /tmp/prof1.ncu-rep --page details > $R/ncu1_details.txt 2>> $R/src_err.txt
date -u >> $R/gpu.txt; pack
rm -rf $OUT/r
