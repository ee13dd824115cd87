#!/bin/bash
# Session 21, run C: polishing's GᵀWG over the rows on its set only (src4 = the embedded
# source) against the kernel with the slowest block in OPTNET_CUDA_PROFILE=total (src3 = run B's
# final + that counter): GPU tests and memcheck on both, digests and timings of the bench's own
# and --shared problems, the slowest block at batch 128 of the peers' problems with and without
# equilibration, and the goal table with peers.py.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
OPTNET_CUDA_SOURCE=$PWD/src3_pdipm.cu timeout 200 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda_src3.txt 2>&1
date -u >> $R/gpu.txt; pack
timeout 200 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
run2() {  # tag, bench arguments
  local tag=$1; shift
  timeout 100 ./bench "$@" > $R/${tag}_src4.txt 2>&1
  OPTNET_CUDA_SOURCE=$PWD/src3_pdipm.cu timeout 100 ./bench "$@" > $R/${tag}_src3.txt 2>&1
}
run2 own --batches 1,128,512,2048
run2 shared --shared --batches 128,512,2048
date -u >> $R/gpu.txt; pack
python3 -m pip install -q --no-index --no-deps --target /tmp/site whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peer100; mkdir -p $R/p100
(export OUT=$R/p100; PYTHONUNBUFFERED=1 timeout 300 python3 ./peers.py --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/peers100.txt 2>&1)
date -u >> $R/gpu.txt; pack
for round in 1 2; do
  run2 peers$round --data $D --peers $R/p100/peers.json
  timeout 100 ./bench --data $D --peers $R/p100/peers.json --no-equilibrate > $R/peers${round}_noeq.txt 2>&1
done
for v in src3 src4; do
  S=""; [ $v = src3 ] && S=$PWD/src3_pdipm.cu
  OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_PROFILE=total timeout 60 ./bench --data $D --batches 128,2048 --reps 3 > $R/prof_eq_$v.txt 2>&1
  OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_PROFILE=total timeout 60 ./bench --data $D --batches 128,2048 --reps 3 --no-equilibrate > $R/prof_noeq_$v.txt 2>&1
done
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
