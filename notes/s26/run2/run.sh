#!/bin/bash
# Session 26, run 2: the GPU tests with the specialized kernels (new: specialized_kernels_take_the_generic_steps,
# background_specialization_takes_over), memcheck on the specialized kernels and on cuda_solver.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
timeout 120 ./all specialized background_specialization --nocapture --test-threads=1 > $R/t_spec.txt 2>&1
date -u >> $R/gpu.txt; pack
timeout 240 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
timeout 100 ./all gradients:: > $R/t_grad.txt 2>&1
timeout 100 ./all polish:: --nocapture > $R/t_polish.txt 2>&1
date -u >> $R/gpu.txt; pack
timeout 120 compute-sanitizer --tool memcheck ./all cuda_solver::specialized --test-threads=1 > $R/memcheck_spec.txt 2>&1
OPTNET_CUDA_SPECIALIZE=0 timeout 200 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
