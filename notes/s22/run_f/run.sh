#!/bin/bash
# Session 22, run F (final code: shared gradients' batch sums on the device, sums.cu):
# GPU tests (with shared_gradients_are_the_batch_sums_of_the_per_example_ones), memcheck, the
# backward's host times, then the goal table with peers.py (kernel times with one launch; e2e
# in the default pipeline, twice), without equilibration, and --shared.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
timeout 300 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; pack
OPTNET_CUDA_CHUNK=0 OPTNET_CUDA_PROFILE=total timeout 100 ./bench --shared --batches 128,2048 --reps 5 > $R/prof_shared.txt 2>&1
timeout 100 ./bench --shared --batches 1,128,512,2048 > $R/shared_e2e.txt 2>&1
OPTNET_CUDA_CHUNK=0 timeout 100 ./bench --shared --batches 1,128,512,2048 > $R/shared_k.txt 2>&1
date -u >> $R/gpu.txt; pack
python3 -m pip install -q --no-index --no-deps --target /tmp/site whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peer100; mkdir -p $R/p100
(export OUT=$R/p100; PYTHONUNBUFFERED=1 timeout 300 python3 ./peers.py --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/peers100.txt 2>&1)
date -u >> $R/gpu.txt; pack
sleep 10
for round in 1 2; do
  OPTNET_CUDA_CHUNK=0 timeout 120 ./bench --data $D --peers $R/p100/peers.json > $R/peers_k_$round.txt 2>&1
  timeout 120 ./bench --data $D --peers $R/p100/peers.json > $R/peers_e2e_$round.txt 2>&1
done
OPTNET_CUDA_CHUNK=0 timeout 120 ./bench --data $D --peers $R/p100/peers.json --no-equilibrate > $R/peers_k_noeq.txt 2>&1
date -u >> $R/gpu.txt; pack
rm -rf $OUT/r
