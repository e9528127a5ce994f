package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/tickets"
)

// TicketStore is the PostgreSQL tickets.Store.
type TicketStore struct{ db *DB }

var _ tickets.Store = (*TicketStore)(nil)

// Tickets returns the ticket store.
func (db *DB) Tickets() *TicketStore { return &TicketStore{db: db} }

const ticketColumns = `id, reference, channel, call_id, line, recording_id, operator_login,
	caller_number, caller_first_name, caller_last_name, caller_email, caller_device_id, caller_account_id,
	anonymised_at, coalesce(service_code, ''), coalesce(department_code, ''), status, priority,
	address, address_id, area, lat, long, description, attributes, media_url, status_notes,
	sla_policy_id, sla_policy_version, response_due_at, resolution_due_at,
	acknowledged_at, resolved_at, closed_at, response_breached_at, resolution_breached_at,
	escalation_level, last_escalated_at, next_escalation_at, duplicate_of, created_at, updated_at, version`

func scanTicket(row pgx.Row) (t tickets.Ticket, err error) {
	var (
		policyID             *int64
		policyVersion        *int
		responseDue, resolve *time.Time
	)
	err = row.Scan(&t.ID, &t.Reference, &t.Channel, &t.CallID, &t.Line, &t.RecordingID, &t.OperatorLogin,
		&t.Caller.Number, &t.Caller.FirstName, &t.Caller.LastName, &t.Caller.Email, &t.Caller.DeviceID,
		&t.Caller.AccountID, &t.AnonymisedAt, &t.ServiceCode, &t.DepartmentCode, &t.Status, &t.Priority,
		&t.Address, &t.AddressID, &t.Area, &t.Lat, &t.Long, &t.Description, &t.Attributes, &t.MediaURL,
		&t.StatusNotes, &policyID, &policyVersion, &responseDue, &resolve,
		&t.AcknowledgedAt, &t.ResolvedAt, &t.ClosedAt, &t.ResponseBreachedAt, &t.ResolutionBreachedAt,
		&t.EscalationLevel, &t.LastEscalatedAt, &t.NextEscalationAt, &t.DuplicateOf, &t.CreatedAt, &t.UpdatedAt,
		&t.Version)
	if err == nil && policyID != nil && responseDue != nil && resolve != nil {
		t.SLA = &tickets.SLASnapshot{PolicyID: *policyID, PolicyVersion: *policyVersion,
			ResponseDueAt: *responseDue, ResolutionDueAt: *resolve}
	}
	if t.Attributes == nil {
		t.Attributes = map[string][]string{}
	}
	return t, err
}

func collectTickets(rows pgx.Rows) ([]tickets.Ticket, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tickets.Ticket, error) { return scanTicket(r) })
}

// slaArgs spreads a ticket's SLA snapshot into its four nullable columns.
func slaArgs(t tickets.Ticket) (policyID *int64, version *int, respond, resolve *time.Time) {
	if s := t.SLA; s != nil {
		return &s.PolicyID, &s.PolicyVersion, &s.ResponseDueAt, &s.ResolutionDueAt
	}
	return nil, nil, nil, nil
}

// attributes is never NULL in the table.
func attributes(t tickets.Ticket) map[string][]string {
	if t.Attributes == nil {
		return map[string][]string{}
	}
	return t.Attributes
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// saveTicket writes every field a change may touch, guarded by the version it read.
func saveTicket(ctx context.Context, q pgx.Tx, t tickets.Ticket, readVersion int) error {
	pid, pver, respond, resolve := slaArgs(t)
	tag, err := q.Exec(ctx, `
		UPDATE tickets SET operator_login = $3, caller_number = $4, caller_first_name = $5, caller_last_name = $6,
			caller_email = $7, caller_device_id = $8, caller_account_id = $9, anonymised_at = $10,
			service_code = $11, department_code = $12, status = $13, priority = $14, address = $15,
			address_id = $16, area = $17, lat = $18, long = $19, description = $20, attributes = $21,
			media_url = $22, status_notes = $23, sla_policy_id = $24, sla_policy_version = $25,
			response_due_at = $26, resolution_due_at = $27, acknowledged_at = $28, resolved_at = $29,
			closed_at = $30, response_breached_at = $31, resolution_breached_at = $32, escalation_level = $33,
			last_escalated_at = $34, next_escalation_at = $35, duplicate_of = $36, updated_at = $37, version = $38
		WHERE id = $1 AND version = $2`,
		t.ID, readVersion, t.OperatorLogin, t.Caller.Number, t.Caller.FirstName, t.Caller.LastName,
		t.Caller.Email, t.Caller.DeviceID, t.Caller.AccountID, t.AnonymisedAt, nullIfEmpty(t.ServiceCode),
		nullIfEmpty(t.DepartmentCode), t.Status, t.Priority, t.Address, t.AddressID, t.Area, t.Lat, t.Long,
		t.Description, attributes(t), t.MediaURL, t.StatusNotes, pid, pver, respond, resolve, t.AcknowledgedAt,
		t.ResolvedAt, t.ClosedAt, t.ResponseBreachedAt, t.ResolutionBreachedAt, t.EscalationLevel,
		t.LastEscalatedAt, t.NextEscalationAt, t.DuplicateOf, t.UpdatedAt, t.Version)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return apperr.Errorf(apperr.Conflict, "ticket %s was changed by someone else; reload it and try again", t.Reference)
	}
	return nil
}

