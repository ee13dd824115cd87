#!/bin/bash
# gpu20 call 3 (final binaries): tests, A/B main vs final (+2 exploratory variants), threshold sweep,
# memcheck (two-block forced), racecheck (one test, two-block forced).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res3.tgz r); }
export OPTNET_CUDA_CACHE=$PWD/cc
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
st() { echo "$1 $(date -u +%T)" >> $R/times.txt; }
st tests
timeout 40 ./all cuda_solver:: --test-threads=1 > $R/t_solver.txt 2>&1
OPTNET_CUDA_TWO_BLOCKS=1 timeout 40 ./all cuda_solver:: --test-threads=1 > $R/t_solver_x2.txt 2>&1
OPTNET_CUDA_F32_ARITHMETIC=f32 timeout 40 ./all cuda_solver:: --test-threads=1 --nocapture > $R/t_solver_f32k.txt 2>&1
timeout 40 ./all cuda_maros_meszaros:: --nocapture > $R/t_mm.txt 2>&1
OPTNET_CUDA_TWO_BLOCKS=1 timeout 40 ./all cuda_maros_meszaros:: --nocapture > $R/t_mm_x2.txt 2>&1
pack
src() { case $1 in main) echo src/main.cu;; final) echo "";; *) echo src/v_$1.cu;; esac; }
for rep in 1 2; do
  for v in main final gt a8c1; do
    st "ab $v $rep"
    OPTNET_CUDA_SOURCE=$(src $v) OPTNET_CUDA_PROFILE=total timeout 30 ./bench --batches 264,512,2048 > $R/ab_${v}_$rep.txt 2>&1
  done
done
pack
for rep in 1 2; do
  for tb in 0 1 d; do
    st "sweep $tb $rep"
    if [ $tb = d ]; then timeout 30 ./bench --batches 133,140,148,150,175 > $R/sw_${tb}_$rep.txt 2>&1
    else OPTNET_CUDA_TWO_BLOCKS=$tb timeout 30 ./bench --batches 133,140,148,150,175 > $R/sw_${tb}_$rep.txt 2>&1; fi
  done
done
pack
st memcheck
OPTNET_CUDA_TWO_BLOCKS=1 timeout 75 compute-sanitizer --tool memcheck ./all cuda_solver:: --test-threads=1 > $R/memcheck_x2.txt 2>&1
pack
st racecheck
OPTNET_CUDA_TWO_BLOCKS=1 timeout 50 compute-sanitizer --tool racecheck ./all cuda_solver::shared_data_matches_cpu --test-threads=1 > $R/racecheck_x2.txt 2>&1
pack
left=$((240 - SECONDS))
st "memcheck default (left $left s)"
if [ $left -gt 30 ]; then timeout $left compute-sanitizer --tool memcheck ./all cuda_solver:: --test-threads=1 > $R/memcheck.txt 2>&1; fi
st end
pack
rm -rf $OUT/r
