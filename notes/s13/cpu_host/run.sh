#!/bin/bash
# Session 13, CPU one core on the GPU host: this code's bench_cpu and session 12's (4ffd8eb)
# interleaved, qpax CPU (peers.py's 128 QPs) between them, twice.
cd "$(dirname "$0")"
H=$PWD
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
(lscpu | grep "Model name"; uptime; date -u) > $R/host.txt 2>&1
python3 -m pip install -q --no-index --no-deps --target /tmp/site ../whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
for k in 1 2; do
  for b in new old new old; do
    B=./bench_cpu; [ $b = old ] && B=./bench_cpu_old
    echo "== $b" >> $R/bench_cpu.txt
    timeout 40 taskset -c 2 $B --batches 128 --reps 5 >> $R/bench_cpu.txt 2>&1
  done
  (cd $R && REPS=5 timeout 60 taskset -c 2 python3 $H/cpu_peers.py >> $R/cpu_peers.txt 2>&1)
  (uptime; date -u) >> $R/host.txt; pack
done
rm -rf $OUT/r
