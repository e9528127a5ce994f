package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/staffing/roster"
)

// availabilityRoutes registers operators' work rules and availability when the
// store is set. Supervisors (and admins) change them and decide requests; an
// operator may read their own and ask for days off and time off, which wait for a
// supervisor's decision.
func (s *Server) availabilityRoutes() {
	if s.Availability == nil {
		return
	}
	s.api("GET /api/v1/operators/{login}/availability", s.listAvailability, auth.Supervisor, auth.Operator)
	s.api("POST /api/v1/operators/{login}/availability", s.addAvailability, auth.Supervisor, auth.Operator)
	s.api("POST /api/v1/operators/{login}/availability/{id}/decision", s.decideAvailability, auth.Supervisor)
	s.api("DELETE /api/v1/operators/{login}/availability/{id}", s.removeAvailability, auth.Supervisor)
	s.api("GET /api/v1/operators/{login}/work-rules", s.getWorkRules, auth.Supervisor, auth.Operator)
	s.api("PUT /api/v1/operators/{login}/work-rules", s.putWorkRules, auth.Supervisor)
}

// AvailabilityJSON is an availability entry as the API (and ikomekctl --json)
// shows it: a day off has a date, an unavailable span from and to.
type AvailabilityJSON struct {
	ID        int64         `json:"id"`
	Operator  string        `json:"operator"`
	Kind      roster.Kind   `json:"kind"`
	Date      string        `json:"date,omitempty"`
	From      *time.Time    `json:"from,omitempty"`
	To        *time.Time    `json:"to,omitempty"`
	Reason    string        `json:"reason,omitempty"`
	Status    roster.Status `json:"status"`
	CreatedAt time.Time     `json:"created_at"`
	CreatedBy string        `json:"created_by"`
	DecidedAt *time.Time    `json:"decided_at,omitempty"`
	DecidedBy string        `json:"decided_by,omitempty"`
	Note      string        `json:"decision_note,omitempty"`
}

// NewAvailabilityJSON is the API form of an entry.
func NewAvailabilityJSON(e roster.Entry) AvailabilityJSON {
	out := AvailabilityJSON{ID: e.ID, Operator: e.Login, Kind: e.Kind, Reason: e.Reason, Status: e.Status,
		CreatedAt: e.CreatedAt, CreatedBy: e.CreatedBy, DecidedAt: e.DecidedAt, DecidedBy: e.DecidedBy, Note: e.Note}
	if out.Status == "" {
		out.Status = roster.Approved
	}
	if e.Kind == roster.DayOff {
		out.Date = e.Date.Format(time.DateOnly)
	} else {
		from, to := e.From, e.To
		out.From, out.To = &from, &to
	}
	return out
}

// WorkRulesJSON is an operator's work rules as the API shows and takes them.
type WorkRulesJSON struct {
	Operator string `json:"operator"`
	// MaxHoursPerWeek is the personal cap; null leaves the roster's default.
	MaxHoursPerWeek *float64 `json:"max_hours_per_week"`
	// PreferStarts are times of day "HH:MM"; PreferDays weekdays "mon".."sun".
	PreferStarts []string   `json:"prefer_starts"`
	PreferDays   []string   `json:"prefer_days"`
	AvoidNights  bool       `json:"avoid_nights"`
	UpdatedAt    *time.Time `json:"updated_at,omitempty"`
	UpdatedBy    string     `json:"updated_by,omitempty"`
}

// NewWorkRulesJSON is the API form of work rules.
func NewWorkRulesJSON(r roster.WorkRules) WorkRulesJSON {
	out := WorkRulesJSON{Operator: r.Login, MaxHoursPerWeek: r.MaxHours, PreferStarts: []string{}, PreferDays: []string{},
		AvoidNights: r.AvoidNights, UpdatedBy: r.UpdatedBy}
	for _, st := range r.Starts {
		out.PreferStarts = append(out.PreferStarts, fmt.Sprintf("%02d:%02d", int(st/time.Hour), int(st%time.Hour/time.Minute)))
	}
	for _, d := range r.Days {
		out.PreferDays = append(out.PreferDays, WeekdayName(d))
	}
	if !r.UpdatedAt.IsZero() {
		t := r.UpdatedAt
		out.UpdatedAt = &t
	}
	return out
}

var weekdayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// WeekdayName is the short name of d: "mon", "tue", ...
func WeekdayName(d time.Weekday) string { return weekdayNames[d%7] }

// ParseWeekday reads a weekday name, short ("mon") or long ("Monday"), in any
// case; anything else is apperr.Invalid.
func ParseWeekday(s string) (time.Weekday, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	for d, name := range weekdayNames {
		if v == name || v == strings.ToLower(time.Weekday(d).String()) {
			return time.Weekday(d), nil
		}
	}
	return 0, apperr.Errorf(apperr.Invalid, "%q is not a weekday (mon, tue, wed, thu, fri, sat, sun)", s)
}

// ParseClock reads a time of day "HH:MM"; anything else is apperr.Invalid.
func ParseClock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, apperr.Errorf(apperr.Invalid, "%q is not a time of day HH:MM", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// ParseDate reads a date "YYYY-MM-DD"; anything else is apperr.Invalid.
func ParseDate(s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, apperr.Errorf(apperr.Invalid, "%q is not a date YYYY-MM-DD", s)
	}
	return d, nil
}

