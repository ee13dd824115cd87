#!/bin/bash
cd "$(dirname "$0")"
./factor 6 > $OUT/p12.txt 2>&1
grep -E "B=  1|B=132" $OUT/p12.txt | grep -E "kernel's|m16|GᵀWG:|registers:" | head -16
