// Package tickets is the domain of citizen requests: a ticket for every call and for
// every request from the web, social media or Open311, routed to the responsible
// department, timed by an SLA, with an append-only history. No complaint may be
// hidden, forgotten or deleted.
//
// The package holds the types, the rules (which status may follow which, who may do
// what, when a ticket escalates) and the interfaces of the stores that keep them. It
// does no I/O; internal/postgres implements the stores.
package tickets

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ikomek/ikomek/internal/apperr"
)

// Channel is how a request reached the center.
type Channel string

const (
	Phone  Channel = "phone"
	Web    Channel = "web"
	Social Channel = "social"
	API    Channel = "api" // Open311 clients
)

// Channels lists every channel.
var Channels = []Channel{Phone, Web, Social, API}

// ParseChannel returns the channel named s, or an apperr Invalid.
func ParseChannel(s string) (Channel, error) {
	for _, c := range Channels {
		if string(c) == s {
			return c, nil
		}
	}
	return "", apperr.Errorf(apperr.Invalid, "unknown channel %q (phone, web, social or api)", s)
}

// Priority orders the work and selects the SLA policy.
type Priority string

const (
	Low       Priority = "low"
	Normal    Priority = "normal"
	High      Priority = "high"
	Emergency Priority = "emergency" // flooding, no heat in winter, a fallen wire
)

// Priorities lists every priority, lowest first.
var Priorities = []Priority{Low, Normal, High, Emergency}

// ParsePriority returns the priority named s, or an apperr Invalid.
func ParsePriority(s string) (Priority, error) {
	for _, p := range Priorities {
		if string(p) == s {
			return p, nil
		}
	}
	return "", apperr.Errorf(apperr.Invalid, "unknown priority %q (low, normal, high or emergency)", s)
}

// MaxDescription is the longest description accepted, in characters (Open311's limit,
// applied to every channel so that every ticket can be published).
const MaxDescription = 4000

// Caller is the person who reported a problem. It is personal data: anonymised after
// the retention period.
type Caller struct {
	Number    string // E.164 where it could be normalised
	FirstName string
	LastName  string
	Email     string
	DeviceID  string
	AccountID string
}

// Name is the caller's full name, as far as it is known.
func (c Caller) Name() string {
	switch {
	case c.FirstName == "":
		return c.LastName
	case c.LastName == "":
		return c.FirstName
	}
	return c.FirstName + " " + c.LastName
}

// Ticket is one request as the system of record keeps it.
type Ticket struct {
	ID            int64
	Reference     string // public: 109-2026-000123
	Channel       Channel
	CallID        *int64 // phone tickets created by the call path
	Line          string // the number dialled, for phone tickets
	RecordingID   *int64
	OperatorLogin string
	Caller        Caller
	AnonymisedAt  *time.Time

	ServiceCode    string // "" until categorised (phone tickets)
	DepartmentCode string // the department responsible, "" until known
	Status         Status
	Priority       Priority
	Address        string
	AddressID      string
	Area           string // city district, for the systemic-problems report
	Lat, Long      *float64
	Description    string
	Attributes     map[string][]string // Open311 attribute values by attribute code
	MediaURL       string
	StatusNotes    string // the latest public explanation of the status

	SLA                  *SLASnapshot
	AcknowledgedAt       *time.Time
	ResolvedAt           *time.Time
	ClosedAt             *time.Time
	ResponseBreachedAt   *time.Time
	ResolutionBreachedAt *time.Time
	EscalationLevel      int
	LastEscalatedAt      *time.Time
	NextEscalationAt     *time.Time

	DuplicateOf *int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Version increases with every change a person makes; a change must name the
	// version it was based on.
	Version int
}

// SLASnapshot is the SLA policy copied onto a ticket when its category was first set.
type SLASnapshot struct {
	PolicyID        int64
	PolicyVersion   int
	ResponseDueAt   time.Time
	ResolutionDueAt time.Time
}

