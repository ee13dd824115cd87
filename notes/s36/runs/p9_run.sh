#!/bin/bash
cd "$(dirname "$0")"
for ld in 101 100 108 116; do echo "== ld $ld"; ./factor_ld$ld 6 | grep "B=  1" | grep -E "kernel's|registers:|syrk_dmma GᵀWG|without|chain, fixed"; done > $OUT/p9.txt 2>&1
cat $OUT/p9.txt
