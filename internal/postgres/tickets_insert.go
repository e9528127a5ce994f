package postgres

import (
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ikomek/ikomek/internal/tickets"
)

// newTickets holds new tickets, their first events and their notifications as
// column arrays, so that one statement writes them all: PostgreSQL then starts
// one executor and checks each table's constraints once per batch instead of
// once per row and table, which is most of the cost of a small insert.
type newTickets struct {
	// tickets
	id                                                      []int64
	callID, recordingID, policyID                           []*int64
	reference, channel, line, operatorLogin                 []string
	number, firstName, lastName, email, deviceID, accountID []string
	serviceCode, departmentCode                             []*string
	status, priority, address, addressID, area              []string
	lat, long                                               []*float64
	description, attributes, mediaURL, statusNotes          []string
	policyVersion                                           []*int
	version                                                 []int
	respond, resolve, acked, resolved, closed, next         []*time.Time
	createdAt, updatedAt                                    []time.Time

	evs   eventRows  // their events
	notes noticeRows // their notifications
}

// add appends t, with the id and reference ticketNumbers gave it, its events and
// a notification for each department the new ticket concerns.
func (n *newTickets) add(t tickets.Ticket, evs []tickets.Event, by tickets.Actor, now time.Time) error {
	pid, pver, respond, resolve := slaArgs(t)
	attrs, err := json.Marshal(attributes(t))
	if err != nil {
		return err
	}
	n.id = append(n.id, t.ID)
	n.reference = append(n.reference, t.Reference)
	n.channel = append(n.channel, string(t.Channel))
	n.callID = append(n.callID, t.CallID)
	n.line = append(n.line, t.Line)
	n.recordingID = append(n.recordingID, t.RecordingID)
	n.operatorLogin = append(n.operatorLogin, t.OperatorLogin)
	n.number = append(n.number, t.Caller.Number)
	n.firstName = append(n.firstName, t.Caller.FirstName)
	n.lastName = append(n.lastName, t.Caller.LastName)
	n.email = append(n.email, t.Caller.Email)
	n.deviceID = append(n.deviceID, t.Caller.DeviceID)
	n.accountID = append(n.accountID, t.Caller.AccountID)
	n.serviceCode = append(n.serviceCode, nullIfEmpty(t.ServiceCode))
	n.departmentCode = append(n.departmentCode, nullIfEmpty(t.DepartmentCode))
	n.status = append(n.status, string(t.Status))
	n.priority = append(n.priority, string(t.Priority))
	n.address = append(n.address, t.Address)
	n.addressID = append(n.addressID, t.AddressID)
	n.area = append(n.area, t.Area)
	n.lat = append(n.lat, t.Lat)
	n.long = append(n.long, t.Long)
	n.description = append(n.description, t.Description)
	n.attributes = append(n.attributes, string(attrs))
	n.mediaURL = append(n.mediaURL, t.MediaURL)
	n.statusNotes = append(n.statusNotes, t.StatusNotes)
	n.policyID = append(n.policyID, pid)
	n.policyVersion = append(n.policyVersion, pver)
	n.respond = append(n.respond, respond)
	n.resolve = append(n.resolve, resolve)
	n.acked = append(n.acked, t.AcknowledgedAt)
	n.resolved = append(n.resolved, t.ResolvedAt)
	n.closed = append(n.closed, t.ClosedAt)
	n.next = append(n.next, t.NextEscalationAt)
	n.createdAt = append(n.createdAt, t.CreatedAt)
	n.updatedAt = append(n.updatedAt, t.UpdatedAt)
	n.version = append(n.version, t.Version)

	if err := n.evs.add(t.ID, evs); err != nil {
		return err
	}
	for _, no := range tickets.Notices(tickets.Ticket{}, t, by) {
		if err := n.notes.add(t, no.Department, no.Topic, now, nil); err != nil {
			return err
		}
	}
	return nil
}

