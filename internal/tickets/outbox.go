package tickets

import (
	"context"
	"time"
)

// Message is a notification to a department waiting in the outbox.
type Message struct {
	ID         int64
	TicketID   int64
	Department string
	Topic      string
	Payload    []byte // the JSON body to deliver (a Payload)
	CreatedAt  time.Time
	Attempt    int // the attempt this claim is for, from 1
	// Where to deliver, read from the department when the message is claimed, so a
	// changed URL or secret applies to messages already waiting.
	URL    string
	Secret string
	// LeaseToken identifies this claim; recording an attempt needs it.
	LeaseToken int64
}

// Outcome is how a delivery attempt went.
type Outcome string

const (
	Delivered  Outcome = "delivered"   // the receiver answered 2xx
	Failed     Outcome = "failed"      // error or other status; retried later
	NoEndpoint Outcome = "no_endpoint" // the department has no webhook; it reads the API
	GaveUp     Outcome = "gave_up"     // failed too often; kept, not retried
)

// Outcomes lists every outcome.
var Outcomes = []Outcome{Delivered, Failed, NoEndpoint, GaveUp}

// Attempt is one delivery attempt, kept for every message.
type Attempt struct {
	MessageID  int64
	Attempt    int
	At         time.Time
	Duration   time.Duration
	URL        string
	StatusCode int // 0 when no response arrived
	Outcome    Outcome
	Error      string
	Worker     string
}

// Done reports whether the message needs no further attempt.
func (o Outcome) Done() bool { return o != Failed }

// Backoff is the wait before attempt n+1 after n failed ones: 10 s doubling each time,
// at most an hour.
func Backoff(n int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// Outbox is the queue of notifications to departments. Messages are written by the
// ticket and SLA stores in the transaction of the change they announce; deliverers on
// any controller claim and deliver them.
type Outbox interface {
	// Claim leases up to n messages due at now for lease, oldest first and at most
	// one per ticket at a time (so a department sees a ticket's changes in order).
	// A message whose lease ran out (its deliverer died) is claimed again.
	Claim(ctx context.Context, worker string, n int, now time.Time, lease time.Duration) ([]Message, error)
	// Record stores an attempt at a claimed message. A Failed attempt makes the
	// message due again at retryAt; any other outcome finishes it. A claim whose
	// lease was taken over records the attempt and changes nothing else.
	Record(ctx context.Context, m Message, a Attempt, retryAt time.Time) error
	// Backlog returns how many messages are not finished.
	Backlog(ctx context.Context) (int, error)
	// Deliveries returns the messages of a ticket with their attempts, oldest first.
	Deliveries(ctx context.Context, ticketID int64) ([]Delivery, error)
}

// Delivery is a message and what became of it.
type Delivery struct {
	ID         int64
	Department string
	Topic      string
	CreatedAt  time.Time
	Attempts   []Attempt
	DoneAt     *time.Time
	Outcome    Outcome // "" while pending
	NextAt     time.Time
}

// Payload is the JSON body a department's webhook receives.
type Payload struct {
	Topic      string        `json:"topic"`
	OccurredAt time.Time     `json:"occurred_at"`
	Ticket     PayloadTicket `json:"ticket"`
	Breaches   []string      `json:"breaches,omitempty"`
}

// PayloadTicket is a ticket as a department receives it, with the caller's contact so
// that the department can call back.
type PayloadTicket struct {
	ID              int64               `json:"id"`
	Reference       string              `json:"reference"`
	Channel         Channel             `json:"channel"`
	Status          Status              `json:"status"`
	Priority        Priority            `json:"priority"`
	ServiceCode     string              `json:"service_code"`
	Department      string              `json:"department"`
	Address         string              `json:"address,omitempty"`
	Area            string              `json:"area,omitempty"`
	Lat             *float64            `json:"lat,omitempty"`
	Long            *float64            `json:"long,omitempty"`
	Description     string              `json:"description,omitempty"`
	Attributes      map[string][]string `json:"attributes,omitempty"`
	MediaURL        string              `json:"media_url,omitempty"`
	StatusNotes     string              `json:"status_notes,omitempty"`
	CallerPhone     string              `json:"caller_phone,omitempty"`
	CallerName      string              `json:"caller_name,omitempty"`
	CreatedAt       time.Time           `json:"created_at"`
	ResponseDueAt   *time.Time          `json:"response_due_at,omitempty"`
	ResolutionDueAt *time.Time          `json:"resolution_due_at,omitempty"`
	EscalationLevel int                 `json:"escalation_level"`
	Version         int                 `json:"version"`
}

// NewPayload is the notification of topic about t.
func NewPayload(topic string, t Ticket, at time.Time, bs []Breach) Payload {
	p := Payload{Topic: topic, OccurredAt: at, Ticket: PayloadTicket{ID: t.ID, Reference: t.Reference,
		Channel: t.Channel, Status: t.Status, Priority: t.Priority, ServiceCode: t.ServiceCode,
		Department: t.DepartmentCode, Address: t.Address, Area: t.Area, Lat: t.Lat, Long: t.Long,
		Description: t.Description, Attributes: t.Attributes, MediaURL: t.MediaURL, StatusNotes: t.StatusNotes,
		CallerPhone: t.Caller.Number, CallerName: t.Caller.Name(), CreatedAt: t.CreatedAt,
		EscalationLevel: t.EscalationLevel, Version: t.Version}}
	if t.SLA != nil {
		p.Ticket.ResponseDueAt, p.Ticket.ResolutionDueAt = &t.SLA.ResponseDueAt, &t.SLA.ResolutionDueAt
	}
	for _, b := range bs {
		p.Breaches = append(p.Breaches, string(b.Kind))
	}
	return p
}
