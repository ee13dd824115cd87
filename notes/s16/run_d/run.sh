#!/bin/bash
# Session 16, run D: the final code (the factorization's rows NT at a time) — the peers and
# `bench --data --peers` in one command, twice (the README's goal table); ncu's per-instruction
# counts of the one-block kernel at batch 1 (where the batch-1 goal's time goes).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ; mkdir -p /tmp/occ; tar xzf occ3.tgz -C /tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
python3 -m pip install -q --no-index --no-deps --target /tmp/site ../whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peerdata
(export OUT=$R; PYTHONUNBUFFERED=1 timeout 240 python3 ./peers.py --save $D > $R/peers.txt 2>&1)
date -u >> $R/gpu.txt; pack
for k in 1 2; do
  OPTNET_CUDA_CHUNK=0 timeout 150 ./bench --data $D --peers $R/peers.json > $R/bench_$k.txt 2>&1
  date -u >> $R/gpu.txt; pack
done
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
OPTNET_CUDA_CHUNK=0 timeout 150 ncu --set full -k regex:pdipm_f64 -c 1 -o /tmp/prof1 ./bench --batches 1 --reps 1 > $R/ncu1_run.txt 2>&1
ncu -i /tmp/prof1.ncu-rep --page source --csv --print-source sass 2>> $R/src_err.txt | gzip > $R/src1_sass.csv.gz
ncu -i /tmp/prof1.ncu-rep --page details > $R/ncu1_details.txt 2>> $R/src_err.txt
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
