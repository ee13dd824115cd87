import heapq, sys
def sim(f, slots=264, it=126, po=72, c0=80):
    d=[tuple(map(int,l.split())) for l in open(f)]
    cost=[c0+it*a+po*b for a,b in d]
    h=[0.0]*slots; heapq.heapify(h)
    for c in cost:
        t=heapq.heappop(h); heapq.heappush(h,t+c)
    return sum(cost)/len(cost), max(h), sum(cost)/slots
for f in sys.argv[1:]:
    m, mk, ideal = sim(f); print(f, f"mean {m:.0f}k makespan {mk:.0f}k ideal {ideal:.0f}k")
