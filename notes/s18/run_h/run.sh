#!/bin/bash
# Session 18, run H: the final code — the equilibration kernel keeps Q, A, G in device memory
# for launches of more than one wave (several blocks per multiprocessor), in shared memory for
# one wave (run D's kernels otherwise). The GPU tests and memcheck; the bench with and without
# equilibration; the equilibration kernel's duration at batch 2048 (ncu); then qpth and qpax on
# the same problems in one command (peers.py --save, then bench --data --peers, with and
# without equilibration).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 300 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
timeout 60 ./bench --batches 1,128,2048 --reps 5 --no-equilibrate > $R/bench100_noeq.txt 2>&1
timeout 60 ./bench --batches 1,128,2048 --reps 5 > $R/bench100_eq.txt 2>&1
date -u >> $R/gpu.txt; pack
command -v compute-sanitizer > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
timeout 300 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
timeout 100 ncu --kernel-name regex:ruiz --metrics gpu__time_duration.sum,smsp__inst_executed.sum ./bench --batches 2048 --reps 1 > $R/ncu_ruiz.txt 2>&1
date -u >> $R/gpu.txt; pack
python3 -m pip install -q --no-index --no-deps --target /tmp/site whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peer100; mkdir -p $R/p100
(export OUT=$R/p100; PYTHONUNBUFFERED=1 timeout 300 python3 ./peers.py --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/peers100.txt 2>&1)
date -u >> $R/gpu.txt; pack
timeout 100 ./bench --data $D --peers $R/p100/peers.json > $R/bench_peers_eq.txt 2>&1
timeout 100 ./bench --data $D --peers $R/p100/peers.json --no-equilibrate > $R/bench_peers_noeq.txt 2>&1
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
