#!/bin/bash
# Session 31, run 1: the triangular solve's diagonal steps over several warps (a row split over
# PL lanes, the block's values through a scratch): GPU tests, memcheck; then peers.py --save and
# three rounds of bench --data --peers, the new kernel and session 30's (old/, OPTNET_CUDA_SOURCE)
# interleaved; one round without equilibration; the phase profiles of both.
START=$(date +%s)
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
timeout 150 ./all cuda_ --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
timeout 30 ./all cuda_maros --nocapture > $R/t_mm.txt 2>&1; echo "rc $?" >> $R/t_mm.txt
timeout 60 ./all gradients:: polish:: > $R/t_grad_polish.txt 2>&1; echo "rc $?" >> $R/t_grad_polish.txt
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after_tests.txt; pack
timeout 150 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1; echo "rc $?" >> $R/memcheck.txt
date -u >> $R/gpu.txt; pack
python3 -m pip install -q --no-index --no-deps --target /tmp/site whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peer100; mkdir -p $R/p100
(export OUT=$R/p100; PYTHONUNBUFFERED=1 timeout 200 python3 ./peers.py --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/peers100.txt 2>&1)
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
for round in 1 2 3; do
  timeout 60 ./bench --data $D --peers $R/p100/peers.json > $R/peers_k_new_$round.txt 2>&1
  OPTNET_CUDA_SOURCE=$PWD/old/pdipm.cu timeout 60 ./bench --data $D --peers $R/p100/peers.json > $R/peers_k_old_$round.txt 2>&1
  [ $round -le 1 ] && timeout 60 ./bench --data $D --peers $R/p100/peers.json --no-equilibrate > $R/peers_k_noeq_new_$round.txt 2>&1
  date -u >> $R/gpu.txt; pack
  [ $(($(date +%s) - START)) -gt 420 ] && break
done
OPTNET_CUDA_PROFILE=1 timeout 60 ./bench --data $D --batches 1,128,2048 --reps 2 > $R/phases_new.txt 2>&1
OPTNET_CUDA_PROFILE=1 OPTNET_CUDA_SOURCE=$PWD/old/pdipm.cu timeout 60 ./bench --data $D --batches 1,128,2048 --reps 2 > $R/phases_old.txt 2>&1
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
