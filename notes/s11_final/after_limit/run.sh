#!/bin/bash
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
export OPTNET_CUDA_CACHE=$PWD/cc
timeout 60 ./all cuda_solver:: --test-threads=1 --nocapture > $R/t_solver.txt 2>&1
OPTNET_CUDA_TWO_BLOCKS=1 timeout 60 ./all cuda_solver:: --test-threads=1 --nocapture > $R/t_solver_x2.txt 2>&1
OPTNET_CUDA_F32_ARITHMETIC=f32 timeout 60 ./all cuda_solver:: --test-threads=1 > $R/t_solver_f32k.txt 2>&1
timeout 90 compute-sanitizer --tool memcheck ./all cuda_solver:: --test-threads=1 > $R/memcheck.txt 2>&1
date -u > $R/date.txt
(cd $OUT && tar czf res.tgz r); rm -rf $OUT/r
