#!/bin/bash
# usage: calls.sh PLR -> live GPRs at each ldl_solve_blocked CALL, per kernel; STL/LDL counts per kernel
awk '/^\.text\./{k=$1} /CALL.REL.NOINC/ && /ldl_solve_blocked/ {split($0,a,"|"); c[k]=c[k] " " a[2]+0} /STL/{st[k]++} /LDL/{ld[k]++} END{for (k in c) print k, "calls:" c[k], "STL", st[k]+0, "LDL", ld[k]+0}' $1
