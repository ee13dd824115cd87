#!/bin/bash
# Builds the factorization micro-benchmark (factor.cu) against the kernel source in the tree
# (session 36's runs p1–p12: 5432957, before the m16n8k4 change):
# common.cuh and pdipm.cu up to the end of `ldl_invert_diag` (the device functions it times),
# specialized for n = p = 100 as `bench` runs them. nvcc 13 (the pip wheels on the development
# machine: nvidia-cuda-nvcc, -runtime, -crt and nvidia-nvvm 13.0 unpacked, NVCC and
# LDFLAGS=-L…/lib set; on the GPU machine /usr/local/cuda). Options: SRC (the kernel sources' folder,
# another than the tree's: session 37's variants), SG (the tile group size),
# LD (K's leading dimension), EXTRA (more nvcc options), OUTBIN; FILE=solves.cu with
# CUT_AT='^#define X2_NGLOBAL' builds the solves' benchmark (the cut then takes in the triangular
# solve).
set -e
here=$(cd "$(dirname "$0")" && pwd)
src=${SRC:-$here/../../../optnet-runtime/src/cuda}
end=$(grep -n "${CUT_AT:-^// The triangular solves of the reduced solve}" $src/pdipm.cu | head -1 | cut -d: -f1)
H=${TMPDIR:-/tmp}/optnet_s36_head; mkdir -p $H
{ cat $src/common.cuh; echo '#line 1 "pdipm.cu"'; head -n $((end - 1)) $src/pdipm.cu | sed "s/^#define SG 4$/#define SG ${SG:-4}/"; } > $H/head.cuh
NVCC=${NVCC:-nvcc}
$NVCC -arch=sm_90 -O3 -lineinfo -std=c++17 ${EXTRA:-} -DNT=256 -DOPTNET_F64 -DOPTNET_DIMS -DOPTNET_DIM_N=100 \
  -DOPTNET_DIM_M=0 -DOPTNET_DIM_P=100 -DOPTNET_DIM_NN=100 -DOPTNET_DIM_LD=${LD:-101} -DOPTNET_DIM_V=100 \
  -I$H -Xptxas -v -o ${OUTBIN:-${TMPDIR:-/tmp}/optnet_s36_factor} $here/${FILE:-factor.cu} $LDFLAGS 2>&1 | grep -E "error|registers|spill" | head -20
