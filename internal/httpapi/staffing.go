package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/staffing/live"
	"github.com/ikomek/ikomek/internal/staffing/roster"
)

// StaffingMonitor reports the staffing of the current interval; *live.Monitor
// implements it.
type StaffingMonitor interface {
	Snapshot(ctx context.Context) (live.Snapshot, error)
}

var _ StaffingMonitor = (*live.Monitor)(nil)

func (s *Server) staffingRoutes() {
	if s.Roster != nil {
		s.api("GET /api/v1/roster", s.getRoster, auth.Supervisor, auth.Operator)
	}
	if s.StaffingNow != nil {
		s.api("GET /api/v1/staffing/now", s.staffingNow, auth.Supervisor)
	}
}

// getRoster lists the rostered shifts overlapping [from, to) (default: the
// next 7 days). An operator sees only their own shifts.
func (s *Server) getRoster(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	q := r.URL.Query()
	now := time.Now()
	from, err := queryTime(q.Get("from"), "from", now)
	if err != nil {
		return 0, nil, err
	}
	to, err := queryTime(q.Get("to"), "to", from.AddDate(0, 0, 7))
	if err != nil {
		return 0, nil, err
	}
	f := roster.Filter{Operator: q.Get("operator"), From: from, To: to}
	if p.Role == auth.Operator {
		if f.Operator != "" && f.Operator != p.Subject {
			return 0, nil, apperr.Errorf(apperr.Forbidden, "an operator's token shows only its own roster")
		}
		if p.Subject == "" {
			return 0, nil, apperr.Errorf(apperr.Forbidden, "this operator token names no operator")
		}
		f.Operator = p.Subject
	}
	as, err := s.Roster.Assignments(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, as, nil
}

func (s *Server) staffingNow(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	snap, err := s.StaffingNow.Snapshot(r.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, snap, nil
}
