#!/bin/bash
# Session 21, run A: the all-shared equilibration split (one block's passes, a warp per example's
# cost scaling) against session 20's build: GPU tests, memcheck, digests (bit-identical
# expected), shared batches timed interleaved; the peers' batch 128 with and without
# equilibration under ncu (each kernel's duration, boost clocks) and OPTNET_CUDA_PROFILE=total.
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
for round in 1 2; do
  timeout 100 ./bench --shared --batches 1,128,512,2048 > $R/shared_new_$round.txt 2>&1
  timeout 100 ./cmp/s20/bench --shared --batches 1,128,512,2048 > $R/shared_s20_$round.txt 2>&1
done
timeout 100 ./bench --batches 1,128,2048 > $R/own_new.txt 2>&1
timeout 100 ./cmp/s20/bench --batches 1,128,2048 > $R/own_s20.txt 2>&1
unset OPTNET_CUDA_CHUNK
timeout 100 ./bench --shared --batches 512,2048 --reps 2 > $R/shared_chunked_new.txt 2>&1
timeout 100 ./cmp/s20/bench --shared --batches 512,2048 --reps 2 > $R/shared_chunked_s20.txt 2>&1
date -u >> $R/gpu.txt; pack
timeout 200 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; pack
D=/tmp/peer100
python3 ./peers.py none --n 100 --p 100 --batches 128 --save $D > $R/peers_save.txt 2>&1
export OPTNET_CUDA_CHUNK=0
timeout 120 ncu --clock-control none --metrics gpu__time_duration.sum ./bench --data $D --batches 128 --reps 1 > $R/ncu_eq.txt 2>&1
timeout 120 ncu --clock-control none --metrics gpu__time_duration.sum ./bench --data $D --batches 128 --reps 1 --no-equilibrate > $R/ncu_noeq.txt 2>&1
OPTNET_CUDA_PROFILE=total timeout 60 ./bench --data $D --batches 128 --reps 3 > $R/prof_eq.txt 2>&1
OPTNET_CUDA_PROFILE=total timeout 60 ./bench --data $D --batches 128 --reps 3 --no-equilibrate > $R/prof_noeq.txt 2>&1
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
