#!/bin/bash
# Session 35, run 1: polishing earlier (the polish gap pg from 3e-2 to 0.1–0.5; host-side
# Params through the experiment's OPT_PG) with the guess cut GUESS_RATIO 0.05 (the kernel as
# committed) or 0.02 (gr002/pdipm.cu): bench on peers.py's problems at batches 1, 128, 2048,
# cycles per example (OPTNET_CUDA_PROFILE=total), two timing rounds.
START=$(date +%s)
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ0.tgz -C /tmp/occ; cp *.cubin /tmp/occ/
export OPTNET_CUDA_CACHE=/tmp/occ OPTNET_CUDA_CHUNK=0
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
D=/tmp/peer100
OUT=/tmp python3 ./peers.py none --batches 1,128,2048 --save $D > $R/gen.txt 2>&1
ls -la $D >> $R/gen.txt
V="a:0.03:base b:0.1:base c:0.3:base d:0.3:gr002 e:0.5:gr002 f:0.1:gr002 g:0.2:gr002"
for round in 1 2 3; do
  for v in $V; do
    IFS=: read name pg src <<< "$v"
    if [ $src = base ]; then S=""; else S=$PWD/$src/pdipm.cu; fi
    if [ $round = 1 ]; then
      OPT_PG=$pg OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_PROFILE=total timeout 60 ./bench --data $D --batches 1,128,2048 --reps 3 > $R/prof_$name.txt 2>&1
    else
      OPT_PG=$pg OPTNET_CUDA_SOURCE=$S timeout 60 ./bench --data $D --batches 1,128,2048 > $R/k_${name}_$round.txt 2>&1
    fi
  done
  date -u >> $R/gpu.txt; pack
  [ $(($(date +%s) - START)) -gt 420 ] && break
done
ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
