#!/bin/bash
# gpu20 call 1: two-block kernel variants (A/B, interleaved twice) and the two-block threshold sweep.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
export OPTNET_CUDA_CACHE=$PWD/cc
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
V="main k g4c4 a4c4 a4c4nk a8c2 a8c4"
src() { if [ $1 = main ]; then echo src/main.cu; else echo src/v_$1.cu; fi; }
for rep in 1 2; do
  for v in $V; do
    echo "$v $rep $(date -u +%T)" >> $R/times.txt
    OPTNET_CUDA_SOURCE=$(src $v) OPTNET_CUDA_PROFILE=total timeout 40 ./bench --batches 264,512,2048 > $R/ab_${v}_$rep.txt 2>&1
  done
done
for rep in 1 2; do
  echo "sweep one $rep $(date -u +%T)" >> $R/times.txt
  OPTNET_CUDA_SOURCE=src/main.cu OPTNET_CUDA_TWO_BLOCKS=0 timeout 30 ./bench --batches 150,175,200,232,264 > $R/sw_one_$rep.txt 2>&1
  for v in main a4c4 a8c2 a4c4nk; do
    echo "sweep $v $rep $(date -u +%T)" >> $R/times.txt
    OPTNET_CUDA_SOURCE=$(src $v) OPTNET_CUDA_TWO_BLOCKS=1 timeout 30 ./bench --batches 150,175,200,232,264 > $R/sw_${v}_$rep.txt 2>&1
  done
done
date -u >> $R/times.txt
(cd $OUT && tar czf res1.tgz r) && rm -rf $OUT/r
