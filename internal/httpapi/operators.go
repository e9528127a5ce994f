package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/operators"
)

// operatorRoutes registers the operator endpoints when an operators store is set.
//
// Managing operators is for supervisors (and admins). Console actions (login, logout,
// pause, resume, live state) are for an operator acting for themselves (the token's
// subject is their login) or a supervisor acting for anyone.
func (s *Server) operatorRoutes() {
	if s.Operators == nil {
		return
	}
	s.api("POST /api/v1/operators", s.createOperator, auth.Supervisor)
	s.api("GET /api/v1/operators", s.listOperators, auth.Supervisor)
	s.api("GET /api/v1/operators/live", s.liveOperators, auth.Supervisor)
	s.api("GET /api/v1/operators/{login}", s.getOperator, auth.Supervisor, auth.Operator)
	s.api("PATCH /api/v1/operators/{login}", s.patchOperator, auth.Supervisor)
	s.api("POST /api/v1/operators/{login}/login", s.consoleAction(actionLogin), auth.Supervisor, auth.Operator)
	s.api("POST /api/v1/operators/{login}/logout", s.consoleAction(actionLogout), auth.Supervisor, auth.Operator)
	s.api("POST /api/v1/operators/{login}/pause", s.consoleAction(actionPause), auth.Supervisor, auth.Operator)
	s.api("POST /api/v1/operators/{login}/resume", s.consoleAction(actionResume), auth.Supervisor, auth.Operator)
	s.api("GET /api/v1/operators/{login}/live", s.liveOperator, auth.Supervisor, auth.Operator)
	s.api("GET /api/v1/operators/{login}/states", s.operatorStates, auth.Supervisor)
}

// OperatorJSON is an operator as the API shows it; nothing of the SIP password, not
// even its hash, ever leaves the server.
type OperatorJSON struct {
	ID        int64     `json:"id"`
	Login     string    `json:"login"`
	FullName  string    `json:"full_name"`
	Languages []string  `json:"languages"`
	Lines     []string  `json:"lines"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Warning is set when the change is saved but re-syncing the SIP accounts on
	// Asterisk failed; the next synchronisation applies it.
	Warning string `json:"warning,omitempty"`
}

// NewOperatorJSON is the API form of an operator (the CLI prints the same).
func NewOperatorJSON(o operators.Operator) OperatorJSON {
	return OperatorJSON{ID: o.ID, Login: o.Login, FullName: o.FullName, Languages: o.Languages, Lines: o.Lines,
		Active: o.Active, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

// StateChangeJSON is one entry of an operator's state history.
type StateChangeJSON struct {
	At     time.Time       `json:"at"`
	From   operators.State `json:"from"`
	To     operators.State `json:"to"`
	Reason string          `json:"reason,omitempty"`
	CallID int64           `json:"call_id,omitempty"`
}

// PauseReasons are the reasons an operator or supervisor may give for a pause.
var PauseReasons = []string{"break", "lunch", "training", "meeting", "technical", "other"}

// maxStatesPeriod bounds one state history request.
const maxStatesPeriod = 31 * 24 * time.Hour

// actingFor refuses an operator acting for anyone but themselves; supervisors and
// admins act for every operator.
func actingFor(p auth.Principal, login string) error {
	if p.Role == auth.Operator && p.Subject != login {
		return apperr.Errorf(apperr.Forbidden, "an operator's token acts only for its own login")
	}
	return nil
}

// provision re-syncs the SIP accounts after a change and returns a warning when that
// failed. The change itself stands: the database is the source of truth and the next
// synchronisation applies it. It runs to its end even if the client goes away.
func (s *Server) provision(r *http.Request) string {
	if s.Provision == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 30*time.Second)
	defer cancel()
	if err := s.Provision(ctx); err != nil {
		if s.Log != nil {
			s.Log.Warn("SIP provisioning after an operator change failed", "path", r.URL.Path, "err", err)
		}
		return "the change is saved, but updating SIP accounts on Asterisk failed; it is applied at the next synchronisation"
	}
	return ""
}

func (s *Server) createOperator(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	var in struct {
		Login       string   `json:"login"`
		FullName    string   `json:"full_name"`
		Languages   []string `json:"languages"`
		Lines       []string `json:"lines"`
		SIPPassword string   `json:"sip_password"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	o, err := s.Operators.Create(r.Context(), operators.NewOperator{Login: in.Login, FullName: in.FullName,
		Languages: in.Languages, Lines: in.Lines, SIPPassword: in.SIPPassword})
	if err != nil {
		return 0, nil, err
	}
	out := NewOperatorJSON(o)
	out.Warning = s.provision(r)
	return http.StatusCreated, out, nil
}

func (s *Server) listOperators(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	inactive := false
	if v := r.URL.Query().Get("inactive"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return 0, nil, apperr.Errorf(apperr.Invalid, "inactive=%q is not true or false", v)
		}
		inactive = b
	}
	ops, err := s.Operators.List(r.Context(), inactive)
	if err != nil {
		return 0, nil, err
	}
	out := make([]OperatorJSON, 0, len(ops))
	for _, o := range ops {
		out = append(out, NewOperatorJSON(o))
	}
	return http.StatusOK, out, nil
}

