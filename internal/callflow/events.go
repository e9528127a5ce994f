package callflow

import (
	"strings"

	"github.com/ikomek/ikomek/internal/ari"
)

// poke is put in a call's mailbox after the event socket reconnected: events may have
// been lost, so the call checks with Asterisk what it was waiting for.
type poke struct{ ari.EventHeader }

// channelOf returns the channel an event is about, "" when none.
func channelOf(ev ari.Event) string {
	switch e := ev.(type) {
	case *ari.StasisStart:
		return e.Channel.ID
	case *ari.StasisEnd:
		return e.Channel.ID
	case *ari.ChannelDestroyed:
		return e.Channel.ID
	case *ari.ChannelStateChange:
		return e.Channel.ID
	case *ari.ChannelHangupRequest:
		return e.Channel.ID
	case *ari.ChannelDtmfReceived:
		return e.Channel.ID
	case *ari.ChannelVarset:
		return e.Channel.ID
	case *ari.ChannelEnteredBridge:
		return e.Channel.ID
	case *ari.ChannelLeftBridge:
		return e.Channel.ID
	case *ari.PlaybackStarted:
		return targetChannel(e.Playback.TargetURI)
	case *ari.PlaybackFinished:
		return targetChannel(e.Playback.TargetURI)
	}
	return ""
}

func targetChannel(uri string) string {
	if id, ok := strings.CutPrefix(uri, "channel:"); ok {
		return id
	}
	return ""
}
