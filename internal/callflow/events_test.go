package callflow

import (
	"context"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/ari"
)

func TestRouteOf(t *testing.T) {
	ch := ari.Channel{ID: "c1"}
	for _, tc := range []struct {
		name string
		ev   ari.Event
		want string
	}{
		{"stasis start", &ari.StasisStart{Channel: ch}, "ch:c1"},
		{"destroyed", &ari.ChannelDestroyed{Channel: ch}, "ch:c1"},
		{"dtmf", &ari.ChannelDtmfReceived{Channel: ch, Digit: "1"}, "ch:c1"},
		{"dial goes to the dialed peer", &ari.Dial{Peer: ari.Channel{ID: "op"}}, "ch:op"},
		{"playback on a channel", &ari.PlaybackFinished{Playback: ari.Playback{TargetURI: "channel:c1"}}, "ch:c1"},
		{"recording of a bridge", &ari.RecordingFinished{Recording: ari.LiveRecording{TargetURI: "bridge:b1"}}, "br:b1"},
		{"unknown target", &ari.PlaybackStarted{Playback: ari.Playback{TargetURI: "endpoint:x"}}, ""},
		{"endpoint event has no route", &ari.EndpointStateChange{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := routeOf(tc.ev); got != tc.want {
				t.Fatalf("routeOf = %q, want %q", got, tc.want)
			}
		})
	}
	if channelOf(&ari.RecordingFinished{Recording: ari.LiveRecording{TargetURI: "bridge:b1"}}) != "" {
		t.Fatal("a bridge event has no channel")
	}
}

func TestMailboxKeepsOrderAndNeverBlocks(t *testing.T) {
	m := newMailbox()
	const n = 10000
	for i := 0; i < n; i++ { // nobody reads yet: put must not block
		m.put(&ari.ChannelDtmfReceived{Digit: string(rune('0' + i%10))})
	}
	ctx := context.Background()
	for i := 0; i < n; i++ {
		ev, err := m.getOr(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d := ev.(*ari.ChannelDtmfReceived).Digit; d != string(rune('0'+i%10)) {
			t.Fatalf("event %d out of order: %s", i, d)
		}
	}
	timeout := time.After(10 * time.Millisecond)
	if ev, err := m.getOr(ctx, timeout); ev != nil || err != nil {
		t.Fatalf("empty mailbox returned %v, %v", ev, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := m.getOr(cctx, nil); err == nil {
		t.Fatal("a cancelled wait returned no error")
	}
}

func TestDuplicateEventsAreDropped(t *testing.T) {
	a := &callActor{}
	ev := &ari.ChannelDestroyed{EventHeader: ari.EventHeader{Type: "ChannelDestroyed"}, Cause: 16, Channel: ari.Channel{ID: "c1"}}
	same := *ev
	if a.duplicate(ev) {
		t.Fatal("first event taken for a duplicate")
	}
	if !a.duplicate(&same) {
		t.Fatal("the second copy was not dropped")
	}
	other := same
	other.Cause = 17
	if a.duplicate(&other) {
		t.Fatal("a different event was dropped")
	}
	if a.duplicate(&offer{Login: "x"}) || a.duplicate(&offer{Login: "x"}) {
		t.Fatal("the controller's own messages are never duplicates")
	}
}
