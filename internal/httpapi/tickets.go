package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/tickets"
)

// ticketRoutes registers the ticket, catalogue and Open311 endpoints when the ticket
// stores are set.
func (s *Server) ticketRoutes() {
	if s.Tickets == nil {
		return
	}
	staff := []auth.Role{auth.Operator, auth.Supervisor}
	readers := []auth.Role{auth.Operator, auth.Supervisor, auth.QC, auth.Department}
	s.api("POST /api/v1/tickets", s.createTicket, staff...)
	s.api("GET /api/v1/tickets", s.searchTickets, readers...)
	s.api("GET /api/v1/tickets/overdue", s.overdueTickets, auth.Operator, auth.Supervisor, auth.Department)
	s.api("GET /api/v1/tickets/{id}", s.getTicket, readers...)
	s.api("PATCH /api/v1/tickets/{id}", s.patchTicket, staff...)
	s.api("POST /api/v1/tickets/{id}/status", s.transitionTicket, auth.Operator, auth.Supervisor, auth.Department)
	s.api("POST /api/v1/tickets/{id}/notes", s.noteTicket, auth.Operator, auth.Supervisor, auth.Department)
	s.api("GET /api/v1/tickets/{id}/deliveries", s.ticketDeliveries, auth.Supervisor)
	s.api("GET /api/v1/callers/{phone}/tickets", s.callerTickets, staff...)
	s.api("GET /api/v1/reports/tickets", s.ticketReport, auth.Supervisor, auth.QC)
	s.catalogRoutes()
	s.open311Routes()
}

func actorOf(p auth.Principal) tickets.Actor {
	return tickets.Actor{Role: string(p.Role), Name: p.Name, Subject: p.Subject, TokenID: p.TokenID}
}

// TicketJSON is a ticket as the API shows it.
type TicketJSON struct {
	ID                   int64               `json:"id"`
	Reference            string              `json:"reference"`
	Channel              tickets.Channel     `json:"channel"`
	CallID               *int64              `json:"call_id,omitempty"`
	Line                 string              `json:"line,omitempty"`
	RecordingID          *int64              `json:"recording_id,omitempty"`
	OperatorLogin        string              `json:"operator_login,omitempty"`
	Caller               CallerJSON          `json:"caller"`
	AnonymisedAt         *time.Time          `json:"anonymised_at,omitempty"`
	ServiceCode          string              `json:"service_code,omitempty"`
	Department           string              `json:"department,omitempty"`
	Status               tickets.Status      `json:"status"`
	Priority             tickets.Priority    `json:"priority"`
	Address              string              `json:"address,omitempty"`
	AddressID            string              `json:"address_id,omitempty"`
	Area                 string              `json:"area,omitempty"`
	Lat                  *float64            `json:"lat,omitempty"`
	Long                 *float64            `json:"long,omitempty"`
	Description          string              `json:"description,omitempty"`
	Attributes           map[string][]string `json:"attributes,omitempty"`
	MediaURL             string              `json:"media_url,omitempty"`
	StatusNotes          string              `json:"status_notes,omitempty"`
	SLA                  *SLAJSON            `json:"sla,omitempty"`
	Overdue              bool                `json:"overdue"`
	AcknowledgedAt       *time.Time          `json:"acknowledged_at,omitempty"`
	ResolvedAt           *time.Time          `json:"resolved_at,omitempty"`
	ClosedAt             *time.Time          `json:"closed_at,omitempty"`
	ResponseBreachedAt   *time.Time          `json:"response_breached_at,omitempty"`
	ResolutionBreachedAt *time.Time          `json:"resolution_breached_at,omitempty"`
	EscalationLevel      int                 `json:"escalation_level"`
	NextEscalationAt     *time.Time          `json:"next_escalation_at,omitempty"`
	DuplicateOf          *int64              `json:"duplicate_of,omitempty"`
	CreatedAt            time.Time           `json:"created_at"`
	UpdatedAt            time.Time           `json:"updated_at"`
	Version              int                 `json:"version"`
	Events               []TicketEventJSON   `json:"events,omitempty"`
	Reporters            []ReporterJSON      `json:"reporters,omitempty"`
}

