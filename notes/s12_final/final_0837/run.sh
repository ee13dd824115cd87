#!/bin/bash
# Session 12 final command (the polishing change of call 4, binaries of .gpu/p3): peers (qpth,
# qpax) on their problems, bench on the same problems, then the phase profile.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=$PWD/cc
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; ls cc | wc -l) > $R/gpu.txt 2>&1
python3 -m pip install -q --no-index --no-deps --target /tmp/site ../whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peerdata2
(export OUT=$R; timeout 200 python3 ../peers.py --save $D > $R/peers.txt 2>&1)
date -u > $R/times.txt
OPTNET_CUDA_CHUNK=0 OPTNET_CUDA_PROFILE=total timeout 90 ./bench --data $D --peers $R/peers.json > $R/bench.txt 2>&1
date -u >> $R/times.txt
pack
OPTNET_CUDA_CHUNK=0 OPTNET_CUDA_PROFILE=1 timeout 100 ./bench --data $D --batches 128 --reps 1 > $R/prof.txt 2>&1
date -u >> $R/times.txt
pack
rm -rf $OUT/r
