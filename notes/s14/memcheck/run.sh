#!/bin/bash
# Session 14, run F: compute-sanitizer memcheck on the GPU tests with the session's final code
# (the CPU side changed: the GPU tests compare against it), and the Maros–Meszaros GPU test.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
date -u > $R/gpu.txt
timeout 300 compute-sanitizer --tool memcheck ./all cuda_solver:: --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt
timeout 60 ./all cuda_maros_meszaros:: > $R/t_mm.txt 2>&1
date -u >> $R/gpu.txt
(cd $OUT && tar czf res.tgz r); rm -rf $R