// Overdue reports whether t is past a deadline it has not met at now.
func (t Ticket) Overdue(now time.Time) bool {
	if t.SLA == nil || !t.Status.Active() {
		return false
	}
	if t.AcknowledgedAt == nil && now.After(t.SLA.ResponseDueAt) {
		return true
	}
	return t.ResolvedAt == nil && now.After(t.SLA.ResolutionDueAt)
}

// WithDepartment returns the department that has the ticket in hand: none while the
// ticket is being registered or triaged.
func (t Ticket) WithDepartment() string {
	if t.Status == Registered {
		return ""
	}
	return t.DepartmentCode
}

// Actor is who made a change: a token's holder, or the system itself.
type Actor struct {
	Role    string // a token role (operator, department, ...) or "system"
	Name    string
	Subject string // an operator login, a department code
	TokenID int64
}

// System is the actor of changes the controller makes by itself.
func System(name string) Actor { return Actor{Role: "system", Name: name} }

// IsDepartment reports whether a is the staff of department code.
func (a Actor) IsDepartment(code string) bool {
	return a.Role == "department" && code != "" && a.Subject == code
}

// EventType names what happened in an event.
type EventType string

const (
	EventCreated          EventType = "created"
	EventUpdated          EventType = "updated"     // fields changed
	EventCategorised      EventType = "categorised" // category first set, SLA snapshotted
	EventStatusChanged    EventType = "status_changed"
	EventNote             EventType = "note"
	EventOperatorSet      EventType = "operator_set"
	EventRecordingLinked  EventType = "recording_linked"
	EventReporterAttached EventType = "reporter_attached"
	EventSLABreached      EventType = "sla_breached"
	EventEscalated        EventType = "escalated"
	EventAnonymised       EventType = "anonymised"
)

// Event is one step of a ticket's history. Events are only ever added, and hold no
// personal data, so that anonymising a ticket never touches its history.
type Event struct {
	ID       int64
	TicketID int64
	At       time.Time
	Type     EventType
	From, To Status // set for status changes
	Reason   string // why, or the note's text
	Public   bool   // shown to citizens (Open311 status notes); internal otherwise
	Actor    Actor
	Detail   map[string]any
}

// CallTicket is what the call path knows when a call arrives.
type CallTicket struct {
	CallID       int64
	CallerNumber string
	Line         string
	ArrivedAt    time.Time
}

// NewTicket is a request registered through the API: by an operator (web, social
// media, a phone call taken outside the call path) or by an Open311 client.
type NewTicket struct {
	Channel     Channel
	ServiceCode string   // required for every channel but phone
	Priority    Priority // "" for the category's default
	Caller      Caller
	Address     string
	AddressID   string
	Area        string
	Lat, Long   *float64
	Description string
	Attributes  map[string][]string
	MediaURL    string
	// Answer closes the ticket at once, for categories answered on the spot (bus
	// routes, addresses of public service centers).
	Answer string
}

// Validate checks what can be checked without the catalogue.
func (n NewTicket) Validate() error {
	if _, err := ParseChannel(string(n.Channel)); err != nil {
		return err
	}
	if n.ServiceCode == "" && n.Channel != Phone {
		return apperr.Errorf(apperr.Invalid, "a %s ticket needs a service code", n.Channel)
	}
	if n.Priority != "" {
		if _, err := ParsePriority(string(n.Priority)); err != nil {
			return err
		}
	}
	if err := checkDescription(n.Description); err != nil {
		return err
	}
	for _, f := range []struct{ name, value string }{{"address", n.Address}, {"address_id", n.AddressID},
		{"area", n.Area}, {"media_url", n.MediaURL}, {"phone", n.Caller.Number}, {"first_name", n.Caller.FirstName},
		{"last_name", n.Caller.LastName}, {"email", n.Caller.Email}, {"device_id", n.Caller.DeviceID},
		{"account_id", n.Caller.AccountID}} {
		if err := checkText(f.name, f.value); err != nil {
			return err
		}
	}
	for k, vs := range n.Attributes {
		if err := checkText("attribute name", k); err != nil {
			return err
		}
		for _, v := range vs {
			if err := checkText("attribute "+k, v); err != nil {
				return err
			}
		}
	}
	return checkLocation(n.Lat, n.Long)
}

