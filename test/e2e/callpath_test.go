package e2e

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/calls"
	"github.com/ikomek/ikomek/internal/recordings"
)

// One caller, one operator: connected, the whole conversation recorded with audio from
// both sides, the recording stored, checksummed and linked.
func TestCallerReachesOperatorAndIsRecorded(t *testing.T) {
	c := startController(t, fastCalls)
	ctx := context.Background()
	login, pw := newOperator(t, c, "ru")
	p := startPhone(t, c, login, pw, phoneOpts{AnswerMS: 200, SpeakMS: 6000})
	ready(t, c, p)

	// The caller speaks 2 s after the answer (~5 s of audio), the operator 6 s after
	// theirs; the caller hangs up 14 s after the answer.
	sipp := dial(t, c, callerOpts{Caller: "77011110001", SpeakMS: 2000, HoldMS: 14000})
	sipp.wait(t, 60*time.Second)

	call := callOf(t, c, "77011110001")
	if call.Outcome != calls.Answered || call.OperatorLogin != login || call.ConnectedAt == nil {
		t.Fatalf("call = outcome %q operator %q connected %v", call.Outcome, call.OperatorLogin, call.ConnectedAt)
	}
	evs := events(t, c, call.ID)
	offered, bridged := eventsOf(evs, "offered"), eventsOf(evs, "bridged")
	if len(offered) != 1 || len(bridged) != 1 {
		t.Fatalf("events: %v", evs)
	}
	talk := call.EndedAt.Sub(*call.ConnectedAt).Seconds()
	t.Logf("figures: operator free -> ringing (dial sent) %.2f ms; answer -> bridged and recording %.2f ms; wait %.2f s; talk %.1f s",
		offered[0].Detail["dispatch_ms"], bridged[0].Detail["bridge_ms"], bridged[0].Detail["wait_seconds"], talk)

	rec := storedRecording(t, c, call.ID)
	path := filepath.Join(c.Config.RecordingsDir, rec.Path)
	sum, size, err := recordings.FileSHA256(path)
	if err != nil || sum != rec.SHA256 || size != rec.SizeBytes {
		t.Fatalf("stored file %s: sha %s size %d err %v; metadata sha %s size %d", path, sum, size, err, rec.SHA256, rec.SizeBytes)
	}
	if rec.Duration < talk-1 {
		t.Errorf("recording lasts %.1f s, the conversation %.1f s", rec.Duration, talk)
	}
	// The caller's speech lies in the first seconds, the operator's after 6 s.
	callerPart, operatorPart := rms(t, path, 1, 4.5), rms(t, path, 7, 10)
	t.Logf("recording %s: %.1f s, %d bytes, RMS caller part %.3f, operator part %.3f", rec.Path, rec.Duration, rec.SizeBytes, callerPart, operatorPart)
	if callerPart < 0.01 || operatorPart < 0.01 {
		t.Errorf("recording lacks audio from one side: caller %.4f operator %.4f", callerPart, operatorPart)
	}
	// Asterisk's copy is removed once ours is verified.
	if _, err := c.ARI.Recordings().GetStored(ctx, rec.Name); err == nil {
		t.Errorf("stored recording %s still on Asterisk", rec.Name)
	}
	// One ticket for the call, with its operator and recording, open for the
	// operator to fill in.
	ts, err := c.DB.Tickets().CallerTickets(ctx, "77011110001", 10)
	if err != nil || len(ts) != 1 {
		t.Fatalf("caller tickets = %d, %v", len(ts), err)
	}
	tk := ts[0]
	if tk.CallID == nil || *tk.CallID != call.ID || tk.OperatorLogin != login || tk.RecordingID == nil || *tk.RecordingID != rec.ID {
		t.Fatalf("ticket %s: call %v operator %q recording %v", tk.Reference, tk.CallID, tk.OperatorLogin, tk.RecordingID)
	}
	// The metrics count the call.
	resp, err := http.Get("http://" + c.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`ikomek_calls_ended_total{outcome="answered"} 1`, "ikomek_calls_answered_total 1",
		"ikomek_calls_answered_within_target_total 1", `ikomek_call_wait_seconds_count{outcome="answered"} 1`,
		"ikomek_call_talk_seconds_count 1", "ikomek_dispatch_latency_seconds_count 1", "ikomek_bridge_latency_seconds_count 1",
		"ikomek_recording_failures_total 0", `ikomek_operators{state="offline"}`} {
		if !strings.Contains(string(m), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	live, _ := c.Presence.Live(ctx, login)
	t.Logf("ticket %s (%s) for call %d; operator after the call: %s", tk.Reference, tk.Status, call.ID, live.State)
}
