// Package sweeper keeps the SLA promises visible: it periodically escalates tickets
// past their reaction or resolution deadline through the SLA store, which appends the
// breach and escalation events and notifies the department in one transaction.
// Sweepers on several controllers may run at once; the store makes sure each breach
// is escalated once.
package sweeper

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ikomek/ikomek/internal/tickets"
)

// Sweeper escalates overdue tickets. Set the fields before Run; zero values take the
// defaults.
type Sweeper struct {
	SLA   tickets.SLAStore
	Log   *slog.Logger
	Now   func() time.Time // time.Now by default; tests move it instead of sleeping
	Every time.Duration    // how often to sweep (30 s by default)
	Batch int              // tickets per transaction (500 by default)
	// Workers is how many batches are written at once (2 by default). The store
	// hands each worker different tickets, so a backlog is cleared in parallel.
	Workers int

	breaches *prometheus.CounterVec
	duration prometheus.Histogram
}

func (s *Sweeper) defaults() {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Every <= 0 {
		s.Every = 30 * time.Second
	}
	if s.Batch <= 0 {
		s.Batch = 500
	}
	if s.Workers <= 0 {
		s.Workers = 2
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
}

// Register creates the sweeper's metrics in reg; call it once before Run.
func (s *Sweeper) Register(reg prometheus.Registerer) {
	s.breaches = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ikomek_sla_breaches_total",
		Help: "SLA deadlines broken, by department (\"none\" while unassigned) and kind (response, resolution, reminder).",
	}, []string{"department", "kind"})
	s.duration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "ikomek_sla_sweep_duration_seconds",
		Help:    "Time of one SLA sweep over every due ticket.",
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 9),
	})
	reg.MustRegister(s.breaches, s.duration)
}

// Run sweeps every Every until ctx ends.
func (s *Sweeper) Run(ctx context.Context) error {
	s.defaults()
	t := time.NewTicker(s.Every)
	defer t.Stop()
	for {
		if _, err := s.SweepOnce(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("SLA sweep failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// SweepOnce escalates every ticket due now, batch by batch on Workers
// connections, and returns the escalations it made.
func (s *Sweeper) SweepOnce(ctx context.Context) ([]tickets.Escalation, error) {
	s.defaults()
	start := time.Now()
	now := s.Now()
	var (
		mu    sync.Mutex
		all   []tickets.Escalation
		first error
		wg    sync.WaitGroup
	)
	for range s.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				es, err := s.SLA.Sweep(ctx, now, s.Batch)
				s.record(es)
				mu.Lock()
				all = append(all, es...)
				if err != nil && first == nil {
					first = err
				}
				stop := err != nil || first != nil
				mu.Unlock()
				// A short batch means the due tickets are taken; any left are
				// held by another worker or controller, which escalates them.
				if stop || len(es) < s.Batch {
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return all, first
	}
	if s.duration != nil {
		s.duration.Observe(time.Since(start).Seconds())
	}
	if len(all) > 0 {
		s.Log.Info("SLA sweep escalated tickets", "count", len(all), "took", time.Since(start).Round(time.Millisecond))
	}
	return all, nil
}

// record counts and logs escalations.
func (s *Sweeper) record(es []tickets.Escalation) {
	for _, e := range es {
		dep := e.Department
		if dep == "" {
			dep = "none"
		}
		for _, b := range e.Breaches {
			if s.breaches != nil {
				s.breaches.WithLabelValues(dep, string(b.Kind)).Inc()
			}
		}
		s.Log.Debug("ticket escalated", "ticket", e.Reference, "department", dep, "level", e.Level)
	}
}
