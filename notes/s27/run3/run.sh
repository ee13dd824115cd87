#!/bin/bash
# Session 27, run 3: the final kernels' text (3bed7a1 and later: common.cuh; SASS identical to run 2's
# and session 26's): GPU tests, the goal table in one command with peers.py (three rounds, specialized
# vs generic, two without equilibration), the cycle profile, ncu, then compute-sanitizer memcheck.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
timeout 60 ./all cuda_solver::specialized --nocapture --test-threads=1 > $R/t_spec.txt 2>&1; echo "rc $?" >> $R/t_spec.txt
timeout 150 ./all cuda_ --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
timeout 60 ./all gradients:: > $R/t_grad.txt 2>&1; echo "rc $?" >> $R/t_grad.txt
timeout 60 ./all polish:: > $R/t_polish.txt 2>&1; echo "rc $?" >> $R/t_polish.txt
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after_tests.txt; pack
python3 -m pip install -q --no-index --no-deps --target /tmp/site whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peer100; mkdir -p $R/p100
(export OUT=$R/p100; PYTHONUNBUFFERED=1 timeout 200 python3 ./peers.py --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/peers100.txt 2>&1)
date -u >> $R/gpu.txt; pack
for round in 1 2 3; do
  for v in new generic; do
    G=; [ $v = generic ] && G=--generic
    OPTNET_CUDA_CHUNK=0 timeout 60 ./bench $G --data $D --peers $R/p100/peers.json > $R/peers_k_${v}_$round.txt 2>&1
    [ $round -le 2 ] && OPTNET_CUDA_CHUNK=0 timeout 60 ./bench $G --data $D --peers $R/p100/peers.json --no-equilibrate > $R/peers_k_noeq_${v}_$round.txt 2>&1
  done
  date -u >> $R/gpu.txt; pack
done
OPTNET_CUDA_PROFILE=total OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --data $D --batches 1,128,2048 --reps 3 > $R/prof_new.txt 2>&1
M=gpu__time_duration.sum,smsp__inst_executed.sum,sm__cycles_elapsed.max,launch__registers_per_thread
OPTNET_CUDA_CHUNK=0 timeout 90 ncu --metrics $M --csv -k regex:'pdipm|backward|ruiz' ./bench --data $D --batches 1,128 --reps 1 > $R/ncu_new_b1_128.csv 2> $R/ncu_new_b1_128.err
OPTNET_CUDA_CHUNK=0 timeout 90 ncu --metrics $M --csv -k regex:'pdipm|ruiz' --launch-count 2 ./bench --data $D --batches 2048 --reps 1 > $R/ncu_new_b2048.csv 2> $R/ncu_new_b2048.err
date -u >> $R/gpu.txt; pack
timeout 200 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
