#!/bin/bash
# Session 34, run 3: the committed kernel (the binaries' own source: the row passes rolled, and
# GL_CHUNKS 4, run 2's x1): GPU tests, the f32-arithmetic kernel's GPU tests, memcheck;
# peers.py --save; interleaved rounds of bench --data --peers with wt, prev (a074482, run 2's
# wt) and x3 (wt + the two-block `gemv_t`'s loads of G 24 rows at a time, not 16; batches 512
# and 2048 only); one round without equilibration; cycles per example
# (OPTNET_CUDA_PROFILE=total).
START=$(date +%s)
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
timeout 100 ./all cuda_ --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
timeout 30 ./all cuda_maros --nocapture > $R/t_mm.txt 2>&1; echo "rc $?" >> $R/t_mm.txt
OPTNET_CUDA_F32_ARITHMETIC=f32 timeout 100 ./all cuda_solver --test-threads=1 --nocapture > $R/t_f32k.txt 2>&1; echo "rc $?" >> $R/t_f32k.txt
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after_tests.txt; pack
timeout 110 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1; echo "rc $?" >> $R/memcheck.txt
date -u >> $R/gpu.txt; pack
python3 -m pip install -q --no-index --no-deps --target /tmp/site whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peer100; mkdir -p $R/p100
(export OUT=$R/p100; PYTHONUNBUFFERED=1 timeout 200 python3 ./peers.py --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/peers100.txt 2>&1)
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
for round in 1 2 3; do
  for v in wt prev x3; do
    if [ $v = wt ]; then S=""; else S=$PWD/$v/pdipm.cu; fi
    case $v in x*) BB="--batches 512,2048"; PB="--batches 2048";; *) BB=""; PB="--batches 1,128,2048";; esac
    OPTNET_CUDA_SOURCE=$S timeout 60 ./bench --data $D --peers $R/p100/peers.json $BB > $R/peers_k_${v}_$round.txt 2>&1
    [ $round = 1 ] && OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_PROFILE=total timeout 40 ./bench --data $D $PB --reps 3 > $R/prof_${v}.txt 2>&1
  done
  [ $round = 1 ] && timeout 60 ./bench --data $D --peers $R/p100/peers.json --no-equilibrate > $R/peers_k_noeq_wt.txt 2>&1
  date -u >> $R/gpu.txt; pack
  [ $(($(date +%s) - START)) -gt 480 ] && break
done
ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
