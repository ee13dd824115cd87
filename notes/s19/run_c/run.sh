#!/bin/bash
# Session 19, run C: the equilibration kernel with row maxima by groups from padded shared-memory
# copies (no shuffles), a flat scaled copy, the copies whenever they fit; tests, bench old vs new
# (1024, 512 threads), ncu durations and one batch-1 launch per instruction, memcheck.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
B="--batches 1,32,128,2048 --reps 5"
timeout 60 ./old/bench $B > $R/b_old.txt 2>&1
timeout 60 ./bench $B > $R/b_1024.txt 2>&1
OPTNET_CUDA_RUIZ_THREADS=512 timeout 60 ./bench $B > $R/b_512.txt 2>&1
date -u >> $R/gpu.txt; pack
M="--kernel-name regex:ruiz_f64 --metrics gpu__time_duration.sum,smsp__inst_executed.sum,sm__warps_active.avg.pct_of_peak_sustained_active"
timeout 100 ncu $M ./bench --batches 1,128,2048 --reps 1 > $R/ncu_new.txt 2>&1
timeout 100 ncu --kernel-name regex:ruiz_f64 --launch-count 1 --set full --import-source yes -o /tmp/prof ./bench --batches 1 --reps 1 > $R/ncu_full_log.txt 2>&1
ncu -i /tmp/prof.ncu-rep > $R/ncu_full.txt 2>&1
ncu -i /tmp/prof.ncu-rep --page source --csv --print-source sass 2> $R/src_err.txt | gzip > $R/src_sass.csv.gz
timeout 200 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
