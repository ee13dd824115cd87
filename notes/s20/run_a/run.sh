#!/bin/bash
# Session 20, run A: the start W = sqrt(c)/E (notes/s19/start_half.patch) against ¾ (prev/)
# GPU tests (MM included), memcheck, the bench with and without
# equilibration beside run E's binary (prev/), then qpth and qpax on the same problems in one
# command (peers.py --save, then bench --data --peers with and without equilibration, and run
# E's bench).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
B="--batches 1,128,2048 --reps 5"
timeout 60 ./prev/bench $B > $R/bench100_prev.txt 2>&1
timeout 60 ./bench $B > $R/bench100_eq.txt 2>&1
timeout 60 ./bench $B --no-equilibrate > $R/bench100_noeq.txt 2>&1
date -u >> $R/gpu.txt; pack
timeout 200 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; pack
python3 -m pip install -q --no-index --no-deps --target /tmp/site whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peer100; mkdir -p $R/p100
(export OUT=$R/p100; PYTHONUNBUFFERED=1 timeout 300 python3 ./peers.py --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/peers100.txt 2>&1)
date -u >> $R/gpu.txt; pack
timeout 100 ./bench --data $D --peers $R/p100/peers.json > $R/bench_peers_eq.txt 2>&1
timeout 100 ./bench --data $D --peers $R/p100/peers.json --no-equilibrate > $R/bench_peers_noeq.txt 2>&1
timeout 100 ./prev/bench --data $D --peers $R/p100/peers.json > $R/bench_peers_prev.txt 2>&1
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
