package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// The gee-cache part of the tour. It builds gee-cache's final chapter and starts three cache
// nodes as separate processes, the third also answering users at /api. Through the API it reads
// known and unknown keys, fires many concurrent requests at one cold key and shows from the
// nodes' logs that it was loaded once, asks with HEAD (no load), gives up on a slow Get and shows
// that the load behind it stops too and the node stays healthy, kills the node that owns some
// keys and shows that those keys still answer (loaded locally after the failed peer request),
// then stops the rest with SIGTERM while a load is in flight.

func init() { registerTour("gee-cache", cacheTour) }

// cacheScores is the demo's slow database (db in the chapter's main.go).
var cacheScores = map[string]string{
	"Tom": "630", "Jack": "589", "Sam": "567", "Lily": "720",
	"Lucy": "701", "Ben": "499", "Mia": "655", "Leo": "612",
}

// cacheDBDelay is how long the nodes' slow database takes per load: long enough for the tour to
// give up on a load that has started, short enough to keep the tour quick.
const cacheDBDelay = 300 * time.Millisecond

func cacheTour(t *Tour) error {
	bin, err := t.Build(t.FinalChapter("gee-cache"))
	if err != nil {
		return err
	}
	t.Say("Three cache nodes, each told the same peer list; node3 also answers users at /api.")
	nodes, peerURLs, err := startCacheNodes(t, bin)
	if err != nil {
		return err
	}
	api := peerURLs[2] + "/api?key="

	get := func(key string) (*Answer, error) {
		return t.Request(http.MethodGet, api+url.QueryEscape(key), "")
	}
	loads := func(key string) int { // "[SlowDB] search key K" lines over all nodes
		n := 0
		for _, p := range nodes {
			n += strings.Count(p.Output(), "[SlowDB] search key "+key+"\n")
		}
		return n
	}

	t.Say("Known keys: each is loaded by the node that owns it (found on the hash ring).")
	known := []string{"Tom", "Jack", "Sam", "Lily", "Lucy", "Leo"}
	for _, k := range known {
		a, err := get(k)
		t.CheckAnswer(a, err, http.StatusOK, cacheScores[k])
	}
	t.Say("Asking again: the owners answer from their caches, the slow database is not asked.")
	for _, k := range []string{"Tom", "Jack"} {
		a, err := get(k)
		if t.CheckAnswer(a, err, http.StatusOK, cacheScores[k]) {
			t.Check(loads(k) == 1, "%s was loaded from the slow database once in all (%d)", k, loads(k))
		}
	}

	t.Say("An unknown key is an error from the database, passed through; an empty key is a bad request.")
	a, err := get("kkk")
	t.CheckAnswer(a, err, http.StatusNotFound, "kkk not exist")
	a, err = t.Request(http.MethodGet, peerURLs[2]+"/api", "")
	t.CheckAnswer(a, err, http.StatusBadRequest, "missing ?key=")

	const hot, callers = "Mia", 40
	t.Say("A hot key nobody has read yet: %d concurrent requests for %s.", callers, hot)
	cacheConcurrentGets(t, api+hot, callers, "200 "+cacheScores[hot])
	t.Check(loads(hot) == 1, "%s was loaded from the slow database %d time(s) over the three nodes; want 1", hot, loads(hot))
	picks := strings.Count(nodes[2].Output(), fmt.Sprintf("for key %q", hot))
	t.Check(picks <= 1, "node3 picked a peer for %s %d time(s): one flight for all %d requests", hot, picks, callers)

	t.Say("HEAD asks a node whether it serves a key without loading it.")
	a, err = t.Request(http.MethodHead, peerURLs[0]+"/_geecache/scores/Ben", "")
	t.CheckAnswer(a, err, http.StatusOK, "")
	t.Check(loads("Ben") == 0, "HEAD ran no load of Ben (%d)", loads("Ben"))

	if err := cacheCancelledGet(t, nodes, peerURLs, api, "Ben", loads); err != nil {
		return err
	}

	t.Say("Who owns what: node3 logs each peer it picks.")
	owner := map[string]string{} // key -> node URL
	for _, m := range regexp.MustCompile(`Pick peer (\S+) for key "([^"]+)"`).FindAllStringSubmatch(nodes[2].Output(), -1) {
		owner[m[2]] = m[1]
	}
	owned := map[int][]string{} // node index -> keys
	for _, k := range known {
		for i, u := range peerURLs[:2] {
			if owner[k] == u {
				owned[i] = append(owned[i], k)
			}
		}
	}
	victim := 0
	if len(owned[1]) > len(owned[0]) {
		victim = 1
	}
	for i := range 3 {
		ks := owned[i]
		if i == 2 {
			for _, k := range known {
				if owner[k] == "" {
					ks = append(ks, k)
				}
			}
		}
		sort.Strings(ks)
		list := strings.Join(ks, ", ")
		if list == "" {
			list = "none of them"
		}
		t.printf("    node%d (%s) owns %s\n", i+1, peerURLs[i], list)
	}
	lost := owned[victim]
	if len(lost) == 0 {
		// Possible with random ports, if unlikely: node3 owns every key read.
		t.Say("Neither node1 nor node2 owns one of these keys; node1 is killed anyway and every key must still answer.")
		lost = known
	}

	t.Say("Kill node%d (SIGKILL, as a crash). The keys it owned must still answer: node3's peer request fails and it loads them itself, unless its hot cache holds the key.", victim+1)
	nodes[victim].Kill()
	before := len(nodes[2].Output())
	for _, k := range lost {
		a, err := get(k)
		t.CheckAnswer(a, err, http.StatusOK, cacheScores[k])
	}
	after := nodes[2].Output()[before:]
	for _, k := range owned[victim] {
		switch {
		case strings.Contains(after, fmt.Sprintf("peer failed, loading %q locally", k)):
			t.Check(true, "%s: node3's request to node%d failed and node3 loaded the key itself", k, victim+1)
		case !strings.Contains(after, fmt.Sprintf("for key %q", k)):
			t.Check(true, "%s: node3 answered from its hot cache, without asking node%d", k, victim+1)
		default:
			t.Check(false, "%s: node3 asked node%d but logged no failure", k, victim+1)
		}
	}

	t.Say("Stop the remaining nodes with SIGTERM, node3 first while it serves a request: each stops within its grace period.")
	inFlight := make(chan error, 1)
	go func() {
		resp, err := http.Get(api + "nobody-has-this")
		if err == nil {
			resp.Body.Close()
		}
		inFlight <- err
	}()
	if err := nodes[2].WaitFor("nobody-has-this", 10*time.Second); err != nil {
		t.Check(false, "the request to stop on did not arrive: %v", err)
	}
	for _, i := range []int{2, 1 - victim} {
		start := time.Now()
		nodes[i].Stop()
		took := time.Since(start)
		t.Check(strings.Contains(nodes[i].Output(), "stopped") && took < 5*time.Second,
			"node%d printed \"stopped\" %v after SIGTERM", i+1, took.Round(time.Millisecond))
	}
	<-inFlight
	return nil
}

