#!/bin/bash
# Session 37, run 2. The kernel with the pair loops folded into `dmma_group` (`all`, `bench`:
# the working tree) against bc4fc03 (`bench_prev`, run 1's binary): the GPU tests, the
# factorization micro-benchmark against the new source, bench --data on peers.py's problems
# (generated, peers not timed) new and prev interleaved (the answers' digests must agree),
# cycles per example, the phase timers of the new kernel and of variant T (the residuals'
# products timed cold, then run again hot), variant N (`k0_mul_rows` called, not inlined), memcheck last.
START=$(date +%s)
cd "$(dirname "$0")"
R=$OUT/r2; mkdir -p $R
pack() { (cd $OUT && tar czf res2.tgz r2); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
timeout 40 ./factor_new > $R/factor_new.txt 2>&1; echo "rc $?" >> $R/factor_new.txt
timeout 100 ./all cuda_ --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
timeout 30 ./all cuda_maros --nocapture > $R/t_mm.txt 2>&1; echo "rc $?" >> $R/t_mm.txt
timeout 60 ./all polishing_solves_match --nocapture > $R/t_pol.txt 2>&1; echo "rc $?" >> $R/t_pol.txt
OPTNET_CUDA_F32_ARITHMETIC=f32 timeout 100 ./all cuda_solver --test-threads=1 > $R/t_f32k.txt 2>&1; echo "rc $?" >> $R/t_f32k.txt
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after_tests.txt; pack
D=/tmp/peer100; mkdir -p $D
(export OUT=$R; timeout 60 python3 ./peers.py none --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/gen.txt 2>&1)
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
for round in 1 2; do
  for v in new prev varN; do
    B=./bench; [ $v = prev ] && B=./bench_prev
    S=; [ $v = varN ] && S=$PWD/varN/pdipm.cu
    OPTNET_CUDA_SOURCE=$S timeout 40 $B --data $D > $R/data_${v}_$round.txt 2>&1
    [ $round = 1 ] && OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_PROFILE=total timeout 30 $B --data $D --batches 1,128,2048 --reps 3 > $R/prof_${v}.txt 2>&1
    pack
  done
  [ $(($(date +%s) - START)) -gt 250 ] && break
done
OPTNET_CUDA_PROFILE=1 timeout 60 ./bench --data $D --batches 1,128,2048 --reps 2 > $R/phases_new.txt 2>&1
OPTNET_CUDA_PROFILE=1 OPTNET_CUDA_SOURCE=$PWD/varT/pdipm.cu timeout 60 ./bench --data $D --batches 1,128,2048 --reps 2 > $R/phases_varT.txt 2>&1
date -u >> $R/gpu.txt; pack
if [ $(($(date +%s) - START)) -lt 420 ]; then
  timeout 100 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1; echo "rc $?" >> $R/memcheck.txt
fi
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r2
