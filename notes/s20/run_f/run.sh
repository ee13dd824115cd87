#!/bin/bash
# Session 20, run F (final code): polishing solves verified, a retry's refined as far as
# refinement gains (this build), against run E's build (cmp/tol0: every polishing solve as far
# as refinement gains) and run C's (cmp/runc: verified at the usual tolerance, no set rule).
# GPU tests, memcheck, the bench's own and --shared problems, the goal table on the peers'
# problems (peers.py, then the three builds and --no-equilibrate, twice).
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
for S in "--batches 1,128,512,2048" "--shared --batches 128,512,2048"; do
  tag=$(echo $S | tr -d ' -' | cut -c1-12)
  timeout 100 ./bench $S > $R/${tag}_new.txt 2>&1
  timeout 100 ./cmp/tol0/bench $S > $R/${tag}_tol0.txt 2>&1
  timeout 100 ./cmp/runc/bench $S > $R/${tag}_runc.txt 2>&1
  timeout 100 ./bench $S --no-equilibrate > $R/${tag}_noeq.txt 2>&1
done
date -u >> $R/gpu.txt; pack
python3 -m pip install -q --no-index --no-deps --target /tmp/site whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peer100; mkdir -p $R/p100
(export OUT=$R/p100; PYTHONUNBUFFERED=1 timeout 300 python3 ./peers.py --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/peers100.txt 2>&1)
date -u >> $R/gpu.txt; pack
for round in 1 2; do
  timeout 100 ./bench --data $D --peers $R/p100/peers.json > $R/peers_new_$round.txt 2>&1
  timeout 100 ./cmp/tol0/bench --data $D --peers $R/p100/peers.json > $R/peers_tol0_$round.txt 2>&1
  timeout 100 ./cmp/runc/bench --data $D --peers $R/p100/peers.json > $R/peers_runc_$round.txt 2>&1
  timeout 100 ./bench --data $D --peers $R/p100/peers.json --no-equilibrate > $R/peers_noeq_$round.txt 2>&1
done
date -u >> $R/gpu.txt; pack
timeout 200 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
