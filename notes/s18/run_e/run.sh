#!/bin/bash
# Session 18, run E: where an equilibrated solve's extra time goes at the same iteration count
# (batch 1 on the peers' problems: 5 iterations either way, 0.634 against 0.587 ms in run D):
# the kernels' counters (OPTNET_CUDA_PROFILE=total: iterations, refinement steps, cycles) and
# phase timers (=1, the profiling build) with and without equilibration, batches 1 and 128.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
python3 -m pip install -q --no-index --no-deps --target /tmp/site whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peer100; mkdir -p $R/p100
(export OUT=$R/p100; PYTHONUNBUFFERED=1 timeout 200 python3 ./peers.py --n 100 --p 100 --batches 1,128 --save $D > $R/peers100.txt 2>&1)
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
for eq in eq noeq; do
  flag=""; [ $eq = noeq ] && flag=--no-equilibrate
  OPTNET_CUDA_PROFILE=total timeout 60 ./bench --data $D --batches 1,128 --reps 3 $flag > $R/total_$eq.txt 2>&1
  OPTNET_CUDA_PROFILE=1 timeout 120 ./bench --data $D --batches 1,128 --reps 3 $flag > $R/phases_$eq.txt 2>&1
  date -u >> $R/gpu.txt; pack
done
ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
