#!/bin/bash
# Session 28, run 2: f64 solves through L⁻¹ + the polishing skip + τ/κ kept in S_U: GPU tests,
# peers, bench A/B against session 27's kernel source (OPTNET_CUDA_SOURCE=pdipm_old.cu) on the
# peers' QPs, profiles, racecheck and memcheck.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
timeout 60 ./all cuda_solver::specialized --nocapture --test-threads=1 > $R/t_spec.txt 2>&1; echo "rc $?" >> $R/t_spec.txt
timeout 150 ./all cuda_ --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
timeout 60 ./all cuda_maros --nocapture > $R/t_mm.txt 2>&1; echo "rc $?" >> $R/t_mm.txt
timeout 60 ./all gradients:: > $R/t_grad.txt 2>&1; echo "rc $?" >> $R/t_grad.txt
timeout 60 ./all polish:: > $R/t_polish.txt 2>&1; echo "rc $?" >> $R/t_polish.txt
date -u >> $R/gpu.txt; pack
python3 -m pip install -q --no-index --no-deps --target /tmp/site whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peer100; mkdir -p $R/p100
(export OUT=$R/p100; PYTHONUNBUFFERED=1 timeout 200 python3 ./peers.py --n 100 --p 100 --batches 1,8,32,128,512,2048 --save $D > $R/peers100.txt 2>&1)
date -u >> $R/gpu.txt; pack
for round in 1 2 3; do
  OPTNET_CUDA_SOURCE=$PWD/pdipm_v2.cu OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --data $D --peers $R/p100/peers.json > $R/k_v2_$round.txt 2>&1
  for v in new old; do
    S=; [ $v = old ] && S=$PWD/pdipm_old.cu
    OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --data $D --peers $R/p100/peers.json > $R/k_${v}_$round.txt 2>&1
    [ $round -le 2 ] && OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --generic --data $D --peers $R/p100/peers.json > $R/k_${v}_generic_$round.txt 2>&1
  done
  date -u >> $R/gpu.txt; pack
done
OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --data $D --peers $R/p100/peers.json --no-equilibrate > $R/k_new_noeq.txt 2>&1
for v in new old; do
  S=; [ $v = old ] && S=$PWD/pdipm_old.cu
  OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_PROFILE=total OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --data $D --batches 1,128,2048 --reps 3 > $R/prof_$v.txt 2>&1
  OPTNET_CUDA_SOURCE=$S OPTNET_CUDA_PROFILE=1 OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --data $D --batches 1,128,2048 --reps 3 > $R/phases_$v.txt 2>&1
done
date -u >> $R/gpu.txt; pack
timeout 100 compute-sanitizer --tool racecheck ./all cuda_solver::random_batched_matches_cpu --test-threads=1 > $R/racecheck.txt 2>&1; echo "rc $?" >> $R/racecheck.txt
date -u >> $R/gpu.txt; pack
timeout 200 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1; echo "rc $?" >> $R/memcheck.txt
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
