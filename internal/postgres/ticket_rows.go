package postgres

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ikomek/ikomek/internal/tickets"
)

// eventRows are ticket events as column arrays, so that one statement inserts any
// number of them through unnest; they get their ids in the order added.
type eventRows struct {
	ticket              []int64
	at                  []time.Time
	typ                 []string
	from, to            []*string
	reason              []string
	public              []bool
	role, name, subject []string
	token               []*int64
	detail              []string
}

// add appends evs; an event without its own ticket id belongs to ticketID.
func (r *eventRows) add(ticketID int64, evs []tickets.Event) error {
	for _, e := range evs {
		detail := e.Detail
		if detail == nil {
			detail = map[string]any{}
		}
		d, err := json.Marshal(detail)
		if err != nil {
			return err
		}
		id := ticketID
		if e.TicketID != 0 {
			id = e.TicketID
		}
		r.ticket = append(r.ticket, id)
		r.at = append(r.at, e.At)
		r.typ = append(r.typ, string(e.Type))
		r.from = append(r.from, nullIfEmpty(string(e.From)))
		r.to = append(r.to, nullIfEmpty(string(e.To)))
		r.reason = append(r.reason, e.Reason)
		r.public = append(r.public, e.Public)
		r.role = append(r.role, e.Actor.Role)
		r.name = append(r.name, e.Actor.Name)
		r.subject = append(r.subject, e.Actor.Subject)
		r.token = append(r.token, tokenID(e.Actor))
		r.detail = append(r.detail, string(d))
	}
	return nil
}

// args are the arrays for ticket_id, at, type, from_status, to_status, reason,
// public, actor_role, actor_name, actor_subject, actor_token and detail (JSON text).
func (r *eventRows) args() []any {
	return []any{r.ticket, r.at, r.typ, r.from, r.to, r.reason, r.public, r.role, r.name, r.subject, r.token, r.detail}
}

// queue adds the insert of the events to a batch.
func (r *eventRows) queue(b *pgx.Batch) {
	if len(r.ticket) == 0 {
		return
	}
	b.Queue(insertEventsSQL(1)+` ORDER BY e.ord`, r.args()...)
}

// insertEventsSQL inserts the events of eventRows.args given from parameter $first
// on, as rows of e with their order in e.ord.
func insertEventsSQL(first int) string {
	return `INSERT INTO ticket_events (ticket_id, at, type, from_status, to_status, reason, public,
			actor_role, actor_name, actor_subject, actor_token, detail)
		SELECT e.ticket_id, e.at, e.type, e.from_status, e.to_status, e.reason, e.public,
			e.actor_role, e.actor_name, e.actor_subject, e.actor_token, e.detail::jsonb
		FROM unnest(` + params(first, "bigint", "timestamptz", "text", "text", "text", "text",
		"bool", "text", "text", "text", "bigint", "text") + `)
			WITH ORDINALITY AS e(ticket_id, at, type, from_status, to_status, reason, public,
			actor_role, actor_name, actor_subject, actor_token, detail, ord)`
}

// noticeRows are notifications to departments as column arrays, inserted by one
// statement.
type noticeRows struct {
	ticket                     []int64
	department, topic, payload []string
	at                         []time.Time
}

// add appends the notification of topic about t to department, its payload built
// at at (with bs, the breaches of an escalation).
func (r *noticeRows) add(t tickets.Ticket, department, topic string, at time.Time, bs []tickets.Breach) error {
	payload, err := json.Marshal(tickets.NewPayload(topic, t, at, bs))
	if err != nil {
		return err
	}
	r.ticket = append(r.ticket, t.ID)
	r.department = append(r.department, department)
	r.topic = append(r.topic, topic)
	r.payload = append(r.payload, string(payload))
	r.at = append(r.at, at)
	return nil
}

// args are the arrays for ticket_id, department_code, topic, payload (JSON text)
// and created_at.
func (r *noticeRows) args() []any { return []any{r.ticket, r.department, r.topic, r.payload, r.at} }

// queue adds the insert of the notifications to a batch.
func (r *noticeRows) queue(b *pgx.Batch) {
	if len(r.ticket) == 0 {
		return
	}
	b.Queue(insertNoticesSQL(1), r.args()...)
}

// insertNoticesSQL inserts the notifications of noticeRows.args given from
// parameter $first on, as rows of o.
func insertNoticesSQL(first int) string {
	return `INSERT INTO ticket_outbox (ticket_id, department_code, topic, payload, created_at, next_attempt_at)
		SELECT o.ticket_id, o.department_code, o.topic, o.payload::jsonb, o.at, o.at
		FROM unnest(` + params(first, "bigint", "text", "text", "text", "timestamptz") + `)
			AS o(ticket_id, department_code, topic, payload, at)`
}

// params lists array parameters from $first on, one per type: "$1::bigint[], ...".
func params(first int, types ...string) string {
	var sb strings.Builder
	for i, t := range types {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "$%d::%s[]", first+i, t)
	}
	return sb.String()
}
