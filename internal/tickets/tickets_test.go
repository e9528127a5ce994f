package tickets_test

import (
	"slices"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/tickets"
)

// lookup answers the rules from memory.
type lookup struct {
	cats    map[string]tickets.Category
	deps    map[string]tickets.Department
	policy  *tickets.Policy
	tickets map[int64]tickets.Ticket
}

func (l lookup) Category(code string) (tickets.Category, error) {
	c, ok := l.cats[code]
	if !ok || !c.Active {
		return c, apperr.Errorf(apperr.NotFound, "no category %s", code)
	}
	return c, nil
}

func (l lookup) Department(code string) (tickets.Department, error) {
	d, ok := l.deps[code]
	if !ok {
		return d, apperr.Errorf(apperr.NotFound, "no department %s", code)
	}
	return d, nil
}

func (l lookup) Policy(string, tickets.Priority) (*tickets.Policy, error) { return l.policy, nil }

func (l lookup) Ticket(id int64) (tickets.Ticket, error) {
	t, ok := l.tickets[id]
	if !ok {
		return t, apperr.Errorf(apperr.NotFound, "no ticket %d", id)
	}
	return t, nil
}

var t0 = time.Date(2026, 1, 12, 7, 0, 0, 0, time.UTC)

func newLookup() lookup {
	s := tickets.CitySeed()
	l := lookup{cats: map[string]tickets.Category{}, deps: map[string]tickets.Department{}, tickets: map[int64]tickets.Ticket{},
		policy: &tickets.Policy{ID: 7, Version: 3, RespondWithin: 2 * time.Hour, ResolveWithin: 24 * time.Hour}}
	for _, c := range s.Categories {
		l.cats[c.ServiceCode] = c
	}
	for _, d := range s.Departments {
		l.deps[d.Code] = d
	}
	return l
}

var (
	operator = tickets.Actor{Role: "operator", Name: "Aigerim", Subject: "aigerim"}
	water    = tickets.Actor{Role: "department", Name: "Water dispatch", Subject: "water"}
	roads    = tickets.Actor{Role: "department", Name: "Roads", Subject: "roads"}
)

func phoneTicket(t *testing.T) tickets.Ticket {
	t.Helper()
	tk, err := tickets.NewCallTicket(tickets.CallTicket{CallID: 5, CallerNumber: "8 701 123 45 67", Line: "109", ArrivedAt: t0}, t0)
	if err != nil {
		t.Fatal(err)
	}
	tk.ID, tk.Reference = 1, "109-2026-000001"
	return tk
}

func TestPhoneTicketGetsSLAWhenCategorised(t *testing.T) {
	l := newLookup()
	tk := phoneTicket(t)
	if tk.Caller.Number != "+77011234567" || tk.Status != tickets.Registered || tk.SLA != nil {
		t.Fatalf("new call ticket = %+v", tk)
	}
	code := "water_leak"
	later := t0.Add(10 * time.Minute)
	evs, err := tickets.ApplyPatch(&tk, tickets.Patch{Version: 1, ServiceCode: &code}, l, operator, later)
	if err != nil {
		t.Fatal(err)
	}
	if tk.SLA == nil || !tk.SLA.ResponseDueAt.Equal(t0.Add(2*time.Hour)) || tk.SLA.PolicyVersion != 3 {
		t.Fatalf("SLA = %+v: deadlines run from the call, with the policy in force", tk.SLA)
	}
	if tk.Priority != tickets.High || tk.DepartmentCode != "water" || tk.Version != 2 {
		t.Fatalf("categorised ticket = %+v", tk)
	}
	if len(evs) != 2 || evs[0].Type != tickets.EventUpdated || evs[1].Type != tickets.EventCategorised {
		t.Fatalf("events = %+v", evs)
	}
	// A later category change keeps the deadlines.
	l.policy = &tickets.Policy{ID: 8, Version: 4, RespondWithin: time.Minute, ResolveWithin: time.Hour}
	code = "sewage_blockage"
	if _, err := tickets.ApplyPatch(&tk, tickets.Patch{Version: 2, ServiceCode: &code}, l, operator, later); err != nil {
		t.Fatal(err)
	}
	if tk.SLA.PolicyID != 7 {
		t.Fatalf("SLA re-snapshotted: %+v", tk.SLA)
	}
}

