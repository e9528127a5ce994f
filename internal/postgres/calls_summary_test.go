package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/calls"
	"github.com/ikomek/ikomek/internal/testenv"
)

func TestCallSummary(t *testing.T) {
	ctx := context.Background()
	s := testenv.Postgres(t).Calls()
	t0 := time.Date(2026, 1, 12, 8, 0, 0, 0, time.UTC)
	n := 0
	// call places a call that arrives at `at`, joins the line 5 s later (unless
	// inLine < 0), is answered after inLine seconds in line when talk > 0, and ends
	// with outcome after its conversation or wait (never when outcome is empty).
	call := func(line string, at time.Time, inLine, talk float64, outcome calls.Outcome) {
		t.Helper()
		n++
		c, _, err := s.Arrive(ctx, calls.Call{AsteriskID: "ast1", ChannelID: "ch-" + string(rune('a'+n)), Line: line,
			CallerNumber: "+7701000000" + string(rune('0'+n)), ArrivedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		end := at.Add(2 * time.Second)
		if inLine >= 0 {
			queued := at.Add(5 * time.Second)
			if err := s.Queue(ctx, c.ID, queued, "ru", 0); err != nil {
				t.Fatal(err)
			}
			end = queued.Add(time.Duration(inLine * float64(time.Second)))
			if talk > 0 {
				if err := s.Connect(ctx, c.ID, end, "op1"); err != nil {
					t.Fatal(err)
				}
				end = end.Add(time.Duration(talk * float64(time.Second)))
			}
		}
		if outcome != "" {
			if _, err := s.End(ctx, c.ID, end, 16, "Normal Clearing", outcome); err != nil {
				t.Fatal(err)
			}
		}
	}
	call("109", t0, 10, 60, calls.Answered)
	call("109", t0.Add(time.Minute), 35, 60, calls.Answered)
	call("109", t0.Add(2*time.Minute), 30, 0, calls.Abandoned) // after the target: counts against
	call("109", t0.Add(3*time.Minute), 5, 0, calls.Abandoned)  // a short abandon: does not
	call("109", t0.Add(4*time.Minute), -1, 0, calls.Completed) // answered by a message
	call("109", t0.Add(5*time.Minute), 3, 0, "")               // still waiting
	call("556655", t0.Add(6*time.Minute), 2, 30, calls.Answered)
	call("109", t0.Add(-time.Minute), 1, 10, calls.Answered) // before the period

	got, err := s.Summarize(ctx, t0, t0.Add(time.Hour), "109", 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got.Arrived != 6 || got.Open != 1 || got.Answered != 2 || got.Abandoned != 2 || got.AbandonedAfterTarget != 1 ||
		got.Completed != 1 || got.Failed != 0 || got.AnsweredWithinTarget != 1 || got.ServiceLevel == nil ||
		*got.ServiceLevel != 0.333 || got.AverageWaitSeconds != 22.5 || got.LongestWaitSeconds != 35 ||
		got.AverageTalkSeconds != 60 || got.TargetSeconds != 20 {
		t.Fatalf("line 109: %+v (service level %v)", got, got.ServiceLevel)
	}
	all, err := s.Summarize(ctx, t0, t0.Add(time.Hour), "", 20*time.Second)
	if err != nil || all.Arrived != 7 || all.Answered != 3 || all.AnsweredWithinTarget != 2 || *all.ServiceLevel != 0.5 {
		t.Fatalf("every line: %+v %v", all, err)
	}
	none, err := s.Summarize(ctx, t0.Add(2*time.Hour), t0.Add(3*time.Hour), "", 20*time.Second)
	if err != nil || none.Arrived != 0 || none.ServiceLevel != nil || none.AverageWaitSeconds != 0 {
		t.Fatalf("an empty period: %+v %v", none, err)
	}
	if _, err := s.Summarize(ctx, t0, t0, "", 20*time.Second); apperr.Code(err) != apperr.Invalid {
		t.Fatalf("an empty period's bounds: %v", err)
	}
	if _, err := s.Summarize(ctx, t0, t0.Add(time.Hour), "", 0); apperr.Code(err) != apperr.Invalid {
		t.Fatalf("no target: %v", err)
	}
}
