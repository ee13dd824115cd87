#!/bin/bash
cd "$(dirname "$0")"
./factor 6 > $OUT/p5.txt 2>&1
grep -v "left-looking" $OUT/p5.txt
