#!/bin/bash
# Session 37, run 3: `ldl_invert_diag` right-looking (each lane's column of the inverse with its
# rows' sums carried in registers, updated as each entry is final: the same sums in the same
# order, a chain of one FMA per row instead of i), with the loads of each step in chunks of 16
# between __syncwarp()s (RL16) or not (RL). Micro-benchmark (factor.cu built with S37_ONE_SUM:
# VAR 6 is then the kernel's arithmetic until 75ebece, compared entry by entry), then
# bench --data on peers.py's problems, HEAD (75ebece) against both through OPTNET_CUDA_SOURCE.
START=$(date +%s)
cd "$(dirname "$0")"
R=$OUT/r3; mkdir -p $R
pack() { (cd $OUT && tar czf res3.tgz r3); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
for v in head1 RL16 RL; do timeout 40 ./factor_$v > $R/factor_$v.txt 2>&1; echo "rc $?" >> $R/factor_$v.txt; done
date -u >> $R/gpu.txt; pack
D=/tmp/peer100; mkdir -p $D
(export OUT=$R; timeout 60 python3 ./peers.py none --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/gen.txt 2>&1)
export OPTNET_CUDA_CHUNK=0
for round in 1 2; do
  for v in head RL16 RL; do
    S=; [ $v != head ] && S=$PWD/var$v/pdipm.cu
    OPTNET_CUDA_SOURCE=$S timeout 40 ./bench --data $D > $R/data_${v}_$round.txt 2>&1
    [ $round = 1 ] && OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_PROFILE=total timeout 30 ./bench --data $D --batches 1,128,2048 --reps 3 > $R/prof_${v}.txt 2>&1
    pack
  done
done
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r3
