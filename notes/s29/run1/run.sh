#!/bin/bash
# Session 29, run 1: the K-global divergence probe (CVXQP1_S etc. at 256/512/1024 threads, with
# and without equilibration), then racecheck on more of the GPU tests.
START=$(date +%s)
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
for t in 1024 512 256; do
  OPTNET_CUDA_KGLOBAL_THREADS=$t timeout 60 ./all tmp_probe --nocapture > $R/probe_$t.txt 2>&1; echo "rc $?" >> $R/probe_$t.txt
done
date -u >> $R/gpu.txt; pack
for t in large_problems_keep_k_in_device_memory narrow_two_block_kernels_match_cpu specialized_kernels_take_the_generic_steps equilibration_matches_cpu shared_gradients_are_the_batch_sums_of_the_per_example_ones polishing_solves_match_the_cpus; do
  s=$(date +%s)
  timeout 110 compute-sanitizer --tool racecheck ./all cuda_solver::$t --exact --test-threads=1 > $R/race_$t.txt 2>&1; echo "rc $? in $(($(date +%s)-s)) s" >> $R/race_$t.txt
  date -u >> $R/gpu.txt; pack
  [ $(($(date +%s) - START)) -gt 420 ] && break
done
ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
