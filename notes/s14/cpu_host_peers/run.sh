#!/bin/bash
# Session 14, run A: the CPU of the GPU host, one core (taskset -c 2): bench_cpu (128 QPs,
# main 9cfc76f) interleaved with qpax, OSQP and Clarabel (tools/cpu_peers.py) three times;
# then ncu --set full of the forward kernel's first launch at batch 1, 128 and 2048.
cd "$(dirname "$0")"
H=$PWD
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ
(lscpu; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; uptime; date -u) > $R/host.txt 2>&1
python3 -m pip install -q --no-index --no-deps --target /tmp/site ../whl/*.whl ../whl2/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
python3 -c "import jax, numpy, scipy, osqp, clarabel; print('jax', jax.__version__, 'numpy', numpy.__version__, 'scipy', scipy.__version__, 'osqp', osqp.__version__, 'clarabel', clarabel.__version__)" >> $R/host.txt 2>&1
for k in 1 2 3; do
  echo "== round $k $(date -u +%T)" >> $R/bench_cpu.txt
  timeout 40 taskset -c 2 ./bench_cpu --batches 128 --reps 5 >> $R/bench_cpu.txt 2>&1
  echo "== round $k $(date -u +%T)" >> $R/cpu_peers.txt
  (cd $R && REPS=5 timeout 120 taskset -c 2 python3 $H/cpu_peers.py >> $R/cpu_peers.txt 2>&1)
  (uptime; date -u) >> $R/host.txt; pack
done
echo "== round 4 $(date -u +%T)" >> $R/bench_cpu.txt
timeout 40 taskset -c 2 ./bench_cpu --batches 128 --reps 5 >> $R/bench_cpu.txt 2>&1
pack
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
for b in 1 128 2048; do
  date -u >> $R/host.txt
  timeout 170 ncu --set full -k regex:pdipm -c 1 ./bench --batches $b --reps 1 > $R/ncu_$b.txt 2>&1
  pack
done
date -u >> $R/host.txt; pack
rm -rf $OUT/r
