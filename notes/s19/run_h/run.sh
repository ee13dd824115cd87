#!/bin/bash
# Session 19, run H: the host-side refactor of the forward buffers (the equilibrated copy and
# its scalings as one `Option<Equilibrated>`), kernels unchanged: GPU tests, memcheck, and the
# bench's digests on the peers' problems at batches 32 and 128 (to compare with run F's).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
command -v compute-sanitizer > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 100 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --data data --batches 32,128 --reps 3 > $R/bench_eq.txt 2>&1
OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --data data --batches 32,128 --reps 3 --no-equilibrate > $R/bench_noeq.txt 2>&1
timeout 150 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; pack
rm -rf $OUT/r
