#!/bin/bash
# Session 34, run 4: A/B of wt (9029f34, the binaries' own source) against y1 (wt with GL_ROWS 16
# and GL_CHUNKS 2 in specialized modules: the two-block products' row passes 16 rows per warp,
# one pass over 100 rows instead of two; batches 512 and 2048 only) and y2 (wt with 16/NR rows
# per warp and pass in the shared-memory products, gemv_n, k0_mul, the reduced solve's G·x),
# interleaved, three rounds, bench's own problems (n = p = 100, the specialized kernels), and
# cycles per example (OPTNET_CUDA_PROFILE=total).
START=$(date +%s)
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ OPTNET_CUDA_CHUNK=0
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
for round in 1 2 3; do
  for v in wt y1 y2; do
    if [ $v = wt ]; then S=""; else S=$PWD/$v/pdipm.cu; fi
    case $v in y1) BB="--batches 512,2048"; PB="--batches 2048";; *) BB="--batches 1,128,2048"; PB="--batches 1,128,2048";; esac
    OPTNET_CUDA_SOURCE=$S timeout 60 ./bench $BB > $R/b_${v}_$round.txt 2>&1
    [ $round = 1 ] && OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_PROFILE=total timeout 40 ./bench $PB --reps 3 > $R/prof_${v}.txt 2>&1
  done
  date -u >> $R/gpu.txt; pack
  [ $(($(date +%s) - START)) -gt 300 ] && break
done
ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
