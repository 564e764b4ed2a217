package registry

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Backoff of Follow between two attempts to subscribe.
const (
	FollowRetryMin = 100 * time.Millisecond
	FollowRetryMax = 2 * time.Second
)

// Follow keeps a subscription to service open until ctx ends, so that
// nobody has to wait for the registry: run it in a goroutine. It hands every
// list to onList. When Subscribe fails (the registry is out of reach) or the
// subscription ends while ctx lives, it hands the error to onErr and
// subscribes again after a pause that doubles from FollowRetryMin up to
// FollowRetryMax. It returns when ctx ends, or after reporting an error
// that wraps ErrClosed once the registry is closed.
func Follow(ctx context.Context, reg Registry, service string, onList func([]ServiceInstance), onErr func(error)) {
	wait := FollowRetryMin
	for ctx.Err() == nil {
		updates, err := reg.Subscribe(ctx, service)
		if err == nil {
			got := false
			for list := range updates {
				onList(list)
				got = true
			}
			if ctx.Err() != nil {
				return
			}
			err = fmt.Errorf("registry: subscription to %q ended", service)
			if got {
				wait = FollowRetryMin // it worked for a while: retry soon
			}
		} else if ctx.Err() != nil {
			return
		}
		if errors.Is(err, ErrClosed) {
			onErr(err)
			return
		}
		onErr(err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, FollowRetryMax)
	}
}
