#!/bin/bash
# Session 32, run 1: the working tree (tile-group tables, the right-looking inversion of the
# diagonal blocks, the factorization a called function): GPU tests, memcheck, racecheck (owed
# from session 31: its triangular solve's scratch); then A/B of four kernels on bench's own
# problems, interleaved, three rounds: base (HEAD 4e1b15b), walk (the tables), inv (walk + the
# inversion), the working tree (inv + factor_f64 called); cycles per example of each.
START=$(date +%s)
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
timeout 150 ./all cuda_ --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
timeout 40 ./all cuda_maros --nocapture > $R/t_mm.txt 2>&1; echo "rc $?" >> $R/t_mm.txt
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after_tests.txt; pack
timeout 150 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1; echo "rc $?" >> $R/memcheck.txt
date -u >> $R/gpu.txt; pack
timeout 90 compute-sanitizer --tool racecheck ./all cuda_solver::random_batched_matches_cpu --test-threads=1 > $R/racecheck_random.txt 2>&1; echo "rc $?" >> $R/racecheck_random.txt
timeout 50 compute-sanitizer --tool racecheck ./all cuda_solver::narrow_two_block --test-threads=1 > $R/racecheck_narrow.txt 2>&1; echo "rc $?" >> $R/racecheck_narrow.txt
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
for round in 1 2 3; do
  for v in wt inv walk base; do
    if [ $v = wt ]; then S=""; else S=$PWD/$v/pdipm.cu; fi
    OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_PROFILE=total timeout 60 ./bench --batches 1,128,2048 --reps 3 > $R/prof_${v}_$round.txt 2>&1
    OPTNET_CUDA_SOURCE=$S timeout 60 ./bench --batches 1,128,2048 > $R/bench_${v}_$round.txt 2>&1
  done
  date -u >> $R/gpu.txt; pack
  [ $(($(date +%s) - START)) -gt 480 ] && break
done
ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
