#!/bin/bash
# Session 38, run 1: variant G1 (G last in the one-block kernel's shared memory, so that the
# other regions' offsets do not depend on whether G is there) and the narrow two-block module
# (OPTNET_CUDA_NARROW=2: 128 threads, up to 255 registers) against HEAD (75ebece's kernel), through
# OPTNET_CUDA_SOURCE: bench --data on peers.py's problems, interleaved, and cycles per example.
cd "$(dirname "$0")"
R=$OUT/r1; mkdir -p $R
pack() { (cd $OUT && tar czf res1.tgz r1); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ OPTNET_CUDA_CHUNK=0
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
D=/tmp/peer100; mkdir -p $D
(export OUT=$R; timeout 60 python3 ./peers.py none --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/gen.txt 2>&1)
for round in 1 2; do
  for v in head varG1 nar2; do
    S=; [ $v = varG1 ] && S=$PWD/varG1/pdipm.cu
    NW=; [ $v = nar2 ] && NW=2
    B=1,8,32,128,512,2048; [ $v = nar2 ] && B=512,2048
    OPTNET_CUDA_NARROW=$NW OPTNET_CUDA_SOURCE=$S timeout 60 ./bench --data $D --batches $B > $R/data_${v}_$round.txt 2>&1
    PB=1,128,2048; [ $v = nar2 ] && PB=2048
    [ $round = 1 ] && OPTNET_CUDA_NARROW=$NW OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_PROFILE=total timeout 40 ./bench --data $D --batches $PB --reps 3 > $R/prof_${v}.txt 2>&1
    pack
  done
done
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r1
