import random, sys
def load(f): return [tuple(map(int,l.split())) for l in open(f)]
for f in sys.argv[1:]:
    d=load(f); cost=[80+126*a+72*b for a,b in d]
    out=[]
    for B in (1,8,32,128,512):
        random.seed(1); m=sum(max(random.sample(cost,B)) for _ in range(2000))/2000
        out.append(f"B{B} {m:.0f}")
    print(f, " ".join(out), f"mean {sum(cost)/len(cost):.0f}")
