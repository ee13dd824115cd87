#!/bin/bash
# Session 37, run 5: variant C (the 8x8 pivot block in every lane's registers, session 36's
# `ldl_diag_red`, alone; the same bits) against HEAD (75ebece) in the solver, through
# OPTNET_CUDA_SOURCE: bench --data on peers.py's problems, interleaved, and cycles per example.
cd "$(dirname "$0")"
R=$OUT/r5; mkdir -p $R
pack() { (cd $OUT && tar czf res5.tgz r5); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ OPTNET_CUDA_CHUNK=0
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
D=/tmp/peer100; mkdir -p $D
(export OUT=$R; timeout 60 python3 ./peers.py none --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/gen.txt 2>&1)
for round in 1 2; do
  for v in head varC; do
    S=; [ $v = varC ] && S=$PWD/varC/pdipm.cu
    OPTNET_CUDA_SOURCE=$S timeout 40 ./bench --data $D > $R/data_${v}_$round.txt 2>&1
    [ $round = 1 ] && OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_PROFILE=total timeout 30 ./bench --data $D --batches 1,128,2048 --reps 3 > $R/prof_${v}.txt 2>&1
    pack
  done
done
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r5
