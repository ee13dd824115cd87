#!/bin/bash
# Session 33, run 1: the working tree (Gz and Gᵀλ of the residuals in one pass over G, `gemv_nt`)
# against HEAD (42775a2, session 32's kernel) and vb (wt with block_reduce reduce-scattering its values): GPU tests, the f32-arithmetic kernel's gradient
# test example by example, memcheck; interleaved rounds of bench (its own problems) wt / head;
# cycles per example.
START=$(date +%s)
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
timeout 100 ./all cuda_ --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
timeout 30 ./all cuda_maros --nocapture > $R/t_mm.txt 2>&1; echo "rc $?" >> $R/t_mm.txt
OPTNET_CUDA_F32_ARITHMETIC=f32 timeout 60 ./all f32_solutions_and_gradients_match_f64 --nocapture > $R/t_f32k.txt 2>&1; echo "rc $?" >> $R/t_f32k.txt
timeout 30 ./all f32_solutions_and_gradients_match_f64 --nocapture > $R/t_f32d.txt 2>&1; echo "rc $?" >> $R/t_f32d.txt
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after_tests.txt; pack
timeout 110 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1; echo "rc $?" >> $R/memcheck.txt
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
for round in 1 2 3; do
  for v in wt head vb; do
    if [ $v = wt ]; then S=""; else S=$PWD/$v/pdipm.cu; fi
    OPTNET_CUDA_SOURCE=$S timeout 60 ./bench > $R/bench_${v}_$round.txt 2>&1
    [ $round = 1 ] && OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_PROFILE=total timeout 40 ./bench --batches 1,128,2048 --reps 3 > $R/prof_${v}.txt 2>&1
  done
  date -u >> $R/gpu.txt; pack
  [ $(($(date +%s) - START)) -gt 480 ] && break
done
ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
