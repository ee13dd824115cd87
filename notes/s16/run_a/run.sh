#!/bin/bash
# Session 16, run A: the peers and optnet on the peers' problems in one command (the README's
# goal table, twice); then QPs per multiprocessor at fixed work per QP (n = p = 64 and 76,
# batch 2048: the two-block kernel at 256 and 128 threads, and at 128 threads with launch
# bounds for 3 and 4 blocks per SM); then ncu's per-source-line counts of the 2048 kernel.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ; mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
python3 -m pip install -q --no-index --no-deps --target /tmp/site ../whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peerdata
(export OUT=$R; PYTHONUNBUFFERED=1 timeout 240 python3 ./peers.py --save $D > $R/peers.txt 2>&1)
date -u >> $R/gpu.txt; pack
for k in 1 2; do
  OPTNET_CUDA_CHUNK=0 timeout 150 ./bench --data $D --peers $R/peers.json > $R/bench_$k.txt 2>&1
  date -u >> $R/gpu.txt; pack
done
ls -la /tmp/occ > $R/occ_after.txt
for k in 1 2; do
  for nn in 64 76; do
    for v in base256 base128 lb3 lb4; do
      [ $nn = 76 ] && [ $v = lb4 ] && continue
      case $v in
        base256) env OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --n $nn --p $nn --batches 512,2048 --reps 3 ;;
        base128) env OPTNET_CUDA_CHUNK=0 OPTNET_CUDA_THREADS=128 timeout 60 ./bench --n $nn --p $nn --batches 512,2048 --reps 3 ;;
        *) env OPTNET_CUDA_CHUNK=0 OPTNET_CUDA_THREADS=128 OPTNET_CUDA_SOURCE=$PWD/$v.cu timeout 60 ./bench --n $nn --p $nn --batches 512,2048 --reps 3 ;;
      esac > $R/qps_${nn}_${v}_$k.txt 2>&1
    done
    date -u >> $R/gpu.txt; pack
  done
done
ls -la /tmp/occ > $R/occ_after2.txt
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
OPTNET_CUDA_CHUNK=0 timeout 200 ncu --set full --import-source yes -k regex:pdipm2 -c 1 -o /tmp/prof ./bench --batches 2048 --reps 1 > $R/ncu_run.txt 2>&1
date -u >> $R/gpu.txt
ncu -i /tmp/prof.ncu-rep --page source --csv --print-source cuda > $R/src_cuda.csv 2> $R/src_err.txt
ncu -i /tmp/prof.ncu-rep --page source --csv --print-source sass 2>> $R/src_err.txt | gzip > $R/src_sass.csv.gz
ncu -i /tmp/prof.ncu-rep --page details > $R/ncu_details.txt 2>> $R/src_err.txt
date -u >> $R/gpu.txt; pack
rm -rf $OUT/r
