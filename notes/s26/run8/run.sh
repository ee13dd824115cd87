#!/bin/bash
# Session 26, run 8: the equilibration kernel specialized for the shape too (Build::RuizShape): the GPU
# tests, ncu on the ruiz kernel (generic against specialized), the bench's own QPs, two rounds.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 120 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
date -u >> $R/gpu.txt; pack
M=gpu__time_duration.sum,smsp__inst_executed.sum,sm__cycles_elapsed.max
for v in generic new; do
  G=; [ $v = generic ] && G=--generic
  for b in 128 2048; do
    OPTNET_CUDA_CHUNK=0 timeout 60 ncu --metrics $M --csv -k regex:'ruiz' --launch-count 1 ./bench $G --batches $b --reps 1 > $R/ncu_${v}_b$b.csv 2> $R/ncu_${v}_b$b.err
  done
done
date -u >> $R/gpu.txt; pack
for round in 1 2; do
  for v in generic new; do
    G=; [ $v = generic ] && G=--generic
    OPTNET_CUDA_CHUNK=0 timeout 60 ./bench $G --batches 1,128,2048 > $R/bench_${v}_$round.txt 2>&1
  done
done
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
