#!/bin/bash
# Session 32, run 2: the working tree (run 1's tile-group tables, committed, plus the products'
# column loops in 32-column chunks with a trip count the compiler knows, two per trip, and the
# copy of Q at the start of K's assembly with its loads issued before its stores): GPU tests,
# memcheck; peers.py --save; interleaved rounds of bench --data --peers with the working tree
# (wt), HEAD (02fbd39, the tables alone) and asm (HEAD plus the copy alone); cycles per example; ncu's per-instruction profile of the working tree's one-block kernel at batch 1.
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
  for v in wt head asm; do
    if [ $v = wt ]; then S=""; else S=$PWD/$v/pdipm.cu; fi
    OPTNET_CUDA_SOURCE=$S timeout 60 ./bench --data $D --peers $R/p100/peers.json > $R/peers_k_${v}_$round.txt 2>&1
    [ $round = 1 ] && OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_PROFILE=total timeout 40 ./bench --data $D --batches 1,128,2048 --reps 3 > $R/prof_${v}.txt 2>&1
  done
  [ $round = 1 ] && timeout 60 ./bench --data $D --peers $R/p100/peers.json --no-equilibrate > $R/peers_k_noeq_wt.txt 2>&1
  date -u >> $R/gpu.txt; pack
  [ $(($(date +%s) - START)) -gt 470 ] && break
done
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
if [ $(($(date +%s) - START)) -lt 430 ]; then
  timeout 120 ncu --set full -k regex:pdipm_f64 -c 1 -o /tmp/prof1 ./bench --batches 1 --reps 1 > $R/ncu1_run.txt 2>&1
  ncu -i /tmp/prof1.ncu-rep --page source --csv --print-source sass 2> $R/src_err.txt | gzip > $R/src1_sass.csv.gz
  ncu -i /tmp/prof1.ncu-rep --page details > $R/ncu1_details.txt 2>> $R/src_err.txt
  C=$(ls /tmp/occ/pdipm-445b8bece3d0f080-sm90-f64.cubin)
  nvdisasm -gi -c $C > /tmp/wt.sass 2>> $R/src_err.txt
  cp ../../optnet-runtime/src/cuda/pdipm.cu /tmp/wt.cu
  python3 sass_lines.py pdipm_f64 /tmp/wt.sass /tmp/wt.cu $R/src1_sass.csv.gz > $R/lines_batch1.txt 2>&1
  rm -f $R/src1_sass.csv.gz
fi
ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
