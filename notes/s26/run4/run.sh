#!/bin/bash
# Session 26, run 4: the two-block kernels' loops over G kept rolled in a specialized module (ROLLED,
# fewer spills) against the specialized module before it (prev: a83e002's pdipm.cu) and the generic one.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls -la /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
for round in 1 2 3; do
  for v in generic prev rolled; do
    case $v in
      generic) OPTNET_CUDA_CHUNK=0 timeout 120 ./bench --generic --batches 1,128,2048 > $R/bench_${v}_$round.txt 2>&1 ;;
      prev) OPTNET_CUDA_SOURCE=$PWD/pdipm_prev.cu OPTNET_CUDA_CHUNK=0 timeout 120 ./bench --batches 1,128,2048 > $R/bench_${v}_$round.txt 2>&1 ;;
      rolled) OPTNET_CUDA_CHUNK=0 timeout 120 ./bench --batches 1,128,2048 > $R/bench_${v}_$round.txt 2>&1 ;;
    esac
  done
  date -u >> $R/gpu.txt; pack
done
for v in prev rolled; do
  S=; [ $v = prev ] && S=$PWD/pdipm_prev.cu
  OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_PROFILE=total OPTNET_CUDA_CHUNK=0 timeout 120 ./bench --batches 2048 --reps 3 > $R/prof_${v}.txt 2>&1
done
ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
