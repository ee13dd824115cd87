#!/bin/bash
# Session 13 final measurement (main + the kernel's kkt_refine defined before kkt_solve):
# GPU tests, peers on their problems, bench on the same problems (one launch) twice with
# session 12's final bench (4ffd8eb) between, CPU one core + qpax CPU, two-block tests,
# memcheck, the f32-arithmetic kernel's tests.
cd "$(dirname "$0")"
H=$PWD
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
date -u > $R/gpu_b.txt
[ -d /tmp/site/qpax ] || python3 -m pip install -q --no-index --no-deps --target /tmp/site ../whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
for i in 1 2; do timeout 30 taskset -c 2 ./bench_cpu --batches 128 --reps 5 >> $R/bench_cpu.txt 2>&1; done
(cd $R && REPS=5 timeout 60 taskset -c 2 python3 $H/cpu_peers.py > $R/cpu_peers.txt 2>&1)
timeout 30 taskset -c 2 ./bench_cpu --batches 128 --reps 5 >> $R/bench_cpu.txt 2>&1
date -u >> $R/gpu_b.txt; pack
OPTNET_CUDA_TWO_BLOCKS=1 timeout 60 ./all cuda_solver:: --test-threads=1 > $R/t_solver_x2.txt 2>&1
OPTNET_CUDA_TWO_BLOCKS=1 timeout 40 ./all cuda_maros_meszaros:: > $R/t_mm_x2.txt 2>&1
date -u >> $R/gpu_b.txt; pack
timeout 100 compute-sanitizer --tool memcheck ./all cuda_solver:: --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu_b.txt; pack
OPTNET_CUDA_F32_ARITHMETIC=f32 timeout 100 ./all cuda_solver:: --test-threads=1 > $R/t_solver_f32k.txt 2>&1
date -u >> $R/gpu_b.txt; pack
rm -rf $OUT/r
