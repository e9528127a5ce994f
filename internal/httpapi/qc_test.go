package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/qc"
)

func (f *recFixture) post(tb testing.TB, path string, role auth.Role, body, out any) int {
	tb.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", f.srv.URL+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+f.tokens[role])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

func TestQCReviewFlow(t *testing.T) {
	f := newRecFixture(t)
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	call, _ := f.record(t, "+77011112233", "aigerim", t0, "a.wav", fakeWAV(10), 1)

	var form qc.Form
	if st := f.post(t, "/api/v1/qc/forms", auth.Supervisor, map[string]any{"name": "standard", "criteria": qc.DefaultForm().Criteria}, &form); st != 201 || form.ID == 0 {
		t.Fatalf("create form = %d %+v", st, form)
	}
	var c qc.Case
	if st := f.post(t, "/api/v1/qc/cases", auth.QC, map[string]any{"caller": "87011112233",
		"at": t0.Add(10 * time.Minute), "description": "operator was rude"}, &c); st != 201 || c.CallID == nil || *c.CallID != call {
		t.Fatalf("open case = %d %+v", st, c)
	}
	var rv qc.Review
	if st := f.post(t, "/api/v1/qc/reviews", auth.QC, map[string]any{"call_id": call, "case_id": c.ID, "form_id": form.ID,
		"scores": map[string]float64{"greeting": 5, "politeness": 1, "category": 5, "resolution": 5}, "outcome": "coaching",
		"notes": "tone"}, &rv); st != 201 || rv.Total != 80 || rv.ReviewerRole != "qc" {
		t.Fatalf("review = %d %+v", st, rv)
	}
	if st := f.post(t, "/api/v1/qc/reviews", auth.Operator, map[string]any{}, nil); st != 403 {
		t.Fatalf("operator reviews = %d", st)
	}
	var sc qc.Score
	resp, b := f.get(t, "/api/v1/qc/operators/aigerim/score?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z", auth.Supervisor, nil)
	json.Unmarshal(b, &sc)
	if resp.StatusCode != 200 || sc.Reviews != 1 || sc.Average != 80 {
		t.Fatalf("score = %d %s", resp.StatusCode, b)
	}
	if resp, b := f.get(t, fmt.Sprintf("/api/v1/qc/cases/%d", c.ID), auth.QC, nil); resp.StatusCode != 200 {
		t.Fatalf("case = %d %s", resp.StatusCode, b)
	}
}
