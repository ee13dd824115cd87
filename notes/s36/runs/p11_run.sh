#!/bin/bash
# ncu on the micro-benchmark's kernels with 100 repetitions (enough stall samples per line):
# VAR 3 (GᵀWG, syrk_dmma), 12 (the factorization without the pivot chain), 4 (the pivot chain).
cd "$(dirname "$0")"
NCU=$(command -v ncu || ls /usr/local/cuda/bin/ncu 2>/dev/null)
for v in 3 12 4; do
  timeout 120 $NCU --set full --import-source yes --kernel-name-base demangled -k "regex:bench_kernel<\\(int\\)$v>" -c 1 -f -o $OUT/v$v ./factor 100 > $OUT/ncu_v$v.log 2>&1
  $NCU -i $OUT/v$v.ncu-rep --page source --csv --print-source cuda,sass > $OUT/sass_v$v.csv 2>&1
  $NCU -i $OUT/v$v.ncu-rep --page details > $OUT/det_v$v.txt 2>&1
  $NCU -i $OUT/v$v.ncu-rep --page raw --csv > $OUT/raw_v$v.csv 2>&1
done
cd $OUT && tar czf ncu.tgz sass_v*.csv det_v*.txt raw_v*.csv ncu_v*.log && rm -f v*.ncu-rep sass_v*.csv raw_v*.csv det_v*.txt ncu_v*.log
ls -la $OUT
