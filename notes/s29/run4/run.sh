#!/bin/bash
# Session 29, run 4 (final kernels): the primal residual relative to ‖(Az, Gz)‖ as on the CPU,
# polishing's breakdown check. GPU tests; the new fuzzing-regression test also against the old
# kernel (session 28's pdipm.cu via OPTNET_CUDA_SOURCE, its modules in the cache); the probe of
# six Maros–Meszaros problems; bench's own QPs at batches 1, 128, 2048.
START=$(date +%s)
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 40 ./all cuda_solver::fuzzing_regressions --nocapture > $R/t_fuzz_new.txt 2>&1; echo "rc $?" >> $R/t_fuzz_new.txt
OPTNET_CUDA_SOURCE=$PWD/old/pdipm.cu timeout 40 ./all cuda_solver::fuzzing_regressions --nocapture > $R/t_fuzz_old.txt 2>&1; echo "rc $?" >> $R/t_fuzz_old.txt
pack
timeout 60 ./all cuda_maros --nocapture > $R/t_mm.txt 2>&1; echo "rc $?" >> $R/t_mm.txt
timeout 40 ./all tmp_probe::probe_sensitive_mm_gpu --nocapture > $R/t_probe.txt 2>&1; echo "rc $?" >> $R/t_probe.txt
date -u >> $R/gpu.txt; pack
timeout 200 ./all cuda_ --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
date -u >> $R/gpu.txt; pack
timeout 60 ./all gradients:: > $R/t_grad.txt 2>&1; echo "rc $?" >> $R/t_grad.txt
timeout 60 ./all polish:: > $R/t_polish.txt 2>&1; echo "rc $?" >> $R/t_polish.txt
date -u >> $R/gpu.txt; pack
OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --batches 1,128,2048 > $R/bench_new.txt 2>&1
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
