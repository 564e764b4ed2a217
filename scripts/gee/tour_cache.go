package main

import (
	"encoding/json"
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

// The gee-cache part of the tour. It builds gee-cache/day7-proto-buf and starts three cache
// nodes as separate processes, the third also running the API server. Through the API it reads
// known and unknown keys, fires many concurrent requests at one cold key and shows from the
// nodes' logs that it was loaded once, kills the node that owns some keys and shows that those
// keys still answer (loaded locally after the failed peer request), then stops everything.

func init() { registerTour("gee-cache", cacheTour) }

// cacheScores is the demo's slow database (gee-cache/day7-proto-buf/main.go).
var cacheScores = map[string]string{
	"Tom": "630", "Jack": "589", "Sam": "567", "Lily": "720",
	"Lucy": "701", "Ben": "499", "Mia": "655", "Leo": "612",
}

// cacheStats mirrors geecache.Stats as the demo's /api/stats prints it.
type cacheStats struct {
	Gets, Hits, Loads, LoadsDeduped, LocalLoads, LocalLoadErrs int64
	PeerLoads, PeerErrors, ServerRequests                      int64
}

func cacheTour(t *Tour) error {
	bin, err := t.Build("gee-cache/day7-proto-buf")
	if err != nil {
		return err
	}
	t.Say("Three cache nodes, each told the same peer list; node3 also runs the API server.")
	nodes, nodeAddrs, apiAddr, err := startCacheNodes(t, bin)
	if err != nil {
		return err
	}
	var peerURLs []string
	for _, a := range nodeAddrs {
		peerURLs = append(peerURLs, "http://"+a)
	}
	api := "http://" + apiAddr

	get := func(key string) (*Answer, error) {
		return t.Request(http.MethodGet, api+"/api?key="+url.QueryEscape(key), "")
	}
	loads := func(key string) int { // "[SlowDB] search key K" lines over all nodes
		n := 0
		for _, p := range nodes {
			n += strings.Count(p.Output(), "[SlowDB] search key "+key+"\n")
		}
		return n
	}

	t.Say("Known keys: each is loaded by the node that owns it (found on the hash ring).")
	known := []string{"Tom", "Jack", "Sam", "Lily", "Lucy", "Ben", "Leo"}
	for _, k := range known {
		a, err := get(k)
		if t.CheckAnswer(a, err, http.StatusOK, "") {
			t.Check(a.Body == cacheScores[k], "%s = %s", k, cacheScores[k])
		}
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
	a, err = t.Request(http.MethodGet, api+"/api", "")
	t.CheckAnswer(a, err, http.StatusBadRequest, "missing ?key=")

	const hot, callers = "Mia", 40
	t.Say("A hot key nobody has read yet: %d concurrent requests for %s.", callers, hot)
	statsBefore, err := cacheReadStats(t, api)
	if err != nil {
		return err
	}
	bodies := make([]string, callers)
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 15 * time.Second}
	for i := range bodies {
		wg.Go(func() {
			resp, err := client.Get(api + "/api?key=" + hot)
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
		if b == "200 "+cacheScores[hot] {
			good++
		}
	}
	t.Check(good == callers, "%d of %d requests answered 200 %s", good, callers, cacheScores[hot])
	t.Check(loads(hot) == 1, "%s was loaded from the slow database %d time(s) over the three nodes; want 1", hot, loads(hot))
	statsAfter, err := cacheReadStats(t, api)
	if err != nil {
		return err
	}
	gets := statsAfter.Gets - statsBefore.Gets
	flights := statsAfter.LoadsDeduped - statsBefore.LoadsDeduped
	t.Check(gets == callers && flights < gets, "node3's stats: %d Gets, merged into %d load(s) by singleflight", gets, flights)

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

	t.Say("Kill node%d (SIGKILL, as a crash). The keys it owned must still answer: node3's peer request fails and it loads them itself.", victim+1)
	nodes[victim].Kill()
	for _, k := range lost {
		a, err := get(k)
		t.CheckAnswer(a, err, http.StatusOK, cacheScores[k])
	}
	n := len(owned[victim])
	failed := strings.Count(nodes[2].Output(), "peer failed, loading")
	t.Check(failed >= n, "node3 logged %d failed peer request(s), at least one per key node%d owned, and loaded those keys locally", failed, victim+1)
	if s, err := cacheReadStats(t, api); err == nil {
		t.Check(s.PeerErrors >= int64(n), "node3's stats count %d peer errors", s.PeerErrors)
	}

	t.Say("Stop the remaining nodes with SIGTERM.")
	for i, p := range nodes {
		if i == victim {
			continue
		}
		p.Stop()
		t.Check(strings.Contains(p.Output(), "stopped"), "node%d shut down cleanly", i+1)
	}
	return nil
}

// startCacheNodes starts the three nodes on fresh loopback ports and waits until each listens.
// A port that was free when FreeAddr chose it can be taken by another program before the node
// binds it; the node then exits with "address already in use", and the whole set is started
// again on new ports (the peer list names every port, so one node cannot move alone).
func startCacheNodes(t *Tour, bin string) (nodes []*Proc, nodeAddrs []string, apiAddr string, err error) {
	const attempts = 3
	for attempt := 1; ; attempt++ {
		addrs := distinctFreeAddrs(t, 4)
		nodeAddrs, apiAddr = addrs[:3], addrs[3]
		var peerURLs []string
		for _, a := range nodeAddrs {
			peerURLs = append(peerURLs, "http://"+a)
		}
		peers := strings.Join(peerURLs, ",")
		nodes = make([]*Proc, 3)
		for i, a := range nodeAddrs {
			_, port, _ := net.SplitHostPort(a)
			args := []string{"-port", port, "-peers", peers}
			if i == 2 {
				args = append(args, "-api", "-apiaddr", apiAddr)
			}
			if nodes[i], err = t.Start(fmt.Sprintf("node%d", i+1), bin, args...); err != nil {
				return nil, nil, "", err
			}
		}
		err = nil
		for i, p := range nodes {
			if err = p.WaitFor("geecache node is running at http://"+nodeAddrs[i], 30*time.Second); err != nil {
				break
			}
		}
		if err == nil {
			err = nodes[2].WaitFor("api server is running at http://"+apiAddr, 30*time.Second)
		}
		if err == nil {
			return nodes, nodeAddrs, apiAddr, nil
		}
		portTaken := false
		for _, p := range nodes {
			portTaken = portTaken || strings.Contains(p.Output(), "address already in use")
			p.Stop()
		}
		if !portTaken || attempt == attempts {
			return nil, nil, "", err
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

// cacheReadStats fetches and decodes the API node's /api/stats.
func cacheReadStats(t *Tour, api string) (cacheStats, error) {
	var s cacheStats
	a, err := t.Request(http.MethodGet, api+"/api/stats", "")
	if !t.CheckAnswer(a, err, http.StatusOK, "Gets") {
		return s, fmt.Errorf("no stats from %s", api)
	}
	if err := json.Unmarshal([]byte(a.Body), &s); err != nil {
		return s, fmt.Errorf("decoding stats: %v", err)
	}
	return s, nil
}
