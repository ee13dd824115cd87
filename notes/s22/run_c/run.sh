#!/bin/bash
# Session 22, run C: chunk length of the default pipeline (OPTNET_CUDA_CHUNK=K) against e2e
# at batches 256, 512, 1024, 2048 (the bench's own problems and --shared).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
for round in 1 2; do
  for k in default 0 66 132 264 528; do
    if [ $k = default ]; then unset OPTNET_CUDA_CHUNK; else export OPTNET_CUDA_CHUNK=$k; fi
    timeout 100 ./bench --batches 256,512,1024,2048 > $R/own_${k}_$round.txt 2>&1
    timeout 100 ./bench --shared --batches 512,2048 > $R/shared_${k}_$round.txt 2>&1
  done
  date -u >> $R/gpu.txt; pack
done
rm -rf $OUT/r
