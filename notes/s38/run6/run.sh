#!/bin/bash
# Session 38, run 6: the committed code (HEAD; its kernel is 75ebece's, `all` and `bench` built
# from it, the embedded source checked byte for byte) in one command: the GPU tests (cuda_,
# Maros–Meszaros, polishing solves against the CPU, the f32-arithmetic kernel's), peers.py --save
# (timed), two rounds of bench --data --peers, one without equilibration, cycles per example,
# compute-sanitizer memcheck last.
START=$(date +%s)
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res6.tgz r); }
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
for round in 1 2; do
  timeout 60 ./bench --data $D --peers $R/p100/peers.json > $R/peers_k_head_$round.txt 2>&1
  if [ $round = 1 ]; then
    OPTNET_CUDA_PROFILE=total timeout 40 ./bench --data $D --batches 1,128,2048 --reps 3 > $R/prof_head.txt 2>&1
    timeout 60 ./bench --data $D --peers $R/p100/peers.json --no-equilibrate > $R/peers_k_noeq_head.txt 2>&1
  fi
  date -u >> $R/gpu.txt; pack
  [ $(($(date +%s) - START)) -gt 330 ] && break
done
if [ $(($(date +%s) - START)) -lt 420 ]; then
  timeout 100 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1; echo "rc $?" >> $R/memcheck.txt
fi
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
