#!/bin/bash
# Session 33, run 6: the f32-arithmetic kernel's backward pass with printouts (vp: thread 0 of
# each block counts non-finite values in K, 1/D, W before the solve, and in the solution after
# the reduced solve and after refinement); run 3's test binary (before the refusal).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ OPTNET_CUDA_F32_ARITHMETIC=f32
OPTNET_CUDA_SOURCE=$PWD/vp/pdipm.cu timeout 60 ./all f32_solutions_and_gradients_match_f64 --nocapture > $R/t_vp.txt 2>&1; echo "rc $?" >> $R/t_vp.txt
ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