// CallerJSON is the person who reported a ticket.
type CallerJSON struct {
	Phone     string `json:"phone,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Email     string `json:"email,omitempty"`
	DeviceID  string `json:"device_id,omitempty"`
	AccountID string `json:"account_id,omitempty"`
}

// SLAJSON is the SLA snapshot of a ticket.
type SLAJSON struct {
	PolicyID        int64     `json:"policy_id"`
	PolicyVersion   int       `json:"policy_version"`
	ResponseDueAt   time.Time `json:"response_due_at"`
	ResolutionDueAt time.Time `json:"resolution_due_at"`
}

// TicketEventJSON is one step of a ticket's history.
type TicketEventJSON struct {
	At     time.Time      `json:"at"`
	Type   string         `json:"type"`
	From   string         `json:"from,omitempty"`
	To     string         `json:"to,omitempty"`
	Reason string         `json:"reason,omitempty"`
	Public bool           `json:"public"`
	Actor  ActorJSON      `json:"actor"`
	Detail map[string]any `json:"detail,omitempty"`
}

// ActorJSON is who made a change.
type ActorJSON struct {
	Role    string `json:"role"`
	Name    string `json:"name"`
	Subject string `json:"subject,omitempty"`
	TokenID int64  `json:"token_id,omitempty"`
}

// ReporterJSON is a further caller attached to a ticket.
type ReporterJSON struct {
	TicketID   int64     `json:"ticket_id"`
	Channel    string    `json:"channel"`
	Phone      string    `json:"phone,omitempty"`
	Name       string    `json:"name,omitempty"`
	Email      string    `json:"email,omitempty"`
	AttachedAt time.Time `json:"attached_at"`
	AttachedBy string    `json:"attached_by"`
}

func ticketJSON(t tickets.Ticket, now time.Time) TicketJSON {
	out := TicketJSON{ID: t.ID, Reference: t.Reference, Channel: t.Channel, CallID: t.CallID, Line: t.Line,
		RecordingID: t.RecordingID, OperatorLogin: t.OperatorLogin,
		Caller: CallerJSON{Phone: t.Caller.Number, FirstName: t.Caller.FirstName, LastName: t.Caller.LastName,
			Email: t.Caller.Email, DeviceID: t.Caller.DeviceID, AccountID: t.Caller.AccountID},
		AnonymisedAt: t.AnonymisedAt, ServiceCode: t.ServiceCode, Department: t.DepartmentCode, Status: t.Status,
		Priority: t.Priority, Address: t.Address, AddressID: t.AddressID, Area: t.Area, Lat: t.Lat, Long: t.Long,
		Description: t.Description, Attributes: t.Attributes, MediaURL: t.MediaURL, StatusNotes: t.StatusNotes,
		Overdue: t.Overdue(now), AcknowledgedAt: t.AcknowledgedAt, ResolvedAt: t.ResolvedAt, ClosedAt: t.ClosedAt,
		ResponseBreachedAt: t.ResponseBreachedAt, ResolutionBreachedAt: t.ResolutionBreachedAt,
		EscalationLevel: t.EscalationLevel, NextEscalationAt: t.NextEscalationAt, DuplicateOf: t.DuplicateOf,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, Version: t.Version}
	if t.SLA != nil {
		out.SLA = &SLAJSON{PolicyID: t.SLA.PolicyID, PolicyVersion: t.SLA.PolicyVersion,
			ResponseDueAt: t.SLA.ResponseDueAt, ResolutionDueAt: t.SLA.ResolutionDueAt}
	}
	return out
}

// visible reports whether p may see t: department staff see only the tickets their
// department has in hand; to them the others do not exist.
func visible(p auth.Principal, t tickets.Ticket) bool {
	return p.Role != auth.Department || (p.Subject != "" && t.WithDepartment() == p.Subject)
}

// ticketFor loads the ticket of the request's {id}, as p may see it.
func (s *Server) ticketFor(r *http.Request, p auth.Principal) (tickets.Ticket, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return tickets.Ticket{}, err
	}
	t, err := s.Tickets.Get(r.Context(), id)
	if err != nil {
		return t, err
	}
	if !visible(p, t) {
		return t, apperr.Errorf(apperr.NotFound, "ticket %d not found", id)
	}
	return t, nil
}

type createTicketIn struct {
	Channel     string              `json:"channel"`
	ServiceCode string              `json:"service_code"`
	Priority    string              `json:"priority"`
	Caller      CallerJSON          `json:"caller"`
	Address     string              `json:"address"`
	AddressID   string              `json:"address_id"`
	Area        string              `json:"area"`
	Lat         *float64            `json:"lat"`
	Long        *float64            `json:"long"`
	Description string              `json:"description"`
	Attributes  map[string][]string `json:"attributes"`
	MediaURL    string              `json:"media_url"`
	Answer      string              `json:"answer"`
}

func (s *Server) createTicket(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	var in createTicketIn
	if err := decodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	t, err := s.Tickets.Create(r.Context(), tickets.NewTicket{Channel: tickets.Channel(in.Channel),
		ServiceCode: in.ServiceCode, Priority: tickets.Priority(in.Priority),
		Caller: tickets.Caller{Number: in.Caller.Phone, FirstName: in.Caller.FirstName, LastName: in.Caller.LastName,
			Email: in.Caller.Email, DeviceID: in.Caller.DeviceID, AccountID: in.Caller.AccountID},
		Address: in.Address, AddressID: in.AddressID, Area: in.Area, Lat: in.Lat, Long: in.Long,
		Description: in.Description, Attributes: in.Attributes, MediaURL: in.MediaURL, Answer: in.Answer}, actorOf(p))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, ticketJSON(t, time.Now()), nil
}

func (s *Server) getTicket(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	v, err := s.Tickets.View(r.Context(), id)
	if err != nil {
		return 0, nil, err
	}
	if !visible(p, v.Ticket) {
		return 0, nil, apperr.Errorf(apperr.NotFound, "ticket %d not found", id)
	}
	out := ticketJSON(v.Ticket, time.Now())
	for _, e := range v.Events {
		// Departments see the public history and their own steps, not the center's
		// internal notes.
		if p.Role == auth.Department && !e.Public && !(e.Actor.Role == "department" && e.Actor.Subject == p.Subject) {
			continue
		}
		out.Events = append(out.Events, TicketEventJSON{At: e.At, Type: string(e.Type), From: string(e.From),
			To: string(e.To), Reason: e.Reason, Public: e.Public, Detail: e.Detail,
			Actor: ActorJSON{Role: e.Actor.Role, Name: e.Actor.Name, Subject: e.Actor.Subject, TokenID: e.Actor.TokenID}})
	}
	if p.Role != auth.Department {
		for _, x := range v.Reporters {
			out.Reporters = append(out.Reporters, ReporterJSON{TicketID: x.ReporterTicketID, Channel: string(x.Channel),
				Phone: x.CallerNumber, Name: x.CallerName, Email: x.CallerEmail, AttachedAt: x.AttachedAt,
				AttachedBy: x.AttachedBy})
		}
	}
	return http.StatusOK, out, nil
}

type patchTicketIn struct {
	Version     *int                `json:"version"`
	ServiceCode *string             `json:"service_code"`
	Priority    *string             `json:"priority"`
	Address     *string             `json:"address"`
	AddressID   *string             `json:"address_id"`
	Area        *string             `json:"area"`
	Lat         *float64            `json:"lat"`
	Long        *float64            `json:"long"`
	Description *string             `json:"description"`
	FirstName   *string             `json:"first_name"`
	LastName    *string             `json:"last_name"`
	Attributes  map[string][]string `json:"attributes"`
}

func needVersion(v *int) (int, error) {
	if v == nil {
		return 0, apperr.Errorf(apperr.Invalid, "version is required: the version of the ticket the change is based on")
	}
	return *v, nil
}

func (s *Server) patchTicket(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	var in patchTicketIn
	if err := decodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	v, err := needVersion(in.Version)
	if err != nil {
		return 0, nil, err
	}
	patch := tickets.Patch{Version: v, ServiceCode: in.ServiceCode, Address: in.Address, AddressID: in.AddressID,
		Area: in.Area, Lat: in.Lat, Long: in.Long, Description: in.Description, FirstName: in.FirstName,
		LastName: in.LastName, Attributes: in.Attributes}
	if in.Priority != nil {
		pr, err := tickets.ParsePriority(*in.Priority)
		if err != nil {
			return 0, nil, err
		}
		patch.Priority = &pr
	}
	t, err := s.Tickets.Update(r.Context(), id, patch, actorOf(p))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ticketJSON(t, time.Now()), nil
}

type transitionIn struct {
	Version     *int   `json:"version"`
	To          string `json:"to"`
	Note        string `json:"note"`
	Department  string `json:"department"`
	DuplicateOf int64  `json:"duplicate_of"`
}

func (s *Server) transitionTicket(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	var in transitionIn
	if err := decodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	v, err := needVersion(in.Version)
	if err != nil {
		return 0, nil, err
	}
	to, err := tickets.ParseStatus(in.To)
	if err != nil {
		return 0, nil, err
	}
	t, err := s.Tickets.Transition(r.Context(), id, tickets.Transition{Version: v, To: to, Note: in.Note,
		Department: in.Department, DuplicateOf: in.DuplicateOf}, actorOf(p))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ticketJSON(t, time.Now()), nil
}

type noteIn struct {
	Version *int   `json:"version"`
	Text    string `json:"text"`
	Public  bool   `json:"public"`
}

func (s *Server) noteTicket(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	var in noteIn
	if err := decodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	v, err := needVersion(in.Version)
	if err != nil {
		return 0, nil, err
	}
	t, err := s.Tickets.AddNote(r.Context(), id, tickets.Note{Version: v, Text: in.Text, Public: in.Public}, actorOf(p))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ticketJSON(t, time.Now()), nil
}

// TicketPageJSON is a page of a ticket search.
type TicketPageJSON struct {
	Tickets  []TicketJSON `json:"tickets"`
	Page     int          `json:"page"`
	PageSize int          `json:"page_size"`
	HasMore  bool         `json:"has_more"`
}

// parseTime reads a query time: RFC 3339, or a date meaning its start in the
// server's time zone.
func parseTime(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, time.Local); err == nil {
		return t, nil
	}
	return time.Time{}, apperr.Errorf(apperr.Invalid, "%s %q is neither a date (2026-01-31) nor an RFC 3339 time", name, v)
}

func splitList(v string) []string {
	var out []string
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func pageOf(q map[string][]string) (page, size int, err error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	page, size = 1, tickets.DefaultPage
	if v := get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			return 0, 0, apperr.Errorf(apperr.Invalid, "page %q is not a positive integer", v)
		}
	}
	if v := get("page_size"); v != "" {
		if size, err = strconv.Atoi(v); err != nil || size < 1 || size > tickets.MaxPage {
			return 0, 0, apperr.Errorf(apperr.Invalid, "page_size must be 1 to %d", tickets.MaxPage)
		}
	}
	return page, size, nil
}

// filterOf reads a ticket search from query parameters.
func filterOf(r *http.Request, p auth.Principal) (f tickets.Filter, page int, err error) {
	q := r.URL.Query()
	for _, st := range splitList(q.Get("status")) {
		s, err := tickets.ParseStatus(st)
		if err != nil {
			return f, 0, err
		}
		f.Statuses = append(f.Statuses, s)
	}
	f.ServiceCodes = splitList(q.Get("service_code"))
	f.References = splitList(q.Get("reference"))
	f.Department = q.Get("department")
	if c := q.Get("channel"); c != "" {
		if f.Channel, err = tickets.ParseChannel(c); err != nil {
			return f, 0, err
		}
	}
	f.CallerNumber, f.AddressText = q.Get("caller"), q.Get("address")
	if c := q.Get("call"); c != "" {
		if f.CallID, err = strconv.ParseInt(c, 10, 64); err != nil || f.CallID <= 0 {
			return f, 0, apperr.Errorf(apperr.Invalid, "call must be a call id, not %q", c)
		}
	}
	if f.From, err = parseTime("from", q.Get("from")); err != nil {
		return f, 0, err
	}
	if f.To, err = parseTime("to", q.Get("to")); err != nil {
		return f, 0, err
	}
	switch q.Get("overdue") {
	case "", "false":
	case "true":
		f.Overdue = true
	default:
		return f, 0, apperr.Errorf(apperr.Invalid, "overdue must be true or false")
	}
	page, size, err := pageOf(q)
	if err != nil {
		return f, 0, err
	}
	f.Limit, f.Offset = size, (page-1)*size
	if p.Role == auth.Department {
		// Department staff search their own tickets only, never those still in triage.
		if f.Department != "" && f.Department != p.Subject {
			return f, 0, apperr.Errorf(apperr.Forbidden, "department %s may not search the tickets of %s", p.Subject, f.Department)
		}
		f.Department = p.Subject
		if len(f.Statuses) == 0 {
			f.Statuses = []tickets.Status{tickets.Assigned, tickets.Acknowledged, tickets.InProgress, tickets.Resolved,
				tickets.Closed, tickets.Reopened, tickets.Duplicate, tickets.Cancelled}
		}
		f.Statuses = without(f.Statuses, tickets.Registered)
		if len(f.Statuses) == 0 {
			return f, 0, apperr.Errorf(apperr.Forbidden, "registered tickets are still being triaged")
		}
	}
	return f, page, nil
}

func without(ss []tickets.Status, x tickets.Status) []tickets.Status {
	out := ss[:0:0]
	for _, s := range ss {
		if s != x {
			out = append(out, s)
		}
	}
	return out
}

func (s *Server) searchTickets(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	f, page, err := filterOf(r, p)
	if err != nil {
		return 0, nil, err
	}
	return s.ticketPage(r, f, page)
}

func (s *Server) overdueTickets(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	f, page, err := filterOf(r, p)
	if err != nil {
		return 0, nil, err
	}
	f.Overdue = true
	return s.ticketPage(r, f, page)
}

func (s *Server) ticketPage(r *http.Request, f tickets.Filter, page int) (int, any, error) {
	ts, more, err := s.Tickets.Search(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	out := TicketPageJSON{Tickets: make([]TicketJSON, 0, len(ts)), Page: page, PageSize: f.Limit, HasMore: more}
	now := time.Now()
	for _, t := range ts {
		out.Tickets = append(out.Tickets, ticketJSON(t, now))
	}
	return http.StatusOK, out, nil
}

func (s *Server) callerTickets(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	limit := 20
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > tickets.MaxPage {
			return 0, nil, apperr.Errorf(apperr.Invalid, "limit must be 1 to %d", tickets.MaxPage)
		}
		limit = n
	}
	ts, err := s.Tickets.CallerTickets(r.Context(), r.PathValue("phone"), limit)
	if err != nil {
		return 0, nil, err
	}
	out := make([]TicketJSON, 0, len(ts))
	now := time.Now()
	for _, t := range ts {
		out = append(out, ticketJSON(t, now))
	}
	return http.StatusOK, map[string]any{"phone": tickets.NormalizePhone(r.PathValue("phone")), "tickets": out}, nil
}

func (s *Server) ticketReport(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	q := r.URL.Query()
	by, err := tickets.ParseDimension(q.Get("by"))
	if err != nil {
		return 0, nil, err
	}
	to, err := parseTime("to", q.Get("to"))
	if err != nil {
		return 0, nil, err
	}
	if to.IsZero() {
		to = time.Now()
	}
	from, err := parseTime("from", q.Get("from"))
	if err != nil {
		return 0, nil, err
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -30)
	}
	cs, err := s.Tickets.Counts(r.Context(), by, from, to)
	if err != nil {
		return 0, nil, err
	}
	type countJSON struct {
		Key     string `json:"key"`
		Label   string `json:"label,omitempty"`
		Total   int    `json:"total"`
		Open    int    `json:"open"`
		Overdue int    `json:"overdue"`
	}
	out := make([]countJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, countJSON{c.Key, c.Label, c.Total, c.Open, c.Overdue})
	}
	return http.StatusOK, map[string]any{"by": by, "from": from, "to": to, "counts": out}, nil
}

func (s *Server) ticketDeliveries(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	t, err := s.ticketFor(r, p)
	if err != nil {
		return 0, nil, err
	}
	if s.Outbox == nil {
		return 0, nil, apperr.Errorf(apperr.Unavailable, "deliveries are not available here")
	}
	ds, err := s.Outbox.Deliveries(r.Context(), t.ID)
	if err != nil {
		return 0, nil, err
	}
	type attemptJSON struct {
		Attempt    int     `json:"attempt"`
		At         string  `json:"at"`
		DurationMS float64 `json:"duration_ms"`
		URL        string  `json:"url,omitempty"`
		StatusCode int     `json:"status_code,omitempty"`
		Outcome    string  `json:"outcome"`
		Error      string  `json:"error,omitempty"`
		Worker     string  `json:"worker,omitempty"`
	}
	type deliveryJSON struct {
		ID         int64         `json:"id"`
		Department string        `json:"department"`
		Topic      string        `json:"topic"`
		CreatedAt  time.Time     `json:"created_at"`
		DoneAt     *time.Time    `json:"done_at,omitempty"`
		Outcome    string        `json:"outcome,omitempty"`
		NextAt     *time.Time    `json:"next_attempt_at,omitempty"`
		Attempts   []attemptJSON `json:"attempts"`
	}
	out := make([]deliveryJSON, 0, len(ds))
	for _, d := range ds {
		dj := deliveryJSON{ID: d.ID, Department: d.Department, Topic: d.Topic, CreatedAt: d.CreatedAt, DoneAt: d.DoneAt,
			Outcome: string(d.Outcome), Attempts: []attemptJSON{}}
		if d.DoneAt == nil {
			dj.NextAt = &d.NextAt
		}
		for _, a := range d.Attempts {
			dj.Attempts = append(dj.Attempts, attemptJSON{a.Attempt, a.At.Format(time.RFC3339Nano),
				float64(a.Duration) / float64(time.Millisecond), a.URL, a.StatusCode, string(a.Outcome), a.Error, a.Worker})
		}
		out = append(out, dj)
	}
	return http.StatusOK, out, nil
}
