package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/calls"
	"github.com/ikomek/ikomek/internal/qc"
	"github.com/ikomek/ikomek/internal/recordings"
)

// A citizen complains on 55-66-55 about an earlier 109 call: the call lands with QC
// staff, opens a case linked to the earlier call, and a reviewer streams that call's
// recording with a range request; a role without permission is refused and audited.
func TestQualityControlLine(t *testing.T) {
	c := startController(t, fastCalls)
	ctx := context.Background()
	agent, pwA := newOperator(t, c, "ru")
	ready(t, c, startPhone(t, c, agent, pwA, phoneOpts{AnswerMS: 100, SpeakMS: 500}))
	staff, pwQ := newLineOperator(t, c, "556655", "ru", "kk")
	ready(t, c, startPhone(t, c, staff, pwQ, phoneOpts{AnswerMS: 100, SpeakMS: 500}))

	const citizen = "77015551234"
	dial(t, c, callerOpts{Caller: citizen, SpeakMS: 500, HoldMS: 5000}).wait(t, 60*time.Second)
	first := callOf(t, c, citizen)
	if first.OperatorLogin != agent {
		t.Fatalf("the 109 call went to %q, want %s", first.OperatorLogin, agent)
	}
	var rec recordings.Rec
	waitFor(t, 30*time.Second, "the 109 recording stored", func() bool {
		rs, err := c.DB.Recordings().ByCall(ctx, first.ID)
		if err == nil && len(rs) == 1 && rs[0].State == recordings.Stored {
			rec = rs[0]
			return true
		}
		return false
	})

	dial(t, c, callerOpts{Caller: citizen, Line: "556655", SpeakMS: 500, HoldMS: 5000}).wait(t, 60*time.Second)
	var complaint calls.Call
	waitFor(t, 20*time.Second, "the complaint call to end", func() bool {
		var id int64
		if c.DB.Pool.QueryRow(ctx, `SELECT id FROM calls WHERE caller_number = $1 AND line = '556655' AND ended_at IS NOT NULL`,
			citizen).Scan(&id) != nil {
			return false
		}
		complaint, _ = c.DB.Calls().Get(ctx, id)
		return true
	})
	if complaint.OperatorLogin != staff || complaint.Outcome != calls.Answered {
		t.Fatalf("the QC call: operator %q outcome %s, want %s", complaint.OperatorLogin, complaint.Outcome, staff)
	}
	ev := eventsOf(events(t, c, complaint.ID), "qc_case")
	if len(ev) != 1 {
		t.Fatal("no QC case opened for the 556655 call")
	}
	cs, err := c.DB.QC().Case(ctx, int64(ev[0].Detail["case_id"].(float64)))
	if err != nil {
		t.Fatal(err)
	}
	if cs.CallID == nil || *cs.CallID != first.ID || cs.OperatorLogin != agent {
		t.Fatalf("case %d linked to call %v operator %q, want call %d by %s", cs.ID, cs.CallID, cs.OperatorLogin, first.ID, agent)
	}

	// The reviewer streams the recording of the call complained about.
	_, reviewer, _ := c.DB.Tokens().Create(ctx, "QC reviewer", auth.QC, "reviewer1", nil)
	_, dept, _ := c.DB.Tokens().Create(ctx, "Water dispatch", auth.Department, "water", nil)
	url := "http://" + c.Addr() + "/api/v1/recordings/" + itoa(rec.ID) + "/audio"
	get := func(token, rng string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	file, err := os.ReadFile(filepath.Join(c.Config.RecordingsDir, rec.Path))
	if err != nil {
		t.Fatal(err)
	}
	resp, part := get(reviewer, "bytes=1000-1999")
	if resp.StatusCode != http.StatusPartialContent || resp.Header.Get("Content-Type") != "audio/wav" ||
		!bytes.Equal(part, file[1000:2000]) {
		t.Fatalf("range request: %d %s, %d bytes (equal %v)", resp.StatusCode, resp.Header.Get("Content-Type"), len(part),
			bytes.Equal(part, file[1000:2000]))
	}
	if resp, _ := get(dept, ""); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("department token got %d, want 403", resp.StatusCode)
	}
	acc, err := c.DB.RecordingAccess().Accesses(ctx, qc.AccessFilter{RecordingID: rec.ID})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, a := range acc {
		actions[a.Action]++
	}
	if actions["listen"] != 1 || actions["denied"] != 1 {
		t.Fatalf("audit of recording %d: %v", rec.ID, actions)
	}
	t.Logf("case %d links complaint call %d to call %d (operator %s); range 206 %d bytes; audit %v",
		cs.ID, complaint.ID, first.ID, agent, len(part), actions)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
