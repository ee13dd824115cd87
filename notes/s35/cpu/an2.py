import numpy as np, sys
fin=[]
for l in open('/tmp/final2048.txt'):
    if l.startswith('FINAL'):
        t=l.split(); fin.append(np.array([float(x) for x in t[2:]])>0)
att=[]; last=None
for l in open(sys.argv[1]):
    if not l.startswith('FEAT'): continue
    t=l.split(); key=t[1]
    if key==last: continue  # first attempt only
    last=key
    a=np.array([[float(x) for x in c.split(',')] for c in t[2:]])
    att.append(a)
assert len(att)==len(fin), (len(att), len(fin))
L=np.stack([a[:,0] for a in att]); S=np.stack([a[:,1] for a in att]); Lp=np.stack([a[:,2] for a in att]); Sp=np.stack([a[:,3] for a in att]); tau=np.stack([a[:,4] for a in att])
A=np.stack(fin)
w=L/S; wp=Lp/Sp
rules={
 'w^2/wp': w*w/wp,
 'w': w,
 'w^3/wp^2': w**3/wp**2,
 'lam/lamp * sp/s': (L/Lp)*(Sp/S),
 'w*(lam/lamp)': w*(L/Lp),
 'w*(sp/s)': w*(Sp/S),
 'lin-extrap l-s': (2*L-Lp)-(2*S-Sp),
}
for name, r in rules.items():
    best=None
    for cut in np.concatenate([10.0**np.arange(-4,2.01,0.1)]) if name!='lin-extrap l-s' else np.linspace(-1,1,201):
        g=r>cut
        err=(g!=A).sum(1)
        exact=(err==0).sum(); tot=err.sum()
        if best is None or tot<best[1]: best=(cut,tot,exact,(A&~g).sum(),(~A&g).sum())
    print(f"{name:20s} cut {best[0]:.3g} errors {best[1]} exact {best[2]} missed {best[3]} extra {best[4]}")
from sklearn.linear_model import LogisticRegression
X=np.stack([np.log(L).ravel(), np.log(S).ravel(), np.log(Lp).ravel(), np.log(Sp).ravel()],1)
y=A.ravel()
n=len(att)//2*100
clf=LogisticRegression(C=100,max_iter=2000).fit(X[:n],y[:n])
print("coef", clf.coef_, clf.intercept_)
pr=clf.predict(X[n:]).reshape(-1,100); At=A[len(att)//2:]
err=(pr!=At).sum(1); print("logreg test: errors", err.sum(), "exact", (err==0).sum(), "of", len(err))
r=(w**3/wp**2)[len(att)//2:]; g=r>0.02; err=(g!=At).sum(1); print("w3/wp2 test: errors", err.sum(), "exact", (err==0).sum())
r=(w**2/wp)[len(att)//2:]; g=r>0.05; err=(g!=At).sum(1); print("w2/wp .05 test: errors", err.sum(), "exact", (err==0).sum())
