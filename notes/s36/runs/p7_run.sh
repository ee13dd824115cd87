#!/bin/bash
cd "$(dirname "$0")"
./factor 6 > $OUT/p7.txt 2>&1
grep -v "left-looking" $OUT/p7.txt
