#!/bin/bash
# Session 31, run 2 (runs 2 and 3 of the plan in one, after refused starts): the working tree
# (v3: the solve's diagonal steps with a fixed count of predicated terms, its block loops
# unrolled in a specialized module): GPU tests, memcheck; peers.py --save; three interleaved
# rounds of bench --data --peers with v3 (the binary's source), v2 (v3 without the unrolled
# block loops) and run 1's solve (h/, commit d897eac); one round without equilibration; cycle
# totals; ncu's per-instruction profile of v3's one-block kernel at batch 1 joined to source lines.
START=$(date +%s)
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
timeout 150 ./all cuda_ --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
timeout 30 ./all cuda_maros --nocapture > $R/t_mm.txt 2>&1; echo "rc $?" >> $R/t_mm.txt
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after_tests.txt; pack
timeout 150 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1; echo "rc $?" >> $R/memcheck.txt
date -u >> $R/gpu.txt; pack
python3 -m pip install -q --no-index --no-deps --target /tmp/site whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peer100; mkdir -p $R/p100
(export OUT=$R/p100; PYTHONUNBUFFERED=1 timeout 200 python3 ./peers.py --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/peers100.txt 2>&1)
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
for round in 1 2 3; do
  timeout 60 ./bench --data $D --peers $R/p100/peers.json > $R/peers_k_v3_$round.txt 2>&1
  OPTNET_CUDA_SOURCE=$PWD/v2/pdipm.cu timeout 60 ./bench --data $D --peers $R/p100/peers.json > $R/peers_k_v2_$round.txt 2>&1
  OPTNET_CUDA_SOURCE=$PWD/h/pdipm.cu timeout 60 ./bench --data $D --peers $R/p100/peers.json > $R/peers_k_h_$round.txt 2>&1
  [ $round -le 1 ] && timeout 60 ./bench --data $D --peers $R/p100/peers.json --no-equilibrate > $R/peers_k_noeq_v3_$round.txt 2>&1
  date -u >> $R/gpu.txt; pack
  [ $(($(date +%s) - START)) -gt 400 ] && break
done
OPTNET_CUDA_PROFILE=total timeout 60 ./bench --data $D --batches 1,128,2048 --reps 3 > $R/prof_v3.txt 2>&1
date -u >> $R/gpu.txt; pack
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
timeout 120 ncu --set full -k regex:pdipm_f64 -c 1 -o /tmp/prof1 ./bench --batches 1 --reps 1 > $R/ncu1_run.txt 2>&1
ncu -i /tmp/prof1.ncu-rep --page source --csv --print-source sass 2> $R/src_err.txt | gzip > $R/src1_sass.csv.gz
ncu -i /tmp/prof1.ncu-rep --page details > $R/ncu1_details.txt 2>> $R/src_err.txt
C=/tmp/occ/pdipm-ddbe0e4ca56cc2b9-sm90-f64.cubin
nvdisasm -gi -c $C > /tmp/v3.sass 2>> $R/src_err.txt
cp ../../optnet-runtime/src/cuda/pdipm.cu /tmp/v3.cu
python3 sass_lines.py pdipm_f64 /tmp/v3.sass /tmp/v3.cu $R/src1_sass.csv.gz > $R/lines_batch1.txt 2>&1
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
