package main

import (
	"context"
	"fmt"

	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/qc"
)

// qcCmd is "ikomekctl qc".
type qcCmd struct {
	Sample qcSampleCmd `cmd:"" help:"Queue a share of each operator's answered calls of an ISO week for review, and every call of a QC case."`
}

type qcSampleCmd struct {
	Week  string  `required:"" help:"ISO week, e.g. 2026-W48 (local time)."`
	Share float64 `default:"0.05" help:"Share of each operator's answered calls (at least one call each)."`
	Seed  int64   `default:"109" help:"Seed of the pseudo-random choice: the same seed picks the same calls."`
}

func (c *qcSampleCmd) Run(ctx context.Context, g *Globals) error {
	week, err := qc.ParseWeek(c.Week)
	if err != nil {
		return err
	}
	return withDB(ctx, g, func(db *postgres.DB) error {
		added, err := db.QC().Sample(ctx, week, c.Share, c.Seed)
		if err != nil {
			return err
		}
		for _, q := range added {
			fmt.Fprintf(g.out(), "queued call %d (%s, %s)\n", q.CallID, q.Operator, q.Reason)
		}
		all, err := db.QC().Queue(ctx, week)
		if err != nil {
			return err
		}
		fmt.Fprintf(g.out(), "%s: %d calls queued now, %d in the queue\n", week, len(added), len(all))
		return nil
	})
}
