package registry_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"gee-rpc/day8-performance/geerpc/registry"
)

func ExampleHeartbeat() {
	reg := httptest.NewServer(registry.New(time.Minute))
	defer reg.Close()

	// The first heartbeat is sent before Heartbeat returns. A server that
	// beats until it exits can ignore stop: registry.Heartbeat(url, addr, 0).
	stop := registry.Heartbeat(reg.URL, "tcp@127.0.0.1:9001", 20*time.Second)
	defer stop()

	resp, err := http.Get(reg.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.Header.Get(registry.ServersHeader))
	// Output: tcp@127.0.0.1:9001
}