func TestLifecycle(t *testing.T) {
	l := newLookup()
	code := "water_leak"
	base := phoneTicket(t)
	if _, err := tickets.ApplyPatch(&base, tickets.Patch{Version: 1, ServiceCode: &code}, l, operator, t0); err != nil {
		t.Fatal(err)
	}
	type step struct {
		by   tickets.Actor
		tr   tickets.Transition
		code string // expected apperr code, "" for success
	}
	for _, tc := range []struct {
		name  string
		steps []step
		want  tickets.Status
	}{
		{"the full path", []step{
			{operator, tickets.Transition{To: tickets.Assigned}, ""},
			{water, tickets.Transition{To: tickets.Acknowledged}, ""},
			{water, tickets.Transition{To: tickets.InProgress}, ""},
			{water, tickets.Transition{To: tickets.Resolved, Note: "pipe replaced"}, ""},
			{operator, tickets.Transition{To: tickets.Closed}, ""},
		}, tickets.Closed},
		{"resolving needs a note", []step{
			{operator, tickets.Transition{To: tickets.Assigned}, ""},
			{water, tickets.Transition{To: tickets.Resolved}, apperr.Invalid},
		}, tickets.Assigned},
		{"registered cannot be resolved", []step{
			{operator, tickets.Transition{To: tickets.Resolved, Note: "x"}, apperr.Conflict},
		}, tickets.Registered},
		{"a department sees only its own tickets", []step{
			{operator, tickets.Transition{To: tickets.Assigned}, ""},
			{roads, tickets.Transition{To: tickets.Acknowledged}, apperr.NotFound},
		}, tickets.Assigned},
		{"a department sees nothing still in triage", []step{
			{water, tickets.Transition{To: tickets.Acknowledged}, apperr.NotFound},
		}, tickets.Registered},
		{"a department may not cancel", []step{
			{operator, tickets.Transition{To: tickets.Assigned}, ""},
			{water, tickets.Transition{To: tickets.Cancelled, Note: "no"}, apperr.Forbidden},
		}, tickets.Assigned},
		{"misrouted goes back to triage, never closed", []step{
			{operator, tickets.Transition{To: tickets.Assigned}, ""},
			{water, tickets.Transition{To: tickets.Registered}, apperr.Invalid},
			{water, tickets.Transition{To: tickets.Registered, Note: "this is a heating main"}, ""},
			{water, tickets.Transition{To: tickets.Acknowledged}, apperr.NotFound},
			{operator, tickets.Transition{To: tickets.Closed, Note: "x"}, apperr.Conflict},
			{operator, tickets.Transition{To: tickets.Assigned, Department: "heating"}, ""},
		}, tickets.Assigned},
		{"cancel needs a reason", []step{
			{operator, tickets.Transition{To: tickets.Cancelled}, apperr.Invalid},
			{operator, tickets.Transition{To: tickets.Cancelled, Note: "caller withdrew"}, ""},
			{operator, tickets.Transition{To: tickets.Reopened, Note: "x"}, apperr.Conflict},
		}, tickets.Cancelled},
		{"reopened after closing", []step{
			{operator, tickets.Transition{To: tickets.Assigned}, ""},
			{water, tickets.Transition{To: tickets.Resolved, Note: "done"}, ""},
			{operator, tickets.Transition{To: tickets.Closed}, ""},
			{operator, tickets.Transition{To: tickets.Reopened, Note: "still leaking"}, ""},
			{water, tickets.Transition{To: tickets.InProgress}, ""},
		}, tickets.InProgress},
		{"duplicate needs the original", []step{
			{operator, tickets.Transition{To: tickets.Duplicate}, apperr.Invalid},
			{operator, tickets.Transition{To: tickets.Duplicate, DuplicateOf: 1}, apperr.Invalid},
			{operator, tickets.Transition{To: tickets.Duplicate, DuplicateOf: 99}, apperr.NotFound},
			{operator, tickets.Transition{To: tickets.Duplicate, DuplicateOf: 2}, ""},
		}, tickets.Duplicate},
		{"qc may not change tickets", []step{
			{tickets.Actor{Role: "qc"}, tickets.Transition{To: tickets.Assigned}, apperr.Forbidden},
		}, tickets.Registered},
		{"unknown status", []step{
			{operator, tickets.Transition{To: "done"}, apperr.Invalid},
		}, tickets.Registered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l.tickets[2] = tickets.Ticket{ID: 2, Reference: "109-2026-000002", Status: tickets.Assigned}
			tk := base
			for i, s := range tc.steps {
				s.tr.Version = tk.Version
				before := tk
				_, err := tickets.ApplyTransition(&tk, s.tr, l, s.by, t0.Add(time.Duration(i+1)*time.Minute))
				if apperr.Code(err) != s.code {
					t.Fatalf("step %d (%s by %s): err = %v, want %q", i, s.tr.To, s.by.Role, err, s.code)
				}
				if err != nil {
					tk = before // a refused change changes nothing (the store rolls back)
				}
			}
			if tk.Status != tc.want {
				t.Fatalf("status = %s, want %s", tk.Status, tc.want)
			}
		})
	}
}

