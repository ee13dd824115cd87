#!/bin/bash
# Session 13 review: polish() takes S_WR from regularize_w (was written inline); GPU tests and
# the bench's answer digests (must equal those of 10:39 UTC).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
date -u > $R/times.txt
timeout 200 ./all cuda_solver:: --test-threads=1 > $R/t_solver.txt 2>&1
timeout 60 ./all cuda_maros_meszaros:: > $R/t_mm.txt 2>&1
date -u >> $R/times.txt; pack
OPTNET_CUDA_CHUNK=0 timeout 90 ./bench --batches 1,128,2048 --reps 3 > $R/bench.txt 2>&1
date -u >> $R/times.txt; pack
OPTNET_CUDA_TWO_BLOCKS=1 timeout 60 ./all cuda_solver:: --test-threads=1 > $R/t_solver_x2.txt 2>&1
date -u >> $R/times.txt; pack
rm -rf $OUT/r
