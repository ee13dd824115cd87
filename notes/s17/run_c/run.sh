#!/bin/bash
# Session 17, run C: the final code (the K-global module at 512 threads, one block per
# multiprocessor) — the GPU tests, memcheck on `cuda_solver`, the n = 100 bench (digests against
# run A), the K-global module's thread count (512 / 768 / 1024), and qpth and qpax against it at
# n = p = 200 and 300 in one command (peers.py --save, then bench --data --peers).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ; mkdir -p /tmp/occ; tar xzf occ3.tgz -C /tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 300 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
command -v compute-sanitizer > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
timeout 400 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
timeout 60 ./bench --batches 1,128,2048 --reps 5 > $R/bench100.txt 2>&1
for t in 512 768 1024; do
  for nn in 200 300; do
    OPTNET_CUDA_KGLOBAL_THREADS=$t timeout 120 ./bench --n $nn --p $nn --batches 1,32,128,512 --reps 3 > $R/kt${t}_n${nn}.txt 2>&1
  done
done
date -u >> $R/gpu.txt; pack
python3 -m pip install -q --no-index --no-deps --target /tmp/site whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
for nn in 200 300; do
  D=/tmp/peer$nn; mkdir -p $R/p$nn
  (export OUT=$R/p$nn; PYTHONUNBUFFERED=1 timeout 400 python3 ./peers.py --n $nn --p $nn --batches 1,32,128,512 --save $D > $R/peers$nn.txt 2>&1)
  date -u >> $R/gpu.txt; pack
  timeout 150 ./bench --n $nn --p $nn --batches 1,32,128,512 --data $D --peers $R/p$nn/peers.json > $R/bench$nn.txt 2>&1
  date -u >> $R/gpu.txt; pack
done
ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