// cacheConcurrentGets sends n GETs to u at once and checks that each answered want.
func cacheConcurrentGets(t *Tour, u string, n int, want string) {
	bodies := make([]string, n)
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 15 * time.Second}
	for i := range bodies {
		wg.Go(func() {
			resp, err := client.Get(u)
			if err != nil {
				bodies[i] = "error: " + err.Error()
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			bodies[i] = fmt.Sprintf("%d %s", resp.StatusCode, b)
		})
	}
	wg.Wait()
	good := 0
	for _, b := range bodies {
		if b == want {
			good++
		}
	}
	t.Check(good == n, "%d of %d requests answered %s", good, n, want)
}

// cacheCancelledGet asks for key and gives up as soon as its owner has started the slow load.
// The owner's load must stop too (the cancellation travels from the client to node3, from node3
// to the owner in its peer request, and from there to the getter), nothing may be cached from
// it, and the node must go on answering.
func cacheCancelledGet(t *Tour, nodes []*Proc, peerURLs []string, api, key string, loads func(string) int) error {
	t.Say("A client that gives up: GET %s, cancelled once the owner's slow database has started on it.", key)
	ctx, giveUp := context.WithCancel(t.Context())
	defer giveUp()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, api+url.QueryEscape(key), nil)
	if err != nil {
		return err
	}
	ended := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		ended <- err
	}()
	// node3 either picks a peer for the key or loads it itself; either way it names the key.
	if err := nodes[2].WaitFor(key, 10*time.Second); err != nil {
		return err
	}
	owner := nodes[2]
	if m := regexp.MustCompile(`Pick peer (\S+) for key "` + regexp.QuoteMeta(key) + `"`).FindStringSubmatch(nodes[2].Output()); m != nil {
		for i, u := range peerURLs {
			if u == m[1] {
				owner = nodes[i]
			}
		}
	}
	if err := owner.WaitFor("[SlowDB] search key "+key, 10*time.Second); err != nil {
		return err
	}
	giveUp()
	err = <-ended
	t.Check(errors.Is(err, context.Canceled), "the client's request ended: %v", err)
	gaveUp := owner.WaitFor("[SlowDB] gave up on key "+key, 5*time.Second)
	t.Check(gaveUp == nil, "the owner's load of %s stopped when the client gave up (it logged \"gave up\")", key)
	t.Say("The nodes are still healthy, and %s was not cached from the cancelled load: it loads again.", key)
	a, err := t.Request(http.MethodGet, api+url.QueryEscape(key), "")
	t.CheckAnswer(a, err, http.StatusOK, cacheScores[key])
	t.Check(loads(key) == 2, "%s was loaded twice in all: the cancelled load and this one (%d)", key, loads(key))
	return nil
}

