package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/testenv"
)

// insertHistory records calls on line as the controller would: talk 0 means
// the caller hung up before being connected.
func insertHistory(tb testing.TB, db *postgres.DB, line string, arrived time.Time, talk time.Duration) {
	tb.Helper()
	var connected, ended any
	outcome := "abandoned"
	end := arrived.Add(45 * time.Second)
	if talk > 0 {
		c := arrived.Add(15 * time.Second)
		connected, end, outcome = c, c.Add(talk), "completed"
	}
	ended = end
	if _, err := db.Pool.Exec(context.Background(), `INSERT INTO calls
		(asterisk_id, channel_id, line, state, outcome, arrived_at, queued_at, connected_at, ended_at)
		VALUES ('ast1', $1, $2, 'ended', $3, $4, $4, $5, $6)`,
		"ch-"+testenv.RandomSuffix(12), line, outcome, arrived, connected, ended); err != nil {
		tb.Fatal(err)
	}
}

func TestShiftsForecastFromDB(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tz := time.FixedZone("+05:00", 5*3600)
	csv := "interval_start,calls,handle_seconds\n"
	for _, day := range []time.Time{time.Date(2026, 1, 5, 0, 0, 0, 0, tz), time.Date(2026, 1, 12, 0, 0, 0, 0, tz)} {
		at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
		// 08:00-08:30: answered with 150 s and 270 s of talk, one abandoned; with
		// 30 s of wrap-up the answered calls take 240 s on average.
		insertHistory(t, db, "109", at(8, 2), 150*time.Second)
		insertHistory(t, db, "109", at(8, 20), 270*time.Second)
		insertHistory(t, db, "109", at(8, 25), 0)
		// 08:30-09:00: one call of 210 s talk.
		insertHistory(t, db, "109", at(8, 40), 210*time.Second)
		// The other line is not counted.
		insertHistory(t, db, "556655", at(8, 10), time.Hour)
		csv += fmt.Sprintf("%s,3,720\n%s,1,240\n", at(8, 0).Format(time.RFC3339), at(8, 30).Format(time.RFC3339))
	}
	common := []string{"shifts", "forecast", "--database-url", dsn, "--month", "1", "--interval", "30m", "--json"}
	fromDB, err := run(t, append(common, "--from-db", "--line", "109", "--since", "2026-01-01", "--until", "2026-02-01", "--wrap-up", "30s")...)
	if err != nil {
		t.Fatalf("%v\n%s", err, fromDB)
	}
	fromCSV, err := run(t, append(common, "--csv", writeFile(t, "history.csv", csv))...)
	if err != nil {
		t.Fatalf("%v\n%s", err, fromCSV)
	}
	if fromDB != fromCSV {
		t.Fatalf("the call records give\n%s\nthe equivalent CSV gives\n%s", fromDB, fromCSV)
	}
	res := decode(t, fromDB)
	if got := num(t, res, "mean_handle_seconds"); got != 240 {
		t.Errorf("mean handle %v s, want the measured 240 s", got)
	}

	t.Run("the wrap-up setting moves the measured handle time", func(t *testing.T) {
		out, err := run(t, append(common, "--from-db", "--since", "2026-01-01", "--until", "2026-02-01", "--wrap-up", "90s")...)
		if err != nil {
			t.Fatal(err)
		}
		if got := num(t, decode(t, out), "mean_handle_seconds"); got != 300 {
			t.Errorf("mean handle %v s, want 300 s", got)
		}
	})

	for name, args := range map[string][]string{
		"no since":         {"--from-db"},
		"bad since":        {"--from-db", "--since", "01.01.2026"},
		"no source":        {},
		"no calls on line": {"--from-db", "--since", "2026-01-01", "--until", "2026-02-01", "--line", "000"},
	} {
		t.Run(name+" is invalid", func(t *testing.T) {
			_, err := run(t, append(common, args...)...)
			if apperr.Code(err) != apperr.Invalid {
				t.Fatalf("err = %v, want an invalid-input error", err)
			}
		})
	}
}
