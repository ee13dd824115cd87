#!/bin/bash
# Session 21, run D: where the final kernel's time goes (OPTNET_CUDA_PROFILE=1, the phase
# timers' build) on the peers' problems at batch 1, 128 and 2048, with and without equilibration.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
D=/tmp/peer100
python3 ./peers.py none --n 100 --p 100 --batches 1,128,2048 --save $D > $R/peers_save.txt 2>&1
export OPTNET_CUDA_CHUNK=0
OPTNET_CUDA_PROFILE=1 timeout 120 ./bench --data $D --batches 1,128,2048 --reps 3 > $R/phases_eq.txt 2>&1
OPTNET_CUDA_PROFILE=1 timeout 120 ./bench --data $D --batches 1,128,2048 --reps 3 --no-equilibrate > $R/phases_noeq.txt 2>&1
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
