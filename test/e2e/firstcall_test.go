package e2e

import (
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/calls"
	"github.com/ikomek/ikomek/internal/config"
)

// A citizen dials 109 when no operator is on duty: the controller answers, plays the
// whole greeting and the language menu, puts the caller in line, and keeps the call's
// record when the caller gives up.
func TestFirstCall(t *testing.T) {
	c := startController(t, func(cfg *config.Config) { cfg.AnnounceEvery = 0 })
	began := time.Now()
	dial(t, c, callerOpts{Caller: "77011234567", Digits: []string{"1"}, HoldMS: 12000}).wait(t, 60*time.Second)
	call := callOf(t, c, "77011234567")

	if call.Line != "109" || call.State != calls.Ended || call.Outcome != calls.Abandoned {
		t.Errorf("call = line %q state %q outcome %q", call.Line, call.State, call.Outcome)
	}
	if call.AsteriskID == "" || call.ChannelID == "" {
		t.Errorf("Asterisk ids missing: %+v", call)
	}
	if call.HangupCause == nil || *call.HangupCause != 16 {
		t.Errorf("hang-up cause = %v (%q), want 16 (normal clearing)", deref(call.HangupCause), call.HangupCauseText)
	}
	if call.AnsweredAt == nil || call.EndedAt == nil || call.ArrivedAt.Before(began.Add(-time.Second)) ||
		call.AnsweredAt.Before(call.ArrivedAt) || call.EndedAt.Before(*call.AnsweredAt) {
		t.Fatalf("times out of order: arrived %v answered %v ended %v", call.ArrivedAt, call.AnsweredAt, call.EndedAt)
	}
	evs := events(t, c, call.ID)
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	if got, want := join(types), "arrived answered greeting_played menu queued abandoned ended"; got != want {
		t.Fatalf("events %q, want %q", got, want)
	}
	greeting := eventsOf(evs, "greeting_played")[0]
	if greeting.Detail["state"] != "done" {
		t.Errorf("greeting did not play to the end: %v", greeting.Detail)
	}
	// The Russian greeting lasts 7.5 s: it was really played, not skipped.
	played := greeting.Detail["seconds"].(float64)
	if played < 7 {
		t.Errorf("greeting played for %.1f s, want the whole 7.5 s prompt", played)
	}
	t.Logf("call %d: answered %.0f ms after arrival, greeting %.2f s, in line %.1f s",
		call.ID, call.AnsweredAt.Sub(call.ArrivedAt).Seconds()*1000, played, call.EndedAt.Sub(*call.QueuedAt).Seconds())
}

func join(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}
