// Package clock waits the way lamb's polls and retries do: for a duration,
// or until the context ends, whichever comes first. Callers that need to
// skip real waits in tests take a func of Sleep's signature and default it
// to Sleep.
package clock

import (
	"context"
	"time"
)

// Sleep waits d, or returns ctx's error when ctx ends first (or has
// already ended).
func Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
