#!/bin/bash
# Session 13 final benches (the first call's bench and bench_cpu were session 12's builds: a
# shared target directory): bench (this code) / session 12's / this code on the peers'
# problems of call A (the peers' timings of call A), then CPU one core and qpax CPU.
cd "$(dirname "$0")"
H=$PWD
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ
D=/tmp/peerdata
(ls -la $D; date -u) > $R/gpu_c.txt 2>&1
export PYTHONPATH=/tmp/site
if [ ! -f $D/qp_B128.npz ]; then (export OUT=$R; timeout 200 python3 ../peers.py --save $D > $R/peers_c.txt 2>&1); fi
P=$H/peers_a.json; [ -f $R/peers.json ] && P=$R/peers.json
OPTNET_CUDA_CHUNK=0 timeout 150 ./bench --data $D --peers $P > $R/bench.txt 2>&1
(export OPTNET_CUDA_CACHE=/tmp/occ12; OPTNET_CUDA_CHUNK=0 timeout 150 ../s12/bench --data $D --peers $P > $R/bench_s12.txt 2>&1)
OPTNET_CUDA_CHUNK=0 OPTNET_CUDA_PROFILE=total timeout 60 ./bench --data $D --peers $P > $R/bench2.txt 2>&1
date -u >> $R/gpu_c.txt; pack
for i in 1 2; do timeout 30 taskset -c 2 ./bench_cpu --batches 128 --reps 5 >> $R/bench_cpu.txt 2>&1; done
(cd $R && REPS=5 timeout 60 taskset -c 2 python3 $H/cpu_peers.py > $R/cpu_peers.txt 2>&1)
timeout 30 taskset -c 2 ./bench_cpu --batches 128 --reps 5 >> $R/bench_cpu.txt 2>&1
date -u >> $R/gpu_c.txt; pack
rm -rf $OUT/r
