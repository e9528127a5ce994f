package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/ikomek/ikomek/internal/auth"
)

// QueueView lists the calls waiting for an operator, in the order they will be
// offered; *redis.Presence implements it.
type QueueView interface {
	Queued(ctx context.Context) ([]int64, error)
}

// maxQueueShown bounds the calls listed; Waiting always counts them all.
const maxQueueShown = 200

func (s *Server) queueRoutes() {
	if s.Queue == nil {
		return
	}
	s.api("GET /api/v1/queue", s.getQueue, auth.Supervisor)
}

// QueueJSON is the line of waiting callers as a supervisor sees it.
type QueueJSON struct {
	At                 time.Time        `json:"at"`
	Waiting            int              `json:"waiting"`
	LongestWaitSeconds float64          `json:"longest_wait_seconds"` // of the calls listed
	Calls              []QueuedCallJSON `json:"calls"`                // the first 200, in order
}

// QueuedCallJSON is one waiting call.
type QueuedCallJSON struct {
	Position     int       `json:"position"` // 1 is offered next
	CallID       int64     `json:"call_id"`
	Line         string    `json:"line"`
	CallerNumber string    `json:"caller_number"`
	Language     string    `json:"language,omitempty"`
	Priority     int       `json:"priority"`
	ArrivedAt    time.Time `json:"arrived_at"`
	QueuedAt     time.Time `json:"queued_at"`
	WaitSeconds  float64   `json:"wait_seconds"` // since it joined the line
}

func (s *Server) getQueue(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	ids, err := s.Queue.Queued(r.Context())
	if err != nil {
		return 0, nil, err
	}
	out := QueueJSON{At: time.Now(), Waiting: len(ids), Calls: []QueuedCallJSON{}}
	pos := make(map[int64]int, len(ids))
	for i, id := range ids {
		pos[id] = i + 1
	}
	cs, err := s.Calls.Many(r.Context(), ids[:min(len(ids), maxQueueShown)])
	if err != nil {
		return 0, nil, err
	}
	for _, c := range cs {
		q := QueuedCallJSON{Position: pos[c.ID], CallID: c.ID, Line: c.Line, CallerNumber: c.CallerNumber,
			Language: c.Language, Priority: c.Priority, ArrivedAt: c.ArrivedAt, QueuedAt: c.ArrivedAt}
		if c.QueuedAt != nil {
			q.QueuedAt = *c.QueuedAt
		}
		q.WaitSeconds = max(0, out.At.Sub(q.QueuedAt).Seconds())
		out.LongestWaitSeconds = max(out.LongestWaitSeconds, q.WaitSeconds)
		out.Calls = append(out.Calls, q)
	}
	return http.StatusOK, out, nil
}
