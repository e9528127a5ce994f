package qc

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
)

// Week is an ISO 8601 week.
type Week struct {
	Year, Week int
}

// ParseWeek reads "2026-W48".
func ParseWeek(s string) (Week, error) {
	var w Week
	if _, err := fmt.Sscanf(s, "%4d-W%2d", &w.Year, &w.Week); err != nil || len(s) != 8 ||
		w.Week < 1 || w.Week > 53 || w.String() != s {
		return Week{}, apperr.Errorf(apperr.Invalid, "week %q: want an ISO week such as 2026-W48", s)
	}
	if y, n := w.Start(time.UTC).ISOWeek(); y != w.Year || n != w.Week {
		return Week{}, apperr.Errorf(apperr.Invalid, "%d has no week %d", w.Year, w.Week)
	}
	return w, nil
}

func (w Week) String() string { return fmt.Sprintf("%04d-W%02d", w.Year, w.Week) }

// Start is the Monday 00:00 that begins the week in loc; the week ends 7 days later.
func (w Week) Start(loc *time.Location) time.Time {
	// 4 January is always in week 1.
	jan4 := time.Date(w.Year, 1, 4, 0, 0, 0, 0, loc)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
	return monday.AddDate(0, 0, 7*(w.Week-1))
}

// End is the start of the next week.
func (w Week) End(loc *time.Location) time.Time { return w.Start(loc).AddDate(0, 0, 7) }

// AnsweredCall is a call an operator talked to, a candidate for review.
type AnsweredCall struct {
	CallID   int64
	Operator string
}

// Queued is a call in the review queue.
type Queued struct {
	Week     string    `json:"week"`
	CallID   int64     `json:"call_id"`
	Operator string    `json:"operator_login"`
	Reason   string    `json:"reason"` // sample or case
	QueuedAt time.Time `json:"queued_at"`
}

// Pick returns the calls to review: per operator, ceil(share × answered calls) of
// them (so every operator who answered gets at least one), chosen by a hash of seed
// and call id. The same seed picks the same calls whatever the input order.
func Pick(calls []AnsweredCall, share float64, seed int64) ([]AnsweredCall, error) {
	if share <= 0 || share > 1 || math.IsNaN(share) {
		return nil, apperr.Errorf(apperr.Invalid, "share %g: want more than 0 and at most 1", share)
	}
	byOp := map[string][]AnsweredCall{}
	for _, c := range calls {
		byOp[c.Operator] = append(byOp[c.Operator], c)
	}
	ops := make([]string, 0, len(byOp))
	for op := range byOp {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	var out []AnsweredCall
	for _, op := range ops {
		cs := byOp[op]
		sort.Slice(cs, func(i, j int) bool {
			hi, hj := rank(seed, cs[i].CallID), rank(seed, cs[j].CallID)
			if hi != hj {
				return hi < hj
			}
			return cs[i].CallID < cs[j].CallID
		})
		n := int(math.Ceil(share*float64(len(cs)) - 1e-9))
		out = append(out, cs[:n]...)
	}
	return out, nil
}

func rank(seed, callID int64) uint64 {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(seed))
	binary.BigEndian.PutUint64(b[8:], uint64(callID))
	h := sha256.Sum256(b[:])
	return binary.BigEndian.Uint64(h[:8])
}
