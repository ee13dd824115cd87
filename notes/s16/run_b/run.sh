#!/bin/bash
# Session 16, run B: the kernel with pointer-stepped global loads (ptr: syrk_dmma, gemv_n_rows,
# gemv_t in the two-block kernel) against the embedded kernel before it (base), and each half
# (ptr_s: syrk_dmma only; ptr_g: the two products only), interleaved twice; the peers and
# `bench --data --peers` with the new kernel embedded (one command); the GPU tests and memcheck.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ; mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; tar xzf occ2.tgz -C /tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
for k in 1 2; do
  for v in base ptr ptr_s ptr_g; do
    OPTNET_CUDA_CHUNK=0 OPTNET_CUDA_SOURCE=$PWD/$v.cu timeout 60 ./bench --batches 1,128,512,2048 --reps 5 > $R/ab_${v}_$k.txt 2>&1
  done
  date -u >> $R/gpu.txt; pack
done
python3 -m pip install -q --no-index --no-deps --target /tmp/site ../whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peerdata
(export OUT=$R; PYTHONUNBUFFERED=1 timeout 240 python3 ./peers.py --save $D > $R/peers.txt 2>&1)
date -u >> $R/gpu.txt; pack
for k in 1 2; do
  OPTNET_CUDA_CHUNK=0 timeout 150 ./bench --data $D --peers $R/peers.json > $R/bench_$k.txt 2>&1
  date -u >> $R/gpu.txt; pack
done
timeout 200 ./all cuda_ > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
command -v compute-sanitizer > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
timeout 200 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
