package recover

// orderGraph collects "not after" constraints between strings and turns
// them into ranks: strings in a cycle of constraints are tied (one class),
// and the classes are ranked in an order that keeps every constraint.
type orderGraph struct {
	ids    map[string]int32
	names  []string
	parent []int32    // union-find over node ids: the classes
	edges  [][2]int32 // from is not after to
}

func newOrderGraph() *orderGraph { return &orderGraph{ids: map[string]int32{}} }

// node returns the id of a string, adding it.
func (g *orderGraph) node(s string) int32 {
	if id, ok := g.ids[s]; ok {
		return id
	}
	id := int32(len(g.names))
	g.ids[s] = id
	g.names = append(g.names, s)
	g.parent = append(g.parent, id)
	return id
}

// class returns the representative of a node's class.
func (g *orderGraph) class(id int32) int32 {
	for g.parent[id] != id {
		g.parent[id] = g.parent[g.parent[id]]
		id = g.parent[id]
	}
	return id
}

// classEdges returns the adjacency of the classes, without self-loops.
func (g *orderGraph) classEdges() [][]int32 {
	adj := make([][]int32, len(g.names))
	for _, e := range g.edges {
		a, b := g.class(e[0]), g.class(e[1])
		if a != b {
			adj[a] = append(adj[a], b)
		}
	}
	return adj
}

// merge ties the classes of every cycle (the strongly connected
// components of the class graph, found by Tarjan's algorithm run with an
// explicit stack: the graph can have millions of nodes) and reports
// whether any two classes were merged.
func (g *orderGraph) merge() bool {
	adj := g.classEdges()
	n := len(g.names)
	index := make([]int32, n)
	low := make([]int32, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int32
	type frame struct{ v, next int32 }
	var calls []frame
	next := int32(0)
	merged := false
	for root := int32(0); root < int32(n); root++ {
		if g.class(root) != root || index[root] >= 0 {
			continue
		}
		calls = append(calls, frame{root, 0})
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(calls) > 0 {
			f := &calls[len(calls)-1]
			if int(f.next) < len(adj[f.v]) {
				w := adj[f.v][f.next]
				f.next++
				switch {
				case index[w] < 0:
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					calls = append(calls, frame{w, 0})
				case onStack[w]:
					low[f.v] = min(low[f.v], index[w])
				}
				continue
			}
			v := f.v
			calls = calls[:len(calls)-1]
			if len(calls) > 0 {
				u := calls[len(calls)-1].v
				low[u] = min(low[u], low[v])
			}
			if low[v] != index[v] {
				continue
			}
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				if w != v {
					g.parent[g.class(w)] = g.class(v)
					merged = true
				}
				if w == v {
					break
				}
			}
		}
	}
	return merged
}

// ranks returns each string's rank: its class's place in an order of the
// classes that keeps every constraint (Kahn's algorithm; the classes are
// acyclic after merge, and any class a leftover cycle holds is ranked
// after the rest in id order).
func (g *orderGraph) ranks() map[string]int32 {
	adj := g.classEdges()
	n := len(g.names)
	indeg := make([]int32, n)
	for _, out := range adj {
		for _, b := range out {
			indeg[b]++
		}
	}
	rank := make([]int32, n)
	for i := range rank {
		rank[i] = -1
	}
	var queue []int32
	for v := int32(0); v < int32(n); v++ {
		if g.class(v) == v && indeg[v] == 0 {
			queue = append(queue, v)
		}
	}
	next := int32(0)
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		rank[v] = next
		next++
		for _, w := range adj[v] {
			if indeg[w]--; indeg[w] == 0 {
				queue = append(queue, w)
			}
		}
	}
	for v := int32(0); v < int32(n); v++ {
		if g.class(v) == v && rank[v] < 0 {
			rank[v] = next
			next++
		}
	}
	out := make(map[string]int32, n)
	for id, s := range g.names {
		out[s] = rank[g.class(int32(id))]
	}
	return out
}
