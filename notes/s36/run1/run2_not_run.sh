#!/bin/bash
# Session 36, run 2: peers.py's problems (generated with --save, peers not timed: `none`), one
# launch per batch (OPTNET_CUDA_CHUNK=0, as the goal table), `bench --data` new and prev
# interleaved, and cycles per example. Same binaries and modules as run 1.
START=$(date +%s)
cd "$(dirname "$0")"
R=$OUT/r2; mkdir -p $R
pack() { (cd $OUT && tar czf res2.tgz r2); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; tar xzf occ_prev.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
D=/tmp/peer100; mkdir -p $D
(export OUT=$R; timeout 60 python3 ./peers.py none --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/gen.txt 2>&1)
date -u > $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
for round in 1 2; do
  for v in new prev; do
    B=./bench; [ $v = prev ] && B=./bench_prev
    timeout 40 $B --data $D > $R/data_${v}_$round.txt 2>&1
    [ $round = 1 ] && OPTNET_CUDA_PROFILE=total timeout 30 $B --data $D --batches 1,128,2048 --reps 3 > $R/prof_${v}.txt 2>&1
    pack
    [ $(($(date +%s) - START)) -gt 120 ] && break 2
  done
done
date -u >> $R/gpu.txt; pack
rm -rf $OUT/r2
