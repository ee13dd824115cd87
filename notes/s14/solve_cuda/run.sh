#!/bin/bash
# Session 14, run E: examples/solve.rs (refactored this session) with --device cuda against
# --device cpu on the same file, with --grad; the outputs compared by NumPy.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
export OPTNET_CUDA_CACHE=/tmp/occ
(./solve in.npz $R/cpu.npz --grad dz.npz --device cpu; echo "exit $?"; ./solve in.npz $R/cuda.npz --grad dz.npz --device cuda; echo "exit $?"; ./solve in.npz $R/cuda32.npz --grad dz.npz --device cuda --f32; echo "exit $?"; ./solve nothere.npz $R/x.npz --device cuda; echo "exit $?") > $R/log.txt 2>&1
python3 - >> $R/log.txt 2>&1 <<'PY'
import numpy as np, os
R=os.environ['OUT']+'/r'
a=np.load(R+'/cpu.npz'); b=np.load(R+'/cuda.npz'); c=np.load(R+'/cuda32.npz')
for k in sorted(a.files):
    x,y,z=a[k],b[k],c[k]
    d=np.abs(x.astype(float)-y.astype(float)).max()/max(1,np.abs(x).max())
    d32=np.abs(x.astype(float)-z.astype(float)).max()/max(1,np.abs(x).max())
    print(k, x.shape, x.dtype, y.shape, y.dtype, 'cuda-cpu %.2e' % d, 'cuda f32-cpu %.2e' % d32)
PY
(cd $OUT && tar czf res.tgz r); rm -rf $R
