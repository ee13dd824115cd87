#!/bin/bash
# Session 14, run D (final code, e3bb55c): the CPU of the GPU host. One core (taskset -c 2):
# bench_cpu (128 QPs) interleaved with qpax, OSQP and Clarabel (tools/cpu_peers.py) three
# times; then bench_cpu's full table (batch 1, 128, 2048; 1 thread and all 16; f64, f32) twice.
cd "$(dirname "$0")"
H=$PWD
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
(lscpu | grep -E "Model name|^Model:|^CPU\(s\)"; uptime; date -u) > $R/host.txt 2>&1
python3 -m pip install -q --no-index --no-deps --target /tmp/site ../whl/*.whl ../whl2/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
python3 -c "import jax, numpy, scipy, osqp, clarabel; print('jax', jax.__version__, 'numpy', numpy.__version__, 'scipy', scipy.__version__, 'osqp', osqp.__version__, 'clarabel', clarabel.__version__)" >> $R/host.txt 2>&1
# (A freshly started host is noisy for its first minute: warm it up with one untimed run.)
timeout 60 ./bench_cpu --batches 2048 --reps 1 > /dev/null 2>&1
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
for k in 1 2; do
  echo "== table $k $(date -u +%T)" >> $R/table.txt
  timeout 200 ./bench_cpu --batches 1,128,2048 --reps 3 >> $R/table.txt 2>&1
  date -u >> $R/host.txt; pack
done
rm -rf $OUT/r
