# Precompiles a kernel source into the optnet disk cache under the name the runtime looks for
# (context.rs cache_path: FNV-1a of source bytes + Debug of the NVRTC options + "|13.0").
import ctypes, sys, os
lib = ctypes.CDLL("/tmp/cudatools/nvidia/cu13/lib/libnvrtc.so.13")
srcf, nt, prec, outdir = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
src = open(srcf, 'rb').read()
opts = [f"-DNT={nt}", "--gpu-architecture=sm_90", "-std=c++17", "-lineinfo", f"-DOPTNET_{prec.upper()}"]
maj, mnr = ctypes.c_int(), ctypes.c_int(); lib.nvrtcVersion(ctypes.byref(maj), ctypes.byref(mnr))
key = ("[" + ", ".join('"%s"' % o for o in opts) + "]" + f"|{maj.value}.{mnr.value}").encode()
h = 0xcbf29ce484222325
for b in src + key:
    h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
name = f"pdipm-{h:016x}-sm90-{prec}.cubin"
prog = ctypes.c_void_p()
assert lib.nvrtcCreateProgram(ctypes.byref(prog), src, b"pdipm.cu", 0, None, None) == 0
arr = (ctypes.c_char_p * len(opts))(*[o.encode() for o in opts])
r = lib.nvrtcCompileProgram(prog, len(opts), arr)
assert r == 0, r
n = ctypes.c_size_t(); lib.nvrtcGetCUBINSize(prog, ctypes.byref(n))
buf = ctypes.create_string_buffer(n.value); lib.nvrtcGetCUBIN(prog, buf)
open(os.path.join(outdir, name), 'wb').write(buf.raw)
print(srcf, nt, prec, name, n.value, flush=True)
