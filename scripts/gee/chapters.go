package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// A chapter is one step of a framework: one folder, one module, one doc page.
type chapter struct {
	Framework string // "gee-web"
	Name      string // "day3-router"
	Title     string // one line for `gee list`
}

// Path is the chapter's folder relative to the repo root, which is also its module path.
func (c chapter) Path() string {
	if c.Name == "" {
		return c.Framework
	}
	return c.Framework + "/" + c.Name
}

// DocPath is the chapter's doc page relative to the repo root.
func (c chapter) DocPath() string {
	if c.Name == "" {
		return "docs/" + c.Framework + "/README.md"
	}
	return "docs/" + c.Framework + "/" + c.Name + ".md"
}

// A framework is an ordered list of chapters; the last one is what the tour runs.
type framework struct {
	Name     string
	Title    string
	Chapters []chapter
}

func fw(name, title string, chapters ...[2]string) framework {
	f := framework{Name: name, Title: title}
	for _, c := range chapters {
		f.Chapters = append(f.Chapters, chapter{Framework: name, Name: c[0], Title: c[1]})
	}
	return f
}

// frameworks is the chapter map of the repo, in reading order. Folder names are fixed by
// CONVENTIONS.md; the titles are what `gee list` prints.
var frameworks = []framework{
	fw("gee-web", "a gin-like web framework",
		[2]string{"day1-http-base", "an Engine that implements http.Handler, routes in a map"},
		[2]string{"day2-context", "the Context: request and response helpers, JSON, HTML, strings"},
		[2]string{"day3-router", "a trie router with :param and *wildcard, 405 with Allow"},
		[2]string{"day4-group", "route groups sharing one engine"},
		[2]string{"day5-middleware", "middleware: Use, Next, Fail, a Logger"},
		[2]string{"day6-template", "static files and html/template rendering"},
		[2]string{"day7-panic-recover", "Recovery turns a panic into a 500; Default()"},
		[2]string{"day8-performance", "the same framework made fast: what a profile asked for, measured"},
	),
	fw("gee-cache", "a groupcache-like distributed cache",
		[2]string{"day1-lru", "an LRU cache bounded by bytes"},
		[2]string{"day2-single-node", "a concurrent cache Group loading misses through a Getter"},
		[2]string{"day3-http-server", "an HTTP pool serving a node's groups"},
		[2]string{"day4-consistent-hash", "consistent hashing with virtual nodes"},
		[2]string{"day5-multi-nodes", "peers: fetch a key from its owner over HTTP"},
		[2]string{"day6-single-flight", "singleflight: one load per key however many ask"},
		[2]string{"day7-proto-buf", "protobuf between peers"},
		[2]string{"day8-performance", "the same cache made fast, plus a hot cache for other nodes' keys"},
	),
	fw("gee-orm", "an ORM over database/sql and SQLite",
		[2]string{"day1-database-sql", "an Engine and a Session over database/sql, with logging"},
		[2]string{"day2-reflect-schema", "dialects and a schema parsed from a struct"},
		[2]string{"day3-save-query", "a clause builder: insert records, find into a slice"},
		[2]string{"day4-chain-operation", "the chain API: Where, Limit, OrderBy, Update, Delete, Count, First"},
		[2]string{"day5-hooks", "hooks before and after each operation"},
		[2]string{"day6-transaction", "transactions: Begin, Commit, Rollback, Engine.Transaction"},
		[2]string{"day7-migrate", "migration that keeps data, keys and constraints"},
		[2]string{"day8-performance", "the same ORM made fast: cached schemas and prepared statements"},
	),
	fw("gee-rpc", "a net/rpc-like RPC framework",
		[2]string{"day1-codec", "codecs and the option handshake"},
		[2]string{"day2-client", "a concurrent client multiplexing calls on one connection"},
		[2]string{"day3-service", "services registered by reflection"},
		[2]string{"day4-timeout", "timeouts for dialing, calls and handlers"},
		[2]string{"day5-http-debug", "HTTP CONNECT transport and a debug page"},
		[2]string{"day6-load-balance", "a load-balanced client with broadcast"},
		[2]string{"day7-registry", "a heartbeat registry and registry discovery"},
		[2]string{"day8-performance", "the same RPC framework made fast: fewer allocations, batched writes"},
	),
	{Name: "cluster-demo", Title: "cluster features on real gRPC",
		Chapters: []chapter{{Framework: "cluster-demo", Title: "registry, resolver, balancers, routing, cluster strategies, rate limiting"}}},
}

// allChapters lists every chapter of every framework in reading order.
func allChapters() []chapter {
	var all []chapter
	for _, f := range frameworks {
		all = append(all, f.Chapters...)
	}
	return all
}

// validTargets is what a verb that takes a chapter or framework accepts, for error messages.
func validTargets(withFrameworks bool) []string {
	var v []string
	for _, f := range frameworks {
		if withFrameworks {
			v = append(v, f.Name)
		}
		for _, c := range f.Chapters {
			if c.Name != "" {
				v = append(v, c.Path())
			}
		}
	}
	return v
}

// findChapter resolves "gee-web/day3-router" (a trailing slash or a leading "./" is fine).
func findChapter(arg string) (chapter, framework, int, bool) {
	arg = strings.TrimSuffix(strings.TrimPrefix(arg, "./"), "/")
	for _, f := range frameworks {
		for i, c := range f.Chapters {
			if c.Path() == arg {
				return c, f, i, true
			}
		}
	}
	return chapter{}, framework{}, 0, false
}

func findFramework(arg string) (framework, bool) {
	arg = strings.TrimSuffix(strings.TrimPrefix(arg, "./"), "/")
	for _, f := range frameworks {
		if f.Name == arg {
			return f, true
		}
	}
	return framework{}, false
}

// repoRoot is the folder holding go.work: the Go command knows it, and we walk up as a fallback.
func repoRoot() (string, error) {
	if out, err := exec.Command("go", "env", "GOWORK").Output(); err == nil {
		if w := strings.TrimSpace(string(out)); w != "" && w != "off" {
			return filepath.Dir(w), nil
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("gee: no go.work found above the current folder; run from the repo")
		}
		dir = parent
	}
}

// workspaceModules returns the folders go.work lists, relative to the root ("gee-web/day1-http-base").
func workspaceModules(root string) (map[string]bool, error) {
	cmd := exec.Command("go", "work", "edit", "-json")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("gee: reading go.work: %w", err)
	}
	var work struct {
		Use []struct{ DiskPath string }
	}
	if err := json.Unmarshal(out, &work); err != nil {
		return nil, fmt.Errorf("gee: parsing go.work: %w", err)
	}
	mods := map[string]bool{}
	for _, u := range work.Use {
		mods[filepath.ToSlash(filepath.Clean(u.DiskPath))] = true
	}
	return mods, nil
}
