#!/bin/bash
# Session 23, run G: why e2e times move between commands — the kernel's compaction and THP
# counters around peers.py and the e2e bench (default, OPTNET_HUGE_PAGES=0, --reuse-grads).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
vm() { echo "== $1 $(date -u +%T)" >> $R/vm.txt; grep -E "^(compact_stall|compact_fail|compact_success|thp_fault_alloc|thp_fault_fallback|pgmajfault|thp_collapse_alloc) " /proc/vmstat >> $R/vm.txt; grep -E "MemFree|MemAvailable|AnonHugePages|Cached:" /proc/meminfo >> $R/vm.txt; cat /proc/buddyinfo >> $R/vm.txt; }
(nvidia-smi --query-gpu=name,driver_version --format=csv; nproc; date -u; uptime) > $R/gpu.txt 2>&1
vm start
B=128,2048
for v in default nohuge reuse; do
  case $v in default) E="";; nohuge) E="OPTNET_HUGE_PAGES=0";; reuse) E="";; esac
  X=""; [ $v = reuse ] && X=--reuse-grads
  env $E timeout 100 ./bench --batches $B --reps 7 $X > $R/pre_$v.txt 2>&1; vm "pre $v"
done
python3 -m pip install -q --no-index --no-deps --target /tmp/site whl/*.whl > $R/pip.txt 2>&1
export PYTHONPATH=/tmp/site
D=/tmp/peer100; mkdir -p $R/p100
(export OUT=$R/p100; PYTHONUNBUFFERED=1 timeout 300 python3 ./peers.py --n 100 --p 100 --batches 128,2048 --save $D > $R/peers100.txt 2>&1)
vm "after peers"; pack
for round in 1 2; do
  for v in default nohuge reuse; do
    case $v in default) E="";; nohuge) E="OPTNET_HUGE_PAGES=0";; reuse) E="";; esac
    X=""; [ $v = reuse ] && X=--reuse-grads
    env $E timeout 100 ./bench --batches $B --reps 7 $X > $R/post_${v}_$round.txt 2>&1; vm "post $v $round"
  done
  pack
done
date -u >> $R/gpu.txt; pack
rm -rf $OUT/r
