#!/bin/bash
# Session 32, run 4: the f32-arithmetic kernel (OPTNET_CUDA_F32_ARITHMETIC=f32, not the default)
# on its GPU tests, with `f32_solutions_and_gradients_match_f64` now accepting `AlmostSolved`
# under that kernel as the other f32 tests do (its answers and gradients still checked); then
# ncu's per-instruction profile of the final two-block kernel at batch 2048.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
T="cuda_solver::f32 cuda_solver::infeasible_and_unbounded cuda_solver::random_batched cuda_solver::lp_singular cuda_solver::bad_scaling"
OPTNET_CUDA_F32_ARITHMETIC=f32 timeout 100 ./all $T --test-threads=1 --nocapture > $R/t_f32k.txt 2>&1; echo "rc $?" >> $R/t_f32k.txt
timeout 60 ./all cuda_solver::f32 --test-threads=1 --nocapture > $R/t_f32_default.txt 2>&1; echo "rc $?" >> $R/t_f32_default.txt
date -u >> $R/gpu.txt; pack
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
export OPTNET_CUDA_CHUNK=0
timeout 150 ncu --set full -k regex:pdipm2 -c 1 -o /tmp/prof2 ./bench --batches 2048 --reps 1 > $R/ncu2_run.txt 2>&1
ncu -i /tmp/prof2.ncu-rep --page source --csv --print-source sass 2> $R/src_err.txt | gzip > /tmp/src2_sass.csv.gz
ncu -i /tmp/prof2.ncu-rep --page details > $R/ncu2_details.txt 2>> $R/src_err.txt
nvdisasm -gi -c /tmp/occ/pdipm-b6b42756e6678cb2-sm90-f64.cubin > /tmp/wt.sass 2>> $R/src_err.txt
cp ../../optnet-runtime/src/cuda/pdipm.cu /tmp/wt.cu
python3 sass_lines.py pdipm2_f64 /tmp/wt.sass /tmp/wt.cu /tmp/src2_sass.csv.gz > $R/lines_batch2048.txt 2>&1
date -u >> $R/gpu.txt; pack
rm -rf $OUT/r
