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
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 150 ./all cuda_solver:: --test-threads=1 --nocapture > $R/t_solver.txt 2>&1
timeout 60 ./all cuda_maros_meszaros:: --nocapture > $R/t_mm.txt 2>&1
date -u >> $R/gpu.txt; pack
python3 -m pip install -q --no-index --no-deps --target /tmp/site ../whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peerdata
(export OUT=$R; timeout 200 python3 ../peers.py --save $D > $R/peers.txt 2>&1)
date -u >> $R/gpu.txt; pack
OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --data $D --peers $R/peers.json > $R/bench.txt 2>&1
(export OPTNET_CUDA_CACHE=/tmp/occ12; OPTNET_CUDA_CHUNK=0 timeout 150 ../s12/bench --data $D --peers $R/peers.json > $R/bench_s12.txt 2>&1)
OPTNET_CUDA_CHUNK=0 OPTNET_CUDA_PROFILE=total timeout 60 ./bench --data $D --peers $R/peers.json > $R/bench2.txt 2>&1
date -u >> $R/gpu.txt; pack
