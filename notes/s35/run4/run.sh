#!/bin/bash
# Session 35, run 4: the final code (b0ac4ce's kernel and host, run 3's binaries) against
# session 34's on the generic kernels (`bench --generic`, the solver's default path) with
# peers.py's problems, and on the bench's own problems (seeded draws) with the specialized
# kernels; two interleaved rounds each, batches 1, 8, 32, 128, 512, 2048.
START=$(date +%s)
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ OPTNET_CUDA_CHUNK=0
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
D=/tmp/peer100
OUT=/tmp python3 ./peers.py none --save $D > $R/gen.txt 2>&1
for round in 1 2; do
  for v in new prev; do
    B=./bench; [ $v = prev ] && B=./bench_prev
    timeout 60 $B --data $D --generic > $R/generic_${v}_$round.txt 2>&1
    timeout 60 $B > $R/own_${v}_$round.txt 2>&1
  done
  date -u >> $R/gpu.txt; pack
  [ $(($(date +%s) - START)) -gt 300 ] && break
done
ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
