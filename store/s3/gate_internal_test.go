package s3

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestGate: hold only ever moves the gate later; wait returns at once when
// the gate is open, and with the context's error when it is cancelled
// while waiting.
func TestGate(t *testing.T) {
	var g gate
	if err := g.wait(context.Background()); err != nil {
		t.Fatalf("wait on an open gate: %v", err)
	}
	later := time.Now().Add(time.Hour)
	g.hold(later)
	g.hold(time.Now()) // earlier: no effect
	if !g.until.Equal(later) {
		t.Fatalf("until %v after holding %v then now, want %v", g.until, later, later)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait on a closed gate with a cancelled context: %v", err)
	}
	g.until = time.Now().Add(-time.Second)
	if err := g.wait(ctx); err != nil {
		t.Fatalf("wait on a gate opened in the past: %v", err)
	}
}

// slowDown is S3's throttling answer, as the SDK's retryer recognises it.
type slowDown struct{}

func (slowDown) Error() string     { return "SlowDown: please reduce your request rate" }
func (slowDown) ErrorCode() string { return "SlowDown" }

// TestGate_sharedByChunks: a throttled chunk reader closes the gate it
// shares with the other chunks of its object; a reader without a gate (a
// sequential read) closes none.
func TestGate_sharedByChunks(t *testing.T) {
	s := New(nil, "b", "", Options{RetryDelay: time.Millisecond, MaxRetryDelay: time.Millisecond})
	shared := new(gate)
	throttled := &reader{s: s, ctx: context.Background(), gate: shared}
	if !isThrottle(slowDown{}) {
		t.Fatal("SlowDown is not seen as throttling")
	}
	before := time.Now()
	if err := throttled.wait(slowDown{}); err != nil {
		t.Fatal(err)
	}
	if !shared.until.After(before) {
		t.Errorf("the shared gate is open after a throttled chunk (until %v)", shared.until)
	}
	other := &reader{s: s, ctx: context.Background(), gate: shared}
	if other.gate != throttled.gate {
		t.Fatal("not shared")
	}
	plain := &reader{s: s, ctx: context.Background()}
	if err := plain.wait(slowDown{}); err != nil {
		t.Fatal(err)
	}
}
