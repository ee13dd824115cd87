#!/bin/bash
# Session 14, run C: the CPU of the GPU host with the CPU backward reusing the polishing
# factorization (e3bb55c) against 9cfc76f, one core interleaved three times; bench_cpu's full
# table (batch 1, 128, 2048; 1 thread and all cores; f64 and f32); the GPU tests (they compare
# the GPU's answers and gradients with the CPU's).
cd "$(dirname "$0")"
H=$PWD
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(lscpu | grep -E "Model name|^Model:|^CPU\(s\)"; nvidia-smi --query-gpu=name,driver_version --format=csv; uptime; date -u) > $R/host.txt 2>&1
for k in 1 2 3; do
  for b in old new; do
    B=./bench_cpu; [ $b = old ] && B=./bench_cpu_old
    echo "== $b $(date -u +%T)" >> $R/one_core.txt
    timeout 40 taskset -c 2 $B --batches 128 --reps 5 >> $R/one_core.txt 2>&1
  done
done
pack
date -u >> $R/host.txt
timeout 240 ./bench_cpu --batches 1,128,2048 --reps 3 > $R/table.txt 2>&1
date -u >> $R/host.txt; pack
timeout 200 ./all cuda_solver:: --test-threads=1 > $R/t_solver.txt 2>&1
timeout 60 ./all cuda_maros_meszaros:: > $R/t_mm.txt 2>&1
date -u >> $R/host.txt; pack
rm -rf $OUT/r
