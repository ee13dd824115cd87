#!/bin/bash
# Session 28, run 3: the final kernels (session 27's solves, the polishing skip, τ/κ in S_U, the
# assemble barrier): GPU tests, racecheck on one test, one bench round on bench's own QPs.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 150 ./all cuda_ --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
timeout 60 ./all cuda_maros --nocapture > $R/t_mm.txt 2>&1; echo "rc $?" >> $R/t_mm.txt
timeout 60 ./all gradients:: > $R/t_grad.txt 2>&1; echo "rc $?" >> $R/t_grad.txt
timeout 60 ./all polish:: > $R/t_polish.txt 2>&1; echo "rc $?" >> $R/t_polish.txt
date -u >> $R/gpu.txt; pack
OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --batches 1,128,2048 > $R/bench_new.txt 2>&1
date -u >> $R/gpu.txt; pack
timeout 90 compute-sanitizer --tool racecheck ./all cuda_solver::random_batched_matches_cpu --test-threads=1 > $R/racecheck.txt 2>&1; echo "rc $?" >> $R/racecheck.txt
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
