#!/bin/bash
# CPU of the GPU host, one core: bench_cpu (final) and before (the 05:26 binary) interleaved, qpax.
cd "$(dirname "$0")"
H=$PWD
R=$OUT/r; mkdir -p $R
(nproc; lscpu | grep "Model name"; date -u) > $R/host.txt 2>&1
for i in 1 2 3; do
  timeout 30 taskset -c 2 ./bench_cpu --batches 128 --reps 5 >> $R/bench_cpu.txt 2>&1
  timeout 30 taskset -c 2 ./bench_cpu_before --batches 128 --reps 5 >> $R/bench_cpu_before.txt 2>&1
done
python3 -m pip install -q --no-index --no-deps --target /tmp/site ../whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
(cd $R && REPS=5 timeout 60 taskset -c 2 python3 $H/cpu_peers.py > $R/cpu_peers.txt 2>&1)
date -u >> $R/host.txt
(cd $OUT && tar czf res.tgz r); rm -rf $OUT/r
