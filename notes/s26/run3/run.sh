#!/bin/bash
# Session 26, run 3: the goal table in one command with peers.py. The bench specializes the
# kernels for the shape before timing (Specialization::Eager); --generic times the generic kernels
# of the same binary. Three rounds interleaved, two without equilibration, the slowest block
# (OPTNET_CUDA_PROFILE=total), ncu at batch 128, e2e.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
# The final test binary (Specialization::Off by default, PerShape on request): the GPU tests again.
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
timeout 240 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
date -u >> $R/gpu.txt; pack
python3 -m pip install -q --no-index --no-deps --target /tmp/site whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peer100; mkdir -p $R/p100
(export OUT=$R/p100; PYTHONUNBUFFERED=1 timeout 300 python3 ./peers.py --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/peers100.txt 2>&1)
date -u >> $R/gpu.txt; pack
sleep 5
for round in 1 2 3; do
  for v in generic new; do
    G=; [ $v = generic ] && G=--generic
    OPTNET_CUDA_CHUNK=0 timeout 120 ./bench $G --data $D --peers $R/p100/peers.json > $R/peers_k_${v}_$round.txt 2>&1
    [ $round -le 2 ] && OPTNET_CUDA_CHUNK=0 timeout 120 ./bench $G --data $D --peers $R/p100/peers.json --no-equilibrate > $R/peers_k_noeq_${v}_$round.txt 2>&1
  done
  date -u >> $R/gpu.txt; pack
done
for v in generic new; do
  G=; [ $v = generic ] && G=--generic
  OPTNET_CUDA_PROFILE=total OPTNET_CUDA_CHUNK=0 timeout 120 ./bench $G --data $D --batches 128,2048 --reps 3 > $R/prof_${v}.txt 2>&1
done
M=gpu__time_duration.sum,smsp__inst_executed.sum,sm__cycles_elapsed.max,launch__registers_per_thread
for v in generic new; do
  G=; [ $v = generic ] && G=--generic
  OPTNET_CUDA_CHUNK=0 timeout 150 ncu --metrics $M --csv -k regex:'pdipm|backward|ruiz' ./bench $G --data $D --batches 128 --reps 1 > $R/ncu_${v}_b128.csv 2> $R/ncu_${v}_b128.err
done
date -u >> $R/gpu.txt; pack
timeout 120 ./bench --data $D --peers $R/p100/peers.json > $R/peers_e2e.txt 2>&1
timeout 100 ./bench --batches 1,128,2048 --reuse-grads > $R/reuse_e2e.txt 2>&1
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