// queueEvents adds the insert of events to a batch, as one statement.
func queueEvents(b *pgx.Batch, ticketID int64, evs []tickets.Event) error {
	var r eventRows
	if err := r.add(ticketID, evs); err != nil {
		return err
	}
	r.queue(b)
	return nil
}

func tokenID(a tickets.Actor) *int64 {
	if a.TokenID == 0 {
		return nil
	}
	return &a.TokenID
}

func sendBatch(ctx context.Context, tx pgx.Tx, b *pgx.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	return tx.SendBatch(ctx, b).Close()
}

func (s *TicketStore) CreateForCall(ctx context.Context, in tickets.CallTicket) (t tickets.Ticket, created bool, err error) {
	defer apperr.Wrap(&err, "Tickets.CreateForCall(call %d)", in.CallID)
	now := createTime(s.db.Now())
	nt, err := tickets.NewCallTicket(in, now)
	if err != nil {
		return t, false, err
	}
	// The common repeat (a resynchronised call) costs one read and no reference.
	t, err = scanTicket(s.db.Pool.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE call_id = $1`, in.CallID))
	if err == nil {
		return t, false, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return t, false, err
	}
	ids, refs, err := s.db.numbers.take(ctx, s.db, []int{nt.CreatedAt.Year()})
	if err != nil {
		return t, false, err
	}
	nt.ID, nt.Reference = ids[0], refs[0]
	// One round trip, one implicit transaction: the ticket and its first event. When
	// another controller created the call's ticket first, nothing is inserted.
	ev := tickets.Event{At: now, Type: tickets.EventCreated, To: tickets.Registered, Public: true,
		Actor: tickets.System("call-path"), Detail: map[string]any{"channel": "phone", "call_id": in.CallID, "line": in.Line}}
	var n newTickets
	if err := n.add(nt, []tickets.Event{ev}, ev.Actor, now); err != nil {
		return t, false, err
	}
	var b pgx.Batch
	n.queue(&b, func(int64) {
		t, created = asStored(nt), true
	})
	err = s.db.Pool.SendBatch(ctx, &b).Close()
	if isForeignKeyViolation(err) {
		return t, false, apperr.Errorf(apperr.NotFound, "call %d not found", in.CallID)
	}
	if err != nil {
		return t, false, err
	}
	if !created {
		// The other controller's transaction has committed: its ticket is there.
		t, err = scanTicket(s.db.Pool.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE call_id = $1`, in.CallID))
		return t, false, err
	}
	ticketCreated(t.Channel, "")
	return t, true, nil
}

