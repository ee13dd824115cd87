#!/bin/bash
# Session 12 final measurement (HEAD 092c657): GPU tests (auto, two-block, f32-arithmetic
# kernel, MM both), peers on their problems, bench on the same problems (one launch), session
# 11's bench (e66f888) on the same problems, --tol 1e-5, phase profile, CPU bench + qpax CPU on
# the host, memcheck.
cd "$(dirname "$0")"
H=$PWD
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=$PWD/cc
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 150 ./all cuda_solver:: --test-threads=1 --nocapture > $R/t_solver.txt 2>&1
timeout 60 ./all cuda_maros_meszaros:: --nocapture > $R/t_mm.txt 2>&1
OPTNET_CUDA_TWO_BLOCKS=1 timeout 60 ./all cuda_solver:: --test-threads=1 > $R/t_solver_x2.txt 2>&1
OPTNET_CUDA_TWO_BLOCKS=1 timeout 60 ./all cuda_maros_meszaros:: > $R/t_mm_x2.txt 2>&1
OPTNET_CUDA_F32_ARITHMETIC=f32 timeout 60 ./all cuda_solver:: --test-threads=1 > $R/t_solver_f32k.txt 2>&1
date -u > $R/times.txt
pack
python3 -m pip install -q --no-index --no-deps --target /tmp/site ../whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peerdata
(export OUT=$R; timeout 200 python3 ../peers.py --save $D > $R/peers.txt 2>&1)
date -u >> $R/times.txt
OPTNET_CUDA_CHUNK=0 OPTNET_CUDA_PROFILE=total timeout 90 ./bench --data $D --peers $R/peers.json > $R/bench.txt 2>&1
pack
(export OPTNET_CUDA_CACHE=$PWD/../s11/cc; OPTNET_CUDA_CHUNK=0 timeout 120 ../s11/bench --data $D --peers $R/peers.json > $R/bench_s11.txt 2>&1)
OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --data $D --peers $R/peers.json --tol 1e-5 > $R/bench_tol.txt 2>&1
date -u >> $R/times.txt
pack
for i in 1 2 3; do timeout 30 taskset -c 2 ./bench_cpu --batches 128 --reps 5 >> $R/bench_cpu.txt 2>&1; done
(cd $R && REPS=5 timeout 60 taskset -c 2 python3 $H/cpu_peers.py > $R/cpu_peers.txt 2>&1)
date -u >> $R/times.txt
pack
OPTNET_CUDA_CHUNK=0 OPTNET_CUDA_PROFILE=1 timeout 80 ./bench --data $D --batches 128 --reps 1 > $R/prof.txt 2>&1
date -u >> $R/times.txt
pack
timeout 90 compute-sanitizer --tool memcheck ./all cuda_solver:: --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/times.txt
pack
rm -rf $OUT/r
