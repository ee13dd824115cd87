#!/bin/bash
cd "$(dirname "$0")"
NCU=$(command -v ncu || ls /usr/local/cuda/bin/ncu 2>/dev/null)
for v in 3 12; do
  timeout 200 $NCU --set full --import-source yes --kernel-name-base demangled -k "regex:bench_kernel<\\(int\\)$v>" -c 1 -f -o $OUT/v$v ./factor 2 > $OUT/ncu_v$v.log 2>&1
  $NCU -i $OUT/v$v.ncu-rep --page source --csv --print-source cuda,sass > $OUT/sass_v$v.csv 2>&1
  $NCU -i $OUT/v$v.ncu-rep --page details > $OUT/det_v$v.txt 2>&1
done
cd $OUT && tar czf ncu.tgz sass_v*.csv det_v*.txt ncu_v*.log && rm -f v*.ncu-rep sass_v*.csv
ls -la $OUT; tail -3 ncu_v3.log; grep -E "Duration|Warp Cycles Per Issued|Issued Ipc" det_v3.txt det_v12.txt | head
