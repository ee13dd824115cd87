#!/bin/bash
# Session 20, run C: verified polishing solves (kkt_refine<…, VERIFY>) and the shared
# equilibrated copy. GPU tests (the Maros–Meszaros test now asserts all solved), memcheck, the
# bench on its own problems (eq / noeq), with --shared, and the goal table on the peers'
# problems: peers.py, then this build (eq / noeq) and before/ (main's runtime) in one command.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; tar xzf occ_new.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
B="--batches 1,8,32,128,512,2048 --reps 5"
timeout 100 ./before/bench $B > $R/own_before_eq.txt 2>&1
timeout 100 ./bench $B > $R/own_eq.txt 2>&1
timeout 100 ./bench $B --no-equilibrate > $R/own_noeq.txt 2>&1
S="--shared --batches 1,8,32,128,512,2048 --reps 5"
timeout 100 ./before/bench $S > $R/shared_before_eq.txt 2>&1
timeout 100 ./bench $S > $R/shared_eq.txt 2>&1
timeout 100 ./bench $S --no-equilibrate > $R/shared_noeq.txt 2>&1
date -u >> $R/gpu.txt; pack
python3 -m pip install -q --no-index --no-deps --target /tmp/site whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peer100; mkdir -p $R/p100
(export OUT=$R/p100; PYTHONUNBUFFERED=1 timeout 300 python3 ./peers.py --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/peers100.txt 2>&1)
date -u >> $R/gpu.txt; pack
for round in 1 2; do
  timeout 100 ./bench --data $D --peers $R/p100/peers.json > $R/peers_eq_$round.txt 2>&1
  timeout 100 ./before/bench --data $D --peers $R/p100/peers.json > $R/peers_before_$round.txt 2>&1
  timeout 100 ./bench --data $D --peers $R/p100/peers.json --no-equilibrate > $R/peers_noeq_$round.txt 2>&1
done
date -u >> $R/gpu.txt; pack
timeout 200 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
