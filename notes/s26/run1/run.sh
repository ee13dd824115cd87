#!/bin/bash
# Session 26, run 1: modules specialized for the problem's shape (OPTNET_CUDA_SPECIALIZE=1),
# A = dimensions constant everywhere, B = the same with V kept opaque; against the generic module.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls -la /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
run() { # variant, args...
  v=$1; shift
  case $v in
    gen) OPTNET_CUDA_CHUNK=0 "$@" ;;
    a) OPTNET_CUDA_SPECIALIZE=1 OPTNET_CUDA_CHUNK=0 "$@" ;;
    b) OPTNET_CUDA_SOURCE=$PWD/pdipm_b2.cu OPTNET_CUDA_SPECIALIZE=1 OPTNET_CUDA_CHUNK=0 "$@" ;;
  esac
}
for round in 1 2 3; do
  for v in gen a b; do
    run $v timeout 120 ./bench --batches 1,128,2048 > $R/bench_${v}_$round.txt 2>&1
  done
  date -u >> $R/gpu.txt; pack
done
M=gpu__time_duration.sum,smsp__inst_executed.sum,sm__cycles_elapsed.max,launch__registers_per_thread
for v in gen a b; do
  for b in 1 128 2048; do
    run $v timeout 150 ncu --metrics $M --csv -k regex:'pdipm|backward' --launch-count 2 ./bench --batches $b --reps 1 > $R/ncu_${v}_b$b.csv 2> $R/ncu_${v}_b$b.err
  done
  date -u >> $R/gpu.txt; pack
done
ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
