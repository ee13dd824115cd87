#!/bin/bash
# Session 31, run 4: does session 30's f32-arithmetic kernel (old/) pass the two f32 tests that
# run 3 ran on the new solve under OPTNET_CUDA_F32_ARITHMETIC=f32 (one failed there)?
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ OPTNET_CUDA_F32_ARITHMETIC=f32
date -u > $R/gpu.txt
T="cuda_solver::f32"
OPTNET_CUDA_SOURCE=$PWD/old/pdipm.cu timeout 100 ./all $T --test-threads=1 --nocapture > $R/t_f32k_old.txt 2>&1; echo "rc $?" >> $R/t_f32k_old.txt
timeout 100 ./all $T --test-threads=1 --nocapture > $R/t_f32k_new.txt 2>&1; echo "rc $?" >> $R/t_f32k_new.txt
date -u >> $R/gpu.txt; pack
rm -rf $OUT/r
