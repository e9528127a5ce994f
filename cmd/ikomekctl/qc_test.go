package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/qc"
	"github.com/ikomek/ikomek/internal/testenv"
)

func qcRef(callID int64) qc.CallRef { return qc.CallRef{CallID: callID} }
func qcActor() qc.Actor             { return qc.Actor{Name: "test reviewer", Role: "qc"} }

func TestQCSample(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	dir := t.TempDir()
	week, _ := qc.ParseWeek("2026-W48")
	start := week.Start(time.Local)
	var caseCall int64
	for i := range 40 {
		id, _, _ := storedCall(t, db, dir, "aigerim", start.Add(time.Duration(i)*time.Hour))
		if i == 39 {
			caseCall = id
		}
	}
	for i := range 10 {
		storedCall(t, db, dir, "daniyar", start.Add(time.Duration(i)*time.Hour+30*time.Minute))
	}
	storedCall(t, db, dir, "daniyar", start.AddDate(0, 0, 8)) // next week
	if _, err := db.QC().OpenCase(ctx, "complaint", qcRef(caseCall), qcActor()); err != nil {
		t.Fatal(err)
	}

	out, err := runRecordings(t, dsn, "qc", "sample", "--week", "2026-W48", "--share", "0.1", "--seed", "7")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	q, _ := db.QC().Queue(ctx, week)
	per := map[string]int{}
	reasons := map[string]int{}
	for _, e := range q {
		per[e.Operator]++
		reasons[e.Reason]++
	}
	// 10% of 40 = 4 sampled, plus the case call unless the sample picked it already.
	if reasons["case"] != 1 || per["daniyar"] != 1 || per["aigerim"] < 4 || per["aigerim"] > 5 {
		t.Fatalf("queue per operator %v, reasons %v\n%s", per, reasons, out)
	}
	again, err := runRecordings(t, dsn, "qc", "sample", "--week", "2026-W48", "--share", "0.1", "--seed", "7")
	if err != nil || !strings.Contains(again, "0 calls queued now") {
		t.Fatalf("the same seed picked other calls: %v\n%s", err, again)
	}
	if _, err := runRecordings(t, dsn, "qc", "sample", "--week", "2026-48"); err == nil {
		t.Fatal("bad week accepted")
	}
}
