#!/bin/bash
# Session 12 call 4: polishing refines only the solve whose set stands (or the last round's);
# A/B against the final command's bench (f12, 092c657) on the bench's own QPs and qpax's.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
python3 -m pip install -q --no-index --no-deps --target /tmp/site ../whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peerdata
(export OUT=$R; timeout 120 python3 ../peers.py qpax --save $D > $R/peers.txt 2>&1) &
(export OPTNET_CUDA_CACHE=$PWD/cc; timeout 200 ./bench --batches 1 --reps 1 > $R/warm_new.txt 2>&1) &
(export OPTNET_CUDA_CACHE=$PWD/../f12/cc; timeout 200 ../f12/bench --batches 1 --reps 1 > $R/warm_old.txt 2>&1) &
wait
date -u > $R/times.txt
pack
for r in 1 2; do
  (export OPTNET_CUDA_CACHE=$PWD/../f12/cc; OPTNET_CUDA_CHUNK=0 OPTNET_CUDA_PROFILE=total timeout 60 ../f12/bench --data $D --peers $R/peers.json --batches 1,128,512,2048 > $R/old_$r.txt 2>&1)
  (export OPTNET_CUDA_CACHE=$PWD/cc; OPTNET_CUDA_CHUNK=0 OPTNET_CUDA_PROFILE=total timeout 60 ./bench --data $D --peers $R/peers.json --batches 1,128,512,2048 > $R/new_$r.txt 2>&1)
done
export OPTNET_CUDA_CACHE=$PWD/cc
date -u >> $R/times.txt
pack
timeout 60 ./all cuda_solver:: --test-threads=1 > $R/t_solver.txt 2>&1
timeout 60 ./all cuda_maros_meszaros:: --nocapture > $R/t_mm.txt 2>&1
OPTNET_CUDA_TWO_BLOCKS=1 timeout 60 ./all cuda_solver:: --test-threads=1 > $R/t_solver_x2.txt 2>&1
OPTNET_CUDA_TWO_BLOCKS=1 timeout 60 ./all cuda_maros_meszaros:: > $R/t_mm_x2.txt 2>&1
date -u >> $R/times.txt
pack
timeout 90 compute-sanitizer --tool memcheck ./all cuda_solver:: --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/times.txt
pack
rm -rf $OUT/r
