#!/bin/bash
# Session 20, run G: the GPU tests on the committed final code (6f5b92b: the tests' shared
# matrices refactored into one closure; the CPU backward's refinement constants), memcheck.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
date -u > $R/gpu.txt
timeout 200 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
timeout 200 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
