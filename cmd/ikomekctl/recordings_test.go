package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/recordings"
	"github.com/ikomek/ikomek/internal/testenv"
)

type recordingsCLI struct {
	Globals
	Recordings recordingsCmd `cmd:""`
	QC         qcCmd         `cmd:"" name:"qc"`
}

func runRecordings(tb testing.TB, dsn string, args ...string) (string, error) {
	tb.Helper()
	var cli recordingsCLI
	cli.Recordings.Retention.Now = func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }
	return execute(tb, &cli, &cli.Globals, nil, append([]string{"--database-url", dsn}, args...)...)
}

// storedCall inserts an answered call with a stored recording whose file is written
// under dir; it returns the call id, the recording id and the file's path.
func storedCall(tb testing.TB, db *postgres.DB, dir, operator string, at time.Time) (int64, int64, string) {
	tb.Helper()
	ctx := context.Background()
	var callID int64
	if err := db.Pool.QueryRow(ctx, `INSERT INTO calls (asterisk_id, channel_id, line, caller_number, arrived_at,
			connected_at, state, outcome, operator_login)
		VALUES ('ast1', $1, '109', '+77011112233', $2::timestamptz, $2::timestamptz, 'ended', 'answered', $3) RETURNING id`,
		"ch-"+testenv.RandomSuffix(8), at, operator).Scan(&callID); err != nil {
		tb.Fatal(err)
	}
	rec, err := db.Recordings().Start(ctx, recordings.Rec{CallID: callID, AsteriskID: "ast1",
		Name: fmt.Sprintf("rec-%d", callID), OperatorLogin: operator, StartedAt: at})
	if err != nil {
		tb.Fatal(err)
	}
	rel := filepath.Join(at.Format("2006/01/02"), fmt.Sprintf("call-%d.wav", callID))
	full := filepath.Join(dir, rel)
	os.MkdirAll(filepath.Dir(full), 0o750)
	if err := os.WriteFile(full, []byte(fmt.Sprintf("RIFF audio of call %d", callID)), 0o640); err != nil {
		tb.Fatal(err)
	}
	sum, size, _ := recordings.FileSHA256(full)
	if err := db.Recordings().Store(ctx, rec.ID, rel, sum, size, 1, at); err != nil {
		tb.Fatal(err)
	}
	return callID, rec.ID, full
}

func TestRecordingsVerify(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir := t.TempDir()
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	storedCall(t, db, dir, "aigerim", at)
	_, tampered, tamperedPath := storedCall(t, db, dir, "aigerim", at)
	_, missing, missingPath := storedCall(t, db, dir, "aigerim", at)

	if out, err := runRecordings(t, dsn, "recordings", "verify", "--dir", dir); err != nil ||
		!strings.Contains(out, "3 recordings checked, 0 missing or altered") {
		t.Fatalf("clean verify: %v\n%s", err, out)
	}
	os.WriteFile(tamperedPath, []byte("RIFF something else entirely"), 0o640)
	os.Remove(missingPath)
	out, err := runRecordings(t, dsn, "recordings", "verify", "--dir", dir)
	if err == nil {
		t.Fatalf("verify succeeded with a tampered and a missing file:\n%s", out)
	}
	if !strings.Contains(out, fmt.Sprintf("recording %d", tampered)) || !strings.Contains(out, "altered") ||
		!strings.Contains(out, fmt.Sprintf("recording %d", missing)) || !strings.Contains(out, "missing") ||
		!strings.Contains(out, "3 recordings checked, 2 missing or altered") {
		t.Fatalf("verify report:\n%s", out)
	}
}

func TestRecordingsRetention(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	dir := t.TempDir()
	old := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // now is 2026-12-01 in runRecordings
	_, plain, plainPath := storedCall(t, db, dir, "aigerim", old)
	cTicket, withTicket, ticketPath := storedCall(t, db, dir, "aigerim", old)
	cCase, withCase, casePath := storedCall(t, db, dir, "aigerim", old)
	_, recent, recentPath := storedCall(t, db, dir, "aigerim", old.AddDate(0, 8, 0))
	if _, err := db.Pool.Exec(ctx, `INSERT INTO tickets (reference, channel, call_id, recording_id, status, priority, created_at, updated_at)
		VALUES ('109-2026-000001', 'phone', $1, $2, 'registered', 'normal', now(), now())`, cTicket, withTicket); err != nil {
		t.Fatal(err)
	}
	caseID, err := db.QC().OpenCase(ctx, "rude operator", qcRef(cCase), qcActor())
	if err != nil || caseID.CallID == nil {
		t.Fatalf("case: %+v %v", caseID, err)
	}

	out, err := runRecordings(t, dsn, "recordings", "retention", "--dir", dir, "--keep", "6mo", "--dry-run")
	if err != nil || !strings.Contains(out, "1 recordings would be removed") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if _, err := os.Stat(plainPath); err != nil {
		t.Fatal("dry run removed a file")
	}
	out, err = runRecordings(t, dsn, "recordings", "retention", "--dir", dir, "--keep", "6mo")
	if err != nil || !strings.Contains(out, fmt.Sprintf("removed recording %d", plain)) || !strings.Contains(out, "1 recordings removed") {
		t.Fatalf("retention: %v\n%s", err, out)
	}
	if _, err := os.Stat(plainPath); !os.IsNotExist(err) {
		t.Fatalf("old audio still there: %v", err)
	}
	for _, p := range []string{ticketPath, casePath, recentPath} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("kept audio removed: %v", err)
		}
	}
	var n int
	var reason string
	db.Pool.QueryRow(ctx, `SELECT count(*) FROM recordings`).Scan(&n)
	db.Pool.QueryRow(ctx, `SELECT reason FROM recording_removals WHERE recording_id = $1`, plain).Scan(&reason)
	if n != 4 || !strings.HasPrefix(reason, "retention 6mo") {
		t.Fatalf("%d recordings rows (want 4, metadata kept), removal reason %q", n, reason)
	}
	// Verify no longer expects the removed audio.
	if out, err := runRecordings(t, dsn, "recordings", "verify", "--dir", dir); err != nil {
		t.Fatalf("verify after retention: %v\n%s", err, out)
	}
	// Once the ticket is closed its audio may go too; the QC case keeps its own.
	db.Pool.Exec(ctx, `UPDATE tickets SET status = 'closed' WHERE call_id = $1`, cTicket)
	out, err = runRecordings(t, dsn, "recordings", "retention", "--dir", dir, "--keep", "6mo")
	if err != nil || !strings.Contains(out, fmt.Sprintf("removed recording %d", withTicket)) || strings.Contains(out, fmt.Sprintf("recording %d ", withCase)) {
		t.Fatalf("retention after closing: %v\n%s", err, out)
	}
	_ = recent
	if _, err := runRecordings(t, dsn, "recordings", "retention", "--dir", dir, "--keep", "soon"); err == nil {
		t.Fatal("bad --keep accepted")
	}
}
