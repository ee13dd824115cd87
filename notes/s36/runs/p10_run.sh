#!/bin/bash
cd "$(dirname "$0")"
./factor 6 > $OUT/p10.txt 2>&1
grep "B=  1" $OUT/p10.txt | grep -E "kernel's|branches|GᵀWG|padded fixed" | head -12
