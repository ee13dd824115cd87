#!/bin/bash
# Session 34, run 1: code-size variants of the solver's kernels (the instruction cache), A/B
# against the committed kernel (base), interleaved, three rounds, bench's own problems
# (n = p = 100, the specialized kernels), and cycles per example (OPTNET_CUDA_PROFILE=total):
#  v2: the row loops of gemv_n_rows and k0_mul_rows not unrolled (unroll 1);
#  v3: v2 + the triangular solve's block loops rolled in the specialized module;
#  v4: v2 + the factorization's first diagonal block inside the panel loop (one ldl_diag_f64).
START=$(date +%s)
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ OPTNET_CUDA_CHUNK=0
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
for round in 1 2 3; do
  for v in base v2 v3 v4; do
    if [ $v = base ]; then S=""; else S=$PWD/$v/pdipm.cu; fi
    OPTNET_CUDA_SOURCE=$S timeout 60 ./bench --batches 1,128,2048 > $R/b_${v}_$round.txt 2>&1
    [ $round = 1 ] && OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_PROFILE=total timeout 40 ./bench --batches 1,128,2048 --reps 3 > $R/prof_${v}.txt 2>&1
  done
  date -u >> $R/gpu.txt; pack
  [ $(($(date +%s) - START)) -gt 480 ] && break
done
ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
