#!/bin/bash
# usage (from the repository root): notes/s23/pre_all.sh OUTDIR — every module the benches and
# tests load, compiled into OUTDIR (point OPTNET_CUDA_CACHE at it)
set -e
O=$1; mkdir -p $O
# libnvrtc.so.13: e.g. the nvidia-cuda-nvrtc 13.0 wheel unpacked in /tmp/cudatools
export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-/tmp/cudatools/nvidia/cu13/lib}
S=optnet-runtime/src/cuda
P="python3 $(dirname "$0")/pre.py"
$P $S/ruiz.cu 1024 f64 $O; $P $S/ruiz.cu 1024 f32 $O
$P $S/sums.cu 256 f64 $O; $P $S/sums.cu 256 f32 $O
$P $S/pdipm.cu 256 f64 $O
$P $S/pdipm.cu 128 f64 $O -DOPTNET_NARROW=2
$P $S/pdipm.cu 128 f64 $O -DOPTNET_NARROW=4
$P $S/pdipm.cu 256 f32 $O
$P $S/pdipm.cu 1024 f64 $O -DOPTNET_KGLOBAL
echo done