func (s *TicketStore) SetCallOperator(ctx context.Context, ticketID int64, login string) (err error) {
	defer apperr.Wrap(&err, "Tickets.SetCallOperator(%d)", ticketID)
	login = strings.TrimSpace(login)
	if login == "" {
		return apperr.Errorf(apperr.Invalid, "an operator login is required")
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		var prev string
		err := tx.QueryRow(ctx, `SELECT operator_login FROM tickets WHERE id = $1 FOR UPDATE`, ticketID).Scan(&prev)
		if err != nil {
			return notFound(err, "ticket %d not found", ticketID)
		}
		if prev == login {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE tickets SET operator_login = $2 WHERE id = $1`, ticketID, login); err != nil {
			return err
		}
		var b pgx.Batch
		if err := queueEvents(&b, ticketID, []tickets.Event{{At: s.db.Now(), Type: tickets.EventOperatorSet,
			Actor: tickets.System("call-path"), Detail: map[string]any{"operator": login, "previous": prev}}}); err != nil {
			return err
		}
		return sendBatch(ctx, tx, &b)
	})
}

func (s *TicketStore) LinkRecording(ctx context.Context, ticketID int64, recordingID int64) (err error) {
	defer apperr.Wrap(&err, "Tickets.LinkRecording(%d, %d)", ticketID, recordingID)
	if recordingID <= 0 {
		return apperr.Errorf(apperr.Invalid, "recording id %d is not valid", recordingID)
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		var prev *int64
		err := tx.QueryRow(ctx, `SELECT recording_id FROM tickets WHERE id = $1 FOR UPDATE`, ticketID).Scan(&prev)
		if err != nil {
			return notFound(err, "ticket %d not found", ticketID)
		}
		if prev != nil && *prev == recordingID {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE tickets SET recording_id = $2 WHERE id = $1`, ticketID, recordingID); err != nil {
			return err
		}
		var b pgx.Batch
		if err := queueEvents(&b, ticketID, []tickets.Event{{At: s.db.Now(), Type: tickets.EventRecordingLinked,
			Actor: tickets.System("call-path"), Detail: map[string]any{"recording_id": recordingID}}}); err != nil {
			return err
		}
		return sendBatch(ctx, tx, &b)
	})
}

func (s *TicketStore) Get(ctx context.Context, id int64) (t tickets.Ticket, err error) {
	defer apperr.Wrap(&err, "Tickets.Get(%d)", id)
	t, err = scanTicket(s.db.Pool.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE id = $1`, id))
	return t, notFound(err, "ticket %d not found", id)
}

func (s *TicketStore) ByReference(ctx context.Context, ref string) (t tickets.Ticket, err error) {
	defer apperr.Wrap(&err, "Tickets.ByReference(%s)", ref)
	t, err = scanTicket(s.db.Pool.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE reference = $1`, ref))
	return t, notFound(err, "ticket %s not found", ref)
}

// change runs one change of a ticket: lock it, apply the rules, write the ticket, its
// events and the notifications to departments, all in one transaction.
func (s *TicketStore) change(ctx context.Context, id int64, by tickets.Actor,
	apply func(t *tickets.Ticket, l tickets.Lookup, now time.Time) ([]tickets.Event, error),
	after func(tx pgx.Tx, b *pgx.Batch, before, t tickets.Ticket, now time.Time) error,
) (t tickets.Ticket, err error) {
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		t, err = scanTicket(tx.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return notFound(err, "ticket %d not found", id)
		}
		before, now := t, s.db.Now()
		evs, err := apply(&t, &lookup{ctx: ctx, q: tx, lock: true}, now)
		if err != nil || len(evs) == 0 {
			return err
		}
		if err := saveTicket(ctx, tx, t, before.Version); err != nil {
			return err
		}
		var b pgx.Batch
		if err := queueEvents(&b, t.ID, evs); err != nil {
			return err
		}
		var notes noticeRows
		for _, n := range tickets.Notices(before, t, by) {
			if err := notes.add(t, n.Department, n.Topic, now, nil); err != nil {
				return err
			}
		}
		notes.queue(&b)
		if after != nil {
			if err := after(tx, &b, before, t, now); err != nil {
				return err
			}
		}
		return sendBatch(ctx, tx, &b)
	})
	if isDeadlock(err) {
		err = apperr.Errorf(apperr.Conflict, "ticket %d is being changed by someone else; try again", id)
	}
	return t, err
}

func (s *TicketStore) Update(ctx context.Context, id int64, p tickets.Patch, by tickets.Actor) (t tickets.Ticket, err error) {
	defer apperr.Wrap(&err, "Tickets.Update(%d)", id)
	return s.change(ctx, id, by, func(t *tickets.Ticket, l tickets.Lookup, now time.Time) ([]tickets.Event, error) {
		return tickets.ApplyPatch(t, p, l, by, now)
	}, nil)
}

