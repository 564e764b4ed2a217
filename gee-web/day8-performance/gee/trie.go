package gee

import (
	"fmt"
	"strings"
)

// node is one path segment of a route trie (前缀树). A route
// "/p/:lang/doc" is the chain p → :lang → doc; only the last node stores the
// pattern and the handler, so a walk that ends on a node without a handler
// has not matched a route.
//
// Children are kept apart by kind so that lookup can try them in priority
// order: the static child with the exact segment, then the :param child,
// then the *wildcard child.
type node struct {
	part     string      // this node's segment: "doc", ":lang" or "*filepath"
	pattern  string      // the full route if one ends here, else ""
	handler  HandlerFunc // the route's handler if one ends here
	children []*node     // static children, one per distinct segment
	indices  string      // first byte of each child's part, in children's order
	param    *node       // the ":name" child, at most one
	wildcard *node       // the "*name" child, at most one (always a leaf)
	owner    string      // first pattern that created this node, for error messages
}

// routeParam is one route parameter read from the request path.
type routeParam struct {
	key   string
	value string
}

// nextSegment splits path into its first non-empty segment and the rest,
// without allocating: "/a//b/c" gives "a" and "/b/c". Empty segments are
// skipped, so "/hello/" and "//hello" match the route "/hello".
func nextSegment(path string) (segment, rest string) {
	path = strings.TrimLeft(path, "/")
	if i := strings.IndexByte(path, '/'); i >= 0 {
		return path[:i], path[i:]
	}
	return path, ""
}

// checkPattern panics, naming the route, unless every segment of pattern is
// a name, a ":name" or, last, a "*name". It looks at the whole pattern before
// anything is inserted, so a rejected route leaves no nodes in the trie.
func checkPattern(method, pattern string) {
	for rest := pattern; ; {
		var part string
		part, rest = nextSegment(rest)
		switch {
		case part == "":
			return
		case strings.ContainsAny(part[1:], ":*"):
			// else "/user_:name" would only match that literal text
			panic(fmt.Sprintf("gee: %q in route %s %q: ':' and '*' may only begin a segment", part, method, pattern))
		case part == ":" || part == "*":
			panic(fmt.Sprintf("gee: empty parameter name %q in route %s %q", part, method, pattern))
		case part[0] == '*' && strings.Trim(rest, "/") != "":
			panic(fmt.Sprintf("gee: wildcard %q must be the last segment of route %s %q", part, method, pattern))
		}
	}
}

// insert adds the route method+pattern, checked by checkPattern, to the
// trie rooted at n. It panics, naming both patterns, when the new route is
// ambiguous with an existing one; such a clash is found on a node that
// already exists, so it leaves no new nodes behind either.
func (n *node) insert(method, pattern string, handler HandlerFunc) {
	for rest := pattern; ; {
		var part string
		part, rest = nextSegment(rest)
		if part == "" {
			break
		}
		n = n.child(method, pattern, part)
	}
	if n.handler != nil {
		panic(fmt.Sprintf("gee: route %s %q conflicts with existing route %s %q", method, pattern, method, n.pattern))
	}
	n.pattern = pattern
	n.handler = handler
}

// child returns n's child for part, creating it if needed.
func (n *node) child(method, pattern, part string) *node {
	switch part[0] {
	case ':', '*':
		slot := &n.param
		if part[0] == '*' {
			slot = &n.wildcard
		}
		if *slot == nil {
			*slot = &node{part: part, owner: pattern}
		} else if (*slot).part != part {
			panic(fmt.Sprintf("gee: %q in route %s %q conflicts with %q in existing route %s %q",
				part, method, pattern, (*slot).part, method, (*slot).owner))
		}
		return *slot
	}
	for _, c := range n.children {
		if c.part == part {
			return c
		}
	}
	c := &node{part: part, owner: pattern}
	n.children = append(n.children, c)
	n.indices += part[:1]
	return c
}

// search finds the route matching path below n and appends its parameters
// to params. Static segments win over :param, which wins over *wildcard; if
// the static branch dead-ends further down, search backtracks and tries the
// parameter branch, so "/users/new" and "/users/:id/edit" coexist.
//
// For speed it recurses only where there is a branch to come back to, and
// walks down in a loop where there is none; a walk that dead-ends removes
// the parameters it appended.
func (n *node) search(path string, params *[]routeParam) *node {
	start := len(*params)
	for {
		for len(path) > 0 && path[0] == '/' {
			path = path[1:]
		}
		if path == "" {
			if n.handler != nil {
				return n
			}
			break
		}
		if c, end := n.staticChild(path); c != nil {
			if n.param == nil && n.wildcard == nil {
				n, path = c, path[end:] // nothing to come back to
				continue
			}
			if found := c.search(path[end:], params); found != nil {
				return found
			}
		}
		if n.param != nil {
			end := 0
			for end < len(path) && path[end] != '/' {
				end++
			}
			*params = append(*params, routeParam{key: n.param.part[1:], value: path[:end]})
			if n.wildcard == nil {
				n, path = n.param, path[end:] // nothing to come back to
				continue
			}
			if found := n.param.search(path[end:], params); found != nil {
				return found
			}
			*params = (*params)[:len(*params)-1]
		}
		if n.wildcard != nil {
			// The wildcard takes the rest of the path, from this segment on.
			*params = append(*params, routeParam{key: n.wildcard.part[1:], value: path})
			return n.wildcard
		}
		break
	}
	*params = (*params)[:start]
	return nil
}

// staticChild returns the static child whose part begins path and ends at a
// '/' or at the end of path, and the length of that part. It compares in
// place, without cutting the segment out first, and indices rules out most
// children by their first byte.
func (n *node) staticChild(path string) (*node, int) {
	for i := 0; i < len(n.indices); i++ {
		if n.indices[i] != path[0] {
			continue
		}
		c := n.children[i]
		end := len(c.part)
		if len(path) >= end && (len(path) == end || path[end] == '/') && path[:end] == c.part {
			return c, end
		}
	}
	return nil, 0
}
