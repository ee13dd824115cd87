#!/bin/bash
# Session 19, run A: the equilibration kernel with every thread on the maxima (row groups of
# the column maxima, 1024 threads): GPU tests, memcheck, bench old (run H of session 18) vs
# new at 256/512/1024 threads, shared-memory copy forced on/off at batch 2048, ncu durations.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
B="--batches 1,32,128,2048 --reps 5"
timeout 60 ./old/bench $B > $R/b_old.txt 2>&1
timeout 60 ./bench $B > $R/b_1024.txt 2>&1
OPTNET_CUDA_RUIZ_THREADS=512 timeout 60 ./bench $B > $R/b_512.txt 2>&1
OPTNET_CUDA_RUIZ_THREADS=256 timeout 60 ./bench $B > $R/b_256.txt 2>&1
OPTNET_TMP_RUIZ_CACHED=1 timeout 60 ./bench --batches 2048 --reps 5 > $R/b_1024_c1.txt 2>&1
OPTNET_TMP_RUIZ_CACHED=0 timeout 60 ./bench --batches 1,128 --reps 5 > $R/b_1024_c0.txt 2>&1
timeout 60 ./bench $B --no-equilibrate > $R/b_noeq.txt 2>&1
date -u >> $R/gpu.txt; pack
command -v compute-sanitizer > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
M="--kernel-name regex:ruiz --metrics gpu__time_duration.sum,smsp__inst_executed.sum,sm__warps_active.avg.pct_of_peak_sustained_active"
for b in 1 128 2048; do
  timeout 60 ncu $M ./old/bench --batches $b --reps 1 > $R/ncu_old_$b.txt 2>&1
  timeout 60 ncu $M ./bench --batches $b --reps 1 > $R/ncu_new_$b.txt 2>&1
done
OPTNET_TMP_RUIZ_CACHED=1 timeout 60 ncu $M ./bench --batches 2048 --reps 1 > $R/ncu_new_2048_c1.txt 2>&1
date -u >> $R/gpu.txt; pack
timeout 240 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
