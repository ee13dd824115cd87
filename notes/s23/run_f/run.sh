#!/bin/bash
# Session 23, run F: Solver::backward_into (the batched gradients written over the previous
# call's arrays): GPU tests, then e2e fwd+bwd with and without --reuse-grads, interleaved,
# on the bench's own problems (per-example Q and G) and on --shared.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u; grep -h . /sys/kernel/mm/transparent_hugepage/enabled /sys/kernel/mm/transparent_hugepage/defrag) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
timeout 200 ./all gradients:: --test-threads=4 > $R/t_grad.txt 2>&1
date -u >> $R/gpu.txt; pack
for round in 1 2 3; do
  timeout 100 ./bench --batches 128,512,2048 --reps 7 > $R/e2e_fresh_$round.txt 2>&1
  timeout 100 ./bench --batches 128,512,2048 --reps 7 --reuse-grads > $R/e2e_reuse_$round.txt 2>&1
  date -u >> $R/gpu.txt; pack
done
OPTNET_CUDA_PROFILE=total timeout 100 ./bench --batches 2048 --reps 5 > $R/prof_fresh.txt 2>&1
OPTNET_CUDA_PROFILE=total timeout 100 ./bench --batches 2048 --reps 5 --reuse-grads > $R/prof_reuse.txt 2>&1
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
