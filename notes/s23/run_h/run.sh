#!/bin/bash
# Session 23, run H: batched library calls per interior point step (batched.py).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u; python3 -c "import torch; print(torch.__version__, torch.version.cuda)") > $R/gpu.txt 2>&1
timeout 200 python3 batched.py $R/batched.json > $R/batched.txt 2>&1
date -u >> $R/gpu.txt; pack
rm -rf $OUT/r
