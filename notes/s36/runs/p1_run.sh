#!/bin/bash
cd "$(dirname "$0")"
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm --format=csv > $OUT/gpu.txt 2>&1
./factor 6 > $OUT/factor.txt 2>&1
cat $OUT/factor.txt
