#!/usr/bin/env python3
"""Precompiles optnet's CUDA modules into the disk cache's file names (context.rs `cache_path`).
usage: pre.py SRC.cu NT f64|f32 OUTDIR [extra -D options...]
The cache name's stem is `ruiz` or `sums` for those files, else `pdipm` (the solver's source,
also under another name, as OPTNET_CUDA_SOURCE reads it). Compute capability 9.0 (H100, H200)
unless CC=MAJOR.MINOR is set. Needs libnvrtc.so.13 on LD_LIBRARY_PATH, of the same
major.minor as the machine that will read the cache (the name holds NVRTC's version).
Since session 27 the host puts common.cuh before every source (context.rs `SOURCE`): so does
this script, with the common.cuh beside SRC, else the repository's (NOHEADER=1: none,
for a source from before session 27)."""
import ctypes, sys, os
src_path, nt, prec, out = sys.argv[1:5]
extra = sys.argv[5:]
stem = os.path.basename(src_path).rsplit(".", 1)[0]
if stem not in ("ruiz", "sums"): stem = "pdipm"
src = open(src_path, 'rb').read()
hdr = os.path.join(os.path.dirname(src_path) or ".", "common.cuh")
if not os.path.exists(hdr):
    hdr = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../optnet-runtime/src/cuda/common.cuh")
if os.path.exists(hdr) and not os.environ.get("NOHEADER"):
    name = os.path.basename(src_path)
    src = open(hdr, 'rb').read() + f'#line 1 "{name}"\n'.encode() + src
lib = ctypes.CDLL('libnvrtc.so.13')
maj, mnr = ctypes.c_int(), ctypes.c_int()
lib.nvrtcVersion(ctypes.byref(maj), ctypes.byref(mnr))
cc = tuple(int(x) for x in os.environ.get("CC", "9.0").split("."))
opts = [f"-DNT={nt}", f"--gpu-architecture=sm_{cc[0]}{cc[1]}", "-std=c++17", "-lineinfo",
        "-DOPTNET_F64" if prec == "f64" else "-DOPTNET_F32"] + extra
# Rust's {:?} of Vec<String>: ["a", "b"] (no escapes needed for these strings)
key = "[" + ", ".join('"%s"' % o for o in opts) + "]" + f"|{maj.value}.{mnr.value}"
h = 0xcbf29ce484222325
for b in src + key.encode():
    h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
name = f"{stem}-{h:016x}-sm{cc[0]}{cc[1]}-{prec}.cubin"
prog = ctypes.c_void_p()
rc = lib.nvrtcCreateProgram(ctypes.byref(prog), src + b"\0", f"{stem}.cu".encode(), 0, None, None)
assert rc == 0, rc
arr = (ctypes.c_char_p * len(opts))(*[o.encode() for o in opts])
rc = lib.nvrtcCompileProgram(prog, len(opts), arr)
if rc != 0:
    n = ctypes.c_size_t(); lib.nvrtcGetProgramLogSize(prog, ctypes.byref(n))
    log = ctypes.create_string_buffer(n.value); lib.nvrtcGetProgramLog(prog, log)
    sys.exit(f"compile failed {rc}: {log.value.decode()}")
n = ctypes.c_size_t(); lib.nvrtcGetCUBINSize(prog, ctypes.byref(n))
buf = ctypes.create_string_buffer(n.value); lib.nvrtcGetCUBIN(prog, buf)
os.makedirs(out, exist_ok=True)
open(os.path.join(out, name), 'wb').write(buf.raw)
print(name, n.value)
