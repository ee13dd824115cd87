#!/bin/bash
# Session 35, run 3: the final code (polishing from a relative gap of 0.2, the guess w·(w/w')^1.5 > 0.03,
# a failed attempt from a gap of 3e-2 or more retried 3-fold down; `bench`, `all`) against session 34's
# (`bench_prev`, its own kernel): the GPU tests (and the f32-arithmetic kernel's); peers.py --save;
# interleaved rounds of bench --data --peers; cycles per example (OPTNET_CUDA_PROFILE=total); one
# round without equilibration; memcheck last.
START=$(date +%s)
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
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
  for v in new prev; do
    B=./bench; [ $v = prev ] && B=./bench_prev
    timeout 60 $B --data $D --peers $R/p100/peers.json > $R/peers_k_${v}_$round.txt 2>&1
    [ $round = 1 ] && OPTNET_CUDA_PROFILE=total timeout 40 $B --data $D --batches 1,128,2048 --reps 3 > $R/prof_${v}.txt 2>&1
  done
  if [ $round = 1 ]; then
    timeout 60 ./bench --data $D --peers $R/p100/peers.json --no-equilibrate > $R/peers_k_noeq_new.txt 2>&1
  fi
  date -u >> $R/gpu.txt; pack
  [ $(($(date +%s) - START)) -gt 400 ] && break
done
if [ $(($(date +%s) - START)) -lt 440 ]; then
  timeout 120 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1; echo "rc $?" >> $R/memcheck.txt
fi
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