func (s *TicketStore) Transition(ctx context.Context, id int64, tr tickets.Transition, by tickets.Actor) (t tickets.Ticket, err error) {
	defer apperr.Wrap(&err, "Tickets.Transition(%d, %s)", id, tr.To)
	return s.change(ctx, id, by, func(t *tickets.Ticket, l tickets.Lookup, now time.Time) ([]tickets.Event, error) {
		return tickets.ApplyTransition(t, tr, l, by, now)
	}, func(tx pgx.Tx, b *pgx.Batch, before, t tickets.Ticket, now time.Time) error {
		if t.Status != tickets.Duplicate || before.Status == tickets.Duplicate {
			return nil
		}
		// The duplicate's caller joins the original as a further reporter. The
		// original was locked by the rules' look-up.
		orig, err := scanTicket(tx.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE id = $1`, *t.DuplicateOf))
		if err != nil {
			return err
		}
		r, ev := tickets.NewReporter(orig, t, by, now)
		b.Queue(`INSERT INTO ticket_reporters (ticket_id, reporter_ticket_id, channel, caller_number, caller_name,
				caller_email, attached_at, attached_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			r.TicketID, r.ReporterTicketID, r.Channel, r.CallerNumber, r.CallerName, r.CallerEmail, r.AttachedAt, r.AttachedBy)
		return queueEvents(b, orig.ID, []tickets.Event{ev})
	})
}

func (s *TicketStore) AddNote(ctx context.Context, id int64, n tickets.Note, by tickets.Actor) (t tickets.Ticket, err error) {
	defer apperr.Wrap(&err, "Tickets.AddNote(%d)", id)
	return s.change(ctx, id, by, func(t *tickets.Ticket, l tickets.Lookup, now time.Time) ([]tickets.Event, error) {
		return tickets.ApplyNote(t, n, by, now)
	}, nil)
}

const (
	eventsSQL = `SELECT id, ticket_id, at, type, coalesce(from_status, ''),
			coalesce(to_status, ''), reason, public, actor_role, actor_name, actor_subject,
			coalesce(actor_token, 0), detail
		FROM ticket_events WHERE ticket_id = $1 ORDER BY id`
	reportersSQL = `SELECT id, ticket_id, reporter_ticket_id, channel, caller_number,
			caller_name, caller_email, attached_at, attached_by, anonymised_at
		FROM ticket_reporters WHERE ticket_id = $1 ORDER BY id`
)

func scanEvent(r pgx.CollectableRow) (e tickets.Event, err error) {
	err = r.Scan(&e.ID, &e.TicketID, &e.At, &e.Type, &e.From, &e.To, &e.Reason, &e.Public, &e.Actor.Role,
		&e.Actor.Name, &e.Actor.Subject, &e.Actor.TokenID, &e.Detail)
	return e, err
}

func scanReporter(r pgx.CollectableRow) (x tickets.Reporter, err error) {
	err = r.Scan(&x.ID, &x.TicketID, &x.ReporterTicketID, &x.Channel, &x.CallerNumber, &x.CallerName,
		&x.CallerEmail, &x.AttachedAt, &x.AttachedBy, &x.AnonymisedAt)
	return x, err
}

func (s *TicketStore) Events(ctx context.Context, id int64) (evs []tickets.Event, err error) {
	defer apperr.Wrap(&err, "Tickets.Events(%d)", id)
	rows, err := s.db.Pool.Query(ctx, eventsSQL, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanEvent)
}

// View sends the three reads as one pipelined batch: one connection from the pool
// and one round trip instead of three.
func (s *TicketStore) View(ctx context.Context, id int64) (v tickets.View, err error) {
	defer apperr.Wrap(&err, "Tickets.View(%d)", id)
	var b pgx.Batch
	b.Queue(`SELECT `+ticketColumns+` FROM tickets WHERE id = $1`, id).QueryRow(func(r pgx.Row) (err error) {
		v.Ticket, err = scanTicket(r)
		return notFound(err, "ticket %d not found", id)
	})
	b.Queue(eventsSQL, id).Query(func(rows pgx.Rows) (err error) {
		v.Events, err = pgx.CollectRows(rows, scanEvent)
		return err
	})
	b.Queue(reportersSQL, id).Query(func(rows pgx.Rows) (err error) {
		v.Reporters, err = pgx.CollectRows(rows, scanReporter)
		return err
	})
	if err = s.db.Pool.SendBatch(ctx, &b).Close(); err != nil {
		return tickets.View{}, err
	}
	return v, nil
}

// querier is what a pool and a transaction have in common for reading.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// lookup answers the ticket rules from the database, inside the change's transaction
// when it has one (then other tickets it reads are locked). What prefetch read is
// answered from memory.
type lookup struct {
	ctx      context.Context
	q        querier
	lock     bool
	cats     map[string]tickets.Category
	deps     map[string]tickets.Department
	policies map[string]*tickets.Policy // by service code and priority; nil: none applies
}

// queuePrefetch adds to a batch the read of a category with its department and the
// SLA policy in force for a priority ("" for the category's default), so that the
// rules are answered from memory afterwards. Several may share one batch.
func (l *lookup) queuePrefetch(b *pgx.Batch, code string, p tickets.Priority) {
	if code == "" {
		return
	}
	b.Queue(`
		SELECT c.service_code, c.name, c.description, c.group_name, c.keywords, c.department_code,
			c.default_priority, c.service_type, c.on_the_spot, c.notice, c.attributes, c.active, c.created_at,
			c.updated_at, d.code, d.name, d.kind, d.webhook_url, d.webhook_secret, d.active, d.created_at,
			d.updated_at,
			p.id, coalesce(p.service_code, ''), p.priority, p.version,
			extract(epoch FROM p.respond_within)::float8, extract(epoch FROM p.resolve_within)::float8,
			p.created_at, p.created_by
		FROM categories c
		JOIN departments d ON d.code = c.department_code
		LEFT JOIN LATERAL (
			SELECT * FROM sla_policies p
			WHERE (p.service_code = c.service_code OR p.service_code IS NULL)
			  AND p.priority = coalesce(nullif($2, ''), c.default_priority) AND p.superseded_at IS NULL
			ORDER BY p.service_code NULLS LAST LIMIT 1) p ON true
		WHERE c.service_code = $1`, code, string(p)).QueryRow(func(row pgx.Row) error {
		return l.scanPrefetch(row, code, p)
	})
}

func (l *lookup) scanPrefetch(row pgx.Row, code string, p tickets.Priority) error {
	var (
		c                     tickets.Category
		d                     tickets.Department
		policyID              *int64
		pol                   tickets.Policy
		policyCode, createdBy *string
		version               *int
		respond, resolve      *float64
		created               *time.Time
	)
	err := row.Scan(
		&c.ServiceCode, &c.Name, &c.Description, &c.Group, &c.Keywords, &c.DepartmentCode, &c.DefaultPriority,
		&c.Type, &c.OnTheSpot, &c.Notice, &c.Attributes, &c.Active, &c.CreatedAt, &c.UpdatedAt,
		&d.Code, &d.Name, &d.Kind, &d.WebhookURL, &d.WebhookSecret, &d.Active, &d.CreatedAt, &d.UpdatedAt,
		&policyID, &policyCode, &pol.Priority, &version, &respond, &resolve, &created, &createdBy)
	if err == pgx.ErrNoRows {
		return nil // the rules' own look-up reports it
	}
	if err != nil {
		return err
	}
	if p == "" {
		p = c.DefaultPriority
	}
	if l.cats == nil {
		l.cats, l.deps, l.policies = map[string]tickets.Category{}, map[string]tickets.Department{}, map[string]*tickets.Policy{}
	}
	l.cats[code] = c
	l.deps[d.Code] = d
	l.policies[code+"/"+string(p)] = nil
	if policyID != nil {
		pol.ID, pol.ServiceCode, pol.Version, pol.CreatedAt, pol.CreatedBy = *policyID, *policyCode, *version, *created, *createdBy
		pol.RespondWithin = time.Duration(*respond * float64(time.Second))
		pol.ResolveWithin = time.Duration(*resolve * float64(time.Second))
		l.policies[code+"/"+string(p)] = &pol
	}
	return nil
}

func (l *lookup) Category(code string) (tickets.Category, error) {
	c, ok := l.cats[code]
	if !ok {
		var err error
		if c, err = getCategory(l.ctx, l.q, code); err != nil {
			return c, err
		}
		if l.cats == nil {
			l.cats = map[string]tickets.Category{}
		}
		l.cats[code] = c
	}
	if !c.Active {
		return c, apperr.Errorf(apperr.NotFound, "category %s is no longer in use", code)
	}
	return c, nil
}

// group is the group of a category the rules looked up, for metrics.
func (l *lookup) group(code string) string { return l.cats[code].Group }

func (l *lookup) Department(code string) (tickets.Department, error) {
	if d, ok := l.deps[code]; ok {
		return d, nil
	}
	return getDepartment(l.ctx, l.q, code)
}

func (l *lookup) Policy(code string, p tickets.Priority) (*tickets.Policy, error) {
	if pol, ok := l.policies[code+"/"+string(p)]; ok {
		return pol, nil
	}
	return policyInForce(l.ctx, l.q, code, p)
}

func (l *lookup) Ticket(id int64) (tickets.Ticket, error) {
	q := `SELECT ` + ticketColumns + ` FROM tickets WHERE id = $1`
	if l.lock {
		q += ` FOR UPDATE`
	}
	t, err := scanTicket(l.q.QueryRow(l.ctx, q, id))
	return t, notFound(err, "ticket %d not found", id)
}

func isForeignKeyViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

func isDeadlock(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}
