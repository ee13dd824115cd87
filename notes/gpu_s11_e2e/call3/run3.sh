#!/bin/bash
# gpu19 call 3 (final): tests (+ two-block, + one launch for the chunked test), A/B bench_main
# vs bench interleaved x2, host split, memcheck x2.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res3.tgz r); }
export OPTNET_CUDA_CACHE=$PWD/cc
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 60 ./all cuda_solver:: --test-threads=1 --nocapture > $R/t_solver.txt 2>&1
OPTNET_CUDA_TWO_BLOCKS=1 timeout 60 ./all cuda_solver:: --test-threads=1 > $R/t_solver_x2.txt 2>&1
OPTNET_CUDA_CHUNK=0 timeout 60 ./all cuda_solver::chunked --nocapture > $R/t_chunk0.txt 2>&1
date -u > $R/times.txt
B=1,32,128,512,2048
for i in 1 2; do
  echo "== main $i" >> $R/ab.txt; timeout 60 ./bench_main --batches $B --reps 7 >> $R/ab.txt 2>&1
  echo "== new $i" >> $R/ab.txt; timeout 60 ./bench --batches $B --reps 7 >> $R/ab.txt 2>&1
done
date -u >> $R/times.txt
pack
echo "== new total" >> $R/prof.txt; OPTNET_CUDA_PROFILE=total timeout 60 ./bench --batches 128,512,2048 --reps 3 >> $R/prof.txt 2>&1
timeout 90 compute-sanitizer --tool memcheck ./all cuda_solver:: --test-threads=1 > $R/memcheck.txt 2>&1
OPTNET_CUDA_TWO_BLOCKS=1 timeout 90 compute-sanitizer --tool memcheck ./all cuda_solver:: --test-threads=1 > $R/memcheck_x2.txt 2>&1
date -u >> $R/times.txt
pack
rm -rf $OUT/r
