#!/bin/bash
# Session 29, run 2: GPU traces (a copy of pdipm.cu with printf at each termination test and
# step, OPTNET_CUDA_SOURCE) of CVXQP1_S, CVXQP3_S (1024 and 512 K-global threads), QE226.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
export OPTNET_CUDA_SOURCE=$PWD/trace/pdipm.cu
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
for p in CVXQP1_S CVXQP3_S QE226; do
  PROBE_NAME=$p timeout 60 ./all tmp_probe::probe_trace_gpu --nocapture > $R/tr_$p.txt 2>&1
  PROBE_NAME=$p PROBE_NOEQ=1 timeout 60 ./all tmp_probe::probe_trace_gpu --nocapture > $R/tr_${p}_noeq.txt 2>&1
done
PROBE_NAME=CVXQP3_S OPTNET_CUDA_KGLOBAL_THREADS=512 timeout 60 ./all tmp_probe::probe_trace_gpu --nocapture > $R/tr_CVXQP3_S_512.txt 2>&1
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
