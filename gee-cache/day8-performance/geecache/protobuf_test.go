package geecache

import (
	"net/http"
	"net/http/httptest"
	"testing"

	pb "gee-cache/day8-performance/geecache/geecachepb"
	"google.golang.org/protobuf/proto"
)

func TestPeersExchangeProtobuf(t *testing.T) {
	nodes := startCluster(t, 2, "scores")
	key := keyOwnedBy(t, nodes, 1, "Tom")
	var res pb.Response
	err := nodes[0].pool.httpGetters[nodes[1].url].Get(ctx, &pb.Request{Group: "scores", Key: key}, &res)
	if err != nil || string(res.Value) != "v:"+key {
		t.Fatalf("peer Get = %q, %v; want %q", res.Value, err, "v:"+key)
	}
}

func TestGarbageAnswerFallsBackToLocalLoad(t *testing.T) {
	valid, _ := proto.Marshal(&pb.Response{Value: []byte("from a confused peer")})
	tests := map[string]struct {
		contentType string
		body        []byte
	}{
		"not protobuf":       {"application/x-protobuf", []byte("\xff\xff\xff")},
		"truncated":          {"application/x-protobuf", valid[:len(valid)-3]},
		"wrong content type": {"application/octet-stream", valid},
		"no content type":    {"", nil},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Content-Type"] = []string{tt.contentType}
				w.Write(tt.body)
			}))
			defer srv.Close()
			fallbackCase(t, srv.URL, 0)
		})
	}
}
