#!/bin/bash
# Session 37, run 1. HEAD (bc4fc03, `all` and `bench` built from it) and two kernel variants
# read through OPTNET_CUDA_SOURCE: A (no trailing-update tiles on the warps that share warp 0's
# SMSP, wp ≡ 0 mod 4) and B (A + the pivot block in registers). In order: micro-benchmarks
# (factor.cu against HEAD and variants A, B, C = registers only; solves.cu); the GPU tests
# (HEAD; the f32-arithmetic kernel's); peers.py --save (timed); interleaved rounds of
# bench --data --peers (head, varA, varB); cycles per example; phase timers (HEAD);
# compute-sanitizer memcheck last.
START=$(date +%s)
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
timeout 20 ./solves 6 > $R/solves.txt 2>&1; echo "rc $?" >> $R/solves.txt
for v in head varA varB varC; do timeout 40 ./factor_$v > $R/factor_$v.txt 2>&1; echo "rc $?" >> $R/factor_$v.txt; done
date -u >> $R/gpu.txt; pack
timeout 100 ./all cuda_ --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
timeout 30 ./all cuda_maros --nocapture > $R/t_mm.txt 2>&1; echo "rc $?" >> $R/t_mm.txt
timeout 60 ./all polishing_solves_match --nocapture > $R/t_pol.txt 2>&1; echo "rc $?" >> $R/t_pol.txt
OPTNET_CUDA_F32_ARITHMETIC=f32 timeout 100 ./all cuda_solver --test-threads=1 > $R/t_f32k.txt 2>&1; echo "rc $?" >> $R/t_f32k.txt
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after_tests.txt; pack
python3 -m pip install -q --no-index --no-deps --target /tmp/site whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peer100; mkdir -p $R/p100
(export OUT=$R/p100; PYTHONUNBUFFERED=1 timeout 200 python3 ./peers.py --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/peers100.txt 2>&1)
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
for round in 1 2 3; do
  for v in head varA varB; do
    if [ $v = head ]; then S=; else S=$PWD/$v/pdipm.cu; fi
    OPTNET_CUDA_SOURCE=$S timeout 60 ./bench --data $D --peers $R/p100/peers.json > $R/peers_k_${v}_$round.txt 2>&1
    [ $round = 1 ] && OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_PROFILE=total timeout 40 ./bench --data $D --batches 1,128,2048 --reps 3 > $R/prof_${v}.txt 2>&1
    pack
  done
  if [ $round = 1 ]; then
    timeout 60 ./bench --data $D --peers $R/p100/peers.json --no-equilibrate > $R/peers_k_noeq_head.txt 2>&1
  fi
  date -u >> $R/gpu.txt; pack
  [ $(($(date +%s) - START)) -gt 380 ] && break
done
if [ $(($(date +%s) - START)) -lt 430 ]; then
  OPTNET_CUDA_PROFILE=1 timeout 60 ./bench --data $D --batches 1,128,2048 --reps 2 > $R/phases_head.txt 2>&1
  date -u >> $R/gpu.txt; pack
fi
if [ $(($(date +%s) - START)) -lt 460 ]; then
  timeout 100 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1; echo "rc $?" >> $R/memcheck.txt
fi
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
