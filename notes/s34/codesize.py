#!/usr/bin/env python3
"""Code size by source function (session 34): usage codesize.py FILE.sass KERNEL, where FILE.sass is
`nvdisasm -gi -c MODULE.cubin` of a module compiled from optnet-runtime/src/cuda/pdipm.cu
(notes/s23/pre.py). Each instruction is charged to the innermost source line of its line-table
entry (the function that holds it) and to its call path; the source is read from the repository."""
import re,collections,sys,os
sassf, fn = sys.argv[1], sys.argv[2]
src=open(os.path.join(os.path.dirname(os.path.abspath(__file__)),'../../optnet-runtime/src/cuda/pdipm.cu')).read().split('\n')
owner={}; cur='?'
for i,l in enumerate(src,1):
    m=re.match(r'^(?:template\s*<.*?>\s*)?(?:static\s+)?(?:__device__|extern "C" __global__)[^(]*?\b(\w+)\s*\(',l)
    if m and m.group(1)!='__launch_bounds__': cur=m.group(1)
    elif m: cur='KERNEL@%d'%i
    owner[i]=cur
inside=False; chain=[]; newchain=True
inner=collections.Counter(); path=collections.Counter(); il=collections.Counter()
for l in open(sassf):
    if l.startswith('.text.'):
        inside = l.strip()==f'.text.{fn}:'; continue
    if not inside: continue
    m=re.match(r'\s*//## File "[^"]*", line (\d+)',l)
    if m:
        if newchain: chain=[]; newchain=False
        chain.append(int(m.group(1))); continue
    if re.match(r'\s*/\*[0-9a-f]{4,}\*/',l):
        newchain=True
        if not chain: continue
        fns=[owner[c] for c in chain]
        inner[fns[0]]+=1; il[chain[0]]+=1
        outer=list(dict.fromkeys(fns[::-1]))
        path[' > '.join(outer[1:4])]+=1
tot=sum(inner.values()); print('total',tot)
print('--- innermost fn'); [print(f'{c:7d} {100*c/tot:5.1f}% {k}') for k,c in inner.most_common(30)]
print('--- path'); [print(f'{c:7d} {100*c/tot:5.1f}% {k}') for k,c in path.most_common(40)]
print("--- lines"); [print(f"{c:7d} {100*c/tot:5.1f}% {k} {owner.get(k)}") for k,c in il.most_common(30)]