// Rules reads work rules back from their API form; bad times of day or
// weekdays are apperr.Invalid.
func (in WorkRulesJSON) Rules() (roster.WorkRules, error) {
	r := roster.WorkRules{MaxHours: in.MaxHoursPerWeek, AvoidNights: in.AvoidNights}
	for _, v := range in.PreferStarts {
		st, err := ParseClock(v)
		if err != nil {
			return r, err
		}
		r.Starts = append(r.Starts, st)
	}
	for _, v := range in.PreferDays {
		d, err := ParseWeekday(v)
		if err != nil {
			return r, err
		}
		r.Days = append(r.Days, d)
	}
	return r, nil
}

// authorOf names who makes a change through the API: role and token name.
func authorOf(p auth.Principal) string {
	return fmt.Sprintf("%s:%s (token %d)", p.Role, p.Name, p.TokenID)
}

// maxAvailabilityDefault is the period listed when the request names none.
const maxAvailabilityDefault = 31 * 24 * time.Hour

// listAvailability lists the entries touching [from, to) (RFC 3339; by default
// the next 31 days). Days off are matched by their date on from's clock.
func (s *Server) listAvailability(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	login := r.PathValue("login")
	if err := actingFor(p, login); err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	from, err := queryTime(q.Get("from"), "from", time.Now())
	if err != nil {
		return 0, nil, err
	}
	to, err := queryTime(q.Get("to"), "to", from.Add(maxAvailabilityDefault))
	if err != nil {
		return 0, nil, err
	}
	es, err := s.Availability.ListAvailability(r.Context(), roster.AvailabilityFilter{Login: login, From: from, To: to})
	if err != nil {
		return 0, nil, err
	}
	out := make([]AvailabilityJSON, 0, len(es))
	for _, e := range es {
		out = append(out, NewAvailabilityJSON(e))
	}
	return http.StatusOK, out, nil
}

// addAvailability adds one entry: {"kind":"day_off","date":"2026-12-02"} or
// {"kind":"unavailable","from":RFC 3339,"to":RFC 3339}, with an optional reason.
// A supervisor's entry is approved at once; an operator's own is a pending request.
func (s *Server) addAvailability(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	login := r.PathValue("login")
	if err := actingFor(p, login); err != nil {
		return 0, nil, err
	}
	var in struct {
		Kind   roster.Kind `json:"kind"`
		Date   string      `json:"date"`
		From   *time.Time  `json:"from"`
		To     *time.Time  `json:"to"`
		Reason string      `json:"reason"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	e := roster.Entry{Kind: in.Kind, Reason: in.Reason, Status: roster.Approved}
	if !p.Is(auth.Supervisor) {
		e.Status = roster.Pending
	}
	switch in.Kind {
	case roster.DayOff:
		if in.From != nil || in.To != nil {
			return 0, nil, apperr.Errorf(apperr.Invalid, "a day off has a date, not from and to")
		}
		d, err := ParseDate(in.Date)
		if err != nil {
			return 0, nil, err
		}
		e.Date = d
	case roster.Unavailable:
		if in.Date != "" {
			return 0, nil, apperr.Errorf(apperr.Invalid, "an unavailable span has from and to, not a date")
		}
		if in.From == nil || in.To == nil {
			return 0, nil, apperr.Errorf(apperr.Invalid, "an unavailable span needs from and to (RFC 3339)")
		}
		e.From, e.To = *in.From, *in.To
	default:
		return 0, nil, apperr.Errorf(apperr.Invalid, "kind %q must be %s or %s", in.Kind, roster.DayOff, roster.Unavailable)
	}
	added, err := s.Availability.AddAvailability(r.Context(), login, []roster.Entry{e}, authorOf(p))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, NewAvailabilityJSON(added[0]), nil
}

// decideAvailability approves or declines a pending request:
// {"approve": true|false, "note": "..."}.
func (s *Server) decideAvailability(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		Approve *bool  `json:"approve"`
		Note    string `json:"note"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	if in.Approve == nil {
		return 0, nil, apperr.Errorf(apperr.Invalid, `"approve" (true or false) is required`)
	}
	e, err := s.Availability.DecideAvailability(r.Context(), r.PathValue("login"), id, *in.Approve, in.Note, authorOf(p))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, NewAvailabilityJSON(e), nil
}

func (s *Server) removeAvailability(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	if err := s.Availability.RemoveAvailability(r.Context(), r.PathValue("login"), id, authorOf(p)); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (s *Server) getWorkRules(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	login := r.PathValue("login")
	if err := actingFor(p, login); err != nil {
		return 0, nil, err
	}
	rules, err := s.Availability.WorkRules(r.Context(), login)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, NewWorkRulesJSON(rules), nil
}

// putWorkRules replaces an operator's work rules: fields left out are cleared.
func (s *Server) putWorkRules(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	var in WorkRulesJSON
	if err := decodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	login := r.PathValue("login")
	if in.Operator != "" && in.Operator != login {
		return 0, nil, apperr.Errorf(apperr.Invalid, "the body names operator %q, the path %q", in.Operator, login)
	}
	if in.UpdatedAt != nil || in.UpdatedBy != "" {
		return 0, nil, apperr.Errorf(apperr.Invalid, "updated_at and updated_by are set by the server")
	}
	rules, err := in.Rules()
	if err != nil {
		return 0, nil, err
	}
	saved, err := s.Availability.SetWorkRules(r.Context(), login, rules, authorOf(p))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, NewWorkRulesJSON(saved), nil
}
