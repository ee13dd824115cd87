#!/bin/bash
# Session 33, run 7: the f32-arithmetic kernel's backward pass factoring at W regularized as the
# f64 kernel's (w/(1 + εw)) and refining against W itself: its f32 GPU tests, memcheck on them.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ OPTNET_CUDA_F32_ARITHMETIC=f32
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 60 ./all cuda_solver::f32 --test-threads=1 --nocapture > $R/t_f32k.txt 2>&1; echo "rc $?" >> $R/t_f32k.txt
pack
timeout 120 compute-sanitizer --tool memcheck ./all cuda_solver::f32 --test-threads=1 > $R/memcheck_f32k.txt 2>&1; echo "rc $?" >> $R/memcheck_f32k.txt
ls /tmp/occ > $R/occ_after.txt; date -u >> $R/gpu.txt; pack
rm -rf $OUT/r
