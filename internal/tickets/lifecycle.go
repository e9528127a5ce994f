package tickets

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
)

// Status is where a ticket is in its life.
type Status string

const (
	Registered   Status = "registered"   // taken by the center, being triaged
	Assigned     Status = "assigned"     // passed to a department
	Acknowledged Status = "acknowledged" // the department has reacted
	InProgress   Status = "in_progress"  // the department is working on it
	Resolved     Status = "resolved"     // the department says it is done
	Closed       Status = "closed"       // the center has closed it
	Reopened     Status = "reopened"     // resolved or closed, but not done after all
	Duplicate    Status = "duplicate"    // the same problem as another ticket
	Cancelled    Status = "cancelled"    // withdrawn, with a reason
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{Registered, Assigned, Acknowledged, InProgress, Resolved, Closed, Reopened, Duplicate, Cancelled}

// ParseStatus returns the status named s, or an apperr Invalid.
func ParseStatus(s string) (Status, error) {
	for _, st := range Statuses {
		if string(st) == s {
			return st, nil
		}
	}
	return "", apperr.Errorf(apperr.Invalid, "unknown status %q", s)
}

// Active reports whether someone still has to act: the SLA clocks run.
func (s Status) Active() bool {
	switch s {
	case Registered, Assigned, Acknowledged, InProgress, Reopened:
		return true
	}
	return false
}

// Final reports whether the ticket is over: closed, duplicate or cancelled.
func (s Status) Final() bool { return s == Closed || s == Duplicate || s == Cancelled }

// Open311 maps a status to GeoReport v2's two: closed for closed, duplicate and
// cancelled tickets, open for everything else.
func (s Status) Open311() string {
	if s.Final() {
		return "closed"
	}
	return "open"
}

// ActiveStatuses and FinalStatuses group the statuses for queries.
var (
	ActiveStatuses = []Status{Registered, Assigned, Acknowledged, InProgress, Reopened}
	FinalStatuses  = []Status{Closed, Duplicate, Cancelled}
)

// next lists the statuses that may follow each status. Misrouted tickets go back to
// triage (registered), never to closed.
var next = map[Status][]Status{
	Registered:   {Assigned, Closed, Duplicate, Cancelled}, // closed: answered on the spot
	Assigned:     {Acknowledged, InProgress, Resolved, Registered, Duplicate, Cancelled},
	Acknowledged: {InProgress, Resolved, Registered, Duplicate, Cancelled},
	InProgress:   {Resolved, Registered, Duplicate, Cancelled},
	Resolved:     {Closed, Reopened},
	Closed:       {Reopened},
	Reopened:     {Assigned, Acknowledged, InProgress, Resolved, Registered, Duplicate, Cancelled},
}

// Allowed reports whether status to may follow from.
func Allowed(from, to Status) bool { return slices.Contains(next[from], to) }

// departmentMay lists what a department may do with its own tickets.
var departmentMay = []Status{Acknowledged, InProgress, Resolved, Registered}

// Lookup is what the rules read while applying a change. A store answers it from
// inside the transaction that makes the change.
type Lookup interface {
	// Category returns an active category; apperr NotFound for an unknown or inactive one.
	Category(code string) (Category, error)
	// Department returns a department; apperr NotFound for an unknown one.
	Department(code string) (Department, error)
	// Policy returns the SLA policy in force for a category and priority, nil if none.
	Policy(serviceCode string, p Priority) (*Policy, error)
	// Ticket returns another ticket, locked for the rest of the transaction.
	Ticket(id int64) (Ticket, error)
}

// mayChange reports whether by may change t at all: department staff see only the
// tickets their department has in hand, and to them others do not exist.
func mayChange(t Ticket, by Actor) error {
	switch by.Role {
	case "department":
		if !by.IsDepartment(t.WithDepartment()) {
			return apperr.Errorf(apperr.NotFound, "ticket %d not found", t.ID)
		}
	case "operator", "supervisor", "admin", "system":
	default:
		return apperr.Errorf(apperr.Forbidden, "role %s may not change tickets", by.Role)
	}
	return nil
}

func checkVersion(t Ticket, version int) error {
	if version != t.Version {
		return apperr.Errorf(apperr.Conflict,
			"ticket %s was changed by someone else (version %d, your change is based on %d); reload it and try again",
			t.Reference, t.Version, version)
	}
	return nil
}

func touch(t *Ticket, now time.Time) {
	t.Version++
	t.UpdatedAt = now
}

// NewCallTicket is the ticket of a phone call, before it is stored.
func NewCallTicket(in CallTicket, now time.Time) (Ticket, error) {
	if in.CallID <= 0 {
		return Ticket{}, apperr.Errorf(apperr.Invalid, "a call ticket needs the call id")
	}
	at := in.ArrivedAt
	if at.IsZero() {
		at = now
	}
	id := in.CallID
	return Ticket{Channel: Phone, CallID: &id, Line: in.Line, Caller: Caller{Number: NormalizePhone(in.CallerNumber)},
		Status: Registered, Priority: Normal, CreatedAt: at, UpdatedAt: at, Version: 1}, nil
}

// Build makes the ticket of a new request, with its first events. The store looks
// up the category and policy through l.
func Build(in NewTicket, l Lookup, by Actor, now time.Time) (Ticket, []Event, error) {
	if err := in.Validate(); err != nil {
		return Ticket{}, nil, err
	}
	switch by.Role {
	case "operator", "supervisor", "admin", "open311", "system":
	default:
		return Ticket{}, nil, apperr.Errorf(apperr.Forbidden, "role %s may not register tickets", by.Role)
	}
	in.Caller.Number = NormalizePhone(in.Caller.Number)
	t := Ticket{Channel: in.Channel, Caller: in.Caller, Status: Registered, Priority: Normal,
		Address: strings.TrimSpace(in.Address), AddressID: in.AddressID, Area: strings.TrimSpace(in.Area),
		Lat: in.Lat, Long: in.Long, Description: in.Description, Attributes: in.Attributes, MediaURL: in.MediaURL,
		CreatedAt: now, UpdatedAt: now, Version: 1}
	if t.Attributes == nil {
		t.Attributes = map[string][]string{}
	}
	evs := []Event{{At: now, Type: EventCreated, To: Registered, Public: true, Actor: by,
		Detail: map[string]any{"channel": string(in.Channel)}}}
	if in.ServiceCode == "" {
		if len(in.Attributes) > 0 {
			return Ticket{}, nil, apperr.Errorf(apperr.Invalid, "attributes need a service code")
		}
		return t, evs, nil
	}
	cat, err := l.Category(in.ServiceCode)
	if err != nil {
		return Ticket{}, nil, err
	}
	if err := cat.CheckAttributes(in.Attributes); err != nil {
		return Ticket{}, nil, err
	}
	t.Priority = cat.DefaultPriority
	if in.Priority != "" {
		t.Priority = in.Priority
	}
	ev, err := categorise(&t, cat, l, by, now)
	if err != nil {
		return Ticket{}, nil, err
	}
	evs = append(evs, ev)
	switch {
	case in.Answer != "":
		if !cat.OnTheSpot {
			return Ticket{}, nil, apperr.Errorf(apperr.Invalid,
				"category %s is not answered on the spot: the ticket goes to %s", cat.ServiceCode, cat.DepartmentCode)
		}
		t.Status, t.StatusNotes = Closed, in.Answer
		t.ResolvedAt, t.ClosedAt, t.AcknowledgedAt = &now, &now, &now
		evs = append(evs, Event{At: now, Type: EventStatusChanged, From: Registered, To: Closed, Reason: in.Answer,
			Public: true, Actor: by, Detail: map[string]any{"answered_on_the_spot": true}})
	case !cat.OnTheSpot:
		dep, err := l.Department(cat.DepartmentCode)
		if err != nil {
			return Ticket{}, nil, err
		}
		if !dep.Active {
			return Ticket{}, nil, apperr.Errorf(apperr.Conflict, "department %s of category %s is not active", dep.Code, cat.ServiceCode)
		}
		t.Status = Assigned
		evs = append(evs, Event{At: now, Type: EventStatusChanged, From: Registered, To: Assigned, Public: true,
			Actor: by, Detail: map[string]any{"department": dep.Code}})
	}
	t.NextEscalationAt = NextEscalation(t)
	return t, evs, nil
}

// categorise sets t's category and department (while nobody has the ticket yet) and,
// the first time, snapshots the SLA policy in force for its priority. Deadlines run
// from the ticket's creation: the citizen's clock started when they reported.
func categorise(t *Ticket, cat Category, l Lookup, by Actor, now time.Time) (Event, error) {
	from := t.ServiceCode
	t.ServiceCode = cat.ServiceCode
	if t.WithDepartment() == "" {
		t.DepartmentCode = cat.DepartmentCode
	}
	detail := map[string]any{"service_code": cat.ServiceCode, "department": t.DepartmentCode}
	if from != "" {
		detail["from_service_code"] = from
	}
	if t.SLA == nil {
		p, err := l.Policy(cat.ServiceCode, t.Priority)
		if err != nil {
			return Event{}, err
		}
		if p != nil {
			t.SLA = &SLASnapshot{PolicyID: p.ID, PolicyVersion: p.Version,
				ResponseDueAt: t.CreatedAt.Add(p.RespondWithin), ResolutionDueAt: t.CreatedAt.Add(p.ResolveWithin)}
			detail["sla_policy_id"], detail["sla_policy_version"] = p.ID, p.Version
			detail["response_due_at"], detail["resolution_due_at"] = t.SLA.ResponseDueAt, t.SLA.ResolutionDueAt
		}
	}
	return Event{At: now, Type: EventCategorised, Actor: by, Detail: detail}, nil
}

// ApplyPatch changes t's fields as p asks, returning the events to append.
func ApplyPatch(t *Ticket, p Patch, l Lookup, by Actor, now time.Time) ([]Event, error) {
	if err := mayChange(*t, by); err != nil {
		return nil, err
	}
	if by.Role == "department" {
		return nil, apperr.Errorf(apperr.Forbidden, "departments answer through status changes and notes, not by editing tickets")
	}
	if err := checkVersion(*t, p.Version); err != nil {
		return nil, err
	}
	if p.Empty() {
		return nil, apperr.Errorf(apperr.Invalid, "nothing to change")
	}
	if t.Status.Final() {
		return nil, apperr.Errorf(apperr.Conflict, "ticket %s is %s; reopen it before changing it", t.Reference, t.Status)
	}
	if p.Description != nil {
		if err := checkDescription(*p.Description); err != nil {
			return nil, err
		}
	}
	lat, long := t.Lat, t.Long
	if p.Lat != nil || p.Long != nil {
		lat, long = p.Lat, p.Long
	}
	if err := checkLocation(lat, long); err != nil {
		return nil, err
	}
	var changed []string
	set := func(name string, dst *string, v *string) {
		if v != nil && *dst != *v {
			*dst = *v
			changed = append(changed, name)
		}
	}
	detail := map[string]any{}
	if p.Priority != nil && *p.Priority != t.Priority {
		if _, err := ParsePriority(string(*p.Priority)); err != nil {
			return nil, err
		}
		detail["priority"] = map[string]any{"from": t.Priority, "to": *p.Priority}
		t.Priority = *p.Priority
		changed = append(changed, "priority")
	}
	var evs []Event
	serviceCode := t.ServiceCode
	if p.ServiceCode != nil && *p.ServiceCode != t.ServiceCode {
		if *p.ServiceCode == "" {
			return nil, apperr.Errorf(apperr.Invalid, "a category cannot be removed, only changed")
		}
		cat, err := l.Category(*p.ServiceCode)
		if err != nil {
			return nil, err
		}
		if t.ServiceCode == "" && p.Priority == nil && t.Priority == Normal {
			t.Priority = cat.DefaultPriority
		}
		ev, err := categorise(t, cat, l, by, now)
		if err != nil {
			return nil, err
		}
		evs = append(evs, ev)
		serviceCode = cat.ServiceCode
		changed = append(changed, "service_code")
	}
	if p.Attributes != nil {
		if serviceCode == "" {
			return nil, apperr.Errorf(apperr.Invalid, "attributes need a category")
		}
		cat, err := l.Category(serviceCode)
		if err != nil {
			return nil, err
		}
		if err := cat.CheckAttributes(p.Attributes); err != nil {
			return nil, err
		}
		if !maps.EqualFunc(t.Attributes, p.Attributes, slices.Equal[[]string]) {
			t.Attributes = p.Attributes
			changed = append(changed, "attributes")
		}
	}
	set("address", &t.Address, trimmed(p.Address))
	set("address_id", &t.AddressID, p.AddressID)
	set("area", &t.Area, trimmed(p.Area))
	set("description", &t.Description, p.Description)
	set("first_name", &t.Caller.FirstName, p.FirstName)
	set("last_name", &t.Caller.LastName, p.LastName)
	if p.Lat != nil && !(t.Lat != nil && *t.Lat == *p.Lat && *t.Long == *p.Long) {
		t.Lat, t.Long = p.Lat, p.Long
		changed = append(changed, "location")
	}
	if len(changed) == 0 {
		return nil, nil // the same values again: nothing to record
	}
	detail["fields"] = changed
	touch(t, now)
	t.NextEscalationAt = NextEscalation(*t)
	return append([]Event{{At: now, Type: EventUpdated, Actor: by, Detail: detail}}, evs...), nil
}

func trimmed(s *string) *string {
	if s == nil {
		return nil
	}
	v := strings.TrimSpace(*s)
	return &v
}

// Target is the department a transition to Assigned assigns to.
func (tr Transition) Target(t Ticket) string {
	if tr.Department != "" {
		return tr.Department
	}
	return t.DepartmentCode
}

// ApplyTransition changes t's status as tr asks, returning the events to append.
func ApplyTransition(t *Ticket, tr Transition, l Lookup, by Actor, now time.Time) ([]Event, error) {
	if err := mayChange(*t, by); err != nil {
		return nil, err
	}
	if _, err := ParseStatus(string(tr.To)); err != nil {
		return nil, err
	}
	if by.Role == "department" && !slices.Contains(departmentMay, tr.To) {
		return nil, apperr.Errorf(apperr.Forbidden,
			"departments may acknowledge, start, resolve or send back a misrouted ticket, not set it %s", tr.To)
	}
	if err := checkVersion(*t, tr.Version); err != nil {
		return nil, err
	}
	from := t.Status
	if !Allowed(from, tr.To) {
		return nil, apperr.Errorf(apperr.Conflict, "ticket %s is %s and cannot become %s (it may become %s)",
			t.Reference, from, tr.To, joinStatuses(next[from]))
	}
	note := strings.TrimSpace(tr.Note)
	needNote := func(what string) error {
		if note == "" {
			return apperr.Errorf(apperr.Invalid, "%s needs a note saying %s", tr.To, what)
		}
		return nil
	}
	ev := Event{At: now, Type: EventStatusChanged, From: from, To: tr.To, Reason: note, Public: true, Actor: by,
		Detail: map[string]any{}}
	switch tr.To {
	case Assigned:
		if t.ServiceCode == "" {
			return nil, apperr.Errorf(apperr.Invalid, "set the ticket's category before assigning it")
		}
		code := tr.Target(*t)
		if code == "" {
			return nil, apperr.Errorf(apperr.Invalid, "assign to which department?")
		}
		dep, err := l.Department(code)
		if err != nil {
			return nil, err
		}
		if !dep.Active {
			return nil, apperr.Errorf(apperr.Conflict, "department %s is not active", code)
		}
		t.DepartmentCode = dep.Code
		ev.Detail["department"] = dep.Code
	case Acknowledged, InProgress:
		if t.AcknowledgedAt == nil {
			t.AcknowledgedAt = &now
		}
	case Resolved:
		if err := needNote("what was done"); err != nil {
			return nil, err
		}
		if t.AcknowledgedAt == nil {
			t.AcknowledgedAt = &now
		}
		t.ResolvedAt = &now
	case Closed:
		if from == Registered {
			cat, err := l.Category(t.ServiceCode)
			if err != nil || !cat.OnTheSpot {
				return nil, apperr.Errorf(apperr.Conflict,
					"only requests answered on the spot are closed without a department; assign ticket %s", t.Reference)
			}
			if err := needNote("the answer given"); err != nil {
				return nil, err
			}
			t.AcknowledgedAt, t.ResolvedAt = &now, &now
			ev.Detail["answered_on_the_spot"] = true
		}
		t.ClosedAt = &now
	case Reopened:
		if err := needNote("why it is not done"); err != nil {
			return nil, err
		}
		t.ResolvedAt, t.ClosedAt = nil, nil
	case Registered:
		// Sent back to triage: the department is no longer responsible, and the next
		// one must react again.
		if err := needNote("why the ticket is not the department's"); err != nil {
			return nil, err
		}
		ev.Public = false
		ev.Detail["misrouted_from"] = t.DepartmentCode
		t.DepartmentCode, t.AcknowledgedAt = "", nil
	case Duplicate:
		if tr.DuplicateOf <= 0 {
			return nil, apperr.Errorf(apperr.Invalid, "duplicate needs duplicate_of: the original ticket")
		}
		orig, err := originalOf(*t, tr.DuplicateOf, l)
		if err != nil {
			return nil, err
		}
		t.DuplicateOf = &orig.ID
		t.ClosedAt = &now
		ev.Detail["duplicate_of"] = orig.Reference
		if note == "" {
			ev.Reason = "duplicate of " + orig.Reference
		}
	case Cancelled:
		if err := needNote("why"); err != nil {
			return nil, err
		}
		t.ClosedAt = &now
	}
	t.Status = tr.To
	if ev.Public && ev.Reason != "" {
		t.StatusNotes = ev.Reason
	}
	touch(t, now)
	t.NextEscalationAt = NextEscalation(*t)
	return []Event{ev}, nil
}

// originalOf finds the ticket a duplicate points to: the root of any chain, never the
// duplicate itself.
func originalOf(t Ticket, id int64, l Lookup) (Ticket, error) {
	for range 8 {
		if id == t.ID {
			return Ticket{}, apperr.Errorf(apperr.Invalid, "ticket %s cannot be a duplicate of itself", t.Reference)
		}
		orig, err := l.Ticket(id)
		if err != nil {
			return Ticket{}, err
		}
		switch orig.Status {
		case Duplicate:
			id = *orig.DuplicateOf
			continue
		case Cancelled:
			return Ticket{}, apperr.Errorf(apperr.Conflict, "ticket %s was cancelled; it cannot be the original", orig.Reference)
		}
		return orig, nil
	}
	return Ticket{}, apperr.Errorf(apperr.Conflict, "duplicate chain of ticket %d is too long", id)
}

// NewReporter is the link that keeps the caller of duplicate dup on the original.
func NewReporter(orig, dup Ticket, by Actor, now time.Time) (Reporter, Event) {
	r := Reporter{TicketID: orig.ID, ReporterTicketID: dup.ID, Channel: dup.Channel, CallerNumber: dup.Caller.Number,
		CallerName: dup.Caller.Name(), CallerEmail: dup.Caller.Email, AttachedAt: now, AttachedBy: by.Name}
	return r, Event{TicketID: orig.ID, At: now, Type: EventReporterAttached, Actor: by,
		Detail: map[string]any{"ticket": dup.Reference, "channel": string(dup.Channel)}}
}

// ApplyNote appends a note to t's history.
func ApplyNote(t *Ticket, n Note, by Actor, now time.Time) ([]Event, error) {
	if err := mayChange(*t, by); err != nil {
		return nil, err
	}
	if err := checkVersion(*t, n.Version); err != nil {
		return nil, err
	}
	text := strings.TrimSpace(n.Text)
	if text == "" {
		return nil, apperr.Errorf(apperr.Invalid, "a note needs text")
	}
	if err := checkDescription(text); err != nil {
		return nil, apperr.Errorf(apperr.Invalid, "note: %s", apperr.Message(err))
	}
	if n.Public {
		t.StatusNotes = text
	}
	touch(t, now)
	return []Event{{At: now, Type: EventNote, Reason: text, Public: n.Public, Actor: by}}, nil
}

// Anonymise blanks the personal data of t's caller.
func Anonymise(t *Ticket, by Actor, now time.Time) Event {
	t.Caller = Caller{}
	t.AnonymisedAt = &now
	t.UpdatedAt = now
	return Event{At: now, Type: EventAnonymised, Actor: by, Detail: map[string]any{}}
}

func joinStatuses(ss []Status) string {
	if len(ss) == 0 {
		return "nothing else"
	}
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}

// Notice is a notification to a department, delivered through the outbox.
type Notice struct {
	Department string
	Topic      string // ticket.assigned, ticket.updated, ticket.withdrawn, ticket.escalated
}

// Notices says which departments to notify of a change from before to after made by
// by: the department the ticket was passed to, the one it was taken from, and the one
// holding it when someone else changed it. A department is not told of its own changes.
func Notices(before, after Ticket, by Actor) []Notice {
	b, a := before.WithDepartment(), after.WithDepartment()
	var out []Notice
	if b != "" && b != a && !by.IsDepartment(b) {
		out = append(out, Notice{Department: b, Topic: "ticket.withdrawn"})
	}
	switch {
	case a == "":
	case a != b:
		out = append(out, Notice{Department: a, Topic: "ticket.assigned"})
	case !by.IsDepartment(a):
		out = append(out, Notice{Department: a, Topic: "ticket.updated"})
	}
	return out
}

// FormatReference is the public reference of the n-th ticket of a year.
func FormatReference(year int, n int64) string { return fmt.Sprintf("109-%d-%06d", year, n) }
