package callflow

import (
	"strings"
	"time"

	"github.com/ikomek/ikomek/internal/ari"
)

// poke is put in a call's mailbox after the event socket reconnected: events may have
// been lost, so the call checks with Asterisk what it was waiting for.
type poke struct{ ari.EventHeader }

// offer is put in a call's mailbox by the distributor: operator Login was claimed for
// the call; Since is when the reason to distribute arose.
type offer struct {
	ari.EventHeader
	Login string
	Since time.Time
}

// routeOf returns the routing key of an event: "ch:ID" for events about a channel,
// "br:ID" for recordings of a bridge, "" when none.
func routeOf(ev ari.Event) string {
	ch := ""
	switch e := ev.(type) {
	case *ari.StasisStart:
		ch = e.Channel.ID
	case *ari.StasisEnd:
		ch = e.Channel.ID
	case *ari.ChannelDestroyed:
		ch = e.Channel.ID
	case *ari.ChannelStateChange:
		ch = e.Channel.ID
	case *ari.ChannelHangupRequest:
		ch = e.Channel.ID
	case *ari.ChannelDtmfReceived:
		ch = e.Channel.ID
	case *ari.ChannelEnteredBridge:
		ch = e.Channel.ID
	case *ari.ChannelLeftBridge:
		ch = e.Channel.ID
	case *ari.Dial:
		ch = e.Peer.ID
	case *ari.PlaybackStarted:
		return target(e.Playback.TargetURI)
	case *ari.PlaybackFinished:
		return target(e.Playback.TargetURI)
	case *ari.RecordingStarted:
		return target(e.Recording.TargetURI)
	case *ari.RecordingFinished:
		return target(e.Recording.TargetURI)
	case *ari.RecordingFailed:
		return target(e.Recording.TargetURI)
	}
	if ch == "" {
		return ""
	}
	return "ch:" + ch
}

func target(uri string) string {
	if id, ok := strings.CutPrefix(uri, "channel:"); ok {
		return "ch:" + id
	}
	if id, ok := strings.CutPrefix(uri, "bridge:"); ok {
		return "br:" + id
	}
	return ""
}

// channelOf returns the channel an event is about, "" when none.
func channelOf(ev ari.Event) string {
	if id, ok := strings.CutPrefix(routeOf(ev), "ch:"); ok {
		return id
	}
	return ""
}