// startCacheNodes starts the three nodes on fresh loopback ports and waits until each listens.
// A port that was free when FreeAddr chose it can be taken by another program before the node
// binds it; the node then exits with "address already in use", and the whole set is started
// again on new ports (the peer list names every port, so one node cannot move alone).
func startCacheNodes(t *Tour, bin string) (nodes []*Proc, peerURLs []string, err error) {
	const attempts = 3
	for attempt := 1; ; attempt++ {
		addrs := distinctFreeAddrs(t, 3)
		peerURLs = nil
		for _, a := range addrs {
			peerURLs = append(peerURLs, "http://"+a)
		}
		peers := strings.Join(peerURLs, ",")
		nodes = make([]*Proc, 3)
		for i, a := range addrs {
			_, port, _ := net.SplitHostPort(a)
			args := []string{"-port", port, "-peers", peers, "-dbdelay", cacheDBDelay.String()}
			if i == 2 {
				args = append(args, "-api")
			}
			if nodes[i], err = t.Start(fmt.Sprintf("node%d", i+1), bin, args...); err != nil {
				return nil, nil, err
			}
		}
		err = nil
		for i, p := range nodes {
			if err = p.WaitFor("geecache is running at "+peerURLs[i], 30*time.Second); err != nil {
				break
			}
		}
		if err == nil {
			return nodes, peerURLs, nil
		}
		portTaken := false
		for _, p := range nodes {
			portTaken = portTaken || strings.Contains(p.Output(), "address already in use")
			p.Stop()
		}
		if !portTaken || attempt == attempts {
			return nil, nil, err
		}
		t.Say("A port was taken by another program before a node could bind it; starting the three nodes again on new ports.")
	}
}

// distinctFreeAddrs returns n different free loopback addresses: FreeAddr releases each port
// at once, so the system may hand the same one out twice.
func distinctFreeAddrs(t *Tour, n int) []string {
	seen := map[string]bool{}
	var addrs []string
	for len(addrs) < n {
		if a := t.FreeAddr(); !seen[a] {
			seen[a] = true
			addrs = append(addrs, a)
		}
	}
	return addrs
}