// insertNewTicketsSQL writes the tickets, those with an escalation ahead into the
// sweeper's queue, and the events and notifications of the tickets it wrote: a
// phone ticket whose call already has one is skipped (ON CONFLICT) with its
// events. Events are numbered in the order given, so a ticket's history reads in
// the order it was built. The events' arrays follow the 37 of the tickets, the
// notifications' the 12 of the events (see queue).
var insertNewTicketsSQL = `
	WITH t AS (
		INSERT INTO tickets (id, reference, channel, call_id, line, recording_id, operator_login,
			caller_number, caller_first_name, caller_last_name, caller_email, caller_device_id, caller_account_id,
			service_code, department_code, status, priority, address, address_id, area, lat, long,
			description, attributes, media_url, status_notes, sla_policy_id, sla_policy_version,
			response_due_at, resolution_due_at, acknowledged_at, resolved_at, closed_at,
			next_escalation_at, created_at, updated_at, version)
		OVERRIDING SYSTEM VALUE
		SELECT id, reference, channel, call_id, line, recording_id, operator_login,
			caller_number, caller_first_name, caller_last_name, caller_email, caller_device_id, caller_account_id,
			service_code, department_code, status, priority, address, address_id, area, lat, long,
			description, attributes::jsonb, media_url, status_notes, sla_policy_id, sla_policy_version,
			response_due_at, resolution_due_at, acknowledged_at, resolved_at, closed_at,
			next_escalation_at, created_at, updated_at, version
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::text[],
			$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
			$14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[],
			$21::float8[], $22::float8[], $23::text[], $24::text[], $25::text[], $26::text[], $27::bigint[],
			$28::int[], $29::timestamptz[], $30::timestamptz[], $31::timestamptz[], $32::timestamptz[],
			$33::timestamptz[], $34::timestamptz[], $35::timestamptz[], $36::timestamptz[], $37::int[])
			AS n(id, reference, channel, call_id, line, recording_id, operator_login,
			caller_number, caller_first_name, caller_last_name, caller_email, caller_device_id, caller_account_id,
			service_code, department_code, status, priority, address, address_id, area, lat, long,
			description, attributes, media_url, status_notes, sla_policy_id, sla_policy_version,
			response_due_at, resolution_due_at, acknowledged_at, resolved_at, closed_at,
			next_escalation_at, created_at, updated_at, version)
		ON CONFLICT (call_id) DO NOTHING
		RETURNING id, next_escalation_at
	), q AS (
		INSERT INTO ticket_escalation_queue (ticket_id, due_at)
		SELECT id, next_escalation_at FROM t WHERE next_escalation_at IS NOT NULL
	), e AS (
		` + insertEventsSQL(38) + `
		WHERE e.ticket_id IN (SELECT id FROM t)
		ORDER BY e.ord
	), o AS (
		` + insertNoticesSQL(50) + `
		WHERE o.ticket_id IN (SELECT id FROM t)
	)
	SELECT id FROM t`

// queue adds the insert of everything n holds to a batch; written receives the id
// of each ticket written, in no particular order. A written ticket is stored as it
// was built: its times must have no more than microseconds, as the database keeps
// them (see createTime).
func (n *newTickets) queue(b *pgx.Batch, written func(id int64)) {
	args := []any{n.id, n.reference, n.channel, n.callID, n.line, n.recordingID, n.operatorLogin,
		n.number, n.firstName, n.lastName, n.email, n.deviceID, n.accountID,
		n.serviceCode, n.departmentCode, n.status, n.priority, n.address, n.addressID, n.area, n.lat, n.long,
		n.description, n.attributes, n.mediaURL, n.statusNotes, n.policyID, n.policyVersion,
		n.respond, n.resolve, n.acked, n.resolved, n.closed, n.next, n.createdAt, n.updatedAt, n.version}
	args = append(append(args, n.evs.args()...), n.notes.args()...)
	b.Queue(insertNewTicketsSQL, args...).Query(func(rows pgx.Rows) error {
		var id int64
		_, err := pgx.ForEachRow(rows, []any{&id}, func() error {
			written(id)
			return nil
		})
		return err
	})
}

// createTime is now as a new ticket records it: to the microsecond, as PostgreSQL
// stores it, so that the ticket a create returns equals the one read back later.
func createTime(now time.Time) time.Time { return now.Round(0).Truncate(time.Microsecond) }

// asStored is a ticket insertNewTicketsSQL wrote, as reading it back would give it.
func asStored(t tickets.Ticket) tickets.Ticket {
	if t.Attributes == nil {
		t.Attributes = map[string][]string{}
	}
	return t
}
