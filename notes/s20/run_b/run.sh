#!/bin/bash
# Session 20, run B: an equilibrated batch that shares Q, A and G keeps one copy of the scaled
# matrices (scaled_layout; Q scaled by c as the kernels load it). GPU tests (new cases),
# memcheck, the bench on batched data (digests against run A's prev: bit-identical expected)
# and with --shared (Q, G shared, q, h batched) against the code before (before/bench: the
# runtime of main with this session's bench example).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; cp occ_new/*.cubin /tmp/occ/
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
B="--batches 1,128,2048 --reps 5"
timeout 60 ./bench $B > $R/bench100_eq.txt 2>&1
timeout 60 ./bench $B --no-equilibrate > $R/bench100_noeq.txt 2>&1
date -u >> $R/gpu.txt; pack
S="--shared --batches 1,8,32,128,512,2048 --reps 5"
for round in 1 2; do
  timeout 100 ./before/bench $S > $R/shared_before_eq_$round.txt 2>&1
  timeout 100 ./bench $S > $R/shared_eq_$round.txt 2>&1
  timeout 100 ./before/bench $S --no-equilibrate > $R/shared_before_noeq_$round.txt 2>&1
  timeout 100 ./bench $S --no-equilibrate > $R/shared_noeq_$round.txt 2>&1
done
date -u >> $R/gpu.txt; pack
# The chunked pipeline (default chunks) with shared matrices: e2e columns.
unset OPTNET_CUDA_CHUNK
timeout 100 ./before/bench $S > $R/shared_before_eq_chunked.txt 2>&1
timeout 100 ./bench $S > $R/shared_eq_chunked.txt 2>&1
date -u >> $R/gpu.txt; pack
timeout 200 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