// maxField bounds the short text fields of a ticket.
const maxField = 1000

// checkText refuses what the database could not store (invalid UTF-8, NUL) and
// oversized short fields.
func checkText(field, s string) error {
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return apperr.Errorf(apperr.Invalid, "%s is not valid UTF-8 text", field)
	}
	if n := utf8.RuneCountInString(s); n > maxField {
		return apperr.Errorf(apperr.Invalid, "%s has %d characters; at most %d are accepted", field, n, maxField)
	}
	return nil
}

func checkDescription(s string) error {
	if n := utf8.RuneCountInString(s); n > MaxDescription {
		return apperr.Errorf(apperr.Invalid, "description has %d characters; at most %d are accepted", n, MaxDescription)
	}
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return apperr.Errorf(apperr.Invalid, "description is not valid UTF-8 text")
	}
	return nil
}

func checkLocation(lat, long *float64) error {
	if (lat == nil) != (long == nil) {
		return apperr.Errorf(apperr.Invalid, "lat and long go together")
	}
	if lat != nil && (*lat < -90 || *lat > 90 || *long < -180 || *long > 180) {
		return apperr.Errorf(apperr.Invalid, "location %g,%g is not a WGS84 latitude and longitude", *lat, *long)
	}
	return nil
}

// Patch changes the fields an operator fills during or after a call. Nil fields are
// left as they are. Version is the version the change is based on.
type Patch struct {
	Version     int
	ServiceCode *string
	Priority    *Priority
	Address     *string
	AddressID   *string
	Area        *string
	Lat, Long   *float64
	Description *string
	FirstName   *string
	LastName    *string
	Attributes  map[string][]string
}

// Empty reports whether p changes nothing.
func (p Patch) Empty() bool {
	return p.ServiceCode == nil && p.Priority == nil && p.Address == nil && p.AddressID == nil &&
		p.Area == nil && p.Lat == nil && p.Long == nil && p.Description == nil && p.FirstName == nil &&
		p.LastName == nil && p.Attributes == nil
}

// Transition asks for a status change. Version is the version it is based on.
type Transition struct {
	Version int
	To      Status
	// Note says why: required to cancel, to resolve (what was done), to send a
	// ticket back as misrouted and to reopen.
	Note string
	// Department to assign to; the category's department when empty.
	Department string
	// DuplicateOf is the original ticket, required for To == Duplicate.
	DuplicateOf int64
}

// Note is a remark added to a ticket's history.
type Note struct {
	Version int
	Text    string
	Public  bool
}

// View is what a ticket's page shows: the ticket, its history and the further
// callers attached to it.
type View struct {
	Ticket    Ticket
	Events    []Event
	Reporters []Reporter
}

// Reporter is a further caller attached to a ticket as the reporter of a duplicate.
type Reporter struct {
	ID               int64
	TicketID         int64
	ReporterTicketID int64
	Channel          Channel
	CallerNumber     string
	CallerName       string
	CallerEmail      string
	AttachedAt       time.Time
	AttachedBy       string
	AnonymisedAt     *time.Time
}

// Filter selects tickets. Zero fields do not filter.
type Filter struct {
	IDs          []int64
	References   []string
	Statuses     []Status
	ServiceCodes []string
	Department   string
	Channel      Channel
	CallerNumber string
	CallID       int64     // the ticket of this call (there is at most one)
	AddressText  string    // a substring of the address
	From, To     time.Time // created in [From, To)
	Overdue      bool      // past a deadline not met, now
	Categorised  bool      // only tickets with a category (what Open311 can show)
	Limit        int       // at most MaxPage; DefaultPage when 0
	Offset       int
}

// Page sizes of searches.
const (
	DefaultPage = 50
	MaxPage     = 1000
)

// Dimension is what a report counts tickets by.
type Dimension string

const (
	ByCategory   Dimension = "category"
	ByDepartment Dimension = "department"
	ByArea       Dimension = "area"
)

