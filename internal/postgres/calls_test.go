package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/calls"
	"github.com/ikomek/ikomek/internal/testenv"
)

func TestCallLifecycle(t *testing.T) {
	ctx := context.Background()
	db := testenv.Postgres(t)
	s := db.Calls()
	t0 := time.Date(2026, 1, 10, 6, 30, 0, 0, time.UTC)

	c, created, err := s.Arrive(ctx, calls.Call{AsteriskID: "ast1", ChannelID: "ch-1", Line: "109",
		CallerNumber: "+77011234567", ArrivedAt: t0})
	if err != nil || !created {
		t.Fatalf("Arrive: %v created=%v", err, created)
	}
	if c.State != calls.Arrived || !c.ArrivedAt.Equal(t0) {
		t.Fatalf("new call = %+v", c)
	}

	t.Run("a second arrival of the same channel is the same call", func(t *testing.T) {
		again, created, err := s.Arrive(ctx, calls.Call{AsteriskID: "ast1", ChannelID: "ch-1", Line: "109", ArrivedAt: t0.Add(time.Second)})
		if err != nil || created || again.ID != c.ID {
			t.Fatalf("Arrive again: %+v created=%v err=%v", again, created, err)
		}
	})
	t.Run("same channel id on another Asterisk is another call", func(t *testing.T) {
		other, created, err := s.Arrive(ctx, calls.Call{AsteriskID: "ast2", ChannelID: "ch-1", Line: "109"})
		if err != nil || !created || other.ID == c.ID {
			t.Fatalf("Arrive on ast2: %+v created=%v err=%v", other, created, err)
		}
	})
	t.Run("many calls come in the order asked, without the unknown", func(t *testing.T) {
		other, _, err := s.Arrive(ctx, calls.Call{AsteriskID: "ast-many", ChannelID: "ch-many", Line: "109"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Many(ctx, []int64{other.ID, 1 << 40, c.ID})
		if err != nil || len(got) != 2 || got[0].ID != other.ID || got[1].ID != c.ID || got[1].CallerNumber != "+77011234567" {
			t.Fatalf("Many = %+v, %v", got, err)
		}
		if got, err := s.Many(ctx, nil); err != nil || len(got) != 0 {
			t.Fatalf("Many(nil) = %+v, %v", got, err)
		}
	})
	t.Run("bad input changes nothing", func(t *testing.T) {
		_, _, err := s.Arrive(ctx, calls.Call{AsteriskID: "ast1", Line: "109"})
		if apperr.Code(err) != apperr.Invalid {
			t.Fatalf("err = %v, want invalid", err)
		}
	})

	if err := s.Answer(ctx, c.ID, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.Answer(ctx, c.ID, t0.Add(5*time.Second)); err != nil { // only the first counts
		t.Fatal(err)
	}
	if err := s.SetState(ctx, c.ID, calls.Greeting); err != nil {
		t.Fatal(err)
	}
	if err := s.AddEvent(ctx, c.ID, calls.Event{At: t0.Add(8 * time.Second), Type: "greeting_played",
		Detail: map[string]any{"media": "sound:ikomek-greeting"}}); err != nil {
		t.Fatal(err)
	}
	open, err := s.Open(ctx, "ast1")
	if err != nil || len(open) != 1 || open[0].ID != c.ID {
		t.Fatalf("Open = %v, %v", open, err)
	}

	// Two handlers racing to end the call: exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.End(ctx, c.ID, t0.Add(9*time.Second), 16, "Normal Clearing", calls.Completed)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("End won %d times, want 1", wins)
	}
	if err := s.SetState(ctx, c.ID, calls.Queued); apperr.Code(err) != apperr.Conflict {
		t.Fatalf("SetState after end: %v, want conflict", err)
	}

	got, err := s.ByChannel(ctx, "ast1", "ch-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != calls.Ended || got.Outcome != calls.Completed || got.HangupCause == nil || *got.HangupCause != 16 ||
		got.AnsweredAt == nil || !got.AnsweredAt.Equal(t0.Add(time.Second)) || got.EndedAt == nil {
		t.Fatalf("ended call = %+v", got)
	}
	evs, err := s.Events(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	if want := "arrived answered greeting_played ended"; joined(types) != want {
		t.Fatalf("events = %q, want %q", joined(types), want)
	}
	if _, err := s.Get(ctx, 999999); apperr.Code(err) != apperr.NotFound {
		t.Fatalf("Get(missing) = %v", err)
	}

	t.Run("the database refuses rewriting call history", func(t *testing.T) {
		if _, err := db.Pool.Exec(ctx, `UPDATE call_events SET type = 'x' WHERE call_id = $1`, c.ID); err == nil {
			t.Fatal("UPDATE of call_events was allowed")
		}
		if _, err := db.Pool.Exec(ctx, `DELETE FROM call_events WHERE call_id = $1`, c.ID); err == nil {
			t.Fatal("DELETE of call_events was allowed")
		}
		if _, err := db.Pool.Exec(ctx, `DELETE FROM calls WHERE id = $1`, c.ID); err == nil {
			t.Fatal("DELETE of a call was allowed")
		}
	})
}

func joined(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
}
