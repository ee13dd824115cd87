#!/bin/bash
# Session 31, run 3: the f32-arithmetic kernel (OPTNET_CUDA_F32_ARITHMETIC=f32), which takes the
# new triangular solve (its scratch aligned in the reduction and product scratch) but which no
# default test selects: its GPU tests and a bench round, with the final source and with session
# 30's (old/); then ncu's per-instruction profile of the two-block kernel at batch 2048.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
T="cuda_solver::f32 cuda_solver::infeasible_and_unbounded cuda_solver::random_batched cuda_solver::lp_singular cuda_solver::bad_scaling"
OPTNET_CUDA_F32_ARITHMETIC=f32 timeout 100 ./all $T --test-threads=1 --nocapture > $R/t_f32k_new.txt 2>&1; echo "rc $?" >> $R/t_f32k_new.txt
OPTNET_CUDA_F32_ARITHMETIC=f32 OPTNET_CUDA_SOURCE=$PWD/old/pdipm.cu timeout 100 ./all $T --test-threads=1 --nocapture > $R/t_f32k_old.txt 2>&1; echo "rc $?" >> $R/t_f32k_old.txt
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
OPTNET_CUDA_F32_ARITHMETIC=f32 timeout 60 ./bench --batches 1,128,2048 > $R/k_f32k_new.txt 2>&1
OPTNET_CUDA_F32_ARITHMETIC=f32 OPTNET_CUDA_SOURCE=$PWD/old/pdipm.cu timeout 60 ./bench --batches 1,128,2048 > $R/k_f32k_old.txt 2>&1
date -u >> $R/gpu.txt; pack
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
timeout 150 ncu --set full -k regex:pdipm2 -c 1 -o /tmp/prof2 ./bench --batches 2048 --reps 1 > $R/ncu2_run.txt 2>&1
ncu -i /tmp/prof2.ncu-rep --page source --csv --print-source sass 2> $R/src_err.txt | gzip > /tmp/src2_sass.csv.gz
ncu -i /tmp/prof2.ncu-rep --page details > $R/ncu2_details.txt 2>> $R/src_err.txt
nvdisasm -gi -c /tmp/occ/pdipm-ddbe0e4ca56cc2b9-sm90-f64.cubin > /tmp/v3.sass 2>> $R/src_err.txt
cp ../../optnet-runtime/src/cuda/pdipm.cu /tmp/v3.cu
python3 sass_lines.py pdipm2_f64 /tmp/v3.sass /tmp/v3.cu /tmp/src2_sass.csv.gz > $R/lines_batch2048.txt 2>&1
date -u >> $R/gpu.txt; pack
rm -rf $OUT/r
