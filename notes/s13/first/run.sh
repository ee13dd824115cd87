#!/bin/bash
# Session 13, first call (10:36-10:40 UTC; binaries: all/bench/bench_cpu of 7e63b7a + the
# profile phases of cdfefbb, bench_cpu_old of 4ffd8eb): CPU one core old vs new interleaved,
# qpax CPU on the same core; GPU tests (CPU changed); the kernel's phase profile.
cd "$(dirname "$0")"
H=$PWD
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=$PWD/cc
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; lscpu | grep "Model name"; date -u) > $R/gpu.txt 2>&1
python3 -m pip install -q --no-index --no-deps --target /tmp/site ../whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
for i in 1 2 3; do
  for b in old new; do
    B=./bench_cpu; [ $b = old ] && B=./bench_cpu_old
    echo "== $b" >> $R/bench_cpu.txt
    timeout 40 taskset -c 2 $B --batches 128 --reps 5 >> $R/bench_cpu.txt 2>&1
  done
done
(cd $R && REPS=5 timeout 60 taskset -c 2 python3 $H/cpu_peers.py > $R/cpu_peers.txt 2>&1)
for b in old new; do
  B=./bench_cpu; [ $b = old ] && B=./bench_cpu_old
  echo "== $b" >> $R/bench_cpu.txt
  timeout 40 taskset -c 2 $B --batches 128 --reps 5 >> $R/bench_cpu.txt 2>&1
done
date -u >> $R/gpu.txt
pack
timeout 200 ./all cuda_solver:: --test-threads=1 --nocapture > $R/t_solver.txt 2>&1
timeout 60 ./all cuda_maros_meszaros:: --nocapture > $R/t_mm.txt 2>&1
date -u >> $R/gpu.txt
pack
OPTNET_CUDA_CHUNK=0 OPTNET_CUDA_PROFILE=1 timeout 150 ./bench --batches 1,128,2048 --reps 1 > $R/prof.txt 2>&1
date -u >> $R/gpu.txt
pack
rm -rf $OUT/r
