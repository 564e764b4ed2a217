package main

import (
	"testing"
	"time"
)

func TestFeedbackDemoEjectsReadmitsAndAvoidsTheSlowNode(t *testing.T) {
	d := &demo{host: "127.0.0.1"}
	ok, err := d.run(20 * time.Millisecond)
	if err != nil || !ok {
		t.Fatalf("demo outcome ok=%v err=%v; see its output above", ok, err)
	}
}
