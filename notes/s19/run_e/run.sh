#!/bin/bash
# Session 19, run E (final): the final code, run C's equilibration kernel (run D's predicated
# maxima and 32-bit scaled copy reverted: 128 k against 106 k instructions). GPU tests,
# memcheck, the bench with and without equilibration beside session 18's binary, ncu durations and
# a batch-1 profile, then qpth and qpax on the same problems in one command (peers.py --save,
# then bench --data --peers with and without equilibration, and session 18's bench).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
B="--batches 1,128,2048 --reps 5"
timeout 60 ./old/bench $B > $R/bench100_old.txt 2>&1
timeout 60 ./bench $B > $R/bench100_eq.txt 2>&1
timeout 60 ./bench $B --no-equilibrate > $R/bench100_noeq.txt 2>&1
date -u >> $R/gpu.txt; pack
M="--kernel-name regex:ruiz_f64 --metrics gpu__time_duration.sum,smsp__inst_executed.sum,sm__warps_active.avg.pct_of_peak_sustained_active"
timeout 100 ncu $M ./bench --batches 1,128,2048 --reps 1 > $R/ncu_ruiz.txt 2>&1
timeout 100 ncu --kernel-name regex:ruiz_f64 --launch-count 1 --set full --import-source yes -o /tmp/prof ./bench --batches 1 --reps 1 > $R/ncu_full_log.txt 2>&1
ncu -i /tmp/prof.ncu-rep > $R/ncu_full.txt 2>&1
ncu -i /tmp/prof.ncu-rep --page source --csv --print-source sass 2> $R/src_err.txt | gzip > $R/src_sass.csv.gz
timeout 200 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; pack
python3 -m pip install -q --no-index --no-deps --target /tmp/site whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peer100; mkdir -p $R/p100
(export OUT=$R/p100; PYTHONUNBUFFERED=1 timeout 300 python3 ./peers.py --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/peers100.txt 2>&1)
date -u >> $R/gpu.txt; pack
timeout 100 ./bench --data $D --peers $R/p100/peers.json > $R/bench_peers_eq.txt 2>&1
timeout 100 ./bench --data $D --peers $R/p100/peers.json --no-equilibrate > $R/bench_peers_noeq.txt 2>&1
timeout 100 ./old/bench --data $D --peers $R/p100/peers.json > $R/bench_peers_old.txt 2>&1
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
