#!/bin/bash
# Session 23, run D: v3 (embedded: batched loads in the one-block kernels, the backward's K
# copied whole from `fac`, Q's diagonal only) — GPU tests, memcheck, A/B against the session-22
# kernel (base.cu through OPTNET_CUDA_SOURCE) interleaved, ncu cycles.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after_tests.txt; pack
for round in 1 2 3; do
  for v in base v3; do
    if [ $v = base ]; then export OPTNET_CUDA_SOURCE=$PWD/base.cu; else unset OPTNET_CUDA_SOURCE; fi
    OPTNET_CUDA_CHUNK=0 timeout 100 ./bench --batches 1,128 --reps 11 > $R/k_${v}_$round.txt 2>&1
    OPTNET_CUDA_CHUNK=0 timeout 100 ./bench --batches 128,2048 --shared --reps 5 > $R/ks_${v}_$round.txt 2>&1
    [ $round -le 2 ] && OPTNET_CUDA_CHUNK=0 timeout 100 ./bench --batches 2048 > $R/k2048_${v}_$round.txt 2>&1
  done
  date -u >> $R/gpu.txt; pack
done
unset OPTNET_CUDA_SOURCE
M=gpu__time_duration.sum,smsp__inst_executed.sum,sm__cycles_elapsed.max,launch__registers_per_thread
for B in 1 128 2048; do
  OPTNET_CUDA_CHUNK=0 timeout 150 ncu --metrics $M --csv -k regex:'pdipm|backward' ./bench --batches $B --reps 1 > $R/ncu_v3_b$B.csv 2> $R/ncu_v3_b$B.err
done
date -u >> $R/gpu.txt; pack
timeout 300 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
