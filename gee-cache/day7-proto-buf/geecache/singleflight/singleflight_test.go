package singleflight

import (
	"errors"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
)

func TestDoReturnsResult(t *testing.T) {
	var g Group
	v, err := g.Do("key", func() (any, error) { return "bar", nil })
	if v != "bar" || err != nil {
		t.Fatalf("Do = %v, %v; want bar, nil", v, err)
	}
	wantErr := errors.New("boom")
	if _, err := g.Do("key", func() (any, error) { return nil, wantErr }); err != wantErr {
		t.Fatalf("Do error = %v; want %v", err, wantErr)
	}
}

func TestConcurrentCallersShareOneCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g Group
		var calls atomic.Int32
		release := make(chan struct{})
		fn := func() (any, error) {
			calls.Add(1)
			<-release // hold the first call until every caller is waiting
			return "value", nil
		}
		const n = 10
		results := make(chan any, n)
		for range n {
			go func() {
				v, _ := g.Do("key", fn)
				results <- v
			}()
		}
		synctest.Wait() // all n goroutines are blocked: one in fn, n-1 in Do
		close(release)
		for range n {
			if v := <-results; v != "value" {
				t.Errorf("a caller got %v", v)
			}
		}
		if c := calls.Load(); c != 1 {
			t.Fatalf("fn ran %d times; want 1", c)
		}
	})
}

func TestResultsAreNotRemembered(t *testing.T) {
	var g Group
	calls := 0
	for range 3 {
		g.Do("key", func() (any, error) { calls++; return nil, nil })
	}
	if calls != 3 {
		t.Fatalf("fn ran %d times for 3 sequential calls; want 3", calls)
	}
}

func TestDifferentKeysDoNotWait(t *testing.T) {
	var g Group
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		g.Do("slow", func() (any, error) { <-release; return nil, nil })
	})
	// Would block forever if "fast" waited for "slow".
	if v, _ := g.Do("fast", func() (any, error) { return 1, nil }); v != 1 {
		t.Fatalf("Do(fast) = %v", v)
	}
	close(release)
	wg.Wait()
}

func TestPanickingFunctionReleasesWaitersAndKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g Group
		release := make(chan struct{})
		errs := make(chan error, 5)
		go func() {
			_, err := g.Do("key", func() (any, error) {
				<-release
				panic("loader exploded")
			})
			errs <- err
		}()
		synctest.Wait() // the first call holds the key
		for range 4 {
			go func() {
				_, err := g.Do("key", func() (any, error) { return "unused", nil })
				errs <- err
			}()
		}
		synctest.Wait() // the others wait on it
		close(release)
		for range 5 {
			var pe *PanicError
			if err := <-errs; !errors.As(err, &pe) || pe.Value != "loader exploded" || len(pe.Stack) == 0 {
				t.Fatalf("error = %v; want a *PanicError carrying the panic value", err)
			}
		}
	})
	// The key is free: the next call runs its function.
	var g Group
	g.Do("key", func() (any, error) { panic("once") })
	v, err := g.Do("key", func() (any, error) { return "loaded", nil })
	if v != "loaded" || err != nil {
		t.Fatalf("Do after a panic = %v, %v; want loaded, nil", v, err)
	}
}

func TestGoexitGivesWaitersAnError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g Group
		release := make(chan struct{})
		go g.Do("key", func() (any, error) {
			<-release
			runtime.Goexit()
			return nil, nil
		})
		synctest.Wait()
		errs := make(chan error)
		go func() {
			_, err := g.Do("key", func() (any, error) { return "unused", nil })
			errs <- err
		}()
		synctest.Wait()
		close(release)
		if err := <-errs; err != errGoexit {
			t.Fatalf("waiter error = %v; want %v", err, errGoexit)
		}
		v, err := g.Do("key", func() (any, error) { return "again", nil })
		if v != "again" || err != nil {
			t.Fatalf("Do after Goexit = %v, %v; want again, nil", v, err)
		}
	})
}

func TestPanicErrorUnwrapsAnErrorValue(t *testing.T) {
	var g Group
	_, err := g.Do("key", func() (any, error) { panic(io.ErrUnexpectedEOF) })
	var pe *PanicError
	if !errors.As(err, &pe) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Do = %v; want a *PanicError that unwraps to io.ErrUnexpectedEOF", err)
	}
	_, err = g.Do("key", func() (any, error) { panic("not an error") })
	if !errors.As(err, &pe) || errors.Unwrap(err) != nil {
		t.Fatalf("Do = %v, unwrapping to %v; want a *PanicError that unwraps to nil", err, errors.Unwrap(err))
	}
}
