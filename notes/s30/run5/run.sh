#!/bin/bash
# Session 30, run 5: the review's test refactor (recheck scenarios, the shared overflow family) on the final kernel.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
date -u > $R/gpu.txt
timeout 90 ./all cuda_solver:: fuzz_input::regressions --nocapture --test-threads=1 > $R/t.txt 2>&1; echo "rc $?" >> $R/t.txt
date -u >> $R/gpu.txt; (cd $OUT && tar czf res.tgz r); rm -rf $OUT/r