func (s *Server) getOperator(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	login := r.PathValue("login")
	if err := actingFor(p, login); err != nil {
		return 0, nil, err
	}
	o, err := s.Operators.Get(r.Context(), login)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, NewOperatorJSON(o), nil
}

func (s *Server) patchOperator(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	var in struct {
		FullName    *string   `json:"full_name"`
		Languages   *[]string `json:"languages"`
		Lines       *[]string `json:"lines"`
		SIPPassword *string   `json:"sip_password"`
		Active      *bool     `json:"active"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	o, err := s.Operators.Update(r.Context(), r.PathValue("login"), operators.Patch{FullName: in.FullName,
		Languages: in.Languages, Lines: in.Lines, SIPPassword: in.SIPPassword, Active: in.Active})
	if err != nil {
		return 0, nil, err
	}
	out := NewOperatorJSON(o)
	out.Warning = s.provision(r)
	return http.StatusOK, out, nil
}

type consoleAction int

const (
	actionLogin consoleAction = iota
	actionLogout
	actionPause
	actionResume
)

// consoleAction changes an operator's live state and returns the new one.
func (s *Server) consoleAction(action consoleAction) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
		login := r.PathValue("login")
		if err := actingFor(p, login); err != nil {
			return 0, nil, err
		}
		var reason string
		if action == actionPause {
			var in struct {
				Reason string `json:"reason"`
			}
			if err := decodeJSON(r, &in); err != nil {
				return 0, nil, err
			}
			if !slices.Contains(PauseReasons, in.Reason) {
				return 0, nil, apperr.Errorf(apperr.Invalid, "unknown pause reason %q (one of %s)",
					in.Reason, strings.Join(PauseReasons, ", "))
			}
			reason = in.Reason
		}
		if s.Presence == nil {
			return 0, nil, apperr.Errorf(apperr.Unavailable, "operators' live state is not available")
		}
		ctx := r.Context()
		o, err := s.Operators.Get(ctx, login)
		if err != nil {
			return 0, nil, err
		}
		switch action {
		case actionLogin:
			if !o.Active {
				return 0, nil, apperr.Errorf(apperr.Conflict, "operator %q is disabled", login)
			}
			err = s.Presence.Login(ctx, login)
		case actionLogout:
			err = s.Presence.Logout(ctx, login)
		case actionPause:
			err = s.Presence.Pause(ctx, login, reason)
		case actionResume:
			err = s.Presence.Resume(ctx, login)
		}
		if err != nil {
			return 0, nil, err
		}
		live, err := s.Presence.Live(ctx, login)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, live, nil
	}
}

func (s *Server) liveOperator(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	login := r.PathValue("login")
	if err := actingFor(p, login); err != nil {
		return 0, nil, err
	}
	if s.Presence == nil {
		return 0, nil, apperr.Errorf(apperr.Unavailable, "operators' live state is not available")
	}
	if _, err := s.Operators.Get(r.Context(), login); err != nil {
		return 0, nil, err
	}
	live, err := s.Presence.Live(r.Context(), login)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, live, nil
}

func (s *Server) liveOperators(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	if s.Presence == nil {
		return 0, nil, apperr.Errorf(apperr.Unavailable, "operators' live state is not available")
	}
	all, err := s.Presence.LiveAll(r.Context())
	if err != nil {
		return 0, nil, err
	}
	slices.SortFunc(all, func(a, b operators.Live) int { return strings.Compare(a.Login, b.Login) })
	if all == nil {
		all = []operators.Live{}
	}
	return http.StatusOK, all, nil
}

// operatorStates returns the state history in [from, to) (RFC 3339); by default the
// last 24 hours.
func (s *Server) operatorStates(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	from, to, err := queryPeriod(r, maxStatesPeriod)
	if err != nil {
		return 0, nil, err
	}
	cs, err := s.Operators.StateLog(r.Context(), r.PathValue("login"), from, to)
	if err != nil {
		return 0, nil, err
	}
	out := make([]StateChangeJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, StateChangeJSON{At: c.At, From: c.From, To: c.To, Reason: c.Reason, CallID: c.CallID})
	}
	return http.StatusOK, out, nil
}

// queryPeriod reads the period [from, to) of a request (RFC 3339; by default the 24
// hours before to, and to now), at most longest.
func queryPeriod(r *http.Request, longest time.Duration) (from, to time.Time, err error) {
	q := r.URL.Query()
	if to, err = queryTime(q.Get("to"), "to", time.Now()); err != nil {
		return from, to, err
	}
	if from, err = queryTime(q.Get("from"), "from", to.Add(-24*time.Hour)); err != nil {
		return from, to, err
	}
	if !from.Before(to) {
		return from, to, apperr.Errorf(apperr.Invalid, "from %s is not before to %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	if to.Sub(from) > longest {
		return from, to, apperr.Errorf(apperr.Invalid, "the period is longer than %d days", int(longest/(24*time.Hour)))
	}
	return from, to, nil
}

func queryTime(v, name string, def time.Time) (time.Time, error) {
	if v == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, apperr.Errorf(apperr.Invalid, "%s=%q is not an RFC 3339 time such as 2026-01-31T08:00:00+05:00", name, v)
	}
	return t, nil
}
