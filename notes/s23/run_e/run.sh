#!/bin/bash
# Session 23, run E (v4 embedded: batched loads and the backward's whole-K copy in the one-block
# kernels only; the two-block kernels as session 22's): GPU tests, memcheck, A/B against
# session 22's kernel (base.cu) interleaved, ncu cycles, then the goal table with peers.py
# (kernel times with one launch, twice; e2e; without equilibration; --shared).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
timeout 300 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after_tests.txt; pack
for round in 1 2 3; do
  for v in base v4; do
    if [ $v = base ]; then export OPTNET_CUDA_SOURCE=$PWD/base.cu; else unset OPTNET_CUDA_SOURCE; fi
    OPTNET_CUDA_CHUNK=0 timeout 100 ./bench --batches 1,128 --reps 11 > $R/k_${v}_$round.txt 2>&1
    OPTNET_CUDA_CHUNK=0 timeout 100 ./bench --batches 128,2048 --shared --reps 5 > $R/ks_${v}_$round.txt 2>&1
    [ $round -le 2 ] && OPTNET_CUDA_CHUNK=0 timeout 100 ./bench --batches 2048 > $R/k2048_${v}_$round.txt 2>&1
  done
  date -u >> $R/gpu.txt; pack
done
unset OPTNET_CUDA_SOURCE
M=gpu__time_duration.sum,smsp__inst_executed.sum,sm__cycles_elapsed.max,launch__registers_per_thread
for B in 1 128 2048; do
  OPTNET_CUDA_CHUNK=0 timeout 150 ncu --metrics $M --csv -k regex:'pdipm|backward|ruiz' ./bench --batches $B --reps 1 > $R/ncu_v4_b$B.csv 2> $R/ncu_v4_b$B.err
done
date -u >> $R/gpu.txt; pack
python3 -m pip install -q --no-index --no-deps --target /tmp/site whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peer100; mkdir -p $R/p100
(export OUT=$R/p100; PYTHONUNBUFFERED=1 timeout 300 python3 ./peers.py --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/peers100.txt 2>&1)
date -u >> $R/gpu.txt; pack
sleep 10
for round in 1 2; do
  OPTNET_CUDA_CHUNK=0 timeout 120 ./bench --data $D --peers $R/p100/peers.json > $R/peers_k_$round.txt 2>&1
done
timeout 120 ./bench --data $D --peers $R/p100/peers.json > $R/peers_e2e.txt 2>&1
OPTNET_CUDA_CHUNK=0 timeout 120 ./bench --data $D --peers $R/p100/peers.json --no-equilibrate > $R/peers_k_noeq.txt 2>&1
OPTNET_CUDA_SOURCE=$PWD/base.cu OPTNET_CUDA_CHUNK=0 timeout 120 ./bench --data $D --peers $R/p100/peers.json > $R/peers_k_base.txt 2>&1
timeout 100 ./bench --shared --batches 1,128,512,2048 > $R/shared_e2e.txt 2>&1
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
