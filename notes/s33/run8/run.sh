#!/bin/bash
# Session 33, run 8: the committed code (96c60fc): GPU tests, memcheck, the same under the
# f32-arithmetic kernel, and bench rounds on the bench's own QPs (default; f32 kernel).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 100 ./all cuda_ --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
timeout 30 ./all cuda_maros --nocapture > $R/t_mm.txt 2>&1; echo "rc $?" >> $R/t_mm.txt
OPTNET_CUDA_F32_ARITHMETIC=f32 timeout 100 ./all cuda_solver --test-threads=1 --nocapture > $R/t_f32k.txt 2>&1; echo "rc $?" >> $R/t_f32k.txt
date -u >> $R/gpu.txt; pack
timeout 110 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1; echo "rc $?" >> $R/memcheck.txt
OPTNET_CUDA_F32_ARITHMETIC=f32 timeout 110 compute-sanitizer --tool memcheck ./all cuda_solver::f32 --test-threads=1 > $R/memcheck_f32k.txt 2>&1; echo "rc $?" >> $R/memcheck_f32k.txt
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
timeout 60 ./bench > $R/bench.txt 2>&1; echo "rc $?" >> $R/bench.txt
OPTNET_CUDA_F32_ARITHMETIC=f32 timeout 60 ./bench --batches 1,128,2048 --reps 3 > $R/bench_f32k.txt 2>&1; echo "rc $?" >> $R/bench_f32k.txt
ls /tmp/occ > $R/occ_after.txt; date -u >> $R/gpu.txt; pack
rm -rf $OUT/r
