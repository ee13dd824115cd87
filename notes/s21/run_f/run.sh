#!/bin/bash
# Session 21, run F (review): the syrk wrapper taking polishing's row list (src6, embedded)
# against run C's kernel (src4): GPU tests and memcheck on src6, the bench's digests and
# timings on the bench's own, --shared and the peers' problems (bit-identical expected).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
timeout 200 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; pack
D=/tmp/peer100
python3 ./peers.py none --n 100 --p 100 --batches 1,128,512,2048 --save $D > $R/peers_save.txt 2>&1
export OPTNET_CUDA_CHUNK=0
run2() {
  local tag=$1; shift
  timeout 100 ./bench "$@" > $R/${tag}_src6.txt 2>&1
  OPTNET_CUDA_SOURCE=$PWD/src4_pdipm.cu timeout 100 ./bench "$@" > $R/${tag}_src4.txt 2>&1
}
run2 own --batches 1,128,512,2048
run2 shared --shared --batches 128,512,2048
run2 peers --data $D --batches 1,128,512,2048
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