func TestStaleVersionIsRefused(t *testing.T) {
	l := newLookup()
	tk := phoneTicket(t)
	addr := "пр. Мангилик Ел, 55"
	if _, err := tickets.ApplyPatch(&tk, tickets.Patch{Version: 1, Address: &addr}, l, operator, t0); err != nil {
		t.Fatal(err)
	}
	other := "ул. Кенесары, 40"
	before := tk
	_, err := tickets.ApplyPatch(&tk, tickets.Patch{Version: 1, Address: &other}, l, operator, t0)
	if apperr.Code(err) != apperr.Conflict || tk.Address != before.Address || tk.Version != 2 {
		t.Fatalf("stale patch: err=%v ticket=%+v", err, tk)
	}
}

func TestAnsweredOnTheSpot(t *testing.T) {
	l := newLookup()
	tk, evs, err := tickets.Build(tickets.NewTicket{Channel: tickets.Phone, ServiceCode: "info_request",
		Answer: "Маршрут 10 ходит каждые 12 минут"}, l, operator, t0)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Status != tickets.Closed || tk.ClosedAt == nil || tk.NextEscalationAt != nil || len(evs) != 3 {
		t.Fatalf("on-the-spot ticket = %+v, events %+v", tk, evs)
	}
	if _, _, err := tickets.Build(tickets.NewTicket{Channel: tickets.Web, ServiceCode: "pothole", Answer: "x"},
		l, operator, t0); apperr.Code(err) != apperr.Invalid {
		t.Fatalf("answer for a department's category: %v", err)
	}
	tk, _, err = tickets.Build(tickets.NewTicket{Channel: tickets.API, ServiceCode: "pothole",
		Attributes: map[string][]string{"size": {"large"}}}, l, tickets.Actor{Role: "open311"}, t0)
	if err != nil || tk.Status != tickets.Assigned || tk.DepartmentCode != "roads" {
		t.Fatalf("open311 ticket = %+v, %v", tk, err)
	}
}

func TestAttributes(t *testing.T) {
	cat := newLookup().cats["illegal_parking"]
	for _, tc := range []struct {
		name string
		vals map[string][]string
		ok   bool
	}{
		{"required present", map[string][]string{"plate": {"123ABC01"}}, true},
		{"with a list value", map[string][]string{"plate": {"123ABC01"}, "place": {"lawn"}}, true},
		{"required missing", map[string][]string{"place": {"lawn"}}, false},
		{"value not in the list", map[string][]string{"plate": {"1"}, "place": {"roof"}}, false},
		{"unknown attribute", map[string][]string{"plate": {"1"}, "colour": {"red"}}, false},
		{"two values for one", map[string][]string{"plate": {"1", "2"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := cat.CheckAttributes(tc.vals); (err == nil) != tc.ok {
				t.Fatalf("CheckAttributes(%v) = %v", tc.vals, err)
			}
		})
	}
	for _, c := range tickets.CitySeed().Categories {
		if err := c.Validate(); err != nil {
			t.Errorf("seed category %s: %v", c.ServiceCode, err)
		}
	}
	for _, d := range tickets.CitySeed().Departments {
		if err := d.Validate(); err != nil {
			t.Errorf("seed department %s: %v", d.Code, err)
		}
	}
}

func TestEscalation(t *testing.T) {
	tk := tickets.Ticket{ID: 1, Status: tickets.Assigned, DepartmentCode: "water", CreatedAt: t0,
		SLA: &tickets.SLASnapshot{ResponseDueAt: t0.Add(time.Hour), ResolutionDueAt: t0.Add(5 * time.Hour)}}
	tk.NextEscalationAt = tickets.NextEscalation(tk)
	if !tk.NextEscalationAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("first escalation at %v", tk.NextEscalationAt)
	}
	if bs, _ := tickets.Escalate(&tk, t0.Add(59*time.Minute)); len(bs) != 0 {
		t.Fatalf("escalated before the deadline: %v", bs)
	}
	bs, evs := tickets.Escalate(&tk, t0.Add(61*time.Minute))
	if len(bs) != 1 || bs[0].Kind != tickets.ResponseBreach || tk.EscalationLevel != 1 || len(evs) != 2 {
		t.Fatalf("response breach: %v level %d events %d", bs, tk.EscalationLevel, len(evs))
	}
	if !tk.NextEscalationAt.Equal(t0.Add(5 * time.Hour)) {
		t.Fatalf("next escalation %v, want the resolution deadline", tk.NextEscalationAt)
	}
	if bs, _ := tickets.Escalate(&tk, t0.Add(62*time.Minute)); len(bs) != 0 {
		t.Fatalf("escalated twice for one breach: %v", bs)
	}
	// The sweeper was away for two days: one resolution breach and no flood of reminders.
	bs, _ = tickets.Escalate(&tk, t0.Add(48*time.Hour))
	if kinds(bs) != "resolution" || tk.EscalationLevel != 2 {
		t.Fatalf("after two days: %v level %d", kinds(bs), tk.EscalationLevel)
	}
	bs, _ = tickets.Escalate(&tk, t0.Add(72*time.Hour))
	if kinds(bs) != "reminder" || tk.EscalationLevel != 3 {
		t.Fatalf("reminder: %v level %d", kinds(bs), tk.EscalationLevel)
	}
	// Both deadlines passed while nobody looked: both breaches at once.
	late := tickets.Ticket{Status: tickets.Assigned, CreatedAt: t0,
		SLA: &tickets.SLASnapshot{ResponseDueAt: t0.Add(time.Hour), ResolutionDueAt: t0.Add(2 * time.Hour)}}
	if bs, _ := tickets.Escalate(&late, t0.Add(3*time.Hour)); kinds(bs) != "response resolution" || late.EscalationLevel != 2 {
		t.Fatalf("late sweep: %v", kinds(bs))
	}
	// Acknowledged in time, resolved in time: nothing to escalate.
	ack := t0.Add(30 * time.Minute)
	fine := tickets.Ticket{Status: tickets.Resolved, AcknowledgedAt: &ack, ResolvedAt: &ack, CreatedAt: t0,
		SLA: &tickets.SLASnapshot{ResponseDueAt: t0.Add(time.Hour), ResolutionDueAt: t0.Add(2 * time.Hour)}}
	if tickets.NextEscalation(fine) != nil {
		t.Fatal("a resolved ticket has an escalation ahead")
	}
}

