#!/bin/bash
# Polishing's guess at λ > 0.05 s: GPU tests, then bench A/B against the 05:26 build (p2s), one launch, twice.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
export OPTNET_CUDA_CACHE=$PWD/cc
timeout 60 ./all cuda_solver:: --test-threads=1 --nocapture > $R/t_solver.txt 2>&1
OPTNET_CUDA_TWO_BLOCKS=1 timeout 60 ./all cuda_solver:: --test-threads=1 --nocapture > $R/t_solver_x2.txt 2>&1
OPTNET_CUDA_F32_ARITHMETIC=f32 timeout 60 ./all cuda_solver:: --test-threads=1 > $R/t_solver_f32k.txt 2>&1
timeout 60 ./all cuda_maros_meszaros:: > $R/t_mm.txt 2>&1
OPTNET_CUDA_TWO_BLOCKS=1 timeout 60 ./all cuda_maros_meszaros:: > $R/t_mm_x2.txt 2>&1
timeout 90 compute-sanitizer --tool memcheck ./all cuda_solver:: --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt
export OPTNET_CUDA_CHUNK=0 OPTNET_CUDA_PROFILE=total
for k in 1 2; do
  (export OPTNET_CUDA_CACHE=$PWD/../p2s/cc; timeout 60 ../p2s/bench --batches 1,128,512,2048 --reps 5 > $R/before_$k.txt 2>&1)
  timeout 60 ./bench --batches 1,128,512,2048 --reps 5 > $R/after_$k.txt 2>&1
done
date -u >> $R/gpu.txt
(cd $OUT && tar czf res.tgz r); rm -rf $OUT/r
