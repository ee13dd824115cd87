#!/bin/bash
# gpu19 call 1: tests (new chunked path), A/B bench_main vs bench interleaved x2, chunk-size and
# huge-page variants, host split, memcheck.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res1.tgz r); }
export OPTNET_CUDA_CACHE=$PWD/cc
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; nproc; free -g;
 cat /sys/kernel/mm/transparent_hugepage/enabled /sys/kernel/mm/transparent_hugepage/defrag; uname -r; ldd --version | head -1) > $R/gpu.txt 2>&1
timeout 60 ./all cuda_solver:: --test-threads=1 --nocapture > $R/t_solver.txt 2>&1
OPTNET_CUDA_TWO_BLOCKS=1 timeout 60 ./all cuda_solver:: --test-threads=1 > $R/t_solver_x2.txt 2>&1
date -u > $R/times.txt
B=128,512,2048
for i in 1 2; do
  echo "== main $i" >> $R/ab.txt; timeout 60 ./bench_main --batches $B --reps 7 >> $R/ab.txt 2>&1
  echo "== new $i" >> $R/ab.txt; timeout 60 ./bench --batches $B --reps 7 >> $R/ab.txt 2>&1
done
date -u >> $R/times.txt
pack
for c in 0 64 128 256; do
  echo "== chunk $c" >> $R/var.txt; OPTNET_CUDA_CHUNK=$c timeout 60 ./bench --batches $B --reps 7 >> $R/var.txt 2>&1
done
echo "== huge pages off" >> $R/var.txt; OPTNET_HUGE_PAGES=0 timeout 60 ./bench --batches $B --reps 7 >> $R/var.txt 2>&1
echo "== main total" >> $R/prof.txt; OPTNET_CUDA_PROFILE=total timeout 60 ./bench_main --batches $B --reps 3 >> $R/prof.txt 2>&1
echo "== new total" >> $R/prof.txt; OPTNET_CUDA_PROFILE=total timeout 60 ./bench --batches $B --reps 3 >> $R/prof.txt 2>&1
date -u >> $R/times.txt
pack
timeout 90 compute-sanitizer --tool memcheck ./all cuda_solver:: --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/times.txt
pack
rm -rf $OUT/r
