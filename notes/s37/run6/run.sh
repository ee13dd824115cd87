#!/bin/bash
# Session 37, run 6: variant L (block-uniform values the iteration carries but rarely reads, in the reduction scratch instead of registers;
# the same bits) against HEAD (75ebece) in the solver, through
# OPTNET_CUDA_SOURCE: bench --data on peers.py's problems, interleaved, and cycles per example.
cd "$(dirname "$0")"
R=$OUT/r6; mkdir -p $R
pack() { (cd $OUT && tar czf res6.tgz r6); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ OPTNET_CUDA_CHUNK=0
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
D=/tmp/peer100; mkdir -p $D
(export OUT=$R; timeout 60 python3 ./peers.py none --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/gen.txt 2>&1)
for round in 1 2; do
  for v in head varL; do
    S=; [ $v = varL ] && S=$PWD/varL/pdipm.cu
    OPTNET_CUDA_SOURCE=$S timeout 40 ./bench --data $D > $R/data_${v}_$round.txt 2>&1
    [ $round = 1 ] && OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_PROFILE=total timeout 30 ./bench --data $D --batches 1,128,2048 --reps 3 > $R/prof_${v}.txt 2>&1
    pack
  done
done
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r6
