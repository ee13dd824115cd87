#!/bin/bash
# Session 38, run 2: variant KF (the two-block kernel's forward pass reads K0 = [Q, Aᵀ; A, 0] whole
# from a copy in the example's `fac` record, through gemv_n's global-memory path, instead of
# choosing (i, j) or (j, i) of K's upper triangle per entry; the same sums in the same order)
# against HEAD (75ebece's kernel), through OPTNET_CUDA_SOURCE; and the SM clock under load.
cd "$(dirname "$0")"
R=$OUT/r2; mkdir -p $R
pack() { (cd $OUT && tar czf res2.tgz r2); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ OPTNET_CUDA_CHUNK=0
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,power.limit --format=csv; date -u) > $R/gpu.txt 2>&1
D=/tmp/peer100; mkdir -p $D
(export OUT=$R; timeout 60 python3 ./peers.py none --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/gen.txt 2>&1)
for round in 1 2 3; do
  for v in head varKF; do
    S=; [ $v = varKF ] && S=$PWD/varKF/pdipm.cu
    OPTNET_CUDA_SOURCE=$S timeout 60 ./bench --data $D --batches 128,512,2048 > $R/data_${v}_$round.txt 2>&1
    [ $round = 1 ] && OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_PROFILE=total timeout 40 ./bench --data $D --batches 512,2048 --reps 3 > $R/prof_${v}.txt 2>&1
    pack
  done
done
# The SM clock, power and throttle reasons every 20 ms while batch 2048 runs 30 times (head).
nvidia-smi --query-gpu=timestamp,clocks.sm,power.draw,temperature.gpu,clocks_throttle_reasons.active --format=csv -lms 20 > $R/smi_2048.csv 2>&1 &
SMI=$!
sleep 0.5; timeout 60 ./bench --data $D --batches 2048 --reps 30 > $R/loop_2048.txt 2>&1
sleep 0.3; kill $SMI
nvidia-smi --query-gpu=timestamp,clocks.sm,power.draw,temperature.gpu,clocks_throttle_reasons.active --format=csv -lms 20 > $R/smi_1.csv 2>&1 &
SMI=$!
sleep 0.5; timeout 60 ./bench --data $D --batches 1 --reps 200 > $R/loop_1.txt 2>&1
sleep 0.3; kill $SMI
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r2