func kinds(bs []tickets.Breach) string {
	var s []string
	for _, b := range bs {
		s = append(s, string(b.Kind))
	}
	return join(s)
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

func TestNotices(t *testing.T) {
	reg := tickets.Ticket{Status: tickets.Registered, DepartmentCode: "water"}
	asg := tickets.Ticket{Status: tickets.Assigned, DepartmentCode: "water"}
	ack := tickets.Ticket{Status: tickets.Acknowledged, DepartmentCode: "water"}
	back := tickets.Ticket{Status: tickets.Registered}
	for _, tc := range []struct {
		name          string
		before, after tickets.Ticket
		by            tickets.Actor
		want          []tickets.Notice
	}{
		{"assigned", reg, asg, operator, []tickets.Notice{{"water", "ticket.assigned"}}},
		{"the department's own change", asg, ack, water, nil},
		{"the center changed it", ack, ack, operator, []tickets.Notice{{"water", "ticket.updated"}}},
		{"withdrawn by the center", ack, back, operator, []tickets.Notice{{"water", "ticket.withdrawn"}}},
		{"sent back by the department", ack, back, water, nil},
		{"still in triage", reg, reg, operator, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tickets.Notices(tc.before, tc.after, tc.by); !slices.Equal(got, tc.want) {
				t.Fatalf("Notices = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"8 701 123 45 67":    "+77011234567",
		"+7 (701) 123-45-67": "+77011234567",
		"77011234567":        "+77011234567",
		"7011234567":         "+77011234567",
		"+49 30 1234567":     "+49301234567",
		"anonymous":          "anonymous",
		"":                   "",
	} {
		if got := tickets.NormalizePhone(in); got != want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second}
	for i, w := range want {
		if got := tickets.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	if got := tickets.Backoff(50); got != time.Hour {
		t.Errorf("Backoff(50) = %v, want the 1h cap", got)
	}
}

func TestW3CTimes(t *testing.T) {
	for _, s := range []string{"2026-01-10T09:30:00+05:00", "2026-01-10T04:30:00Z", "2026-01-10T09:30+05:00", "2026-01-10T04:30:00.5Z"} {
		if _, err := tickets.ParseW3CTime(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range []string{"2026-01-10", "2026-01-10T09:30:00", "yesterday", "2026-13-10T09:30:00Z"} {
		if _, err := tickets.ParseW3CTime(s); apperr.Code(err) != apperr.Invalid {
			t.Errorf("%s accepted", s)
		}
	}
}
