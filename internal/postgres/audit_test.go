package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/qc"
	"github.com/ikomek/ikomek/internal/recordings"
	"github.com/ikomek/ikomek/internal/testenv"
)

// qcCall inserts an ended call and, when dur > 0, its stored recording; it returns
// the call and recording ids.
func qcCall(tb testing.TB, db *postgres.DB, line, caller, operator string, at time.Time, dur float64) (callID, recID int64) {
	tb.Helper()
	ctx := context.Background()
	ch := fmt.Sprintf("ch-%d-%s", at.UnixNano(), testenv.RandomSuffix(6))
	if err := db.Pool.QueryRow(ctx, `INSERT INTO calls (asterisk_id, channel_id, line, caller_number, arrived_at,
			answered_at, connected_at, ended_at, state, outcome, operator_login)
		VALUES ('ast1', $1, $2, $3, $4::timestamptz, $4, $4, $4::timestamptz + interval '5 minutes', 'ended', 'answered', nullif($5, ''))
		RETURNING id`, ch, line, caller, at, operator).Scan(&callID); err != nil {
		tb.Fatal(err)
	}
	if dur <= 0 {
		return callID, 0
	}
	rec, err := db.Recordings().Start(ctx, qcRec(callID, operator, at))
	if err != nil {
		tb.Fatal(err)
	}
	path := fmt.Sprintf("%s/call-%d.wav", at.UTC().Format("2006/01/02"), callID)
	if err := db.Recordings().Store(ctx, rec.ID, path, fmt.Sprintf("%064x", rec.ID), 1000, dur, at.Add(6*time.Minute)); err != nil {
		tb.Fatal(err)
	}
	return callID, rec.ID
}

func TestRecordingAccessIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	db := testenv.Postgres(t)
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	callID, recID := qcCall(t, db, "109", "+77011112233", "aigerim", t0, 60)
	log := db.RecordingAccess()
	add := func(at time.Time, action string, token int64, subject string) qc.Access {
		t.Helper()
		a, err := log.Record(ctx, qc.Access{At: at, RecordingID: recID, CallID: callID, Action: action, TokenID: token,
			TokenName: "reviewer", Role: "qc", Subject: subject, RemoteAddr: "10.0.0.7:5123", UserAgent: "Firefox",
			Range: "bytes=100-199"})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	first := add(t0, qc.Listen, 1, "asel")
	add(t0.Add(time.Hour), qc.Download, 2, "bota")
	add(t0.Add(2*time.Hour), qc.Denied, 3, "")
	if first.Range != "bytes=100-199" || first.RemoteAddr != "10.0.0.7:5123" || first.CallID != callID {
		t.Fatalf("stored row %+v", first)
	}
	if _, err := log.Record(ctx, qc.Access{RecordingID: recID, Action: "steal"}); err == nil {
		t.Fatal("unknown action accepted")
	}

	t.Run("queries by recording, principal and period", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			f    qc.AccessFilter
			want int
		}{
			{"recording", qc.AccessFilter{RecordingID: recID}, 3},
			{"other recording", qc.AccessFilter{RecordingID: recID + 1}, 0},
			{"token", qc.AccessFilter{TokenID: 2}, 1},
			{"subject", qc.AccessFilter{Subject: "asel"}, 1},
			{"period", qc.AccessFilter{From: t0.Add(30 * time.Minute), To: t0.Add(90 * time.Minute)}, 1},
		} {
			got, err := log.Accesses(ctx, tc.f)
			if err != nil || len(got) != tc.want {
				t.Errorf("%s: %d rows, %v; want %d", tc.name, len(got), err, tc.want)
			}
		}
	})
	t.Run("the database refuses rewriting the audit", func(t *testing.T) {
		for _, q := range []string{
			`UPDATE recording_access SET action = 'listen' WHERE action = 'denied'`,
			`DELETE FROM recording_access`,
			`TRUNCATE recording_access`,
		} {
			if _, err := db.Pool.Exec(ctx, q); !opRefused(err) {
				t.Errorf("%s: %v, want refused", q, err)
			}
		}
		var n int
		db.Pool.QueryRow(ctx, `SELECT count(*) FROM recording_access`).Scan(&n)
		if n != 3 {
			t.Fatalf("%d rows after refused changes, want 3", n)
		}
	})
}

func qcRec(callID int64, operator string, at time.Time) recordings.Rec {
	return recordings.Rec{CallID: callID, AsteriskID: "ast1", Name: fmt.Sprintf("call-%d", callID),
		OperatorLogin: operator, StartedAt: at}
}
