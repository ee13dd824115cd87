#!/bin/bash
# Session 14, run B: peers.py --save (qpth and qpax on their problems), then bench --data
# --peers on the same problems (one launch per batch, OPTNET_CUDA_CHUNK=0), twice; then ncu
# of batch 2048 in one launch and the warp-state (stall) details at 128.
cd "$(dirname "$0")"
H=$PWD
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
[ -d /tmp/site/qpax ] || python3 -m pip install -q --no-index --no-deps --target /tmp/site ../whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peerdata
(export OUT=$R; timeout 240 python3 ./peers.py --save $D > $R/peers.txt 2>&1)
date -u >> $R/gpu.txt; pack
for k in 1 2; do
  OPTNET_CUDA_CHUNK=0 timeout 150 ./bench --data $D --peers $R/peers.json > $R/bench_$k.txt 2>&1
  date -u >> $R/gpu.txt; pack
done
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
OPTNET_CUDA_CHUNK=0 timeout 120 ncu --set full -k regex:pdipm -c 1 ./bench --batches 2048 --reps 1 > $R/ncu_2048.txt 2>&1
date -u >> $R/gpu.txt; pack
OPTNET_CUDA_CHUNK=0 timeout 120 ncu --section WarpStateStats --section SourceCounters --print-details all -k regex:pdipm -c 1 ./bench --batches 128 --reps 1 > $R/ncu_128_stalls.txt 2>&1
date -u >> $R/gpu.txt; pack
rm -rf $OUT/r
