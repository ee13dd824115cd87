#!/bin/bash
label=$1; shift
cd /tmp/qb/optnet-runtime
out=/tmp/qb_mm_$label.txt
env "$@" /tmp/qb_target/debug/deps/all-ca150fe39741f6f4 qbeaconf::mm_totals --ignored --nocapture 2>&1 | grep -E '^MM|TOTAL' | sed 's/it= */it=/' > $out
key() { grep '^MM' $1 | sed -E 's/^MM +([A-Z0-9_]+) +(.*) it=([0-9]+) .*objerr +([^ ]+) .*/\1 \3 \4 \2/' ; }
qb=$(key $out | grep QBEACONF | awk '{print $2, "objerr", $3}')
tot=$(tail -n1 $out | sed 's/.*: //')
others=$(key $out | grep -v QBEACONF | awk '{s+=$2} END{print s}')
diffs=$(paste -d' ' <(key /tmp/qb_mm_base.txt | awk '{print $1,$2}') <(key $out | awk '{print $2}') <(grep '^MM' $out | awk '{print ($NF=="FAIL")?"FAIL":"ok"}') <(key $out | awk '{print $3, $4, $5, $6}') | awk '{if ($2!=$3 || $4=="FAIL") printf "%s %s→%s%s; ", $1, $2, $3, ($4=="FAIL"?" FAIL("$5" "$6" "$7")":"")}')
echo "$label: QBEACONF $qb | $tot | others $others | $diffs"
