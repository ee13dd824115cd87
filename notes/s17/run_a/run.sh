#!/bin/bash
# Session 17, run A: the K-global module (K in device memory for reduced matrices that do not
# fit shared memory) — the GPU tests, memcheck on the K-global tests, the n = 100 bench (the
# default kernels, whose code did not change), large problems against qpth and qpax.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ; mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 300 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
command -v compute-sanitizer > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
timeout 240 compute-sanitizer --tool memcheck ./all cuda_solver::large cuda_solver::too_large --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; pack
OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --batches 1,128,2048 --reps 5 > $R/bench100.txt 2>&1
for nn in 150 300; do
  OPTNET_CUDA_CHUNK=0 timeout 120 ./bench --n $nn --p $nn --batches 1,32,128,512 --reps 3 > $R/bench$nn.txt 2>&1
done
OPTNET_CUDA_PROFILE=total OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --n 200 --p 200 --batches 1,128 --reps 1 > $R/prof200.txt 2>&1
date -u >> $R/gpu.txt; pack
python3 -m pip install -q --no-index --no-deps --target /tmp/site whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peer200
(export OUT=$R; PYTHONUNBUFFERED=1 timeout 300 python3 ./peers.py --n 200 --p 200 --batches 1,32,128,512 --save $D > $R/peers200.txt 2>&1)
date -u >> $R/gpu.txt; pack
OPTNET_CUDA_CHUNK=0 timeout 150 ./bench --n 200 --p 200 --batches 1,32,128,512 --data $D --peers $R/peers.json > $R/bench200.txt 2>&1
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
