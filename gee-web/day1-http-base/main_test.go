package main

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDemoRoutes(t *testing.T) {
	engine := newEngine()
	tests := []struct {
		path     string
		wantCode int
		wantBody string
	}{
		{"/", 200, `URL.Path = "/"`},
		{"/hello", 200, `Header["User-Agent"] = "demo-test"`},
		{"/nothing", 404, "404 NOT FOUND: /nothing"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", tt.path, nil)
		req.Header.Set("User-Agent", "demo-test")
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, req)
		if w.Code != tt.wantCode || !strings.Contains(w.Body.String(), tt.wantBody) {
			t.Errorf("GET %s = %d %q, want %d containing %q", tt.path, w.Code, w.Body.String(), tt.wantCode, tt.wantBody)
		}
	}
}

func TestServeReportsListenError(t *testing.T) {
	if err := serve("127.0.0.1:-1", newEngine()); err == nil {
		t.Fatal("serve on an invalid address returned nil")
	}
}
