#!/usr/bin/env python3
"""Registers, stack frame and code size of each kernel in CUBIN files (session 30).
usage: cubin_info.py FILE.cubin...  (e.g. the disk cache's modules, notes/s23/pre.py's output)
Reads the ELF's `.nv.info` attributes EIATTR_REGCOUNT (0x2f) and EIATTR_FRAME_SIZE (0x11)
per kernel symbol, and each `.text.<kernel>` section's size. A frame above zero is spilled
registers (or a local array): session 30's output-pass check took the one-block kernel's from
40 to 120 bytes and cost it 3–4 %, found this way."""
import sys, struct
def parse(path):
    d=open(path,'rb').read()
    shoff=struct.unpack_from('<Q',d,0x28)[0]; shentsize,shnum,shstrndx=struct.unpack_from('<HHH',d,0x3A)
    secs=[struct.unpack_from('<IIQQQQIIQQ',d,shoff+i*shentsize) for i in range(shnum)]
    stro=secs[shstrndx][4]
    nm=lambda n: d[stro+n:d.index(b'\0',stro+n)].decode()
    # symbols
    symsec=[s for s in secs if s[1]==2][0]
    strsec=secs[symsec[6]]
    syms=[]
    for i in range(symsec[5]//24):
        st_name,st_info,st_other,st_shndx,st_value,st_size=struct.unpack_from('<IBBHQQ',d,symsec[4]+i*24)
        syms.append(d[strsec[4]+st_name:d.index(b'\0',strsec[4]+st_name)].decode())
    res={}
    for s in secs:
        n=nm(s[0])
        if n=='.nv.info':
            p=s[4]; end=p+s[5]
            while p<end:
                fmt,attr=d[p],d[p+1]
                if fmt==4:
                    sz=struct.unpack_from('<H',d,p+2)[0]
                    if sz==8:
                        si,val=struct.unpack_from('<II',d,p+4)
                        key={0x2f:'regs',0x11:'frame',0x12:'minstack',0x23:'maxstack'}.get(attr,hex(attr))
                        res.setdefault(syms[si],{})[key]=val
                    p+=4+sz
                elif fmt==3: p+=4
                elif fmt==2: p+=3
                else: p+=2
        if n.startswith('.text.'):
            res.setdefault(n[6:],{})['text']=s[5]
    return res
for f in sys.argv[1:]:
    print(f)
    for k,v in sorted(parse(f).items()):
        if 'text' in v: print('  ',k,v)
