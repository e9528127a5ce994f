package tickets

import (
	"context"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
)

// Policy is one version of the reaction and resolution times for a category (or, with
// ServiceCode "", for every category without its own) at one priority.
type Policy struct {
	ID            int64
	ServiceCode   string
	Priority      Priority
	Version       int
	RespondWithin time.Duration // until a department acknowledges
	ResolveWithin time.Duration // until it is resolved
	CreatedAt     time.Time
	CreatedBy     string
	SupersededAt  *time.Time // nil for the version in force
}

// Validate checks a policy before it is saved.
func (p Policy) Validate() error {
	if p.ServiceCode != "" && !ValidServiceCode(p.ServiceCode) {
		return apperr.Errorf(apperr.Invalid, "service code %q is malformed", p.ServiceCode)
	}
	if _, err := ParsePriority(string(p.Priority)); err != nil {
		return err
	}
	if p.RespondWithin < time.Minute {
		return apperr.Errorf(apperr.Invalid, "respond_within must be at least a minute")
	}
	if p.ResolveWithin < p.RespondWithin {
		return apperr.Errorf(apperr.Invalid, "resolve_within (%s) must not be shorter than respond_within (%s)",
			p.ResolveWithin, p.RespondWithin)
	}
	return nil
}

// ReminderInterval is how often an unresolved ticket past its resolution deadline is
// escalated again.
const ReminderInterval = 24 * time.Hour

// BreachKind is which promise a ticket broke.
type BreachKind string

const (
	ResponseBreach   BreachKind = "response"   // not acknowledged in time
	ResolutionBreach BreachKind = "resolution" // not resolved in time
	Reminder         BreachKind = "reminder"   // still not resolved, another interval later
)

// Breach is one broken deadline found by the sweeper.
type Breach struct {
	Kind  BreachKind
	DueAt time.Time
}

// NextEscalation is when the sweeper must look at t next: its response deadline while
// it is not acknowledged, then its resolution deadline, then every ReminderInterval
// until it is resolved. Nil when nothing is ahead (no SLA, or nobody has to act).
func NextEscalation(t Ticket) *time.Time {
	if t.SLA == nil || !t.Status.Active() {
		return nil
	}
	var at time.Time
	switch {
	case t.AcknowledgedAt == nil && t.ResponseBreachedAt == nil:
		at = t.SLA.ResponseDueAt
	case t.ResolvedAt != nil:
		return nil
	case t.ResolutionBreachedAt == nil:
		at = t.SLA.ResolutionDueAt
	case t.LastEscalatedAt != nil:
		at = t.LastEscalatedAt.Add(ReminderInterval)
	default:
		at = t.ResolutionBreachedAt.Add(ReminderInterval)
	}
	return &at
}

// Escalate records on t the deadlines it has broken by now: each breach raises the
// escalation level once. It returns the breaches (none when t is not due) and the
// events to append.
func Escalate(t *Ticket, now time.Time) ([]Breach, []Event) {
	var bs []Breach
	for {
		// After a reminder the next one is ReminderInterval away, so one sweep sends
		// at most one, however long the sweeper was away.
		due := NextEscalation(*t)
		if due == nil || due.After(now) {
			break
		}
		b := Breach{Kind: Reminder, DueAt: *due}
		switch {
		case t.AcknowledgedAt == nil && t.ResponseBreachedAt == nil:
			b.Kind, t.ResponseBreachedAt = ResponseBreach, &now
		case t.ResolutionBreachedAt == nil:
			b.Kind, t.ResolutionBreachedAt = ResolutionBreach, &now
		}
		t.LastEscalatedAt = &now
		t.EscalationLevel++
		bs = append(bs, b)
	}
	t.NextEscalationAt = NextEscalation(*t)
	if len(bs) == 0 {
		return nil, nil
	}
	sys := System("sla-sweeper")
	evs := make([]Event, 0, len(bs)+1)
	for _, b := range bs {
		evs = append(evs, Event{At: now, Type: EventSLABreached, Actor: sys,
			Detail: map[string]any{"kind": string(b.Kind), "due_at": b.DueAt, "department": t.DepartmentCode}})
	}
	evs = append(evs, Event{At: now, Type: EventEscalated, Actor: sys,
		Detail: map[string]any{"from_level": t.EscalationLevel - len(bs), "to_level": t.EscalationLevel}})
	return bs, evs
}

// Escalation is what one sweep did to one ticket.
type Escalation struct {
	TicketID   int64
	Reference  string
	Department string // "" when no department has the ticket
	Level      int    // the new escalation level
	Breaches   []Breach
}

// SLAStore keeps SLA policies and sweeps tickets past their deadlines.
type SLAStore interface {
	// SetPolicy adds a new version of the policy for p's category and priority,
	// superseding the one in force. Tickets keep the version they were given.
	// apperr Invalid for bad values, NotFound for an unknown category.
	SetPolicy(ctx context.Context, p Policy, by Actor) (Policy, error)
	// Policies returns the policies of a category ("" for the defaults; "*" for
	// all), in force only unless history is set.
	Policies(ctx context.Context, serviceCode string, history bool) ([]Policy, error)
	// Sweep escalates up to limit tickets whose next escalation is due at now: it
	// appends breach and escalation events, raises the escalation level and writes a
	// notification to the department's outbox, all in one transaction that locks the
	// tickets it takes and skips those another sweeper holds, so that sweepers
	// running at once never escalate a ticket twice. It returns what it did.
	Sweep(ctx context.Context, now time.Time, limit int) ([]Escalation, error)
}
