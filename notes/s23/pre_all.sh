#!/bin/bash
# usage (from anywhere): notes/s23/pre_all.sh OUTDIR — every module the benches and tests load,
# compiled into OUTDIR (point OPTNET_CUDA_CACHE at it), two compiles at a time: the generic
# modules (the f64 and f32 solver, the narrow and K-global two-block modules, the equilibration
# and batch-sum kernels) and, since session 27, the modules specialized for the shape of
# `bench` (n = p = 100, as peers.py) and of the GPU test `specialized_kernels_take_the_generic_steps`.
set -e
cd "$(dirname "$0")/../.."
O=$1; mkdir -p $O
# libnvrtc.so.13: e.g. the nvidia-cuda-nvrtc 13.0 wheel unpacked in /tmp/cudatools
export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-/tmp/cudatools/nvidia/cu13/lib}
S=optnet-runtime/src/cuda
P="python3 notes/s23/pre.py"
# n m p -> the -D options of context.rs `nvrtc_options` for a specialized module (N = n + m;
# ld = N + 1 for even N, else N; V = max(N, p, 1) rounded up to even).
dims() {
  local n=$1 m=$2 p=$3 N=$(($1 + $2)); local ld=$N V=$N
  [ $((N % 2)) = 0 ] && ld=$((N + 1)); [ $p -gt $V ] && V=$p; [ $V -lt 1 ] && V=1; V=$(((V + 1) / 2 * 2))
  echo "-DOPTNET_DIMS -DOPTNET_DIM_N=$n -DOPTNET_DIM_M=$m -DOPTNET_DIM_P=$p -DOPTNET_DIM_NN=$N -DOPTNET_DIM_LD=$ld -DOPTNET_DIM_V=$V"
}
$P $S/sums.cu 256 f64 $O & $P $S/sums.cu 256 f32 $O; wait
$P $S/ruiz.cu 1024 f64 $O & $P $S/ruiz.cu 1024 f32 $O; wait
for s in "100 0 100" "20 3 15" "100 4 60" "30 2 30"; do $P $S/ruiz.cu 1024 f64 $O $(dims $s); done
$P $S/pdipm.cu 256 f64 $O & $P $S/pdipm.cu 256 f32 $O; wait
$P $S/pdipm.cu 128 f64 $O -DOPTNET_NARROW=2 & $P $S/pdipm.cu 128 f64 $O -DOPTNET_NARROW=4; wait
$P $S/pdipm.cu 1024 f64 $O -DOPTNET_KGLOBAL & $P $S/pdipm.cu 256 f64 $O $(dims 100 0 100); wait
$P $S/pdipm.cu 256 f64 $O $(dims 20 3 15) & $P $S/pdipm.cu 256 f64 $O $(dims 100 4 60); wait
$P $S/pdipm.cu 128 f64 $O -DOPTNET_NARROW=4 $(dims 30 2 30)
echo "done: $(ls $O | wc -l) modules"