// ParseDimension returns the dimension named s, or an apperr Invalid.
func ParseDimension(s string) (Dimension, error) {
	switch d := Dimension(s); d {
	case ByCategory, ByDepartment, ByArea:
		return d, nil
	}
	return "", apperr.Errorf(apperr.Invalid, "cannot count by %q (category, department or area)", s)
}

// Count is one line of the systemic-problems report.
type Count struct {
	Key     string // service code, department code or area; "" for none
	Label   string // its name
	Total   int
	Open    int // not yet resolved, closed or cancelled
	Overdue int
}

// Store keeps tickets and their history. Implementations must be safe for concurrent
// use; every method that changes a ticket appends its events and the notifications to
// departments in the same transaction.
type Store interface {
	// CreateForCall creates the ticket of a phone call: channel phone, status
	// registered, no category yet. There is exactly one ticket per call: for a call
	// that already has one, it returns that ticket with created=false. Called by the
	// call path as soon as the call is recorded.
	CreateForCall(ctx context.Context, in CallTicket) (t Ticket, created bool, err error)
	// SetCallOperator records which operator handled the call's ticket and appends an
	// event when it changes. It does not change the ticket's Version, so it never
	// conflicts with the operator editing the ticket. apperr NotFound for no ticket.
	SetCallOperator(ctx context.Context, ticketID int64, operatorLogin string) error
	// LinkRecording stores the id of the call's recording on the ticket, with an
	// event; like SetCallOperator it leaves Version alone.
	LinkRecording(ctx context.Context, ticketID int64, recordingID int64) error

	// Create registers a request from the API or Open311. With a category it is
	// assigned to the category's department at once (or closed at once with the
	// Answer, for categories answered on the spot). apperr Invalid for bad input,
	// NotFound for an unknown or inactive service code.
	Create(ctx context.Context, in NewTicket, by Actor) (Ticket, error)
	// Get returns a ticket; apperr NotFound if there is none.
	Get(ctx context.Context, id int64) (Ticket, error)
	// ByReference returns the ticket with a public reference; apperr NotFound.
	ByReference(ctx context.Context, ref string) (Ticket, error)
	// Update changes fields of a ticket that is not final. Setting the category the
	// first time snapshots the SLA policy in force. apperr Conflict when p.Version is
	// not the ticket's version (nothing is changed), Invalid for bad values.
	Update(ctx context.Context, id int64, p Patch, by Actor) (Ticket, error)
	// Transition changes a ticket's status under the lifecycle rules (see Allowed).
	// Department actors may act only on their own tickets (apperr NotFound for
	// others). apperr Conflict for a stale version or a transition not allowed from
	// the current status; Invalid for a missing note or duplicate_of.
	Transition(ctx context.Context, id int64, tr Transition, by Actor) (Ticket, error)
	// AddNote appends a note, public or internal; apperr Conflict for a stale version.
	AddNote(ctx context.Context, id int64, n Note, by Actor) (Ticket, error)
	// View returns a ticket with its history in order and its attached callers,
	// read together in one round trip to the database; apperr NotFound if there is
	// no such ticket.
	View(ctx context.Context, id int64) (View, error)
	// Events returns a ticket's history in order.
	Events(ctx context.Context, id int64) ([]Event, error)
	// Search returns tickets matching f, newest first, and whether there are more.
	Search(ctx context.Context, f Filter) (ts []Ticket, more bool, err error)
	// CallerTickets returns the tickets of a phone number, newest first: what the
	// operator sees when the caller is put through.
	CallerTickets(ctx context.Context, phone string, limit int) ([]Ticket, error)
	// Counts counts the tickets created in [from, to) by a dimension, most first.
	Counts(ctx context.Context, by Dimension, from, to time.Time) ([]Count, error)
	// Anonymise blanks the personal data of callers on final tickets closed before
	// cutoff (and of their attached reporters), appending an event to each; the
	// tickets are otherwise untouched. It returns how many tickets it anonymised.
	Anonymise(ctx context.Context, cutoff time.Time, by Actor) (int, error)
}
