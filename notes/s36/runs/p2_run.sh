#!/bin/bash
cd "$(dirname "$0")"
for b in factor factor_sg8 factor_glk8 factor_glk2; do echo "== $b"; ./$b 6; done > $OUT/p2.txt 2>&1
cat $OUT/p2.txt
