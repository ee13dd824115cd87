#!/bin/bash
# Session 37, run 4: ncu (full set, per-instruction stall samples) of the committed one-block
# kernel (75ebece, specialized for n = p = 100) on peers.py's problems at batch 1 and at batch
# 2048 (one launch; run 4b: the two-block kernel pdipm2_f64, which batch 2048 runs): where today's kernel spends its cycles, for the README's goal table.
cd "$(dirname "$0")"
R=$OUT/r4; mkdir -p $R
pack() { (cd $OUT && tar czf res4.tgz r4); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ OPTNET_CUDA_CHUNK=0
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
D=/tmp/peer100; mkdir -p $D
(export OUT=$R; timeout 60 python3 ./peers.py none --n 100 --p 100 --batches 2048 --save $D > $R/gen.txt 2>&1)
for b in 2048; do
  timeout 200 ncu --set full -k regex:pdipm2_f64 -c 1 -o /tmp/prof$b ./bench --data $D --batches $b --reps 1 > $R/ncu${b}_run.txt 2>&1
  ncu -i /tmp/prof$b.ncu-rep --page details > $R/ncu${b}_details.txt 2>> $R/src_err.txt
  ncu -i /tmp/prof$b.ncu-rep --page source --csv --print-source sass 2>> $R/src_err.txt | gzip > $R/src${b}_sass.csv.gz
  date -u >> $R/gpu.txt; pack
done
rm -rf $OUT/r4
