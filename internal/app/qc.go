package app

import (
	"context"
	"time"

	"github.com/ikomek/ikomek/internal/qc"
)

// sampleForReview picks, once the week is over, a share of each operator's answered
// calls of the past ISO week (plus every call with a QC case) for quality review.
// Sampling is idempotent, so every controller may run it; it is retried hourly.
func (a *App) sampleForReview(ctx context.Context) {
	if a.Config.QCSampleShare == 0 {
		return
	}
	t := time.NewTimer(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		year, week := time.Now().AddDate(0, 0, -7).ISOWeek()
		w := qc.Week{Year: year, Week: week}
		picked, err := a.DB.QC().Sample(ctx, w, a.Config.QCSampleShare, int64(year*100+week))
		if err != nil {
			if ctx.Err() == nil {
				a.Log.Error("quality sampling failed", "week", w.String(), "err", err)
			}
		} else if len(picked) > 0 {
			a.Log.Info("calls sampled for quality review", "week", w.String(), "calls", len(picked))
		}
		t.Reset(time.Hour)
	}
}
