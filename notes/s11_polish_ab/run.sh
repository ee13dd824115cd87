#!/bin/bash
# Polish A/B: GPU tests of the new build, then bench main (m24) vs new (p1), interleaved twice.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
export OPTNET_CUDA_CACHE=$PWD/cc
timeout 60 ./all cuda_solver:: --test-threads=1 > $R/t_solver.txt 2>&1
OPTNET_CUDA_TWO_BLOCKS=1 timeout 60 ./all cuda_solver:: --test-threads=1 > $R/t_solver_x2.txt 2>&1
timeout 60 ./all cuda_maros_meszaros:: --nocapture > $R/t_mm.txt 2>&1
OPTNET_CUDA_TWO_BLOCKS=1 timeout 60 ./all cuda_maros_meszaros:: --nocapture > $R/t_mm_x2.txt 2>&1
OPTNET_CUDA_F32_ARITHMETIC=f32 timeout 60 ./all cuda_solver:: --test-threads=1 > $R/t_solver_f32k.txt 2>&1
date -u >> $R/gpu.txt
for k in 1 2; do
  (export OPTNET_CUDA_CACHE=$PWD/../m24/cc; OPTNET_CUDA_PROFILE=total timeout 60 ../m24/bench --batches 1,128,512,2048 --reps 5 > $R/main_$k.txt 2>&1)
  OPTNET_CUDA_PROFILE=total timeout 60 ./bench --batches 1,128,512,2048 --reps 5 > $R/new_$k.txt 2>&1
done
date -u >> $R/gpu.txt
(cd $OUT && tar czf res.tgz r) ; rm -rf $OUT/r
